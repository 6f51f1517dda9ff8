/** The password hasher port: bcrypt in a worker-thread pool, never on the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Compares against the hash, or spends the same time against a dummy hash when there is none. */
  verify(password: string, hash: string | null): Promise<boolean>;
  /** How many bcrypt operations ran (for tests that check a failed login costs exactly one). */
  readonly operations: number;
  close(): Promise<void>;
}
