import { closeOnSignals, configOrExit } from './process.js';
import { createService } from './service.js';

/** `npm start`: read the configuration, build the service, serve until SIGTERM or SIGINT. */
async function main() {
  const service = await createService(configOrExit());
  await service.listen();
  closeOnSignals(() => service.close(), { graceMs: 10_000, what: 'shutting down' });
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error);
  process.exit(1);
});
