import { Router } from 'express';
import type { TokenSigner } from '../../tokens/jwt.js';
import { sendError } from '../errors.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
  [detail: string]: unknown;
}

/** Liveness, readiness and the public keys of the token signer. */
export function opsRoutes(options: { readiness: () => Promise<Readiness>; signer: TokenSigner }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, reasons, ...details } = await options.readiness();
    if (ready) res.json({ status: 'ready', ...details });
    else sendError(res, 'unavailable', `Not ready: ${reasons.join('; ')}`);
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(options.signer.jwks());
  });
  return router;
}
