import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { Logger } from 'pino';
import type { EventStore } from '../ports/event-store.js';
import type { MemoryReadStore, SnapshotMarker } from '../infra/readstore/memory.js';

/**
 * The embedded read models saved whole when the service stops, and loaded when it starts again,
 * so that a restart catches up from where it stopped instead of folding every event again (a
 * million events took minutes; a snapshot loads in seconds).
 *
 * - A snapshot is derived state and nothing else: every read model's checkpoint is in it, so the
 *   events after them are applied on start as always, and any snapshot the event store still
 *   vouches for is valid, however old.
 * - It names the event store's head when it was taken (position and event id). A store that does
 *   not hold that event (restored from an older backup, another data directory) gets the snapshot
 *   ignored, and the read models are built from the events.
 * - It is consumed: read and deleted at start, written again at a clean stop. The read models hold
 *   personal data in clear, so none of it lies on disk while the service runs, and an account
 *   erased while it runs is not in the next snapshot. A crash leaves no snapshot: the next start
 *   builds from the events.
 */
export const SNAPSHOT_FILE = 'read-models.snapshot';

const eventAt = async (eventStore: EventStore, position: bigint) =>
  position === 0n ? null : ((await eventStore.readAll({ fromPosition: position - 1n, maxCount: 1 }))[0] ?? null);

export async function loadReadModelSnapshot(file: string, readStore: MemoryReadStore, eventStore: EventStore, logger: Logger): Promise<boolean> {
  if (!existsSync(file)) return false;
  const buffer = readFileSync(file);
  unlinkSync(file);
  const started = Date.now();
  try {
    const marker = await readStore.restore(buffer);
    if (marker.position > 0n) {
      const event = await eventAt(eventStore, marker.position);
      if (event?.position !== marker.position || event.id !== marker.eventId) throw new Error(`the event store does not hold the event at ${marker.position} the snapshot was taken at`);
    }
    logger.info({ position: String(marker.position), ms: Date.now() - started }, 'read models loaded from their snapshot');
    return true;
  } catch (error) {
    readStore.clear();
    logger.warn({ err: error }, 'read-model snapshot not used; building the read models from the events');
    return false;
  }
}

export async function saveReadModelSnapshot(file: string, readStore: MemoryReadStore, eventStore: EventStore): Promise<SnapshotMarker> {
  const position = await eventStore.headPosition();
  const marker = { position, eventId: (await eventAt(eventStore, position))?.id ?? null };
  const buffer = readStore.snapshot(marker);
  // Whole or not at all: written beside, made durable, then renamed over.
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  try {
    writeSync(fd, buffer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return marker;
}
