import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, type TestServer } from '../support/server.js';

describe("embedded mode: the event store's append thread", () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('when it dies, a write in flight and every later one get a 503 in the error shape, and /readyz says the event store is unreachable', async () => {
    server = await startServer({}, { appendThread: new URL('../support/failing-append-thread.js', import.meta.url) });
    const user = await register(server);
    expect((await call(server, 'GET', '/readyz')).status).toBe(200);

    writeFileSync(join(server.dataDir, 'fail-appends'), '');
    for (const displayName of ['First', 'Second']) {
      const refused = await call(server, 'PUT', '/auth/me', { token: user.token, body: { display_name: displayName } });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'unavailable', detail: expect.stringContaining('cannot store') });
    }
    const notReady = await call(server, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.code).toBe('unavailable');
    expect(notReady.body.detail).toContain('event store unreachable');
  });
});
