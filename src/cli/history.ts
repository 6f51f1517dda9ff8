/** `history`: an account's audit trail, replayed from its events. */
import type { Command } from 'commander';
import type { DecodedEvent } from '../events/codec.js';
import { isoTime, resolveUser, table, withService } from './shared.js';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description("an account's audit trail, replayed from its events (as of a time, if given)")
    .argument('<user>', 'user id or username')
    .option('--as-of <time>', 'fold the stream up to this instant (ISO 8601)', isoTime)
    .option('--json', 'print the events and the state as JSON')
    .action(async (who: string, options: { asOf?: Date; json?: boolean }) => {
      await withService(async (service) => {
        const history = await service.accounts.userHistory(await resolveUser(service, who), options.asOf);
        if (options.json) return console.log(JSON.stringify(history, null, 2));
        console.log(
          table(
            history.events.map((e) => ({
              at: e.at,
              event: e.type,
              actor: e.metadata.actor,
              ip: e.metadata.ip,
              summary: service.accounts.summarize({ type: e.type, data: e.data } as DecodedEvent),
            })),
          ),
        );
        console.log(`\nAs of ${history.as_of}: ${history.state ? JSON.stringify(history.state) : 'no account'}`);
      });
    });
}
