/**
 * `reactors resume-at-head`: after the event store changed under a data directory (SQLite to
 * EVENTSTORE_URL, or another cluster), the reactors refuse to start from a position of the old
 * store (ForeignCheckpointError). This moves their checkpoints to the newest event of the store
 * configured now, recorded as its own: they act on what comes next, never on what came before.
 */
import type { Command } from 'commander';
import { REACTOR_CHECKPOINTS } from '../composition/reactors.js';
import { openStores } from '../composition/stores.js';
import { configOrDie, table } from './shared.js';

export function registerReactors(program: Command): void {
  const reactors = program.command('reactors').description("the reactors' checkpoints (mail jobs, erasure)");
  reactors
    .command('resume-at-head')
    .description(
      'after a change of event store: let the reactors start from its newest event (earlier events are not acted on)',
    )
    .option('--yes', 'do it: the reactors will not act on the events before the head (mails, erasures)')
    .action(async (options: { yes?: boolean }) => {
      const stores = await openStores(configOrDie(), () => new Date());
      try {
        const store = await stores.eventStore.identity();
        const head = await stores.eventStore.headPosition();
        const rows = [];
        for (const id of REACTOR_CHECKPOINTS) {
          const before = await stores.reactorCheckpoints.get(id);
          if (options.yes) await stores.reactorCheckpoints.set(id, head, store);
          rows.push({
            checkpoint: id,
            was: before ? `${before.position} (${before.store ?? 'unrecorded store'})` : 'none',
            now: `${head} (${store})`,
          });
        }
        console.log(table(rows));
        if (!options.yes) {
          console.log(
            `Nothing changed. With --yes the reactors resume at ${head} on ${store}: no mail and no erasure for the events before.`,
          );
          process.exitCode = 1;
        }
      } finally {
        await stores.queue.close();
        await stores.eventStore.close();
        await stores.readStore.close();
        await stores.keyStore.close();
        stores.closeSqlite();
      }
    });
}
