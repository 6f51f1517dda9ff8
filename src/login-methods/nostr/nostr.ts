import { createHmac, randomUUID } from 'node:crypto';
import { verifyEvent, type Event } from 'nostr-tools/pure';
import { DomainError } from '../../../domain/shared/errors.js';
import { isWrongExpectedVersion } from '../../ports/event-store.js';
import type { Caller, RequestInfo } from '../../accounts/types.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';

const NIP98_KIND = 27235;
const WINDOW_S = 60;
const bad = (why: string) => new DomainError('invalid_credentials', `Invalid Nostr proof: ${why}`);

/**
 * NIP-98 HTTP auth as a way in. The signed event (kind 27235) must name this exact URL and method,
 * be at most 60 s old (by the service's clock), be signed by its pubkey, and never have been seen
 * before: each accepted event id is recorded in a stream of its own, appended only if it does not
 * exist yet, so a replay fails everywhere, across restarts and instances.
 */
export function nostrAccounts(services: AccountServices) {
  const { deps, commandContext, awaitReadModels } = services;
  const hmacKey = deps.hmacKey;
  const signIn = signInPath(services);

  const parseProof = (proof: { header?: string; body?: string; payload?: string }): Event => {
    let json: string | undefined = proof.body;
    if (proof.header !== undefined) {
      const match = /^Nostr\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(proof.header);
      if (!match) throw bad('the Authorization header is not "Nostr <base64>"');
      json = Buffer.from(match[1]!, 'base64').toString('utf8');
    }
    if (!json) throw bad('send it as an Authorization: Nostr header or as nostr_event');
    try {
      const event = JSON.parse(json) as Event;
      if (typeof event !== 'object' || event === null || !Array.isArray(event.tags)) throw new Error('shape');
      return event;
    } catch {
      throw bad('the event is not JSON');
    }
  };

  /** Checks a proof for `method url` and spends its event id; answers the hex pubkey. */
  const verifyProof = async (
    proof: { header?: string; body?: string; payload?: string },
    method: string,
    url: string,
    request: RequestInfo,
  ): Promise<string> => {
    const event = parseProof(proof);
    if (event.kind !== NIP98_KIND) throw bad(`kind must be ${NIP98_KIND}`);
    const tag = (name: string) => event.tags.find((t) => Array.isArray(t) && t[0] === name)?.[1];
    if (tag('u') !== url) throw bad(`the u tag must be ${url}`);
    if (typeof tag('method') !== 'string' || tag('method')!.toUpperCase() !== method)
      throw bad(`the method tag must be ${method}`);
    // NIP-98: a `payload` tag binds the event to the request's body.
    const payload = tag('payload');
    if (payload !== undefined && (typeof payload !== 'string' || payload.toLowerCase() !== proof.payload))
      throw bad('the payload tag is not the SHA-256 of the request body');
    const now = Math.floor(deps.clock().getTime() / 1000);
    if (typeof event.created_at !== 'number' || Math.abs(now - event.created_at) > WINDOW_S)
      throw bad('created_at is not within 60 seconds');
    if (!verifyEvent(event)) throw bad('the signature does not match');
    const seen = `nip98-${createHmac('sha256', hmacKey).update(event.id).digest('hex')}`;
    const ctx = commandContext(request, null);
    try {
      const [used] = await deps.codec.encode(seen, [{ type: 'Nip98EventUsed', data: {} }], ctx, 0n);
      await deps.eventStore.append(seen, [used!], { expectedRevision: 'no_stream' });
    } catch (error) {
      if (isWrongExpectedVersion(error)) throw bad('this event was already used');
      throw error;
    }
    return event.pubkey.toLowerCase();
  };

  return {
    /** POST /auth/nostr: a known key signs in; an unknown one makes an account while registration is open. */
    async loginWithNostr(
      proof: { header?: string; body?: string; payload?: string; totpCode?: string; referrerToken?: string },
      request: RequestInfo,
    ) {
      const invite = proof.referrerToken ? { inviteId: inviteIdOf(proof.referrerToken) } : undefined;
      const pubkey = await verifyProof(proof, 'POST', `${deps.settings.publicUrl}/api/v1/auth/nostr`, request);
      const userId = await services.accountWithIdentity('nostr', pubkey);
      if (!userId) {
        // Only a new key makes an account, so only it needs the CAPTCHA (checked before any claim).
        await services.requireCaptcha('registration', request);
        request = { ...request, captchaPassed: true };
        const newId = randomUUID();
        const claim = await services.claimIdentity('nostr', pubkey, newId, commandContext(request, newId));
        const username = `nostr_${pubkey.slice(0, 12)}`;
        try {
          return await services.registerAccount(
            {
              userId: newId,
              username,
              passwordHash: null,
              email: null,
              displayName: null,
              method: 'nostr',
              identity: { method: 'nostr', id: pubkey, claim },
              ...(invite ? { invite } : {}),
            },
            request,
          );
        } catch (error) {
          await services.releaseAll([claim], newId, commandContext(request, newId));
          throw error;
        }
      }
      return signIn(
        userId,
        { method: 'nostr', firstFactor: services.holdsIdentity('nostr', pubkey), totpCode: proof.totpCode },
        request,
      );
    },

    /** POST /auth/nostr/link: the signed-in account takes the key (409 when another has it). */
    async linkNostr(caller: Caller, proof: { header?: string; body?: string; payload?: string }, request: RequestInfo) {
      const pubkey = await verifyProof(proof, 'POST', `${deps.settings.publicUrl}/api/v1/auth/nostr/link`, request);
      const ctx = commandContext(request, caller.userId);
      const result = await services.linkIdentity(caller.userId, 'nostr', pubkey, ctx);
      await awaitReadModels(result);
      return { user: await services.userObject(caller.userId), position: result.position };
    },
  };
}
