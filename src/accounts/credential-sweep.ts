import { aclDecider, aclStream, type AclEvent, type AclState } from '../../domain/acl/decider.js';
import { apiKeyDecider, apiKeyStream, type ApiKeyEvent, type ApiKeyState } from '../../domain/apikey/decider.js';
import type { CredentialEndReason } from '../../domain/shared/credentials.js';
import { isDomainError } from '../../domain/shared/errors.js';
import { TOKENS } from '../../projections/credentials.js';
import type { RequestInfo } from './types.js';
import type { AccountServices } from './services.js';

/**
 * Ends every API key and ACL token of an account, each in its own stream, with the reason in its
 * event. Run around a command that ends the account's sessions: once before it, and once after
 * it is projected, which catches a credential made by a session in the moment before that
 * session ended. (One made after is undone by its own request: see `credentials.ts`.)
 */
export function credentialSweep(services: AccountServices) {
  const { deps } = services;
  const tokens = () => deps.projections.collection('credentials', TOKENS);
  const gone = (error: unknown) => isDomainError(error) && (error.code === 'not_found' || error.code === 'conflict');

  return async (userId: string, reason: CredentialEndReason, request: RequestInfo): Promise<number> => {
    await services.catchUpWith(TOKENS);
    const docs = await tokens().find({ userId });
    for (const doc of docs) {
      const ctx = services.commandContext(request, userId);
      try {
        if (doc.kind === 'apikey') {
          await deps.commands.handle<ApiKeyEvent, ApiKeyState>(
            apiKeyDecider,
            apiKeyStream(doc.keyId as string),
            (state) => apiKeyDecider.decide({ type: 'RevokeApiKey', data: { ownerId: userId, reason } }, state),
            ctx,
          );
        } else {
          await deps.commands.handle<AclEvent, AclState>(
            aclDecider,
            aclStream(doc.aclId as string),
            (state) =>
              aclDecider.decide(
                { type: 'RevokeAclToken', data: { ownerId: userId, tokenId: doc.tokenId as string, reason } },
                state,
              ),
            ctx,
          );
        }
      } catch (error) {
        // Revoked or deleted meanwhile (its owner, a racing sweep): already what was wanted.
        if (!gone(error)) throw error;
      }
    }
    return docs.length;
  };
}

export type CredentialSweep = ReturnType<typeof credentialSweep>;
