import type { Metrics } from '../../metrics.js';
import type { Routes } from '../auth.js';

/**
 * GET /metrics: Prometheus text. Public like /healthz, as scrapers expect; it names routes and
 * counts, never an account. Keep it off the public internet with the proxy in front.
 */
export function metricsRoutes(metrics: Metrics, routes: Routes): void {
  routes.add('get', '/metrics', {
    policy: 'public',
    summary: 'Prometheus metrics',
    tag: 'Operations',
    description: 'Request latency by route and status, command outcomes, login failures, projection lag, queue depth and process metrics, in the Prometheus text format.',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
  }, async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
}
