import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandOutcome } from './commands/handler.js';
import type { EventStore } from './ports/event-store.js';
import type { JobQueue } from './ports/job-queue.js';
import type { ProjectionRunner } from './projections/runner.js';

/**
 * The service's Prometheus metrics (prom-client), in a registry of its own: request latency by
 * route and status, command outcomes, login failures, projection lag and queue depth, plus
 * Node's process metrics.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'accounts_commands_total',
    help: 'Commands by aggregate and outcome (appended, unchanged, refused with a code, failed)',
    labelNames: ['aggregate', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const loginFailures = new Counter({
    name: 'accounts_login_failures_total',
    help: 'Failed sign-ins recorded on accounts, by what was wrong (password, totp, backup_code, email_code)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });

  const refusedPasswords = new Counter({
    name: 'accounts_passwords_refused_total',
    help: 'New passwords refused, by why (weak: below PASSWORD_MIN_SCORE; breached: known from breaches)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const breachChecks = new Histogram({
    name: 'accounts_breach_check_seconds',
    help: 'Breached-password checks by outcome (found, clean, skipped: the service was slow, down or answered nonsense)',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5],
    registers: [registry],
  });
  const captchaChecks = new Counter({
    name: 'accounts_captcha_checks_total',
    help: 'CAPTCHA checks by outcome (passed, missing, invalid, unavailable: the provider did not answer)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const webhookTries = new Counter({
    name: 'accounts_webhook_tries_total',
    help: 'Webhook delivery tries by endpoint and outcome (delivered; retrying: failed, tried again later; failed: for good; skipped: not sent)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [registry],
  });

  return {
    registry,
    webhookTry(endpoint: string, outcome: string) {
      webhookTries.inc({ endpoint, outcome });
    },
    passwordRefused(reason: string) {
      refusedPasswords.inc({ reason });
    },
    breachCheck(outcome: string, seconds: number) {
      breachChecks.observe({ outcome }, seconds);
    },
    captchaCheck(outcome: string) {
      captchaChecks.inc({ outcome });
    },
    /** Times one request; the route is the pattern express matched (never the raw path, which may hold ids). */
    observeRequest(method: string, route: string, status: number, seconds: number) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
    },
    observeCommand(outcome: CommandOutcome) {
      commands.inc({ aggregate: outcome.aggregate, outcome: outcome.outcome, code: outcome.code ?? '' });
      for (const event of outcome.events) {
        if (event.type === 'LoginFailed')
          loginFailures.inc({ reason: String((event.data as { reason?: unknown }).reason ?? 'unknown') });
      }
    },
    /** Gauges read at scrape time: lag of each read model behind the store's head, and the queue's depth. */
    watch(deps: {
      runner: ProjectionRunner;
      eventStore: EventStore;
      queue: JobQueue;
      webhookBacklog: () => Promise<{ endpointId: string; waiting: number; oldestEventTime: string }[]>;
      /** The embedded read store's cache size; null on MongoDB (no such cache). */
      readCacheDocuments?: (() => number) | null;
      clock: () => Date;
    }) {
      // Both read the backlog once per scrape; the second gauge reuses the first's answer.
      let backlog: Promise<{ endpointId: string; waiting: number; oldestEventTime: string }[]> | null = null;
      const scrapeBacklog = () => (backlog ??= deps.webhookBacklog().finally(() => setTimeout(() => (backlog = null))));
      new Gauge({
        name: 'accounts_webhook_waiting_deliveries',
        help: 'Webhook deliveries not yet delivered nor given up (held or being tried), by endpoint',
        labelNames: ['endpoint'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          for (const line of await scrapeBacklog()) this.set({ endpoint: line.endpointId }, line.waiting);
        },
      });
      new Gauge({
        name: 'accounts_webhook_lag_seconds',
        help: 'How far each endpoint is behind the head: the age of the oldest event it has not yet received (0: none waiting)',
        labelNames: ['endpoint'] as const,
        registers: [registry],
        async collect() {
          this.reset();
          const now = deps.clock().getTime();
          for (const line of await scrapeBacklog())
            this.set({ endpoint: line.endpointId }, Math.max(0, (now - Date.parse(line.oldestEventTime)) / 1000));
        },
      });
      new Gauge({
        name: 'accounts_projection_lag_events',
        help: 'How far each read model is behind the event store head (positions; events in embedded mode)',
        labelNames: ['projection', 'status'] as const,
        registers: [registry],
        async collect() {
          const head = await deps.eventStore.headPosition();
          this.reset();
          for (const p of deps.runner.status())
            this.set({ projection: p.name, status: p.status }, Number(head > p.position ? head - p.position : 0n));
        },
      });
      const readCacheDocuments = deps.readCacheDocuments;
      if (readCacheDocuments)
        new Gauge({
          name: 'accounts_read_cache_documents',
          help: 'Read-model documents held parsed in memory in embedded mode (at most READ_CACHE_DOCUMENTS)',
          registers: [registry],
          collect() {
            this.set(readCacheDocuments());
          },
        });
      new Gauge({
        name: 'accounts_queue_depth',
        help: 'Jobs waiting, delayed or running in the job queue',
        registers: [registry],
        async collect() {
          this.set(await deps.queue.depth());
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
