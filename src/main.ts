import cluster from 'node:cluster';
import { runPrimary } from './cluster/primary.js';
import { processRole } from './cluster/worker.js';
import { createLogger } from './logging.js';
import { closeOnSignals, configOrExit } from './process.js';
import { createService } from './service.js';

/**
 * `npm start`: read the configuration, build the service, serve until SIGTERM or SIGINT. With
 * API_PROCESSES above 1, this process becomes the cluster's primary and forks the API processes,
 * each of which runs this file again as a worker.
 */
async function main() {
  const config = configOrExit();
  if (config.apiProcesses > 1 && cluster.isPrimary) return runPrimary(config, createLogger(config.logLevel));
  const service = await createService(config, { process: processRole(config.apiProcesses) });
  await service.listen();
  const stop = closeOnSignals(() => service.close(), { graceMs: 10_000, what: 'shutting down' });
  // A process whose primary is gone gets no more connections: it stops as on SIGTERM.
  if (cluster.isWorker) process.on('disconnect', () => void stop('disconnect from the primary'));
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error);
  process.exit(1);
});
