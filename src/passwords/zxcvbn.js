// zxcvbn-ts as this service sets it up: its common and English dictionaries, keyboard layouts and
// English feedback, built once (the dictionaries are ranked at construction, ~220 ms). Plain
// JavaScript, so that the strength thread (strength-thread.js) runs it from `src` under the test
// runner and from `dist` alike; the shapes are typed in strength.ts.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/**
 * A check `(password, accountWords) => { score, warning, suggestions }`. The words of the account
 * itself (username, address, names) are passed per check, so a password made of them scores as the
 * guessable thing it is.
 */
export function createStrengthCheck() {
  const zxcvbn = new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
    // Off: it compares the whole password with every dictionary word and costs ~20× the rest (~350 ms).
    useLevenshteinDistance: false,
    // Bounds on the work one password can cause (a request body is the attacker's to choose): at the
    // defaults (100 substitutions, 256 characters) 64 random symbols cost ~500–900 ms of CPU; here
    // ~30 ms. Five l33t substitutions still catch "p@$$w0rd!"; past 64 characters a password is
    // judged on its first 64, which already makes any non-trivial one strong.
    l33tMaxSubstitutions: 5,
    maxLength: 64,
  });
  return (password, accountWords) => {
    const result = zxcvbn.check(password, wordsOf(accountWords));
    return {
      score: result.score,
      warning: result.feedback.warning || null,
      suggestions: result.feedback.suggestions,
    };
  };
}

/** The account's words as zxcvbn compares them: each as given, and an address's local part and domain name. */
const wordsOf = (words) =>
  words
    .filter((word) => word.length >= 3)
    .flatMap((word) => {
      const [local, domain] = word.split('@');
      return domain ? [word, local, domain.split('.')[0]] : [word];
    })
    .filter((word) => word.length >= 3);
