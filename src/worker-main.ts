import { closeOnSignals, configOrExit } from './process.js';
import { createService } from './service.js';

/**
 * `npm run worker`: the job processors and the jobs reactor as their own process, against Redis.
 * It serves no HTTP. Run the API servers with WORKERS=off when workers run here.
 */
async function main() {
  const config = configOrExit();
  if (!config.redisUrl) {
    console.error(
      'npm run worker needs REDIS_URL: without Redis, the server runs the workers itself (WORKERS=inline).',
    );
    process.exit(1);
  }
  const service = await createService({ ...config, workers: 'inline' });
  console.error('workers running; SIGTERM or SIGINT to stop');
  closeOnSignals(() => service.close(), { graceMs: 30_000, what: 'finishing the jobs in hand' });
}

main().catch((error: unknown) => {
  console.error('Failed to start the workers:', error);
  process.exit(1);
});
