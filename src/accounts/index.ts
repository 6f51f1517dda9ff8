import { DomainError } from '../../domain/shared/errors.js';
import {
  allowsSegments,
  METHODS,
  parsePattern,
  requestSegments,
  type EndpointPattern,
} from '../../domain/acl/patterns.js';
import { selfServiceAccounts } from './self-service.js';
import { profileAccounts } from './profile.js';
import { sessionAccounts } from './sessions.js';
import { credentials } from './credentials.js';
import { apiKeyAccounts } from './api-keys.js';
import { emailFlows } from './email-flows.js';
import type { AccountServices } from './services.js';
import type { Caller } from './types.js';
import { totpAccounts } from './totp.js';
import { stepUp } from './step-up.js';
import { trustedDeviceAccounts } from './trusted-devices.js';
import { newDeviceNotices } from './new-device-notices.js';
import { dataExport } from './data-export.js';
import { adminAccounts } from './admin.js';
import { inviteAccounts } from './invites.js';
import type { UsageTracker } from './usage.js';
import type { ReadStore } from '../ports/read-store.js';

/** Methods a check can answer for (HEAD is served as GET); any other is refused, never guessed. */
const CHECKABLE_METHODS = new Set<string>([...METHODS, 'HEAD']);

export type { AccountsDeps, Caller, Issued, RequestInfo } from './types.js';

/** A caller with, for ACL tokens, the patterns its ACL allows now. */
export type Authenticated = Caller & { patterns?: EndpointPattern[] };

/** This service's session-only routes as patterns (`:param` → `*`), for POST /auth/check. */
type RouteTable = { method: string; path: string; policy: string }[];
const privilegedCache = new WeakMap<RouteTable, EndpointPattern[]>();
/** The patterns of the privileged routes, parsed once per route table (it is complete before the first request). */
const privilegedPatterns = (table: RouteTable): EndpointPattern[] => {
  let patterns = privilegedCache.get(table);
  if (!patterns) privilegedCache.set(table, (patterns = parsePrivileged(table)));
  return patterns;
};
const parsePrivileged = (table: RouteTable): EndpointPattern[] =>
  table
    .filter((route) => route.policy === 'session' || route.policy === 'admin')
    .map((route) => parsePattern(`${route.method.toUpperCase()} ${route.path.replace(/:[A-Za-z_]+/g, '*')}`))
    .filter((p): p is EndpointPattern => !('error' in p));

/**
 * The accounts layer the routes call: sessions, the account itself, two-factor, scoped
 * credentials, admin, invites. The ways in add their own use cases (`src/login-methods/`).
 */
export function createAccounts(
  services: AccountServices,
  extra: { usage: UsageTracker; scratchStore: () => ReadStore },
) {
  const { deps } = services;
  const loginSessions = sessionAccounts(services, extra.usage);
  const selfService = selfServiceAccounts(services);
  const scopedCredentials = credentials(services, extra.usage);
  const apiKeys = apiKeyAccounts(services, extra.usage);
  const devices = trustedDeviceAccounts(services);
  return {
    ...selfService,
    ...loginSessions,
    ...profileAccounts(services),
    ...emailFlows(services),
    ...totpAccounts(services),
    ...stepUp(services),
    ...devices,
    ...dataExport(services, {
      sessions: loginSessions.listSessions,
      devices: (caller) => devices.listDevices(caller, undefined),
      acls: scopedCredentials.listAcls,
      aclTokens: scopedCredentials.listAclTokens,
      apiKeys: apiKeys.listApiKeys,
    }),
    ...newDeviceNotices(services),
    ...scopedCredentials,
    ...apiKeys,
    unlinkIdentity: services.unlinkIdentity,
    summarize: services.summarize,
    ...adminAccounts(services, extra.scratchStore),
    ...inviteAccounts(services),
    serviceName: () => deps.settings.serviceName,
    publicUrl: () => deps.settings.publicUrl,
    allowedRedirects: () => deps.settings.allowedRedirects,
    reauthWindowMs: () => deps.settings.reauthWindowMs,
    /** The password meter registration uses (its score and advice), for the page that shows it live. */
    passwordStrength: deps.passwords.strength,
    /** What a page needs to show the CAPTCHA widget; null while no CAPTCHA_PROVIDER is set. */
    captchaWidget: () =>
      deps.captcha
        ? {
            siteKey: deps.captcha.siteKey,
            scriptUrl: deps.captcha.scriptUrl,
            widgetClass: deps.captcha.widgetClass,
            origins: deps.captcha.origins,
          }
        : null,

    /** Any credential — session token, ACL token, API key — to the caller it stands for, or a 401. */
    async authenticate(credential: { apiKey?: string; bearer?: string }): Promise<Authenticated> {
      const key = credential.apiKey ?? (credential.bearer?.startsWith('ak_') ? credential.bearer : undefined);
      if (key !== undefined) return apiKeys.authenticateApiKey(key);
      if (!credential.bearer)
        throw new DomainError('unauthenticated', 'Send Authorization: Bearer <token> or X-API-Key: <key>');
      const claims = await deps.signer.verify(credential.bearer);
      if (claims.sid) return loginSessions.authenticateSession({ ...claims, sid: claims.sid });
      return scopedCredentials.authenticateAclToken({ sub: claims.sub, tid: claims.tid!, acl: claims.acl! });
    },

    /**
     * POST /auth/check, for other services: may the credential that asks call `method path`?
     * A session may; an API key may, except this service's privileged endpoints; an ACL token may
     * where its ACL allows, and never on the privileged endpoints.
     */
    check(caller: Authenticated, method: string, path: string, table: RouteTable) {
      // A path that cannot be read one way only (`//`, `.`, `..`, a bad escape, a backslash) is
      // refused for every credential: a gateway that normalises it would call something else.
      const segments = requestSegments(path);
      if (segments === null || !CHECKABLE_METHODS.has(method.toUpperCase()))
        return { allowed: false, user_id: caller.userId, acl_id: caller.aclId ?? null };
      if (caller.kind === 'session') return { allowed: true, user_id: caller.userId, acl_id: caller.aclId ?? null };
      // Read once. Lower-cased after decoding, as the privileged patterns are: a path differing only
      // in case, written plainly or as an escape (`%41uth`), is refused too.
      const privileged = allowsSegments(
        privilegedPatterns(table),
        method,
        segments.map((s) => s.toLowerCase()),
      );
      const allowed =
        caller.kind === 'apikey' ? !privileged : !privileged && allowsSegments(caller.patterns ?? [], method, segments);
      return { allowed, user_id: caller.userId, acl_id: caller.aclId ?? null };
    },

    /**
     * GET /auth/verify-token: an API key or ACL token that is known, not revoked, not expired, of
     * an active account. Checking it is not using it: no `last_used_at` moves. Session tokens are
     * not service credentials and are answered `false`.
     */
    async verifyToken(token: string): Promise<boolean> {
      try {
        if (token.startsWith('ak_')) return (await apiKeys.authenticateApiKey(token)).kind === 'apikey';
        const claims = await deps.signer.verify(token);
        if (!claims.tid || !claims.acl) return false;
        await scopedCredentials.authenticateAclToken({ sub: claims.sub, tid: claims.tid, acl: claims.acl });
        return true;
      } catch {
        return false;
      }
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
