/**
 * `API_PROCESSES=N`: the cluster's primary. It serves nothing itself: it gives each API process its
 * own read-models file, forks them (they share the port through node:cluster), keeps the rate
 * limits that must hold across them, relays what one process tells the others, and starts again a
 * process that dies.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { seedReadModels } from '../composition/stores.js';
import { isClusterMessage, PROCESS_INDEX_VARIABLE } from './messages.js';

/** A process that dies before it listens, this many times in a row, stops the whole service. */
const FAILED_STARTS_LIMIT = 5;
const RESTART_DELAY_MS = 1000;

/** Forks the API processes and looks after them until SIGTERM or SIGINT; resolves once they have all stopped. */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const processes = config.apiProcesses;
  for (const { index, ms } of await seedReadModels(config, processes))
    logger.info({ process: index, ms }, 'read models copied for a new API process');
  // The limits of every process, held here (rate-limiter-flexible's IPC limiter), unless Redis holds them.
  if (!config.redisUrl) new RateLimiterClusterMaster();

  const byIndex = new Map<number, Worker>();
  const listening = new Set<number>();
  const failedStarts = new Map<number, number>();
  let stopping = false;
  let announced = false;
  let port = 0;

  const fork = (index: number) => {
    const env: Record<string, string> = { [PROCESS_INDEX_VARIABLE]: String(index) };
    // bcrypt's threads are shared out: one pool per core in all, not per process.
    if (!process.env.BCRYPT_THREADS)
      env.BCRYPT_THREADS = String(Math.max(1, Math.ceil(availableParallelism() / processes)));
    const worker = cluster.fork(env);
    byIndex.set(index, worker);
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === 'listening') {
        listening.add(index);
        failedStarts.delete(index);
        port = message.port;
        if (!announced && listening.size === processes) {
          announced = true;
          logger.info({ processes, port }, 'every API process is listening');
        }
        return;
      }
      // Anything else is for the other processes (a rebuild every one of them makes).
      for (const [other, peer] of byIndex) if (other !== index && peer.isConnected()) peer.send(message);
    });
    worker.on('exit', (code, signal) => {
      if (byIndex.get(index) === worker) byIndex.delete(index);
      const wasListening = listening.delete(index);
      if (stopping) return;
      const failures = wasListening ? 0 : (failedStarts.get(index) ?? 0) + 1;
      failedStarts.set(index, failures);
      if (failures >= FAILED_STARTS_LIMIT) {
        logger.fatal({ process: index, code, signal }, 'an API process keeps failing to start: stopping the service');
        void stop(1);
        return;
      }
      logger.error({ process: index, code, signal }, 'an API process stopped: starting it again');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, RESTART_DELAY_MS).unref();
    });
  };

  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const exits = [...byIndex.values()].map(
      (worker) => new Promise<void>((resolve) => (worker.isDead() ? resolve() : worker.once('exit', () => resolve()))),
    );
    for (const worker of byIndex.values()) worker.process.kill('SIGTERM');
    await Promise.all(exits);
    done(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.on(signal, () => {
      logger.info({ signal }, 'stopping every API process');
      void stop(0);
    });

  for (let index = 1; index <= processes; index += 1) fork(index);
  logger.info({ processes, pid: process.pid }, 'API processes starting');
  const code = await finished;
  logger.info({ code }, 'every API process has stopped');
  process.exitCode = code;
}
