/** `create-admin`: makes an account that is an admin, or makes an existing account one. */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { usernameKey } from '../../projections/lookups.js';
import type { Caller } from '../accounts/index.js';
import { CLI_REQUEST, withService } from './shared.js';

export function registerCreateAdmin(program: Command): void {
  program
    .command('create-admin')
    .description('make an account that is an admin (or make an existing account one)')
    .requiredOption('--username <name>', 'the username')
    .option('--email <address>', 'its email address')
    .option('--password <password>', 'its password (default: a random one, printed once); or set ADMIN_PASSWORD')
    .action(async (options: { username: string; email?: string; password?: string }) => {
      await withService(async (service) => {
        const operator: Caller = { kind: 'session', userId: 'cli', sessionId: null, isAdmin: true, role: 'superadmin' };
        const existing = await service.projections
          .collection('lookups', 'lookups')
          .findOne({ _id: usernameKey(options.username) });
        let userId = existing?.userId as string | undefined;
        let password: string | null = null;
        let user;
        if (!userId) {
          password = options.password ?? process.env.ADMIN_PASSWORD ?? `${randomBytes(18).toString('base64url')}-A1`;
          user = await service.accounts.provisionAdmin(
            { username: options.username, password, email: options.email ?? null },
            CLI_REQUEST,
          );
          userId = user.id as string;
        } else {
          user = (await service.accounts.setAdmin(operator, userId, true, CLI_REQUEST)).user;
        }
        console.log(`${user.username} (${user.id}) is an admin${existing ? ' (the account existed)' : ''}`);
        if (password && !options.password && !process.env.ADMIN_PASSWORD)
          console.log(`password (shown once): ${password}`);
      });
    });
}
