import { describe, expect, it } from 'vitest';
import { encodeId, decodeId } from '../../src/infra/queue/bullmq-envelope.js';
import { failureCode, JOB_FAILED, scrubbedError } from '../../src/infra/queue/scrub.js';

const ADDRESS = 'ada@example.test';

describe('what a queue stores about a failure', () => {
  it('keeps a short code or class name, and nothing that could be a sentence, an address or a URL', () => {
    expect(failureCode(Object.assign(new Error(ADDRESS), { code: 'ECONNECTION' }))).toBe('ECONNECTION');
    expect(failureCode(Object.assign(new Error(ADDRESS), { code: 550 }))).toBe(JOB_FAILED);
    expect(failureCode(new RangeError(ADDRESS))).toBe('RangeError');
    class SmtpRefused extends Error {}
    expect(failureCode(new SmtpRefused(ADDRESS))).toBe('SmtpRefused');
    for (const code of [ADDRESS, 'smtp://user:pw@host', 'two words', '550 rejected', 'x'.repeat(41)]) {
      expect(failureCode(Object.assign(new Error('boom'), { code }))).toBe(JOB_FAILED);
    }
    expect(failureCode(Object.assign(new Error('boom'), { name: `<${ADDRESS}>` }))).toBe(JOB_FAILED);
    for (const thrown of [new Error(ADDRESS), ADDRESS, { message: ADDRESS }, null, undefined, 42]) {
      expect(failureCode(thrown)).toBe(JOB_FAILED);
    }
  });

  it('gives BullMQ an Error whose message is the code and whose stack is empty (BullMQ stores a truthy stack)', () => {
    const original = Object.assign(new Error(`all recipients were rejected: 550 <${ADDRESS}>`), { code: 'EENVELOPE' });
    expect(original.stack).toContain(ADDRESS);
    const scrubbed = scrubbedError(original);
    expect(scrubbed).toBeInstanceOf(Error);
    expect(scrubbed.message).toBe('EENVELOPE');
    expect(scrubbed.stack).toBe('');
    expect(JSON.stringify(scrubbed, Object.getOwnPropertyNames(scrubbed))).not.toContain(ADDRESS);
  });
});

describe('job ids on BullMQ', () => {
  // BullMQ's test (Job.validateOptions): `${parseInt(id, 10)}` === id means "Custom Id cannot be integers".
  const refusedByBullmq = (id: string) => `${Number.parseInt(id, 10)}` === id;

  it('escapes every id BullMQ would refuse as an integer, and each one round-trips', () => {
    for (const id of ['5', '-5', '0', '-123', 'NaN', '9007199254740991']) {
      expect(refusedByBullmq(id)).toBe(true);
      expect(refusedByBullmq(encodeId(id))).toBe(false);
      expect(encodeId(id).startsWith('~')).toBe(true);
      expect(decodeId(encodeId(id))).toBe(id);
    }
  });

  it('leaves ids BullMQ takes as they are, all-digit ones excepted (escaped before, kept so)', () => {
    for (const id of ['-0', '+5', '1e3', '-05', 'Infinity', '0x5', 'c0ffee00-0000-4000-8000-000000000023']) {
      expect(refusedByBullmq(id)).toBe(false);
      expect(encodeId(id)).toBe(id);
    }
    expect(encodeId('05')).toBe('~05');
    expect(decodeId('~05')).toBe('05');
  });
});
