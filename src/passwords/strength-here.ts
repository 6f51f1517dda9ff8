import type { Score } from '@zxcvbn-ts/core';
import { createStrengthCheck } from './zxcvbn.js';

/** What zxcvbn-ts makes of a password: its score (0–4), and its advice when it is weak. */
export interface Strength {
  score: Score;
  warning: string | null;
  suggestions: string[];
}

/** The check on the calling thread. */
export type StrengthCheckHere = (password: string, accountWords: readonly string[]) => Strength;

/**
 * The check on the calling thread: what `npm run bench:passwords` measures, and the strength
 * thread's stand-in should it fail. Importing this loads the dictionaries into the thread that does.
 */
export function createStrengthMeter(): StrengthCheckHere {
  const check = createStrengthCheck();
  return (password, accountWords) => check(password, [...accountWords]) as Strength;
}
