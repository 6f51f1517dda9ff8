import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { apiKeyDecider, apiKeyStream, type ApiKeyEvent, type ApiKeyState } from '../../domain/apikey/decider.js';
import { DomainError } from '../../domain/shared/errors.js';
import { TOKENS, apiKeyKey } from '../../projections/credentials.js';
import { credentialChecks } from './credential-checks.js';
import type { AccountServices } from './services.js';
import type { Caller, RequestInfo } from './types.js';
import type { UsageTracker } from './usage.js';

const API_KEY_PREFIX = 'ak_';
const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/** API keys (service keys): opaque, shown once, found by their SHA-256, acting as their account but on privileged routes. */
export function apiKeyAccounts(services: AccountServices, usage: UsageTracker) {
  const { deps, commandContext, awaitReadModels } = services;
  const tokens = () => deps.projections.collection('credentials', TOKENS);
  const { undoIfSessionEnded, expired, accountOf } = credentialChecks(services);
  const onKey = (
    keyId: string,
    decide: (state: ApiKeyState) => Parameters<typeof apiKeyDecider.decide>[0],
    request: RequestInfo,
    actor: string,
  ) =>
    deps.commands.handle<ApiKeyEvent, ApiKeyState>(
      apiKeyDecider,
      apiKeyStream(keyId),
      (state) => apiKeyDecider.decide(decide(state), state),
      commandContext(request, actor),
    );

  return {
    async createApiKey(caller: Caller, input: { name: string; expiresAt: Date | null }, request: RequestInfo) {
      const keyId = randomUUID();
      const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const prefix = key.slice(0, API_KEY_PREFIX.length + 6);
      const result = await onKey(
        keyId,
        () => ({
          type: 'CreateApiKey',
          data: {
            keyId,
            ownerId: caller.userId,
            name: input.name,
            prefix,
            keyHash: hashKey(key),
            expiresAt: input.expiresAt,
            now: deps.clock(),
          },
        }),
        request,
        caller.userId,
      );
      await undoIfSessionEnded(caller, () =>
        onKey(
          keyId,
          () => ({ type: 'RevokeApiKey', data: { ownerId: caller.userId, reason: 'session_ended' } }),
          request,
          caller.userId,
        ),
      );
      await awaitReadModels(result);
      const doc = await tokens().findOne({ keyId });
      const createdAt = doc?.created_at ?? deps.clock().toISOString();
      return {
        body: {
          id: keyId,
          name: input.name,
          token: key,
          prefix,
          created_at: createdAt,
          expires_at: input.expiresAt?.toISOString() ?? null,
        },
        position: result.position,
      };
    },
    async listApiKeys(caller: Caller) {
      const docs = await tokens().find({ userId: caller.userId, kind: 'apikey' }, { sort: { created_at: 1 } });
      const used = await usage.lastUsed(docs.map((d) => d.keyId as string));
      return docs.map((d) => ({
        id: d.keyId,
        name: d.name,
        prefix: d.prefix,
        created_at: d.created_at,
        expires_at: d.expires_at ?? null,
        last_used_at: used.get(d.keyId as string) ?? null,
      }));
    },
    async revokeApiKey(caller: Caller, keyId: string, request: RequestInfo) {
      const result = await onKey(
        keyId,
        () => ({ type: 'RevokeApiKey', data: { ownerId: caller.userId } }),
        request,
        caller.userId,
      );
      await awaitReadModels(result);
      return result.position;
    },
    /** An API key works while it is in the read model, unexpired, and its account exists. */
    async authenticateApiKey(key: string): Promise<Caller> {
      if (!key.startsWith(API_KEY_PREFIX) || key.length > 200)
        throw new DomainError('unauthenticated', 'The API key is not valid');
      const hash = hashKey(key);
      const doc = await tokens().findOne({ _id: apiKeyKey(hash) });
      // The lookup is by hash; the stored hash is still compared in constant time.
      if (!doc || !timingSafeEqual(Buffer.from(doc.keyHash as string, 'hex'), Buffer.from(hash, 'hex'))) {
        throw new DomainError('unauthenticated', 'The API key is not valid or was revoked');
      }
      if (expired(doc)) throw new DomainError('token_expired', 'The API key has expired');
      const user = await accountOf(doc.userId as string);
      return {
        kind: 'apikey',
        userId: doc.userId as string,
        sessionId: null,
        isAdmin: user.is_admin === true,
        credentialId: doc.keyId as string,
      };
    },
  };
}
