/** `export`: everything the service holds on a person, as one JSON file (for data-access requests). */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { userStream } from '../../domain/user/events.js';
import { auditEntry } from '../accounts/admin.js';
import type { Caller } from '../accounts/index.js';
import { createEventCodec } from '../events/codec.js';
import { resolveUser, withService } from './shared.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('everything the service holds on a person, as one JSON file (for data-access requests)')
    .argument('<user>', 'user id or username')
    .option('--out <file>', 'where to write it (default: export-<user id>.json)')
    .action(async (who: string, options: { out?: string }) => {
      await withService(async (service) => {
        const userId = await resolveUser(service, who);
        const caller: Caller = { kind: 'session', userId, sessionId: null, isAdmin: false };
        const stored = await service.eventStore.readStream(userStream(userId));
        if (stored.length === 0) throw new Error(`No account ${who}`);
        const codec = createEventCodec(service.keyStore);
        const events = await Promise.all(stored.map(async (e) => auditEntry(await codec.decode(e))));
        const exported = {
          exported_at: new Date().toISOString(),
          account: await service.accounts.getUser(userId).catch(() => null),
          sessions: await service.accounts.listSessions(caller).catch(() => []),
          acls: await service.accounts.listAcls(caller).catch(() => []),
          api_keys: await service.accounts.listApiKeys(caller).catch(() => []),
          events,
          note: 'Secrets (password hash, TOTP secret, user key, key hashes) are withheld; "[erased]" marks data destroyed with the account.',
        };
        const file = options.out ?? `export-${userId}.json`;
        // `wx`: a new file only (mode 0600 holds, and no symlink is followed into another file).
        writeFileSync(file, `${JSON.stringify(exported, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        console.log(
          `wrote ${file}: ${events.length} events, ${exported.sessions.length} sessions, ${exported.acls.length} ACLs, ${exported.api_keys.length} API keys`,
        );
      });
    });
}
