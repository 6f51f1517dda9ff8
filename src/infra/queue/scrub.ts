/**
 * What a queue stores about a processor's failure: a stable code, never the error's text.
 *
 * An error's message and stack can carry personal data: nodemailer's "all recipients were
 * rejected" names the address, an SMTP answer may quote it, a connection error may hold a URL
 * with credentials. Both adapters keep failures for the 7-day retention (BullMQ in the job's
 * failedReason, stacktrace and events stream; SQLite in last_error), so they keep only this code.
 */

/** The code of a failure that names nothing more specific (a plain Error, or a thrown non-Error). */
export const JOB_FAILED = 'job_failed';

/**
 * A code or class name short enough and plain enough to say nothing about a person: `EENVELOPE`,
 * `ECONNREFUSED`, `TypeError`. No spaces, '@', ':' or digits first, so no address, URL or sentence.
 */
const SAFE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** The code stored for a failure: the error's `code` if it is safe, else its class name, else JOB_FAILED. */
export function failureCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return JOB_FAILED;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SAFE.test(code)) return code;
  if (!(error instanceof Error)) return JOB_FAILED;
  // `name` is what a subclass usually sets; the constructor's name covers one that does not.
  for (const name of [error.name, error.constructor?.name]) {
    if (typeof name === 'string' && name !== 'Error' && SAFE.test(name)) return name;
  }
  return JOB_FAILED;
}

/**
 * An Error that carries only the code: its message is the code and its stack is empty, so that
 * BullMQ (which stores `err.message` and, when truthy, `err.stack`) records the code and nothing else.
 */
export function scrubbedError(error: unknown): Error {
  const scrubbed = new Error(failureCode(error));
  scrubbed.name = 'JobFailure';
  scrubbed.stack = '';
  return scrubbed;
}
