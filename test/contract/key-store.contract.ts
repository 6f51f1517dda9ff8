import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/ports/key-store.js';

export function keyStoreContract(name: string, open: () => Promise<KeyStore>) {
  describe(`KeyStore contract: ${name}`, () => {
    let keys: KeyStore;
    beforeEach(async () => {
      keys = await open();
    });
    afterEach(() => keys.close());

    it('creates a 32-byte key once and gives the same key after', async () => {
      const subject = randomUUID();
      expect(await keys.get(subject)).toBeNull();
      const key = await keys.getOrCreate(subject);
      expect(key.length).toBe(32);
      expect(Buffer.compare(await keys.getOrCreate(subject), key)).toBe(0);
      expect(Buffer.compare((await keys.get(subject))!, key)).toBe(0);
    });

    it('concurrent first uses agree on one key', async () => {
      const subject = randomUUID();
      const all = await Promise.all(Array.from({ length: 10 }, () => keys.getOrCreate(subject)));
      expect(new Set(all.map((k) => k.toString('hex'))).size).toBe(1);
    });

    it('a destroyed key is gone for good and never comes back', async () => {
      const subject = randomUUID();
      await keys.getOrCreate(subject);
      await keys.destroy(subject);
      await keys.destroy(subject);
      expect(await keys.get(subject)).toBeNull();
      expect(await keys.isDestroyed(subject)).toBe(true);
      await expect(keys.getOrCreate(subject)).rejects.toMatchObject({ code: 'key_destroyed' });
    });

    it('destroying a subject that never had a key still bars it', async () => {
      const subject = randomUUID();
      await keys.destroy(subject);
      await expect(keys.getOrCreate(subject)).rejects.toMatchObject({ code: 'key_destroyed' });
      expect(await keys.isDestroyed(randomUUID())).toBe(false);
    });

    it('gives many keys at once: the same as one by one, without the destroyed and the unknown', async () => {
      const live = [randomUUID(), randomUUID(), randomUUID()];
      const created = await Promise.all(live.map((subject) => keys.getOrCreate(subject)));
      const destroyed = randomUUID();
      await keys.getOrCreate(destroyed);
      await keys.destroy(destroyed);
      const found = await keys.getMany([...live, destroyed, randomUUID(), live[0]!]);
      expect([...found.keys()].sort()).toEqual([...live].sort());
      live.forEach((subject, i) => expect(Buffer.compare(found.get(subject)!, created[i]!)).toBe(0));
      expect((await keys.getMany([])).size).toBe(0);
    });
  });
}
