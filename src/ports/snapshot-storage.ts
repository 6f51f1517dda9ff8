/**
 * Where the sealed read-model snapshot waits between a clean stop and the next start (a file in
 * DATA_DIR). It holds bytes only: sealing, versions and the marker check are the caller's.
 */
export interface SnapshotStorage {
  /** Removes what a save that died half-way left: it is never read. */
  discardIncomplete(): Promise<void>;
  /** The saved bytes, or null when there are none. */
  read(): Promise<Buffer | null>;
  /** Saves the bytes durably, readable by the service only, replacing any saved before; a failed save leaves nothing of itself. */
  write(bytes: Buffer): Promise<void>;
  /** Deletes the saved bytes (a snapshot is read once). */
  remove(): Promise<void>;
}
