import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Accounts } from '../accounts/index.js';
import type { LoginMethodFacts } from '../accounts/login-methods.js';
import type { LoginUseCases } from '../login-methods/index.js';
import type { ProjectionOperations } from '../operations.js';
import type { TokenSigner } from '../tokens/jwt.js';
import { jsonBody } from './body.js';
import { errorHandler, notFound } from './errors.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes } from './routes/auth.js';
import { emailRoutes } from './routes/email.js';
import { opsRoutes, type Readiness } from './routes/ops.js';
import { totpRoutes } from './routes/totp.js';
import { credentialRoutes } from './routes/credentials.js';
import { adminRoutes } from './routes/admin.js';
import { identityRoutes } from './routes/identities.js';
import { deviceRoutes } from './routes/devices.js';
import { dataExportRoutes } from './routes/data-export.js';
import { wasntMeRoutes } from './routes/wasnt-me.js';
import { inviteRoutes } from './routes/invites.js';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { DeliveryAdmin } from '../webhooks/delivery-admin.js';
import type { WebhookEndpoints } from '../webhooks/endpoints.js';
import { loginPageRoutes } from './pages/login/index.js';
import { registerPageRoutes } from './pages/register/index.js';
import { verifyEmailPageRoutes } from './pages/verify-email/index.js';
import { passwordPageRoutes } from './routes/password-pages.js';
import { accountPageRoutes } from './pages/account/routes.js';
import { metricsRoutes } from './routes/metrics.js';
import { cookieSessions } from './cookies.js';
import type { Metrics } from '../metrics.js';
import { routeTable, type RouteEntry, type Routes } from './auth.js';
import type { FlatRouter } from './router.js';
import { installRequestState } from './request-state.js';
import { perIpLimit } from './rate-limit.js';
import { eventPositionGate } from './event-position.js';
import type { RateLimiter } from '../ports/rate-limiter.js';

export interface HttpDeps {
  accounts: Accounts;
  /** Webhook endpoints and their deliveries, managed by admins (/admin/webhooks). */
  webhooks: { endpoints: WebhookEndpoints; deliveries: DeliveryAdmin };
  /** PUBLIC_URL: the origin cookie-authenticated changes must come from, and whether cookies are `Secure`. */
  publicUrl: string;
  operations: ProjectionOperations;
  signer: TokenSigner;
  logger: Logger;
  headPosition: () => Promise<bigint>;
  /** Waits (bounded) until every read model of this process has applied `position`: the `X-Event-Position` a request carries. */
  catchUpTo: (position: bigint) => Promise<unknown>;
  readiness: () => Promise<Readiness>;
  trustProxy: boolean | number | string;
  /** Prometheus metrics, served at /metrics; null turns both off. */
  metrics: Metrics | null;
  /** METRICS_TOKEN: the bearer token /metrics asks for; null leaves it public. */
  metricsToken: string | null;
  /** Every way in: what they say of themselves (the identities route), and their routes. */
  loginMethods: readonly LoginMethodFacts[];
  loginRoutes: (accounts: Accounts, routes: Routes, limit: RequestHandler) => void;
  /** The sign-in page offers LNURL-auth beside the password. */
  startLnurl: LoginUseCases['startLnurl'];
  /** Per-IP limit for unauthenticated endpoints; null when RATE_LIMIT_MAX=0. */
  limiter: RateLimiter | null;
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * What every request goes through first, in one middleware: its id (the caller's `X-Request-Id`
 * when it is sane, else a new one) and the headers every answer carries, `?session=cookie`, and
 * the access line and latency metric once it is answered.
 */
const everyRequest =
  (logger: Logger, metrics: Metrics | null, cookieRequest: (req: Request, res: Response) => void) =>
  (req: Request, res: Response) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    req.requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    cookieRequest(req, res);
    if (logger.isLevelEnabled('debug'))
      logger.debug({ requestId: req.requestId, method: req.method }, 'request started');
    res.on('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      // The route pattern, not the path: a path may carry a one-time secret (an LNURL k1), a query
      // string a token; bodies and headers are never logged. Unmatched paths are logged cut short.
      const path = req.routePattern ?? req.originalUrl.split('?')[0]!.slice(0, 120);
      logger.info(
        { requestId: req.requestId, method: req.method, path, status: res.statusCode, ms: seconds * 1000 },
        'request',
      );
      // The route pattern that matched, so ids in paths never become label values.
      metrics?.observeRequest(req.method, req.routePattern ?? 'unmatched', res.statusCode, seconds);
    });
  };

export function createHttpApp(deps: HttpDeps): Express & { routeTable: RouteEntry[]; flatRouter: FlatRouter } {
  const app = express();
  installRequestState(app.request);
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', deps.trustProxy);
  app.set('query parser', 'simple');
  const first = everyRequest(deps.logger, deps.metrics, cookieSessions(deps.publicUrl));
  const routes = routeTable(deps.accounts, deps.publicUrl, deps.headPosition);
  const ops = routes.scope('');
  opsRoutes({
    readiness: deps.readiness,
    signer: deps.signer,
    routes: ops,
    publicUrl: deps.publicUrl,
    table: () => routes.table,
  });
  const limit = perIpLimit(deps.limiter);
  if (deps.metrics) metricsRoutes(deps.metrics, deps.metricsToken, ops);
  loginPageRoutes(deps.accounts, ops, limit, deps.startLnurl);
  passwordPageRoutes(deps.accounts, ops);
  // The account page's own JSON route (its QR code) reads a body: a scope of its own with the parser.
  accountPageRoutes(deps.accounts, ops, routes.scope('', jsonBody));
  // The API's routes read JSON only (the one that also takes multipart/form-data parses its own body).
  const api = routes.scope('/api/v1', jsonBody);
  registerPageRoutes(deps.accounts, ops, api, limit);
  verifyEmailPageRoutes(deps.accounts, ops);
  emailRoutes(deps.accounts, api, limit);
  authRoutes(deps.accounts, api, limit);
  accountRoutes(deps.accounts, api);
  dataExportRoutes(deps.accounts, api);
  totpRoutes(deps.accounts, api, limit);
  credentialRoutes(deps.accounts, api, limit);
  adminRoutes(deps.accounts, deps.operations, api);
  identityRoutes(deps.accounts, api, deps.loginMethods);
  deviceRoutes(deps.accounts, api);
  wasntMeRoutes(deps.accounts, ops, api, limit);
  inviteRoutes(deps.accounts, api);
  webhookRoutes(deps.webhooks.endpoints, api);
  webhookDeliveryRoutes(deps.webhooks, api);
  // Every way in; OAuth's `/auth/:provider` comes last, after every other path.
  deps.loginRoutes(deps.accounts, api, limit);
  // One middleware for every request: what each one goes through first, then the route (see FlatRouter).
  const caughtUp = eventPositionGate(deps.catchUpTo);
  app.use((req, res, next) => {
    first(req, res);
    caughtUp(req, res, () => routes.handle(req, res, next));
  });
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return Object.assign(app, { routeTable: routes.table, flatRouter: routes.router });
}
