// The password-strength thread (started by strength.ts): zxcvbn-ts costs up to tens of ms of CPU
// per password (a long random one), which on the event loop would stall every request in flight.
// Plain JavaScript, so that it runs from `src` under the test runner and from `dist` alike. A
// password it is sent is checked and forgotten: never logged, never in an answer.
import { parentPort } from 'node:worker_threads';
import { createStrengthCheck } from './zxcvbn.js';

const check = createStrengthCheck();

parentPort.on('message', ({ id, password, words }) => {
  let answer;
  try {
    answer = { id, strength: check(password, words) };
  } catch (error) {
    answer = { id, failure: error instanceof Error ? error.name : 'error' };
  }
  parentPort.postMessage(answer);
});
