/** `projections` and `rebuild`: the read models' status, and rebuilding one, here or on a running server. */
import { SingleBar, Presets } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { projections } from '../../projections/index.js';
import { openStores } from '../composition/stores.js';
import { createEventCodec } from '../events/codec.js';
import { ProjectionRunner } from '../projections/runner.js';
import { configOrDie, quiet, remote, table, withService } from './shared.js';

export function registerProjections(program: Command): void {
  program
    .command('projections')
    .description('each read model: version, position, head, lag, status')
    .option('--url <url>', 'ask this running server instead (needs --token)')
    .option('--token <token>', "an admin's session token for --url")
    .action(async (options: { url?: string; token?: string }) => {
      if (options.url) {
        if (!options.token) throw new InvalidArgumentError('--url needs --token');
        return console.log(table(await remote(options.url, options.token, 'GET', '/admin/projections')));
      }
      await withService(async (service) => {
        const head = await service.eventStore.headPosition();
        console.log(
          table(
            service.projections.status().map((p) => ({
              name: p.name,
              version: p.version,
              generation: p.generation,
              position: String(p.position),
              head: String(head),
              lag: String(head > p.position ? head - p.position : 0n),
              status: p.status,
            })),
          ),
        );
      });
    });
}

export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description('rebuild a read model from the first event, with a progress bar')
    .argument('<name>', `one of: ${projections.map((p) => p.name).join(', ')}`)
    .option(
      '--url <url>',
      'ask this running server to rebuild (it keeps serving the live version until the swap); needs --token',
    )
    .option('--token <token>', "an admin's session token for --url")
    .action(async (name: string, options: { url?: string; token?: string }) => {
      const bar = new SingleBar(
        {
          format: `${name} |{bar}| {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
          etaBuffer: 50,
          // Without a terminal (CI, a log file) the bar is printed as a line every few seconds.
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        Presets.shades_classic,
      );
      if (options.url) {
        if (!options.token) throw new InvalidArgumentError('--url needs --token');
        const start = await remote(options.url, options.token, 'POST', `/admin/projections/${name}/rebuild`);
        const before = await remote(options.url, options.token, 'GET', `/admin/projections/${name}`);
        bar.start(1, 0, { rate: 0 });
        for (;;) {
          const p = await remote(options.url, options.token, 'GET', `/admin/projections/${name}`);
          bar.setTotal(Math.max(1, p.total));
          bar.update(p.processed, { rate: p.events_per_sec });
          if (p.status !== 'rebuilding' && (p.generation > before.generation || start.status !== 'rebuilding')) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        bar.stop();
        return console.log(`${name} rebuilt on the server; it now serves the new version`);
      }
      const definition = projections.find((p) => p.name === name);
      if (!definition) throw new InvalidArgumentError(`no projection named ${name}`);
      // Only what a rebuild needs: the stores, the codec, and a runner for this one projection.
      const config = configOrDie();
      // Embedded with API_PROCESSES: each process has its own read-models file, and each is rebuilt.
      const processes = config.mongoUrl ? 1 : config.apiProcesses;
      for (let index = 1; index <= processes; index += 1) {
        const role = processes > 1 ? { index, count: processes } : undefined;
        if (role) console.log(`read models of API process ${index} of ${processes}`);
        const stores = await openStores(config, () => new Date(), { process: role });
        const runner = new ProjectionRunner(
          {
            eventStore: stores.eventStore,
            readStore: stores.readStore,
            codec: createEventCodec(stores.keyStore),
            logger: quiet,
          },
          [definition],
          // A one-off: it retires the old generation; the running instances follow and drop it later.
          { registryPollMs: 0 },
        );
        try {
          // The live generation first resumes from its checkpoint (the read store outlives the
          // process); the next one is then built from the first event beside it, and swapped in.
          await runner.start();
          const head = await stores.eventStore.headPosition();
          const started = Date.now();
          bar.start(Number(head), 0, { rate: 0 });
          const timer = setInterval(() => {
            const building = runner.status().find((p) => p.status === 'rebuilding') ?? runner.status()[0]!;
            bar.update(Number(building.position), {
              rate: Math.round(building.processed / Math.max(0.001, (Date.now() - started) / 1000)),
            });
          }, 200);
          await runner.rebuild(name);
          clearInterval(timer);
          const done = runner.status()[0]!;
          const seconds = (Date.now() - started) / 1000;
          bar.update(Number(head), { rate: Math.round(done.processed / seconds) });
          bar.stop();
          console.log(
            `${name}: ${done.processed} events in ${seconds.toFixed(1)} s (${Math.round(done.processed / seconds)} events/s)`,
          );
        } finally {
          await runner.stop();
          await stores.queue.close();
          await stores.eventStore.close();
          await stores.readStore.close();
          await stores.keyStore.close();
          stores.closeSqlite();
        }
      }
    });
}
