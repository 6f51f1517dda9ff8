import { Command } from 'commander';
import { isDomainError } from '../domain/shared/errors.js';
import { registerBackup } from './cli/backup.js';
import { registerCreateAdmin } from './cli/create-admin.js';
import { registerExport } from './cli/export.js';
import { registerHistory } from './cli/history.js';
import { registerOpenApi } from './cli/openapi.js';
import { registerReactors } from './cli/reactors.js';
import { registerProjections, registerRebuild } from './cli/projections.js';
import { registerWebhooks } from './cli/webhooks.js';

/**
 * `npm run cli -- <command>`: the operator's tools. They open the service's stores themselves (the
 * configuration is the service's own environment), so in embedded mode run them while the server
 * is stopped, or point `--url` and `--token` at a running server where a command can go through
 * its admin API (`projections`, `rebuild`). Each command is in src/cli/.
 */
const program = new Command()
  .name('accounts-cli')
  .description('Operator tools for the accounts service: audits, read models, admins and data exports.')
  .showHelpAfterError();

registerHistory(program);
registerProjections(program);
registerRebuild(program);
registerCreateAdmin(program);
registerExport(program);
registerBackup(program);
registerOpenApi(program);
registerReactors(program);
registerWebhooks(program);

program.parseAsync().catch((error: unknown) => {
  console.error(isDomainError(error) || error instanceof Error ? `error: ${error.message}` : error);
  process.exit(1);
});
