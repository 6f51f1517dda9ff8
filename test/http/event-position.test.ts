import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

/*
 * The `X-Event-Position` a request carries (see src/http/event-position.ts). That the wait makes a
 * read through another process see a write is shown with two processes in e2e/cluster.test.ts;
 * here, what one process does with the header's values.
 */
describe('X-Event-Position on a request', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  // A wait that does not end would outlast the test: whatever answers here did not wait for nothing.
  const start = () => startServer({ READ_YOUR_WRITES_TIMEOUT: '10m' });

  it("a command's own position, sent back, answers what that command did", async () => {
    server = await start();
    const user = await register(server);
    const renamed = await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: 'Ada' } });
    const position = renamed.headers.get('x-event-position')!;
    expect(position).toMatch(/^\d+$/);
    const read = await call(server, 'GET', '/auth/me', {
      token: user.token,
      headers: { 'x-event-position': position },
    });
    expect(read.status).toBe(200);
    expect(read.body.display_name).toBe('Ada');
  });

  it('a position beyond the newest event waits for nothing', async () => {
    server = await start();
    const user = await register(server);
    for (const position of ['18446744073709551615', '99999999']) {
      const read = await call(server, 'GET', '/auth/me', {
        token: user.token,
        headers: { 'x-event-position': position },
      });
      expect(read.status).toBe(200);
    }
  });

  it('anything but a position is refused with 400, and the command is not carried out', async () => {
    server = await start();
    const user = await register(server);
    for (const position of ['-1', '12a', '0x10', '1.5', '', '18446744073709551616', '123456789012345678901']) {
      const answer = await call(server, 'PUT', '/auth/me', {
        token: user.token,
        body: { display_name: 'Not me' },
        headers: { 'x-event-position': position },
      });
      expect(answer.status, position).toBe(400);
      expect(answer.body).toMatchObject({ code: 'validation_failed' });
      expect(answer.body.detail).toContain('X-Event-Position');
    }
    const me = await call(server, 'GET', '/auth/me', { token: user.token });
    expect(me.body.display_name).toBeNull();
  });

  it('the pages and probes do not read it', async () => {
    server = await start();
    for (const path of ['/login', '/healthz', '/readyz']) {
      const response = await fetch(`${server.url}${path}`, { headers: { 'x-event-position': 'not a position' } });
      expect(response.status, path).toBe(200);
    }
  });
});
