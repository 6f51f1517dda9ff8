import { createHash, timingSafeEqual } from 'node:crypto';
import type { Metrics } from '../../metrics.js';
import { bearerOf, type Routes } from '../auth.js';
import { HttpError } from '../errors.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * GET /metrics: Prometheus text. It names routes and counts, never an account; still, request
 * rates and failure counts tell an attacker how an attack goes. Public by default, as scrapers
 * expect; with METRICS_TOKEN it asks for `Authorization: Bearer <METRICS_TOKEN>` (Prometheus's
 * `authorization` / `bearer_token` setting).
 */
export function metricsRoutes(metrics: Metrics, token: string | null, routes: Routes): void {
  // Compared as digests: the comparison takes the same time whatever the length sent.
  const expected = token === null ? null : digest(token);
  routes.add(
    'get',
    '/metrics',
    {
      policy: 'public',
      summary: 'Prometheus metrics',
      tag: 'Operations',
      description:
        'Request latency by route and status, command outcomes, login failures, projection lag, queue depth and process metrics, in the Prometheus text format. ' +
        'When the service sets METRICS_TOKEN, send it as `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise).',
      responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
      errors: [401],
    },
    async (_input, req, res) => {
      if (expected) {
        const sent = bearerOf(req.headers.authorization);
        if (!sent || !timingSafeEqual(digest(sent), expected)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
          throw new HttpError('unauthenticated', 'Send Authorization: Bearer <METRICS_TOKEN>');
        }
      }
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    },
  );
}
