// A password-strength thread that fails on purpose: the first password it is sent throws out of
// the thread, as a crash would (the real one is src/passwords/strength-thread.js).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', () => {
  throw new Error('the strength thread failed on purpose');
});
