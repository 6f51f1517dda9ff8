import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { Logger } from 'pino';
import type { EventStore } from '../ports/event-store.js';
import type { KeyStore } from '../ports/key-store.js';
import type { SnapshotMarker, SnapshottableReadStore } from '../ports/read-store.js';
import type { SnapshotStorage } from '../ports/snapshot-storage.js';

/**
 * The embedded read models saved whole when the service stops, and loaded when it starts again,
 * so that a restart catches up from where it stopped instead of folding every event again (a
 * million events took minutes; a snapshot loads in seconds).
 *
 * - A snapshot is derived state and nothing else: every read model's checkpoint is in it, so the
 *   events after them are applied on start as always, and any snapshot the event store still
 *   vouches for is valid, however old.
 * - It names the event store's head when it was taken (position and event id) and the version of
 *   every read model. A store that does not hold that event (an older backup restored, another
 *   data directory), or code whose read models have other versions, gets it ignored: the read
 *   models are built from the events, by the code that runs.
 * - The read models hold personal data in clear, so the snapshot is sealed (AES-256-GCM) with a
 *   key of its own in the key store, and loading it destroys that key: what a load leaves on disk
 *   (the deleted file's blocks, a copy) can no longer be read, and an account erased while the
 *   service runs is in no readable snapshot. A crash leaves none: the next start builds from the
 *   events.
 * - Where the sealed bytes wait is a port's business (`SnapshotStorage`: a file in DATA_DIR).
 */
const FORMAT = 'accounts-read-models/1';
const AAD = Buffer.from(FORMAT);

interface Envelope {
  format: string;
  subject: string;
  iv: Buffer;
  tag: Buffer;
  sealed: Buffer;
}

export interface SnapshotDeps {
  storage: SnapshotStorage;
  readStore: SnapshottableReadStore;
  eventStore: EventStore;
  keyStore: KeyStore;
  /** The version of every read model the running code has. */
  versions: Record<string, number>;
  logger: Logger;
}

const eventAt = async (eventStore: EventStore, position: bigint) =>
  position === 0n ? null : ((await eventStore.readAll({ fromPosition: position - 1n, maxCount: 1 }))[0] ?? null);

const sameVersions = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([name, version]) => b[name] === version);

/** Loads the snapshot, if there is one that holds; answers whether the read models came from it. */
export async function loadReadModelSnapshot(deps: SnapshotDeps): Promise<boolean> {
  const { storage, readStore, eventStore, keyStore, logger } = deps;
  // A save that died half-way left only an incomplete copy: never read, always removed.
  await storage.discardIncomplete();
  let envelope: Envelope | null = null;
  try {
    const buffer = await storage.read();
    if (!buffer) return false;
    await storage.remove();
    envelope = deserialize(buffer) as Envelope;
    if (envelope?.format !== FORMAT || typeof envelope.subject !== 'string')
      throw new Error('not a read-model snapshot of this version');
    const key = await keyStore.get(envelope.subject);
    if (!key) throw new Error('its key is gone (the snapshot was loaded before)');
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.iv);
    decipher.setAAD(AAD);
    decipher.setAuthTag(envelope.tag);
    const plain = Buffer.concat([decipher.update(envelope.sealed), decipher.final()]);
    const started = Date.now();
    const marker = await readStore.restore(plain);
    if (!sameVersions(marker.versions, deps.versions))
      throw new Error('the read models have other versions in this code');
    if (marker.position > 0n) {
      const event = await eventAt(eventStore, marker.position);
      if (event?.position !== marker.position || event.id !== marker.eventId)
        throw new Error(`the event store does not hold the event at ${marker.position} the snapshot was taken at`);
    }
    logger.info(
      { position: String(marker.position), ms: Date.now() - started },
      'read models loaded from their snapshot',
    );
    return true;
  } catch (error) {
    readStore.clear();
    logger.warn({ err: error }, 'read-model snapshot not used; building the read models from the events');
    return false;
  } finally {
    // Whatever happened, this snapshot is never read again.
    if (envelope && typeof envelope.subject === 'string')
      await keyStore.destroy(envelope.subject).catch(() => undefined);
  }
}

/** Saves the read models, sealed under a new key, durably (a failed save leaves neither its bytes nor its key). */
export async function saveReadModelSnapshot(deps: SnapshotDeps): Promise<SnapshotMarker> {
  const { storage, readStore, eventStore, keyStore } = deps;
  const position = await eventStore.headPosition();
  const marker: SnapshotMarker = {
    position,
    eventId: (await eventAt(eventStore, position))?.id ?? null,
    versions: deps.versions,
  };
  const subject = `service:read-model-snapshot:${randomUUID()}`;
  const key = await keyStore.getOrCreate(subject);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const sealed = Buffer.concat([cipher.update(readStore.snapshot(marker)), cipher.final()]);
  const envelope: Envelope = { format: FORMAT, subject, iv, tag: cipher.getAuthTag(), sealed };
  try {
    await storage.write(serialize(envelope));
  } catch (error) {
    await keyStore.destroy(subject).catch(() => undefined);
    throw error;
  }
  return marker;
}
