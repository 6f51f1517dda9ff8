/** Redis for the job queue: which failures mean it is unreachable, waiting until it answers, trying again meanwhile. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RETRY_STEP_MS = 200;

/** Failures that mean "Redis is not reachable right now", worth another try. */
export const isConnectionError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/.test(
      error.message,
    ) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT'
  );
};

/** Resolves once `client` is ready; rejects after `timeoutMs`, with the last error it saw. */
export const waitUntilReady = (client: Redis, timeoutMs: number): Promise<void> => {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (error: unknown) => (lastError = error);
    const done = (error?: unknown) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(
      () =>
        done(
          new Error(
            `Redis did not answer within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
          ),
        ),
      timeoutMs,
    );
    client.on('ready', onReady);
    client.on('error', onError);
  });
};

/** Runs `attempt` again while Redis is unreachable, for at most `timeoutMs`, and not once the queue is `closed()`. */
export const retryWhileUnreachable = async <T>(
  timeoutMs: number,
  attempt: () => Promise<T>,
  closed: () => boolean,
): Promise<T> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (closed() || !isConnectionError(error) || Date.now() + RETRY_STEP_MS > until) throw error;
      await sleep(RETRY_STEP_MS);
    }
  }
};
