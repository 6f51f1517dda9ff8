import { afterEach, describe, expect, it } from 'vitest';
import { call, register, startServer, TestClock, type TestServer } from '../support/server.js';
import { codeIn, waitForMail } from '../support/mail.js';

describe('challenge expiry', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('the expiry job records an expired code after its time, and the code is refused with 410 either way', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    const user = await register(server);
    await call(server, 'POST', '/auth/send-code', { body: { email: user.email } });
    const code = codeIn(await waitForMail(server.dataDir, user.email))!;
    const [issued] = await server.service.eventStore.readAll({ filter: { eventTypes: ['ChallengeIssued'] } });
    // The reactor scheduled the expiry with the event id as job id.
    for (let i = 0; i < 100 && !(await server.service.queue.inspect(issued!.id)); i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect((await server.service.queue.inspect(issued!.id))?.state).toMatch(/waiting|delayed/);

    clock.advance(10 * 60_000 + 2000);
    const refused = await call(server, 'POST', '/auth/verify-code', { body: { email: user.email, code } });
    expect(refused.status).toBe(410);
    expect(refused.body.code).toBe('challenge_expired');
    const deadline = Date.now() + 5000;
    let expired: unknown[] = [];
    while (!expired.length && Date.now() < deadline) {
      expired = await server.service.eventStore
        .readStream(issued!.streamId)
        .then((events) => events.filter((e) => e.type === 'ChallengeExpired'));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(expired).toHaveLength(1);
    expect((await server.service.queue.inspect(issued!.id))?.state).toBe('completed');
  });

  it('a code to an address that never became an account takes its data key with it when it expires', async () => {
    const clock = new TestClock();
    server = await startServer({}, { clock });
    await call(server, 'POST', '/auth/send-code', { body: { email: 'passer.by@example.test' } });
    await waitForMail(server.dataDir, 'passer.by@example.test');
    const [issued] = await server.service.eventStore.readAll({ filter: { eventTypes: ['ChallengeIssued'] } });
    const userId = issued!.data.userId as string;
    expect(await server.service.keyStore.get(userId)).not.toBeNull();
    clock.advance(10 * 60_000 + 2000);
    const deadline = Date.now() + 5000;
    while ((await server.service.keyStore.get(userId)) !== null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await server.service.keyStore.get(userId)).toBeNull();
  });
});
