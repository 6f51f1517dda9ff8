/**
 * The key store: per-subject data keys for sealing personal data, and the service's own secrets.
 * It lives outside the event log and no projection rebuild ever touches it; destroying a key is
 * what erases a person's data from every event (crypto-shredding).
 */
export interface KeyStore {
  /** The subject's 32-byte key, created on first use. Refuses a subject whose key was destroyed. */
  getOrCreate(subject: string): Promise<Buffer>;
  /** The subject's key, or null when it never existed or was destroyed. */
  get(subject: string): Promise<Buffer | null>;
  /**
   * The keys of many subjects in one lookup (a catch-up's batch of events): those without one,
   * never created or destroyed, are absent from the answer.
   */
  getMany(subjects: string[]): Promise<Map<string, Buffer>>;
  /** Destroys the key for good; later `getOrCreate` for the same subject fails. Idempotent. */
  destroy(subject: string): Promise<void>;
  /** Whether the key was destroyed (as opposed to never created). */
  isDestroyed(subject: string): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class KeyDestroyedError extends Error {
  readonly code = 'key_destroyed';
  constructor(subject: string) {
    super(`The data key of ${subject} was destroyed`);
    this.name = 'KeyDestroyedError';
  }
}
