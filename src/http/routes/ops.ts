import { Router } from 'express';
import type { TokenSigner } from '../../tokens/jwt.js';
import type { Routes } from '../auth.js';
import { sendError } from '../errors.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
  [detail: string]: unknown;
}

/** Liveness, readiness and the public keys of the token signer. */
export function opsRoutes(options: { readiness: () => Promise<Readiness>; signer: TokenSigner; routes: Routes }): Router {
  const router = Router();
  const { routes } = options;
  routes.add(router, 'get', '/healthz', 'public', (_req, res) => {
    res.json({ status: 'ok' });
  });
  routes.add(router, 'get', '/readyz', 'public', async (_req, res) => {
    const { ready, reasons, ...details } = await options.readiness();
    if (ready) res.json({ status: 'ready', ...details });
    else sendError(res, 'unavailable', `Not ready: ${reasons.join('; ')}`);
  });
  routes.add(router, 'get', '/.well-known/jwks.json', 'public', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(options.signer.jwks());
  });
  return router;
}
