import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addressRange } from '../../src/webhooks/address-policy.js';
import {
  checkWebhookUrl,
  type OutboundPolicy,
  outboundPolicy,
  postWebhook,
  type ResolvedAddress,
} from '../../src/webhooks/outbound.js';

// No test here reaches the internet: public addresses are only ever IP literals given to
// checkWebhookUrl (which does not connect) or answers of an injected resolver that is refused.

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

let server: http.Server;
let port: number;
let received: Received[];
let handler: Handler;

beforeEach(async () => {
  received = [];
  handler = (_request, response) => response.end('ok');
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const strict = outboundPolicy({ allowHttp: true });
const open = outboundPolicy({ allowHttp: true, allowPrivate: true });
const resolvingTo =
  (...addresses: string[]) =>
  async (): Promise<ResolvedAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('addressRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378::1', 'teredo'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['198.18.0.1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (address, range) => {
    expect(addressRange(address)).toBe(range);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34'])(
    '%s is public unicast',
    (address) => {
      expect(addressRange(address)).toBe('unicast');
    },
  );
});

describe('checkWebhookUrl', () => {
  it('accepts a public https URL given as an IP literal, with a port, without resolving', async () => {
    let resolved = 0;
    const policy = outboundPolicy({ resolve: async () => (resolved++, []) });
    const result = await checkWebhookUrl('https://93.184.216.34:8443/hooks?x=1', policy);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.url.port).toBe('8443');
    expect(resolved).toBe(0);
    expect(await checkWebhookUrl('http://93.184.216.34/hooks', strict)).toMatchObject({ ok: true });
  });

  it('refuses http unless allowed, other schemes, credentials and garbage', async () => {
    const https = outboundPolicy();
    expect(await checkWebhookUrl('http://93.184.216.34/', https)).toEqual({
      ok: false,
      reason: 'the URL must use https',
    });
    expect(await checkWebhookUrl('ftp://93.184.216.34/', strict)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('file:///etc/passwd', open)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('https://user:secret@93.184.216.34/', https)).toEqual({
      ok: false,
      reason: 'the URL must not contain credentials',
    });
    expect(await checkWebhookUrl('https://token@93.184.216.34/', https)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('not a url', https)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl('/relative/path', https)).toMatchObject({ ok: false });
    expect(await checkWebhookUrl(`https://93.184.216.34/${'a'.repeat(3000)}`, https)).toMatchObject({ ok: false });
  });

  it.each([
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://[::1]/',
    'http://10.0.0.5/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fc00::1]/',
    'http://[fd00:ec2::254]/',
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0/',
    'http://localhost/',
  ])('refuses %s without allowPrivate', async (url) => {
    const result = await checkWebhookUrl(url, strict);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/non-public address/);
    expect(await checkWebhookUrl(url, open)).toMatchObject({ ok: true });
  });

  it('refuses a host name when any of its addresses is not public, or when it does not resolve', async () => {
    const mixed = outboundPolicy({ resolve: resolvingTo('93.184.216.34', '10.0.0.1') });
    expect(await checkWebhookUrl('https://hooks.example.test/', mixed)).toMatchObject({ ok: false });
    const publicOnly = outboundPolicy({ resolve: resolvingTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946') });
    expect(await checkWebhookUrl('https://hooks.example.test/', publicOnly)).toMatchObject({ ok: true });
    const failing = outboundPolicy({
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      },
    });
    expect(await checkWebhookUrl('https://hooks.example.test/', failing)).toEqual({
      ok: false,
      reason: 'the host name could not be resolved',
    });
  });
});

describe('postWebhook', () => {
  it('POSTs the body and headers and returns the status and the first 1024 bytes of the answer', async () => {
    handler = (_request, response) => {
      response.statusCode = 202;
      response.end('x'.repeat(5 * 1024));
    };
    const body = JSON.stringify({ type: 'account.created', id: 'a1' });
    const result = await postWebhook(
      `http://127.0.0.1:${port}/hooks?tenant=1`,
      body,
      { 'X-Signature': 'v1=abc', 'Content-Length': '1', 'User-Agent': 'evil' },
      open,
    );
    expect(result).toMatchObject({ kind: 'answered', status: 202 });
    if (result.kind === 'answered') {
      expect(result.body).toBe('x'.repeat(1024));
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/hooks?tenant=1', body });
    expect(received[0]?.headers).toMatchObject({
      'x-signature': 'v1=abc',
      'content-type': 'application/json',
      'user-agent': 'accounts-webhooks/1',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('keeps a given content-type and honours a smaller maxResponseBytes', async () => {
    handler = (_request, response) => response.end('héllo wörld');
    const result = await postWebhook(
      `http://127.0.0.1:${port}/`,
      '{}',
      { 'Content-Type': 'application/cloudevents+json' },
      { ...open, maxResponseBytes: 5 },
    );
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    if (result.kind === 'answered') expect(Buffer.byteLength(result.body)).toBeLessThanOrEqual(8);
    expect(received[0]?.headers['content-type']).toBe('application/cloudevents+json');
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    handler = (_request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` });
      response.end();
    };
    const result = await postWebhook(`http://127.0.0.1:${port}/hooks`, '{}', {}, open);
    expect(result).toMatchObject({ kind: 'answered', status: 302 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/hooks');
  });

  it.each([
    'http://127.0.0.1:PORT/',
    'http://[::1]:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://localhost:PORT/',
    'http://10.0.0.1/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fc00::1]/',
  ])('refuses %s before connecting', async (url) => {
    const result = await postWebhook(url.replace('PORT', String(port)), '{}', {}, strict);
    expect(result.kind).toBe('refused');
    if (result.kind === 'refused') expect(result.reason).toMatch(/non-public address/);
    expect(received).toHaveLength(0);
  });

  it('refuses http without allowHttp and credentials in the URL', async () => {
    expect(await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, outboundPolicy({ allowPrivate: true }))).toEqual({
      kind: 'refused',
      reason: 'the URL must use https',
    });
    expect(await postWebhook(`http://u:p@127.0.0.1:${port}/`, '{}', {}, open)).toMatchObject({ kind: 'refused' });
    expect(received).toHaveLength(0);
  });

  it('checks the addresses again at send: a host that now resolves to a private address is refused (DNS rebinding)', async () => {
    const answers = [['93.184.216.34'], ['10.0.0.1']];
    let calls = 0;
    const policy: OutboundPolicy = outboundPolicy({
      allowHttp: true,
      resolve: async () => resolvingTo(...(answers[calls++] ?? []))(),
    });
    expect(await checkWebhookUrl('http://hooks.example.test/', policy)).toMatchObject({ ok: true });
    const result = await postWebhook('http://hooks.example.test/', '{}', {}, policy);
    expect(result).toEqual({ kind: 'refused', reason: 'the host resolves to a non-public address (private)' });
    expect(calls).toBe(2);
  });

  it('refuses at send when any resolved address is private, even if a public one comes first', async () => {
    const policy = outboundPolicy({ allowHttp: true, resolve: resolvingTo('93.184.216.34', '127.0.0.1') });
    expect(await postWebhook(`http://hooks.example.test:${port}/`, '{}', {}, policy)).toMatchObject({
      kind: 'refused',
    });
    expect(received).toHaveLength(0);
  });

  it('connects to the address its resolver checked (the socket uses the injected lookup)', async () => {
    const policy = outboundPolicy({ allowHttp: true, allowPrivate: true, resolve: resolvingTo('127.0.0.1') });
    const result = await postWebhook(`http://hooks.example.test:${port}/x`, '{"a":1}', {}, policy);
    expect(result).toMatchObject({ kind: 'answered', status: 200, body: 'ok' });
    expect(received[0]?.headers.host).toBe(`hooks.example.test:${port}`);
  });

  it('reports a header it cannot send as failed request, naming no header value', async () => {
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', { 'x-signature': 'v1=secret\r\nx: y' }, open);
    expect(result).toMatchObject({ kind: 'failed', code: 'request' });
    if (result.kind === 'failed') expect(result.message).not.toContain('secret');
    expect(received).toHaveLength(0);
  });

  it('reports a resolution failure as failed dns', async () => {
    const policy = outboundPolicy({
      allowHttp: true,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND hooks.example.test'), { code: 'ENOTFOUND' });
      },
    });
    expect(await postWebhook('http://hooks.example.test/', '{}', {}, policy)).toMatchObject({
      kind: 'failed',
      code: 'dns',
    });
  });

  it('gives up on a receiver that never answers: failed timeout', async () => {
    handler = () => {};
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { ...open, timeoutMs: 300 });
    expect(result).toMatchObject({ kind: 'failed', code: 'timeout' });
    expect(received).toHaveLength(1);
  });

  it('gives up on an answer whose body never ends: failed timeout', async () => {
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('partial');
    };
    const result = await postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, { ...open, timeoutMs: 300 });
    expect(result).toMatchObject({ kind: 'failed', code: 'timeout' });
  });

  it('reports a closed port as failed connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await postWebhook(`http://127.0.0.1:${closedPort}/`, '{}', {}, open);
    expect(result).toMatchObject({ kind: 'failed', code: 'connection' });
  });

  it('reports https to a receiver that does not speak TLS as failed tls', async () => {
    const policy = outboundPolicy({ allowPrivate: true });
    const result = await postWebhook(`https://127.0.0.1:${port}/`, '{}', {}, { ...policy, timeoutMs: 2000 });
    expect(result).toMatchObject({ kind: 'failed', code: 'tls' });
  });

  it('stops when the caller aborts', async () => {
    handler = () => {};
    const controller = new AbortController();
    const pending = postWebhook(`http://127.0.0.1:${port}/`, '{}', {}, open, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ kind: 'failed', code: 'aborted' });
  });
});
