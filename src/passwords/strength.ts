import { Worker } from 'node:worker_threads';
import type { Strength, StrengthCheckHere } from './strength-here.js';

export type { Strength } from './strength-here.js';

/** The strength of a password, the account's own words (username, address, names) counted as known. */
export type StrengthMeter = (password: string, accountWords: readonly string[]) => Promise<Strength>;

let shared: StrengthMeter | null = null;

/**
 * The check on a thread of its own, one per process: a long random password costs zxcvbn-ts tens
 * of ms of CPU, which on the event loop would hold every request in flight (and the dictionaries'
 * ranking, ~220 ms, runs there too). The thread never keeps the process alive while idle. Should it
 * fail, the checks it had and every later one run on the calling thread: a password is never let
 * through unchecked.
 */
export const strengthThread = (): StrengthMeter => (shared ??= startStrengthThread());

interface Pending {
  password: string;
  words: string[];
  resolve: (strength: Strength) => void;
  reject: (error: unknown) => void;
}

/**
 * A meter with a thread of its own (`strengthThread` shares one), started at once: the thread
 * ranks the dictionaries (~220 ms) while the service starts, not while the first check waits
 * (a service restarted under load took that in its first registration). Tests give a script that
 * fails on purpose.
 */
export function startStrengthThread(script = new URL('./strength-thread.js', import.meta.url)): StrengthMeter {
  const pending = new Map<number, Pending>();
  let seq = 0;
  /**
   * The stand-in on this thread, loaded only if the thread fails: otherwise the dictionaries would
   * be loaded in both threads.
   */
  let inProcess: Promise<StrengthCheckHere> | null = null;
  const checkHere = (check: Pending) => {
    (inProcess ??= import('./strength-here.js').then(({ createStrengthMeter }) => createStrengthMeter()))
      .then((meter) => check.resolve(meter(check.password, check.words)))
      .catch(check.reject);
  };
  let failed = false;
  const fail = () => {
    failed = true;
    const left = [...pending.values()];
    pending.clear();
    for (const check of left) checkHere(check);
  };

  // A young generation of 4 MB (V8's default is several times that): its garbage is a password's
  // short-lived matches, and the default's extra pages were most of what the thread cost in memory
  // (measured: 245 against 231 MB after a check; now 229–234), for no check faster.
  const thread = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  thread.on('error', fail);
  thread.on('exit', fail);
  thread.on('message', (answer: { id: number; strength: Strength } | { id: number; failure: string }) => {
    const check = pending.get(answer.id);
    if (!check) return;
    pending.delete(answer.id);
    if (pending.size === 0) thread.unref();
    if ('strength' in answer) check.resolve(answer.strength);
    else check.reject(new Error(`the password-strength check failed (${answer.failure})`));
  });
  // After the listeners: adding a 'message' listener refs the thread again, and an idle thread must
  // not keep a process alive (the CLI would never exit).
  thread.unref();

  return (password, accountWords) =>
    new Promise<Strength>((resolve, reject) => {
      const check: Pending = { password, words: [...accountWords], resolve, reject };
      if (failed) return checkHere(check);
      seq += 1;
      pending.set(seq, check);
      thread.ref();
      thread.postMessage({ id: seq, password, words: check.words });
    });
}
