/**
 * Outbound HTTP for webhooks (issue #19): the only way a webhook payload leaves the service.
 *
 * Guarantees:
 * - The URL is https, or http only with `allowHttp` (WEBHOOK_ALLOW_HTTP=true); it carries no
 *   credentials (user:password@) and names a host.
 * - Without `allowPrivate` (WEBHOOK_ALLOW_PRIVATE=true) only public unicast addresses are
 *   contacted (see address-policy.ts): loopback, private, link-local (169.254.169.254, the cloud
 *   metadata address), unique-local, CGNAT, multicast, reserved, IPv4-mapped private… are refused
 *   by `checkWebhookUrl` at creation and again by `postWebhook` at every send, after resolution.
 *   The send resolves the host inside the socket's own `lookup`, checks every address it got and
 *   hands only those to the socket: what was checked is what is connected to (no DNS-rebinding
 *   window between a check and a second resolution). An IP literal is checked before connecting.
 * - One POST, no redirect followed: a 3xx is returned as `answered` with its status (the caller
 *   counts any non-2xx as a failed delivery), so the Location is never visited.
 * - The whole exchange (resolution, connect, TLS, response head and body) is bounded by
 *   `timeoutMs` (default 10 s); at most `maxResponseBytes` (default 1 KB) of the answer's body is
 *   read and kept, then the connection is dropped. An answer whose body has not ended (nor
 *   reached that size) within `timeoutMs` is a `failed` timeout; one cut short by the receiver is
 *   still `answered` with what arrived.
 * - TLS certificates are always verified; no keep-alive pool (one connection per delivery).
 * - `postWebhook` never throws for network trouble: it returns `refused` (policy) or `failed`.
 *   Reasons and messages name no header values or body, so they hold no secret or signature.
 */
import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { literalAddress, parseWebhookUrl, refusedAddress, type UrlCheck } from './address-policy.js';

export type { UrlCheck } from './address-policy.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Resolves a host name to all its addresses (default: the system resolver, as sockets use). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export interface OutboundPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
  /** Bound on the whole exchange, resolution to last body byte. Default 10_000. */
  timeoutMs: number;
  /** How much of the answer's body is read and returned. Default 1024. */
  maxResponseBytes: number;
  /** Injected resolver for tests; default dns.promises.lookup(host, { all: true, verbatim: true }). */
  resolve?: Resolver;
}

/** The safe defaults (https only, public addresses only, 10 s, 1 KB) with the given overrides. */
export const outboundPolicy = (overrides: Partial<OutboundPolicy> = {}): OutboundPolicy => ({
  allowHttp: false,
  allowPrivate: false,
  timeoutMs: 10_000,
  maxResponseBytes: 1024,
  ...overrides,
});

export type OutboundFailure = 'timeout' | 'connection' | 'tls' | 'dns' | 'protocol' | 'aborted' | 'request';
export type OutboundResult =
  | { kind: 'answered'; status: number; body: string; durationMs: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; code: OutboundFailure; message: string };

const systemResolve: Resolver = (host) => dns.lookup(host, { all: true, verbatim: true });

/** Creation-time check: the URL's rules, then (unless allowPrivate) every address the host resolves to. */
export const checkWebhookUrl = async (raw: string, policy: OutboundPolicy): Promise<UrlCheck> => {
  const parsed = parseWebhookUrl(raw, policy.allowHttp);
  if (!parsed.ok || policy.allowPrivate) return parsed;
  let addresses: string[];
  const literal = literalAddress(parsed.url);
  if (literal) addresses = [literal];
  else {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), policy.timeoutMs);
    });
    try {
      const found = await Promise.race([(policy.resolve ?? systemResolve)(parsed.url.hostname), late]);
      addresses = found.map((entry) => entry.address);
    } catch {
      return { ok: false, reason: 'the host name could not be resolved' };
    } finally {
      clearTimeout(timer);
    }
  }
  const refused = refusedAddress(addresses, false);
  return refused ? { ok: false, reason: refused } : parsed;
};

const dropped = new Set(['content-length', 'user-agent', 'host', 'transfer-encoding', 'connection']);
const outgoingHeaders = (headers: Record<string, string>, body: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!dropped.has(name.toLowerCase())) out[name.toLowerCase()] = value;
  }
  out['content-type'] ??= 'application/json';
  out['user-agent'] = 'accounts-webhooks/1';
  out['content-length'] = String(Buffer.byteLength(body));
  return out;
};

const failureCode = (err: NodeJS.ErrnoException): OutboundFailure => {
  const inner = err instanceof AggregateError ? (err.errors[0] as NodeJS.ErrnoException | undefined) : undefined;
  const code = err.code ?? inner?.code ?? '';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code.startsWith('HPE_')) return 'protocol';
  if (/^ERR_(TLS|SSL)|CERT|^UNABLE_TO_|^EPROTO$/.test(code)) return 'tls';
  return 'connection';
};

/**
 * POSTs `body` to `url` once, with `headers` plus content-type (application/json unless given),
 * user-agent (accounts-webhooks/1) and content-length; a given host, user-agent, content-length,
 * transfer-encoding or connection header is dropped. Answers `refused` when the URL or an address breaks the policy
 * (nothing was sent), `failed` on network trouble, `answered` with any status the receiver gave.
 */
export const postWebhook = (
  raw: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
  options: { signal?: AbortSignal } = {},
): Promise<OutboundResult> => {
  const parsed = parseWebhookUrl(raw, policy.allowHttp);
  if (!parsed.ok) return Promise.resolve({ kind: 'refused', reason: parsed.reason });
  const literal = literalAddress(parsed.url);
  const literalRefusal = literal ? refusedAddress([literal], policy.allowPrivate) : null;
  if (literalRefusal) return Promise.resolve({ kind: 'refused', reason: literalRefusal });
  if (options.signal?.aborted) return Promise.resolve({ kind: 'failed', code: 'aborted', message: 'cancelled' });

  return new Promise<OutboundResult>((resolve) => {
    const started = performance.now();
    let refusal: string | null = null;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let request: http.ClientRequest | undefined;
    const onAbort = () => finish({ kind: 'failed', code: 'aborted', message: 'cancelled' });
    const finish = (result: OutboundResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      request?.destroy();
      resolve(result);
    };

    // Resolves, checks every address, and gives the socket only checked addresses.
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      (policy.resolve ?? systemResolve)(hostname).then(
        (all) => {
          refusal = refusedAddress(
            all.map((entry) => entry.address),
            policy.allowPrivate,
          );
          const family =
            lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
          const usable = family === 4 || family === 6 ? all.filter((entry) => entry.family === family) : all;
          const first = usable[0];
          if (refusal) callback(Object.assign(new Error(refusal), { code: 'EREFUSEDADDRESS' }), []);
          else if (!first) callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
          else if (lookupOptions.all) callback(null, usable);
          else callback(null, first.address, first.family);
        },
        (err: NodeJS.ErrnoException) => callback(err, []),
      );
    };

    try {
      const transport = parsed.url.protocol === 'https:' ? https : http;
      request = transport.request(parsed.url, {
        method: 'POST',
        headers: outgoingHeaders(headers, body),
        lookup,
        agent: false,
      });
    } catch (err) {
      finish({ kind: 'failed', code: 'request', message: (err as Error).message });
      return;
    }
    timer = setTimeout(
      () => finish({ kind: 'failed', code: 'timeout', message: `no answer within ${policy.timeoutMs} ms` }),
      policy.timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });

    request.on('error', (err: NodeJS.ErrnoException) => {
      if (refusal) finish({ kind: 'refused', reason: refusal });
      else finish({ kind: 'failed', code: failureCode(err), message: err.message });
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answered = () =>
        finish({
          kind: 'answered',
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          durationMs: Math.round(performance.now() - started),
        });
      response.on('data', (chunk: Buffer) => {
        const part = chunk.subarray(0, Math.max(0, policy.maxResponseBytes - size));
        chunks.push(part);
        size += part.length;
        if (size >= policy.maxResponseBytes) {
          answered(); // destroys the request and its socket: the rest is never read
          response.destroy();
        }
      });
      response.on('end', answered);
      // A body cut short still came with a status: the receiver did answer.
      response.on('error', answered);
      response.on('close', answered);
    });
    request.end(body);
  });
};
