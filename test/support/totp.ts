import { generate } from 'otplib';
import { expect } from 'vitest';
import { call, type TestClock, type TestServer } from './server.js';

/** The TOTP code of `secret` at the test clock's time, `offsetSteps` steps of 30 s away. */
export const codeAt = (secret: string, clock: TestClock, offsetSteps = 0) =>
  generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSteps * 30 });

/** Turns 2FA on for the account of `token`: its secret and backup codes. */
export async function enableTotp(server: TestServer, token: string) {
  const setup = await call(server, 'GET', '/auth/totp', { token });
  const enabled = await call(server, 'POST', '/auth/totp', {
    token,
    body: { code: await codeAt(setup.body.secret, server.clock) },
  });
  expect(enabled.status).toBe(200);
  return { secret: setup.body.secret as string, backupCodes: enabled.body.backup_codes as string[] };
}
