import { refuse } from '../../domain/shared/errors.js';
import { userStream } from '../../domain/user/events.js';
import { auditEntry } from './admin.js';
import type { AccountServices } from './services.js';
import type { Caller, RequestInfo } from './types.js';

/** What the export gathers from the other use cases (each already says only what may be shown). */
export interface ExportSources {
  sessions(caller: Caller): Promise<unknown[]>;
  devices(caller: Caller): Promise<unknown[]>;
  acls(caller: Caller): Promise<{ id: unknown }[]>;
  aclTokens(caller: Caller, aclId: string): Promise<unknown[]>;
  apiKeys(caller: Caller): Promise<unknown[]>;
}

/**
 * GET /auth/me/export (GDPR articles 15 and 20): the account's data as JSON — the user object,
 * linked identities, sessions, trusted devices, ACLs with their tokens, API keys (ids, names and
 * times; never a secret or a hash), and its whole history as the admin history shows it (secrets
 * withheld). The export is recorded first (`DataExported`), so it is in the file it makes.
 * Five an hour per account.
 */
export function dataExport(services: AccountServices, sources: ExportSources) {
  const { deps, decideForUser, commandContext } = services;
  return {
    async exportData(caller: Caller, request: RequestInfo) {
      const spent = await deps.limits.issue.consume(`export:${caller.userId}`);
      if (!spent.allowed) refuse('rate_limited', 'Too many exports: wait a while', undefined, spent.retryAfterSeconds);
      await decideForUser(
        caller.userId,
        () => ({ type: 'RecordExport', data: {} }),
        commandContext(request, caller.userId),
      );
      const stored = await deps.eventStore.readStream(userStream(caller.userId));
      const history = await Promise.all(stored.map(async (event) => auditEntry(await deps.codec.decode(event))));
      const acls = await sources.acls(caller);
      return {
        exported_at: deps.clock().toISOString(),
        service: deps.settings.serviceName,
        account: await services.userObject(caller.userId),
        sessions: await sources.sessions(caller),
        trusted_devices: await sources.devices(caller),
        acls: await Promise.all(
          acls.map(async (acl) => ({ ...acl, tokens: await sources.aclTokens(caller, String(acl.id)) })),
        ),
        api_keys: await sources.apiKeys(caller),
        history,
      };
    },
  };
}
