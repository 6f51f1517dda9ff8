/**
 * `webhooks list|deliveries|replay`: the admin API's webhook tools for operators, here (embedded
 * mode: with the server stopped; a replay asked for here is carried out when it runs) or on a
 * running server with --url and --token.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { Caller } from '../accounts/index.js';
import type { DeliveryStatus } from '../ports/webhook-deliveries.js';
import { CLI_REQUEST, isoTime, remote, table, withService } from './shared.js';

interface Remote {
  url?: string;
  token?: string;
}

const OPERATOR: Caller = { kind: 'session', userId: 'cli', sessionId: null, isAdmin: true, role: 'superadmin' };
const STATUSES = ['held', 'pending', 'delivered', 'failed', 'skipped'];

/** `--url` with `--token`, or neither. */
const remoteOf = (options: Remote) => {
  if (!options.url) return null;
  if (!options.token) throw new InvalidArgumentError('--url needs --token');
  return { url: options.url, token: options.token };
};
const withRemote = (command: Command) =>
  command
    .option('--url <url>', 'ask this running server instead (needs --token)')
    .option('--token <token>', "an admin's session token for --url");

export function registerWebhooks(program: Command): void {
  const webhooks = program.command('webhooks').description('webhook endpoints, their deliveries, replays');

  withRemote(webhooks.command('list').description('the endpoints (never their secrets)')).action(
    async (options: Remote) => {
      const server = remoteOf(options);
      const endpoints = server
        ? await remote(server.url, server.token, 'GET', '/admin/webhooks')
        : await withService((service) => service.webhooks.endpoints.listWebhookEndpoints());
      console.log(
        table(
          (endpoints as Record<string, unknown>[]).map((e) => ({
            id: e.id,
            url: e.url,
            format: e.format,
            enabled: e.enabled,
            events: (e.events as string[]).join(','),
          })),
        ),
      );
    },
  );

  withRemote(
    webhooks
      .command('deliveries')
      .description("an endpoint's deliveries, newest event first")
      .argument('<endpoint>', 'the endpoint id')
      .option('--status <status>', `only these: ${STATUSES.join(', ')}`)
      .option('--limit <n>', 'how many (1-200)', '50'),
  ).action(async (endpoint: string, options: Remote & { status?: string; limit: string }) => {
    if (options.status && !STATUSES.includes(options.status))
      throw new InvalidArgumentError(`--status must be one of ${STATUSES.join(', ')}`);
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new InvalidArgumentError('--limit must be 1-200');
    const server = remoteOf(options);
    const query = { status: options.status as DeliveryStatus | undefined, limit };
    const page = server
      ? await remote(
          server.url,
          server.token,
          'GET',
          `/admin/webhooks/${endpoint}/deliveries?limit=${limit}${options.status ? `&status=${options.status}` : ''}`,
        )
      : await withService((service) => service.webhooks.deliveries.listDeliveries(endpoint, query));
    console.log(
      table(
        (page.deliveries as Record<string, unknown>[]).map((d) => ({
          id: d.id,
          event: d.event_type,
          position: d.position,
          status: d.status,
          attempts: d.attempts,
          last_error: d.last_error,
          next_attempt: d.next_attempt_at,
        })),
      ),
    );
  });

  withRemote(
    webhooks
      .command('replay')
      .description('deliver again the events after a position, or from a time on, with their original ids')
      .argument('<endpoint>', 'the endpoint id')
      .option('--from-position <position>', 'the events after this position (the last one the receiver has)')
      .option('--from-time <time>', 'the events from this time on (ISO 8601)', isoTime),
  ).action(async (endpoint: string, options: Remote & { fromPosition?: string; fromTime?: Date }) => {
    if ((options.fromPosition === undefined) === (options.fromTime === undefined))
      throw new InvalidArgumentError('give one of --from-position and --from-time');
    if (options.fromPosition !== undefined && !/^\d{1,20}$/.test(options.fromPosition))
      throw new InvalidArgumentError('--from-position must be an event position (decimal digits)');
    const from = {
      fromPosition: options.fromPosition ?? null,
      fromTime: options.fromTime?.toISOString() ?? null,
    };
    const server = remoteOf(options);
    const replay = server
      ? await remote(server.url, server.token, 'POST', `/admin/webhooks/${endpoint}/replay`, {
          ...(from.fromPosition ? { from_position: from.fromPosition } : { from_time: from.fromTime }),
        })
      : (
          await withService((service) =>
            service.webhooks.endpoints.requestReplay(OPERATOR, endpoint, from, CLI_REQUEST),
          )
        ).replay;
    console.log(table([replay]));
    if (!server) console.log('The running service carries the replay out (at its next start, if it is stopped).');
  });
}
