import type { Request, RequestHandler, Response } from 'express';
import type { ZodType } from 'zod';
import type { Accounts, Authenticated, Caller, RequestInfo } from '../accounts/index.js';
import { HttpError } from './errors.js';
import type { HeaderName, Tag } from './doc-terms.js';
import { cookieNames, cookiesOf, csrfPasses, deviceCookieOf, type CookieNames } from './cookies.js';
import { FlatRouter, type Method } from './router.js';
import { answerCommand } from './respond.js';
import { parseRequest, type RequestPart, type RouteInput } from './validate.js';
import { proofFieldsOf, splitProof, takeCaptcha, withCaptchaField, withProofFields } from './route-fields.js';

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Authenticated;
    requestId: string;
    /** The route pattern that matched (`/api/v1/auth/sessions/:id`), for logs and metrics: never the raw path. */
    routePattern?: string;
    /** A CAPTCHA route's `captcha_token`, taken out of its body or query (see `RouteAccess.captcha`). */
    captchaToken?: string;
    /** The JSON body's bytes as they came (see body.ts). */
    rawBody?: Buffer;
  }
}

/**
 * Who may call a route. `public`: anyone. `user`: a session, an API key, or an ACL token whose
 * ACL allows this method and path. `session`: only a login session — the privileged endpoints
 * (ACL and token management, password, username, email, 2FA, sessions, API keys, history,
 * deletion, admin) that no ACL token or API key may ever call, whatever its ACL says.
 * `credential`: any valid credential, its ACL not applied (`POST /auth/check` answers for the
 * credential it is called with). `admin`: a login session of an admin (privileged as well).
 */
export type Policy = 'public' | 'user' | 'session' | 'credential' | 'admin';

/** Marks the handler, so a test can see that every route layer of the app carries one. */
export const AUTHORIZES = Symbol('authorizes');

/**
 * What the OpenAPI document says of a route, built from the very zod schemas the route table
 * parses its request with (never a second copy). `body`, `query` and `params` are the request's
 * schemas; `responses` the answers other than the error shape, which every route shares.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tag?: Tag;
  /**
   * A command: its successful answers (or those listed) carry `X-Event-Position`, as
   * `routes.answerCommand` sends them.
   */
  command?: true | readonly number[];
  body?: ZodType;
  /** The body may also come as multipart/form-data (one route). */
  formBody?: boolean;
  query?: ZodType;
  params?: ZodType;
  responses?: Record<
    number,
    { description: string; schema?: ZodType; contentType?: string; headers?: readonly HeaderName[] }
  >;
  /** Status codes of the shared error shape this route may answer with, besides the usual ones. */
  errors?: number[];
}

type Schema = ZodType | undefined;

/** A route's own work: handed its declared params, query and body, parsed (see `RouteAccess`). */
export type RouteHandler<Input = RouteInput> = (input: Input, req: Request, res: Response) => unknown;

/**
 * A route's policy with its OpenAPI description. The declared `params`, `query` and `body` are
 * parsed, in that order, once the policy is checked and the route's middleware has run, and the
 * handler is handed their values; a part named in `parsedByHandler` is the handler's to parse (a
 * route that reads it differently says why).
 */
export type RouteAccess<P extends Schema, Q extends Schema, B extends Schema, Own extends RequestPart> = Omit<
  RouteDoc,
  RequestPart
> & {
  policy: Policy;
  params?: P;
  query?: Q;
  body?: B;
  parsedByHandler?: readonly Own[];
  /**
   * A sensitive action (the step-up rule, `src/accounts/step-up.ts`): a session proven within
   * REAUTH_WINDOW, or a proof in the body (`password` + `totp_code`, or `passkey`), else 403
   * `reauth_required`. The proof fields are taken out of the body before the route's own schema
   * parses it, and documented with it. A function decides per request (an admin invite only).
   */
  stepUp?: true | ((body: Record<string, unknown>, caller: Authenticated) => boolean);
  /**
   * A route a CAPTCHA may guard (CAPTCHA_PROVIDER set): it takes `captcha_token` in its body (its
   * query for a GET) or `X-Captcha-Token`, taken out before the handler sees the input; the
   * accounts layer decides when it is needed.
   */
  captcha?: true;
};

export interface RouteEntry {
  method: Method;
  path: string;
  policy: Policy;
  doc?: RouteDoc;
  /** Runs the JSON body parser: any body it is sent may get 400 (not JSON), 413 or 415. */
  readsJson?: true;
}

/** The token of an `Authorization: Bearer <token>` header. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;
export const bearerOf = (header: string | undefined) => (header ? BEARER.exec(header)?.[1] : undefined);

/** All an account made by an admin may do until it replaces its temporary password. */
const OPEN_BEFORE_RESET = new Set(['GET /api/v1/auth', 'PUT /api/v1/auth/update-password', 'POST /api/v1/auth/logout']);

/** The one place that decides session / ACL token / API key for every route. */
export const authorize = (
  accounts: Accounts,
  policy: Policy,
  publicOrigin: string,
  cookies: CookieNames,
): RequestHandler =>
  Object.assign(
    async (req: Request, _res: unknown, next: (error?: unknown) => void) => {
      if (policy === 'public') return next();
      const apiKey = req.headers['x-api-key'];
      let bearer = bearerOf(req.headers.authorization);
      // A browser session: the cookie stands in for the header, and a change must pass the CSRF check.
      if (apiKey === undefined && bearer === undefined && req.headers.authorization === undefined) {
        bearer = cookiesOf(req)[cookies.session] || undefined;
        if (bearer && !csrfPasses(req, publicOrigin, cookies))
          return next(
            new HttpError(
              'forbidden',
              `Cross-site request refused: send X-CSRF-Token with the ${cookies.csrf} cookie value`,
            ),
          );
      }
      if (apiKey === undefined && bearer === undefined)
        return next(new HttpError('unauthenticated', 'Send Authorization: Bearer <token> or X-API-Key: <key>'));
      const caller = await accounts.authenticate({
        apiKey: typeof apiKey === 'string' ? apiKey.trim() : undefined,
        bearer,
      });
      const privileged = policy === 'session' || policy === 'admin';
      if (caller.kind === 'acl' && policy !== 'credential') {
        if (privileged) return next(new HttpError('acl_forbidden', 'ACL tokens may not call this endpoint'));
        // The path the route was matched on, not the raw URL: the two must never be read differently.
        if (!accounts.aclAllows(caller.patterns ?? [], req.method, req.routedPath ?? req.path))
          return next(new HttpError('acl_forbidden', 'The ACL of this token does not allow this endpoint'));
      }
      if (caller.kind === 'apikey' && privileged)
        return next(new HttpError('forbidden', 'API keys may not call this endpoint'));
      if (caller.mustResetPassword && !OPEN_BEFORE_RESET.has(`${req.method} ${req.routePattern}`)) {
        return next(
          new HttpError('password_reset_required', 'Set a new password first (PUT /api/v1/auth/update-password)'),
        );
      }
      if (policy === 'admin' && !caller.isAdmin) return next(new HttpError('admin_only', 'Only an admin may do this'));
      accounts.recordUse(caller);
      req.caller = caller;
      next();
    },
    { [AUTHORIZES]: true },
  );

/**
 * Every route of the app with its policy, in one flat table (`handle` dispatches them), so that no
 * route can be added without saying who may call it, and a test can walk them all. Routes are
 * added through a `scope`: a path prefix, and the body parser its routes run first (a route whose
 * doc says `formBody` parses its own). `headPosition` is what a command answer names when the
 * command appended nothing.
 */
export function routeTable(accounts: Accounts, publicUrl: string, headPosition: () => Promise<bigint>) {
  const publicOrigin = new URL(publicUrl).origin;
  const cookies = cookieNames(publicUrl);
  const table: RouteEntry[] = [];
  const router = new FlatRouter();
  return {
    table,
    router,
    handle: router.handle,
    scope: (prefix: string, parseBody?: RequestHandler) => ({
      /** Every route of the app (all scopes). */
      table,
      /**
       * `access` is the policy alone, or the policy with the route's OpenAPI description; the
       * handlers before the last are middleware (a rate limit), the last is the route's own.
       */
      add<
        P extends Schema = undefined,
        Q extends Schema = undefined,
        B extends Schema = undefined,
        Own extends RequestPart = never,
      >(
        method: Method,
        path: string,
        access: Policy | RouteAccess<P, Q, B, Own>,
        ...handlers: [...RequestHandler[], RouteHandler<Omit<RouteInput<P, Q, B>, Own>>]
      ) {
        const {
          policy,
          parsedByHandler = [],
          stepUp,
          captcha,
          ...own
        } = typeof access === 'string' ? ({ policy: access } as RouteAccess<P, Q, B, Own>) : access;
        const doc = captcha ? withCaptchaField(own, method) : own;
        // Only a CAPTCHA route's `captcha_token` is taken out: any other route reads its own fields.
        const taken = captcha ? takeCaptcha : <I>(input: I, _req: Request) => input;
        // A field the route names itself (set-initial-password's new `password`) is never taken as a proof.
        // A GET carries no body: only a recent session opens it (or POST /auth/reauth before it).
        const takenProof = stepUp && method !== 'get' ? proofFieldsOf(doc.body) : {};
        const documented = stepUp ? withProofFields(doc, takenProof) : doc;
        const parser = parseBody && !doc.formBody ? [parseBody] : [];
        table.push({
          method,
          path: `${prefix}${path}`,
          policy,
          ...('summary' in documented ? { doc: documented as RouteDoc } : {}),
          // A GET's body is never read (see body.ts).
          ...(parser.length > 0 && method !== 'get' ? { readsJson: true as const } : {}),
        });
        const handle = handlers.at(-1) as RouteHandler<RouteInput<P, Q, B>>;
        const middleware = handlers.slice(0, -1) as RequestHandler[];
        // A step-up route parses its body with the proof fields (params, query, body, in that order),
        // applies the rule, and hands the handler its own fields only.
        const parseThenHandle: RequestHandler = stepUp
          ? async (req, res) => {
              const input = taken(parseRequest(documented, req, parsedByHandler), req) as RouteInput<P, Q, B>;
              const { proof, own } = splitProof((input.body ?? {}) as Record<string, unknown>, takenProof);
              if (stepUp === true || stepUp(own, req.caller!))
                await accounts.requireStepUp(req.caller!, proof, requestInfo(req));
              return handle({ ...input, body: (doc.body ? own : undefined) as RouteInput<P, Q, B>['body'] }, req, res);
            }
          : (req, res) =>
              handle(
                taken(parseRequest(doc, req, parsedByHandler), req) as RouteInput<P, Q, B>,
                req,
                res,
              ) as Promise<void> | void;
        router.add(method, `${prefix}${path}`, [
          ...parser,
          authorize(accounts, policy, publicOrigin, cookies),
          ...middleware,
          parseThenHandle,
        ]);
      },
      /** Answers a command with the position of what it appended (see respond.ts). */
      answerCommand: (res: Response, position: bigint | null, status: number, body: unknown) =>
        answerCommand(res, position, headPosition, status, body),
    }),
  };
}

export type Routes = ReturnType<ReturnType<typeof routeTable>['scope']>;

/**
 * The login session a public route may be called with (starting or finishing a link): the bearer
 * token or the browser's session cookie, with the gates `authorize` applies to session routes.
 * Null when the request carries none.
 */
export async function optionalSession(accounts: Accounts, req: Request): Promise<Caller | null> {
  const bearer = bearerOf(req.headers.authorization) ?? cookiesOf(req)[cookieNames(accounts.publicUrl()).session];
  if (!bearer) return null;
  const caller = await accounts.authenticate({ bearer });
  if (caller.kind !== 'session') throw new HttpError('forbidden', 'Linking needs a login session');
  if (caller.mustResetPassword)
    throw new HttpError('password_reset_required', 'Set a new password first (PUT /api/v1/auth/update-password)');
  return caller;
}

export const callerOf = (req: Request): Caller => {
  if (!req.caller) throw new HttpError('unauthenticated', 'Not signed in');
  return req.caller;
};

export const requestInfo = (req: Request): RequestInfo => ({
  requestId: req.requestId,
  ip: req.ip ?? req.socket.remoteAddress ?? null,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
  deviceToken: deviceCookieOf(req),
  captchaToken: req.captchaToken ?? captchaHeaderOf(req),
});

const captchaHeaderOf = (req: Request): string | null => {
  const header = req.headers['x-captcha-token'];
  return typeof header === 'string' && header.length > 0 && header.length <= 4096 ? header : null;
};
