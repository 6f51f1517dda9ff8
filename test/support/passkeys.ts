import { SoftAuthenticator, type SoftAuthenticatorOptions } from './authenticator.js';
import { call, type TestServer } from './server.js';

/** The origin a browser on the test server's PUBLIC_URL answers from. */
export const originOf = (server: TestServer) => new URL(server.service.config.publicUrl).origin;

/** A software authenticator bound to the test server's origin, with the ceremonies as a browser would run them. */
export function passkeyDevice(server: TestServer, options: SoftAuthenticatorOptions = {}) {
  const authenticator = new SoftAuthenticator(options);
  const origin = originOf(server);
  return {
    authenticator,
    /**
     * Adds a passkey to the signed-in account with `proof` (the password, or a passkey answer, as
     * the route asks); answers the HTTP answer of POST /auth/passkeys/registration.
     */
    async add(token: string, name?: string, proof: Record<string, unknown> = {}) {
      const options = await call(server, 'POST', '/auth/passkeys/registration/options', { token });
      if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
      const response = authenticator.register(options.body, origin);
      return call(server, 'POST', '/auth/passkeys/registration', {
        token,
        body: { response, ...(name ? { name } : {}), ...proof },
      });
    },
    /** Signs up with a new passkey; answers the HTTP answer of POST /auth/passkeys/sign-up. */
    async signUp(body: { username: string; email?: string; referrer_token?: string }) {
      const options = await call(server, 'POST', '/auth/passkeys/sign-up/options', { body });
      if (options.status !== 200) return options;
      return call(server, 'POST', '/auth/passkeys/sign-up', {
        body: { response: authenticator.register(options.body, origin) },
      });
    },
    /** An assertion for fresh request options (for a sign-in, a second factor or a proof). */
    async assertion(overrides: Parameters<SoftAuthenticator['authenticate']>[2] = {}) {
      const options = await call(server, 'POST', '/auth/passkeys/authentication/options');
      if (options.status !== 200) throw new Error(`options: ${options.status} ${JSON.stringify(options.body)}`);
      return authenticator.authenticate(options.body, origin, overrides);
    },
    /** Signs in with a passkey (no username typed). */
    async signIn(
      overrides: Parameters<SoftAuthenticator['authenticate']>[2] = {},
      extra: Record<string, unknown> = {},
    ) {
      return call(server, 'POST', '/auth/passkeys/authentication', {
        body: { response: await this.assertion(overrides), ...extra },
      });
    },
  };
}
