import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { optionalSession, requestInfo, type Routes } from '../../http/auth.js';
import { continueBrowserSignIn, oauthStateOf, setOAuthStateCookie } from '../../http/cookies.js';
import { OWN_PAGES, stateHashOf, type oauthAccounts } from './oauth.js';
import { tokenAnswer } from '../../http/respond.js';
import { fields, parse } from '../../http/validate.js';
import { answers } from '../../http/openapi.js';

const providerParams = z.strictObject({ provider: z.string().regex(/^[a-z0-9_]{1,32}$/, 'must be a provider name') });
const startQuery = z.strictObject({
  redirect_uri: z.string().max(2048).optional(),
  referrer_token: fields.referrerToken,
});
// The provider's redirect may add its own parameters (iss, scope, authuser…): only ours are read.
const tokenInput = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(128).optional(),
  totp_code: fields.totpCode,
});
const tag = 'OAuth' as const;
const tokenAnswers = {
  200: { description: 'The token answer', schema: answers.token },
  201: { description: 'The token answer, for an account made by this login', schema: answers.token },
  303: {
    description:
      "A flow started in this browser for one of the service's own pages (`redirect_uri` `/account`): to that page, signed in (with the session cookie), or with `?oauth_error=<code>`",
    headers: ['Location', 'Set-Cookie'] as const,
  },
};

/**
 * OAuth 2 / OIDC sign-in. Mounted last: `/auth/{provider}` must not shadow the other /auth routes.
 * Unknown or unconfigured providers are 404.
 */
export function oauthRoutes(
  useCases: ReturnType<typeof oauthAccounts>,
  accounts: Accounts,
  routes: Routes,
  limit: RequestHandler,
): void {
  // Public; with a session's Bearer token the identity is linked to that account instead.
  routes.add(
    'get',
    '/auth/:provider',
    {
      policy: 'public',
      captcha: true,
      tag,
      summary: 'Start an OAuth / OIDC login: a redirect to the provider (state and PKCE)',
      params: providerParams,
      query: startQuery,
      description:
        "With a session's `Authorization: Bearer` the identity is linked to that account instead. Unknown or unconfigured providers are 404.",
      responses: {
        302: {
          description: "To the provider, with the state's cookie that the finish step checks",
          headers: ['Location', 'Set-Cookie'],
        },
      },
      errors: [401, 403, 429, 503],
    },
    limit,
    async ({ params, query }, req, res) => {
      const caller = await optionalSession(accounts, req);
      // Linking is a sensitive action: the one step-up rule (a public route, so applied here).
      if (caller) await accounts.requireStepUp(caller, {}, requestInfo(req));
      const { location, stateHash, page } = await useCases.startOAuth(
        params.provider,
        caller,
        query.redirect_uri,
        requestInfo(req),
        query.referrer_token,
      );
      setOAuthStateCookie(res, stateHash, accounts.publicUrl(), page);
      res.redirect(302, location);
    },
  );

  const finish = async (provider: string, input: z.output<typeof tokenInput>, req: Request, res: Response) => {
    const started = oauthStateOf(req, accounts.publicUrl());
    if (started && input.state && started.stateHash === stateHashOf(input.state)) {
      // Only a name from OWN_PAGES is ever followed: the cookie cannot point anywhere else.
      const path =
        started.page && Object.hasOwn(OWN_PAGES, started.page)
          ? OWN_PAGES[started.page as keyof typeof OWN_PAGES]
          : undefined;
      // With two-factor on, /login asks for the code and finishes this same state (a POST from the page).
      const secondFactorPage = `/login?${new URLSearchParams({
        oauth_provider: provider,
        oauth_state: input.state,
        redirect_uri: new URL(path ?? '/', accounts.publicUrl()).href,
      })}`;
      continueBrowserSignIn(req, res, accounts.publicUrl(), path ? { path, secondFactorPage } : undefined);
    }
    // Who finishes: a link flow must be finished by the session that started it (its bearer token or cookie).
    const finisher = await optionalSession(accounts, req).catch(() => null);
    const issued = await useCases.finishOAuth(
      provider,
      { code: input.code, state: input.state, totpCode: input.totp_code },
      requestInfo(req),
      finisher,
    );
    await routes.answerCommand(res, issued.position, issued.created ? 201 : 200, tokenAnswer(issued));
  };
  const finishDoc = {
    policy: 'public' as const,
    command: true as const,
    tag,
    params: providerParams,
    query: tokenInput,
    responses: tokenAnswers,
    errors: [401, 403, 409, 410, 429, 503],
    description: "The provider's redirect may add parameters of its own: only these are read.",
  };
  routes.add(
    'get',
    '/auth/:provider/token',
    { ...finishDoc, summary: "Finish an OAuth login with the provider's code and state" },
    limit,
    ({ params, query }, req, res) => finish(params.provider, query, req, res),
  );
  routes.add(
    'post',
    '/auth/:provider/token',
    {
      ...finishDoc,
      summary: 'Finish an OAuth login (code and state in the body or the query)',
      body: tokenInput,
      // The code and state may come in the query or the body: one input, the body's fields over the query's.
      parsedByHandler: ['query', 'body'],
    },
    limit,
    ({ params }, req, res) =>
      finish(params.provider, parse(tokenInput, { ...req.query, ...(req.body ?? {}) }), req, res),
  );
}
