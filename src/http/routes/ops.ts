import { Router } from 'express';
import type { TokenSigner } from '../../tokens/jwt.js';

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
    const readiness = await options.readiness();
    if (!readiness.ready) res.setHeader('Retry-After', '5');
    res.status(readiness.ready ? 200 : 503).json({ status: readiness.ready ? 'ready' : 'not_ready', ...readiness });
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(options.signer.jwks());
  });
  return router;
}
