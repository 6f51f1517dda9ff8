/** The readiness probe behind GET /readyz: every store answers, and every read model keeps up. */
import type { Logger } from 'pino';
import type { Readiness } from '../http/routes/ops.js';
import type { EventStore } from '../ports/event-store.js';
import type { KeyStore } from '../ports/key-store.js';
import type { ReadStore } from '../ports/read-store.js';
import type { ProjectionRunner } from '../projections/runner.js';

/** Ready: every store answers, and every read model reaches the store's head within a second. */
export function createReadiness(deps: {
  eventStore: EventStore;
  readStore: ReadStore;
  keyStore: KeyStore;
  runner: ProjectionRunner;
  logger: Logger;
  /** Of several API processes, this one's number: the answer names it. */
  process?: number;
}): () => Promise<Readiness> {
  const { eventStore, readStore, keyStore, runner, logger } = deps;
  return async () => {
    const reasons: string[] = [];
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await probe();
      } catch (error) {
        logger.warn({ err: error }, `${name} unreachable`);
        reasons.push(`${name} unreachable`);
      }
    };
    let head = 0n;
    await check('event store', async () => (head = await eventStore.headPosition()));
    await check('read store', () => readStore.ping());
    await check('key store', () => keyStore.ping());
    const live = runner.status().filter((p) => p.status !== 'rebuilding');
    for (const p of live) if (p.status === 'retrying') reasons.push(`read model ${p.name} is failing and retrying`);
    if (
      !reasons.length &&
      !(await runner.waitFor(
        head,
        live.map((p) => p.name),
        1000,
      ))
    ) {
      for (const p of runner.status())
        if (p.status !== 'rebuilding' && p.position < head) reasons.push(`read model ${p.name} is behind`);
    }
    return {
      ready: reasons.length === 0,
      reasons,
      projections: runner.status().map((p) => ({ name: p.name, status: p.status, position: String(p.position) })),
      ...(deps.process ? { process: deps.process } : {}),
    };
  };
}
