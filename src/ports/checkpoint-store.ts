/** Where a subscription keeps its position. */
export interface CheckpointStore {
  get(id: string): Promise<bigint | null>;
  set(id: string, position: bigint): Promise<void>;
  delete(id: string): Promise<void>;
}
