import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { SnapshotStorage } from '../../ports/snapshot-storage.js';

/** The snapshot's name in DATA_DIR. */
export const SNAPSHOT_FILE = 'read-models.snapshot';

/** The snapshot in one file (mode 0600), written beside it as `<file>.partial`, synced, then renamed over. */
export function createFileSnapshotStorage(file: string): SnapshotStorage {
  const partial = `${file}.partial`;
  return {
    async discardIncomplete() {
      rmSync(partial, { force: true });
    },
    async read() {
      try {
        return readFileSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async write(bytes) {
      try {
        const fd = openSync(partial, 'w', 0o600);
        try {
          writeSync(fd, bytes);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(partial, file);
      } catch (error) {
        rmSync(partial, { force: true });
        throw error;
      }
    },
    async remove() {
      rmSync(file, { force: true });
    },
  };
}
