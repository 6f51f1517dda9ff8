import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { type Algorithm, SoftAuthenticator } from '../support/authenticator.js';

const origin = 'http://localhost:3000';

const registered = async (algorithm: Algorithm) => {
  const authenticator = new SoftAuthenticator({ algorithm });
  const options = await generateRegistrationOptions({
    rpName: 'Test',
    rpID: 'localhost',
    userName: 'ada',
    userID: new Uint8Array(32).fill(7),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  const response = authenticator.register(options, origin);
  const registration = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: 'localhost',
    requireUserVerification: false,
  });
  expect(registration.verified).toBe(true);
  if (!registration.verified) throw new Error('registration not verified');
  return { authenticator, options, credential: registration.registrationInfo.credential };
};

const verifyAssertion = async (
  authenticator: SoftAuthenticator,
  credential: Pick<WebAuthnCredential, 'id' | 'publicKey'>,
  overrides: Parameters<SoftAuthenticator['authenticate']>[2] = {},
) => {
  const options = await generateAuthenticationOptions({
    rpID: 'localhost',
    allowCredentials: [],
    userVerification: 'preferred',
  });
  const response = authenticator.authenticate(options, origin, overrides);
  return {
    response,
    result: await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: 'localhost',
      credential: { id: credential.id, publicKey: credential.publicKey, counter: 0 },
      requireUserVerification: false,
    }),
  };
};

describe('SoftAuthenticator', () => {
  it.each<Algorithm>(['ES256', 'EdDSA'])(
    'registers and signs in with %s, as @simplewebauthn/server verifies',
    async (algorithm) => {
      const { authenticator, options, credential } = await registered(algorithm);
      const { response, result } = await verifyAssertion(authenticator, credential);
      expect(result.verified).toBe(true);
      expect(result.authenticationInfo.newCounter).toBe(1);
      expect(result.authenticationInfo.userVerified).toBe(true);
      expect(response.response.userHandle).toBe(options.user.id);
    },
  );

  it('fails verification for a wrong origin or a tampered signature', async () => {
    const { authenticator, credential } = await registered('ES256');
    await expect(verifyAssertion(authenticator, credential, { origin: 'http://evil.test' })).rejects.toThrow(/origin/i);

    const options = await generateAuthenticationOptions({ rpID: 'localhost', userVerification: 'preferred' });
    const response = authenticator.authenticate(options, origin);
    const signature = Buffer.from(response.response.signature, 'base64url');
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    const tampered = { ...response, response: { ...response.response, signature: signature.toString('base64url') } };
    const result = await verifyAuthenticationResponse({
      response: tampered,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: 'localhost',
      credential: { ...credential, counter: 0 },
      requireUserVerification: false,
    }).catch(() => ({ verified: false }));
    expect(result.verified).toBe(false);
  });

  it('refuses to register a credential it already holds among excludeCredentials', async () => {
    const { authenticator, options, credential } = await registered('EdDSA');
    expect(() =>
      authenticator.register({ ...options, excludeCredentials: [{ id: credential.id, type: 'public-key' }] }, origin),
    ).toThrow('InvalidStateError');
  });
});
