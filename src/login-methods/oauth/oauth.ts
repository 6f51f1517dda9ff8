import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  CHALLENGE_TTL_MS,
  challengeDecider,
  challengeStream,
  type ChallengeEvent,
  type ChallengeState,
} from '../../../domain/challenge/decider.js';
import { isDomainError, refuse } from '../../../domain/shared/errors.js';
import { USERNAME_PATTERN } from '../../../domain/user/rules.js';
import type { ExternalIdentity } from './providers.js';
import type { Caller, Issued, RequestInfo } from '../../accounts/types.js';
import { inviteIdOf } from '../../accounts/registration.js';
import type { AccountServices } from '../../accounts/services.js';
import { signInPath } from '../../accounts/sign-in.js';

// The state names its challenge; PKCE verifier and nonce are derived from it with a service key,
// so no secret of the flow is ever written to the event log.
const STATE_NAMESPACE = '0f7c4f8e-2a51-4c36-8d0b-57a1b4e0c9d3';
const challengeOf = (state: string) => uuidv5(state, STATE_NAMESPACE);
const STATE = /^[A-Za-z0-9_-]{43}$/;

/** What a browser keeps of the state it was sent off with (never the state itself). */
export const stateHashOf = (state: string) => createHash('sha256').update(state).digest('base64url');

/** Whether `uri` is on ALLOWED_REDIRECTS: an entry that is an origin allows that origin, else the exact origin + path. */
export function redirectAllowed(uri: string, allowed: readonly string[]): boolean {
  if (!URL.canParse(uri)) return false;
  const url = new URL(uri);
  if (!/^https?:$/.test(url.protocol) || url.username || url.password) return false;
  return allowed.some((entry) => {
    const allow = new URL(entry);
    if (allow.origin !== url.origin) return false;
    return allow.pathname === '/' ? true : allow.pathname === url.pathname;
  });
}

/**
 * The service's own pages a sign-in may end on without being listed in ALLOWED_REDIRECTS (so that
 * a flow started from its own pages can always end on one). Named, so that a cookie that
 * remembers one holds a name from this list, never an address.
 */
export const OWN_PAGES = { account: '/account' } as const;
export type OwnPage = keyof typeof OWN_PAGES;

/**
 * Which of OWN_PAGES `uri` is: exactly that page on PUBLIC_URL (same origin; no query, fragment or
 * user info), else null. Anything looser would be an open redirect.
 */
export function ownPageOf(uri: string, publicUrl: string): OwnPage | null {
  if (!URL.canParse(uri)) return null;
  const href = new URL(uri).href;
  const found = Object.entries(OWN_PAGES).find(([, path]) => new URL(path, publicUrl).href === href);
  return found ? (found[0] as OwnPage) : null;
}

/** Whether a sign-in from the pages may send the browser to `uri`: one of the service's own pages, or on ALLOWED_REDIRECTS. */
export const pageRedirectAllowed = (uri: string, allowed: readonly string[], publicUrl: string) =>
  ownPageOf(uri, publicUrl) !== null || redirectAllowed(uri, allowed);

/** OAuth 2 / OIDC: start (state + PKCE as a challenge), then the code for a token. */
export function oauthAccounts(services: AccountServices) {
  const { deps, commandContext } = services;
  const { oauth: providers, hmacKey } = deps;
  const signIn = signInPath(services);
  const derive = (purpose: string, state: string) =>
    createHmac('sha256', hmacKey).update(`${purpose}:${state}`).digest('base64url');
  const flowOf = (state: string, redirectUri: string) => ({
    state,
    redirectUri,
    codeVerifier: derive('pkce', state),
    nonce: derive('nonce', state),
  });
  const providerOf = (name: string) => providers.get(name) ?? refuse('not_found', `No sign-in provider named ${name}`);
  const onChallenge = (state: string, command: Parameters<typeof challengeDecider.decide>[0], request: RequestInfo) =>
    deps.commands.handle<ChallengeEvent, ChallengeState>(
      challengeDecider,
      challengeStream(challengeOf(state)),
      (s) => challengeDecider.decide(command, s),
      commandContext(request, null),
    );

  /** A new account for an identity nobody has: the provider's name when free, a verified address when free. */
  const register = async (
    userId: string,
    provider: string,
    identity: ExternalIdentity,
    claim: string,
    request: RequestInfo,
    inviteId?: string,
  ) => {
    const fallback = `${provider}_${createHash('sha256').update(identity.subject).digest('hex').slice(0, 12)}`.slice(
      0,
      32,
    );
    const preferred = identity.username?.toLowerCase();
    const names = preferred && USERNAME_PATTERN.test(preferred) ? [preferred, fallback] : [fallback];
    const emails = identity.email && identity.emailVerified ? [identity.email, null] : [null];
    // Checked once: the tries below (a taken name or address) must not spend the token again.
    await services.requireCaptcha('registration', request);
    request = { ...request, captchaPassed: true };
    for (const username of names) {
      for (const email of emails) {
        try {
          return await services.registerAccount(
            {
              userId,
              username,
              passwordHash: null,
              email,
              emailVerified: email !== null,
              displayName: identity.name?.slice(0, 100) ?? null,
              method: `oauth:${provider}`,
              identity: { method: `oauth:${provider}`, id: identity.subject, claim },
              ...(inviteId ? { invite: { inviteId } } : {}),
            },
            request,
          );
        } catch (error) {
          // Never joins an existing account by its address (that is how accounts get taken over): it goes without.
          const taken = isDomainError(error) && (error.code === 'username_taken' || error.code === 'email_taken');
          if (!taken) throw error;
        }
      }
    }
    return refuse('conflict', 'No free username could be found for this identity; try again');
  };

  return {
    oauthProviderNames: () => [...providers.keys()],

    /** GET /auth/{provider}: the authorization URL to send the browser to. With a session: links. */
    async startOAuth(
      name: string,
      caller: Caller | null,
      redirectUri: string | undefined,
      request: RequestInfo,
      referrerToken?: string,
    ) {
      const inviteId = referrerToken ? inviteIdOf(referrerToken) : undefined;
      const provider = providerOf(name);
      // One of the service's own pages: the provider still sends the browser back to the API's own
      // finish route (the redirect URI registered with it), which then sends it to that page.
      const page = redirectUri === undefined ? null : ownPageOf(redirectUri, deps.settings.publicUrl);
      if (page) redirectUri = undefined;
      if (redirectUri !== undefined && !redirectAllowed(redirectUri, deps.settings.allowedRedirects)) {
        refuse('validation_failed', "redirect_uri is not on this service's ALLOWED_REDIRECTS list", [
          { path: 'redirect_uri', message: 'not allowed' },
        ]);
      }
      const captchaPassed = await services.captchaAtStart(caller, request);
      const state = randomBytes(32).toString('base64url');
      const flow = flowOf(state, redirectUri ?? `${deps.settings.publicUrl}/api/v1/auth/${name}/token`);
      const location = await provider.authorizationUrl(flow);
      await deps.commands.handle(
        challengeDecider,
        challengeStream(challengeOf(state)),
        (s) =>
          challengeDecider.decide(
            {
              type: 'IssueChallenge',
              data: {
                challengeId: challengeOf(state),
                purpose: 'oauth',
                userId: caller?.userId ?? randomUUID(),
                emailClaim: null,
                email: null,
                secretHash: null,
                totpSecret: null,
                expiresAt: new Date(deps.clock().getTime() + CHALLENGE_TTL_MS.oauth).toISOString(),
                maxAttempts: 1,
                action: caller ? 'link' : 'login',
                oauth: { provider: name, redirectUri: flow.redirectUri },
                ...(inviteId ? { inviteId } : {}),
                ...(captchaPassed ? { captchaPassed } : {}),
              },
            },
            s,
          ),
        commandContext(request, caller?.userId ?? null),
      );
      return { location, stateHash: stateHashOf(state), page };
    },

    /**
     * GET|POST /auth/{provider}/token: the state must be this service's, open and for this provider;
     * the code is traded once. The identity signs in, links (flow started with a session) or makes
     * an account. With 2FA on and no code, 401 totp_required leaves the state signed for the account
     * until it expires, so the same call with `totp_code` (the code may be left out) finishes it.
     */
    async finishOAuth(
      name: string,
      input: { code?: string; state?: string; totpCode?: string },
      request: RequestInfo,
      finisher: Caller | null = null,
    ): Promise<Issued & { created: boolean }> {
      providerOf(name);
      const state = input.state ?? '';
      if (!STATE.test(state))
        refuse('validation_failed', 'state is missing or not one this service issued', [
          { path: 'state', message: 'invalid' },
        ]);
      const challenge = (await deps.commands.load(challengeDecider, challengeStream(challengeOf(state)))).state;
      const issued = challenge.issued;
      if (challenge.status === 'none' || issued?.purpose !== 'oauth' || issued.oauth?.provider !== name) {
        return refuse('validation_failed', 'state is not one this service issued for this provider', [
          { path: 'state', message: 'unknown' },
        ]);
      }
      if (challenge.status === 'completed' || challenge.status === 'burned')
        refuse('challenge_used', 'This sign-in was already completed; start again');
      if (challenge.status === 'expired' || deps.clock().getTime() >= new Date(issued.expiresAt).getTime())
        refuse('challenge_expired', 'This sign-in took too long; start again');

      // Linking is finished by the account that started it: someone else's browser, sent the
      // provider's URL, must not attach its identity to that account.
      if (issued.action === 'link' && (finisher?.kind !== 'session' || finisher.userId !== issued.userId)) {
        refuse('forbidden', 'Finish linking with the session that started it (its Bearer token or cookie)');
      }
      let userId = challenge.signedFor;
      let subject: string | null = null;
      if (challenge.status === 'open') {
        if (!input.code || input.code.length > 2048)
          refuse('validation_failed', 'code is missing', [{ path: 'code', message: 'required' }]);
        const identity = await providerOf(name).exchange(input.code!, flowOf(state, issued.oauth.redirectUri));
        subject = identity.subject;
        const ctx = commandContext(request, issued.userId);
        if (issued.action === 'link') {
          await services.linkIdentity(issued.userId, `oauth:${name}`, identity.subject, ctx);
          userId = issued.userId;
        } else {
          userId = await services.accountWithIdentity(`oauth:${name}`, identity.subject, { caughtUp: true });
          if (!userId) {
            // Spent before the account is made: a state makes at most one account.
            await onChallenge(
              state,
              { type: 'SignChallenge', data: { now: deps.clock(), userId: issued.userId } },
              request,
            );
            await onChallenge(state, { type: 'TakeChallenge', data: { now: deps.clock() } }, request);
            const claim = await services.claimIdentity(`oauth:${name}`, identity.subject, issued.userId, ctx);
            try {
              return {
                ...(await register(
                  issued.userId,
                  name,
                  identity,
                  claim,
                  { ...request, captchaPassed: issued.captchaPassed === true },
                  issued.inviteId,
                )),
                created: true,
              };
            } catch (error) {
              await services.releaseAll([claim], issued.userId, ctx);
              throw error;
            }
          }
        }
        await onChallenge(state, { type: 'SignChallenge', data: { now: deps.clock(), userId } }, request);
      }
      const account = await services.loadUser(userId!);
      if (account.totpSecret !== null && !input.totpCode)
        refuse('totp_required', 'A two-factor code is required: send the same request with totp_code');
      await onChallenge(state, { type: 'TakeChallenge', data: { now: deps.clock() } }, request);
      // The identity that signed in must be this account's now; a state signed earlier (the 2FA step) was checked then.
      const firstFactor =
        subject === null ? () => challenge.status === 'signed' : services.holdsIdentity(`oauth:${name}`, subject);
      return {
        ...(await signIn(userId!, { method: `oauth:${name}`, firstFactor, totpCode: input.totpCode }, request)),
        created: false,
      };
    },
  };
}
