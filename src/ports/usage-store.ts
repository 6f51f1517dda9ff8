/** Where last uses of credentials are kept: it must outlive the process (SQLite in embedded mode, MongoDB otherwise). */
export interface UsageStore {
  lastUsed(ids: string[]): Promise<Map<string, string>>;
  /** Keeps the later of the stored and the given time. */
  record(entries: [string, string][]): Promise<void>;
}
