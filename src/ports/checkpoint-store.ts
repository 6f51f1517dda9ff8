/** Where a subscription keeps its position, and which event store that position came from. */
export interface Checkpoint {
  position: bigint;
  /** The event store's identity (`EventStore.identity`); null for one written before it was recorded. */
  store: string | null;
}

export interface CheckpointStore {
  get(id: string): Promise<Checkpoint | null>;
  set(id: string, position: bigint, store: string): Promise<void>;
  delete(id: string): Promise<void>;
}
