import { randomUUID } from 'node:crypto';
import { aclDecider, aclStream, type AclEvent, type AclState } from '../../domain/acl/decider.js';
import { allows, parsePattern, type EndpointPattern } from '../../domain/acl/patterns.js';
import { DomainError, refuse } from '../../domain/shared/errors.js';
import { ACLS, TOKENS, aclTokenKey } from '../../projections/credentials.js';
import type { Doc } from '../ports/read-store.js';
import type { Caller, RequestInfo } from './types.js';
import type { AccountServices } from './services.js';
import type { UsageTracker } from './usage.js';
import { credentialChecks } from './credential-checks.js';

const aclView = (doc: Doc) => ({
  id: doc._id,
  name: doc.name,
  allowed_endpoints: doc.allowed_endpoints,
  created_at: doc.created_at,
  token_count: doc.token_count ?? 0,
});

/** ACLs and ACL tokens: the scoped credentials of an account (API keys: api-keys.ts). */
export function credentials(services: AccountServices, usage: UsageTracker) {
  const { deps, commandContext, awaitReadModels } = services;
  const acls = () => deps.projections.collection('credentials', ACLS);
  const tokens = () => deps.projections.collection('credentials', TOKENS);
  const parsed = new Map<string, EndpointPattern[]>();

  const onAcl = (
    aclId: string,
    decide: (state: AclState) => Parameters<typeof aclDecider.decide>[0],
    request: RequestInfo,
    actor: string,
  ) =>
    deps.commands.handle<AclEvent, AclState>(
      aclDecider,
      aclStream(aclId),
      (state) => aclDecider.decide(decide(state), state),
      commandContext(request, actor),
    );
  const ownAcl = async (caller: Caller, aclId: string) => {
    const doc = await acls().findOne({ _id: aclId });
    if (!doc || doc.userId !== caller.userId) return refuse('not_found', 'No such ACL');
    return doc;
  };

  /** The patterns of an ACL, parsed once per distinct list. */
  const patternsOf = (doc: Doc): EndpointPattern[] => {
    const list = doc.allowed_endpoints as string[];
    const key = list.join('\n');
    let patterns = parsed.get(key);
    if (!patterns) {
      patterns = list.map((p) => parsePattern(p)).filter((p): p is EndpointPattern => !('error' in p));
      if (parsed.size > 10_000) parsed.clear();
      parsed.set(key, patterns);
    }
    return patterns;
  };

  const { undoIfSessionEnded, expired, accountOf } = credentialChecks(services);

  return {
    async listAcls(caller: Caller) {
      // By name, as LNbits lists them (then by creation, for two of the same name).
      return (await acls().find({ userId: caller.userId }, { sort: { name: 1, created_at: 1 } })).map(aclView);
    },

    async createAcl(caller: Caller, input: { name: string; allowedEndpoints: string[] }, request: RequestInfo) {
      const aclId = randomUUID();
      const result = await onAcl(
        aclId,
        () => ({
          type: 'CreateAcl',
          data: { aclId, ownerId: caller.userId, name: input.name, allowedEndpoints: input.allowedEndpoints },
        }),
        request,
        caller.userId,
      );
      await awaitReadModels(result);
      const made = result.events[0]!.data as { allowedEndpoints: string[] };
      // Built from what was decided, so a lagging read model never hides a created ACL.
      return {
        acl: {
          id: aclId,
          name: input.name,
          allowed_endpoints: made.allowedEndpoints,
          created_at: (await acls().findOne({ _id: aclId }))?.created_at ?? deps.clock().toISOString(),
          token_count: 0,
        },
        position: result.position,
      };
    },

    async updateAcl(
      caller: Caller,
      aclId: string,
      input: { name?: string; allowedEndpoints?: string[] },
      request: RequestInfo,
    ) {
      const result = await onAcl(
        aclId,
        () => ({ type: 'UpdateAcl', data: { ownerId: caller.userId, ...input } }),
        request,
        caller.userId,
      );
      await awaitReadModels(result);
      return { acl: aclView(await ownAcl(caller, aclId)), position: result.position };
    },

    async deleteAcl(caller: Caller, aclId: string, request: RequestInfo) {
      const result = await onAcl(
        aclId,
        () => ({ type: 'DeleteAcl', data: { ownerId: caller.userId } }),
        request,
        caller.userId,
      );
      await awaitReadModels(result);
      return result.position;
    },

    async listAclTokens(caller: Caller, aclId: string) {
      await ownAcl(caller, aclId);
      const docs = await tokens().find({ aclId }, { sort: { created_at: 1 } });
      const used = await usage.lastUsed(docs.map((d) => d.tokenId as string));
      return docs.map((d) => ({
        id: d.tokenId,
        acl_id: aclId,
        created_at: d.created_at,
        expires_at: d.expires_at ?? null,
        last_used_at: used.get(d.tokenId as string) ?? null,
      }));
    },

    async issueAclToken(caller: Caller, aclId: string, input: { expiresAt: Date | null }, request: RequestInfo) {
      const tokenId = randomUUID();
      const result = await onAcl(
        aclId,
        () => ({
          type: 'IssueAclToken',
          data: { ownerId: caller.userId, tokenId, expiresAt: input.expiresAt, now: deps.clock() },
        }),
        request,
        caller.userId,
      );
      await undoIfSessionEnded(caller, () =>
        onAcl(
          aclId,
          () => ({ type: 'RevokeAclToken', data: { ownerId: caller.userId, tokenId, reason: 'session_ended' } }),
          request,
          caller.userId,
        ),
      );
      await awaitReadModels(result);
      const token = await deps.signer.issueAclToken(caller.userId, aclId, tokenId, input.expiresAt);
      const doc = await tokens().findOne({ _id: aclTokenKey(tokenId) });
      const createdAt = doc?.created_at ?? deps.clock().toISOString();
      return {
        body: {
          id: tokenId,
          token,
          acl_id: aclId,
          created_at: createdAt,
          expires_at: input.expiresAt?.toISOString() ?? null,
        },
        position: result.position,
      };
    },

    async revokeAclToken(caller: Caller, aclId: string, tokenId: string, request: RequestInfo) {
      const result = await onAcl(
        aclId,
        () => ({ type: 'RevokeAclToken', data: { ownerId: caller.userId, tokenId } }),
        request,
        caller.userId,
      );
      await awaitReadModels(result);
      return result.position;
    },

    /** An ACL token works while its token and its ACL are in the read model, unexpired, and its account exists. */
    async authenticateAclToken(claims: {
      sub: string;
      tid: string;
      acl: string;
    }): Promise<Caller & { patterns: EndpointPattern[] }> {
      const doc = await tokens().findOne({ _id: aclTokenKey(claims.tid) });
      if (!doc || doc.aclId !== claims.acl || doc.userId !== claims.sub)
        throw new DomainError('token_revoked', 'This token was revoked');
      if (expired(doc)) throw new DomainError('token_expired', 'The token has expired');
      const acl = await acls().findOne({ _id: claims.acl });
      if (!acl || acl.userId !== claims.sub)
        throw new DomainError('token_revoked', 'The ACL of this token was deleted');
      const user = await accountOf(claims.sub);
      return {
        kind: 'acl',
        userId: claims.sub,
        sessionId: null,
        isAdmin: user.is_admin === true,
        aclId: claims.acl,
        credentialId: claims.tid,
        patterns: patternsOf(acl),
      };
    },

    /** Notes that a credential was used, once the request it came with was allowed. */
    recordUse(caller: Caller) {
      if (caller.kind !== 'session' && caller.credentialId) usage.record(caller.credentialId);
    },

    /** Whether an ACL allows a request (the one rule every ACL check uses). */
    aclAllows: (patterns: EndpointPattern[], method: string, path: string) => allows(patterns, method, path),
  };
}

export type Credentials = ReturnType<typeof credentials>;
