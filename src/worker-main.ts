import { ConfigError, loadConfig } from './config.js';
import { createService } from './service.js';

/**
 * `npm run worker`: the job processors and the jobs reactor as their own process, against Redis.
 * It serves no HTTP. Run the API servers with WORKERS=off when workers run here.
 */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (!config.redisUrl) {
    console.error('npm run worker needs REDIS_URL: without Redis, the server runs the workers itself (WORKERS=inline).');
    process.exit(1);
  }
  const service = await createService({ ...config, workers: 'inline' });
  console.error('workers running; SIGTERM or SIGINT to stop');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: finishing the jobs in hand`);
    setTimeout(() => process.exit(1), 30_000).unref();
    await service.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('Failed to start the workers:', error);
  process.exit(1);
});
