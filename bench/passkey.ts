import { performance } from 'node:perf_hooks';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { SoftAuthenticator } from '../test/support/authenticator.js';
import { apiCall } from './lib.js';

const percentile = (sorted: number[], p: number) =>
  sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!) : 0;

/**
 * Passkey sign-ins through the API (request options, the software authenticator's assertion, the
 * sign-in: a challenge issued and spent, the assertion verified, a session started and projected),
 * one account per connection so that no two uses of one passkey race. The reference is
 * @simplewebauthn/server's own `verifyAuthenticationResponse` in a loop on pre-made assertions:
 * what the verification alone costs, so the ratio says how much a sign-in adds to it.
 */
export async function passkeySignIns(url: string, seconds: number, connections: number) {
  const origin = `http://localhost:${new URL(url).port}`;
  const devices = await Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const device = new SoftAuthenticator();
      const options = await apiCall(url, 'POST', '/auth/passkeys/sign-up/options', {
        username: `passkey_${process.pid}_${i}`,
      });
      const made = await apiCall(url, 'POST', '/auth/passkeys/sign-up', {
        response: device.register(options.body, origin),
      });
      if (made.status !== 201) throw new Error(`passkey sign-up failed: ${made.status} ${JSON.stringify(made.body)}`);
      return device;
    }),
  );

  const latencies: number[] = [];
  let signIns = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    devices.map(async (device) => {
      while (performance.now() - started < seconds * 1000) {
        const begun = performance.now();
        const options = await apiCall(url, 'POST', '/auth/passkeys/authentication/options');
        const answer = await apiCall(url, 'POST', '/auth/passkeys/authentication', {
          response: device.authenticate(options.body, origin),
        });
        if (answer.status === 200) signIns += 1;
        else errors += 1;
        latencies.push(performance.now() - begun);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ours = { rps: signIns / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };

  // The verification alone, on assertions made beforehand (the counter left to the caller, as the service does).
  const reference = new SoftAuthenticator();
  const creation = await generateRegistrationOptions({
    rpName: 'bench',
    rpID: 'localhost',
    userName: 'bench',
    attestationType: 'none',
  });
  const registration = await verifyRegistrationResponse({
    response: reference.register(creation, origin),
    expectedChallenge: creation.challenge,
    expectedOrigin: origin,
    expectedRPID: 'localhost',
    requireUserVerification: false,
  });
  const { id: credentialId, publicKey } = registration.registrationInfo!.credential;
  const options = await generateAuthenticationOptions({ rpID: 'localhost', allowCredentials: [] });
  const assertions = Array.from({ length: 200 }, () => reference.authenticate(options, origin));
  let verified = 0;
  const verifyStarted = performance.now();
  while (performance.now() - verifyStarted < seconds * 1000) {
    const result = await verifyAuthenticationResponse({
      response: assertions[verified % assertions.length]!,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: 'localhost',
      credential: { id: credentialId, publicKey, counter: 0 },
      requireUserVerification: false,
    });
    if (!result.verified) throw new Error('the reference verification failed');
    verified += 1;
  }
  return { ours, reference: { rate: verified / ((performance.now() - verifyStarted) / 1000) } };
}
