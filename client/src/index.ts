import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

/** The error every route answers with (`{detail, code, issues?}`), typed by its `code`. */
export type ApiError = components['schemas']['Error'];

/** What a request is sent with: a login session or an ACL token (`Authorization: Bearer`), or an API key. */
export type Credential = { token: string } | { apiKey: string };

export interface AccountsClientOptions extends ClientOptions {
  /** The service's origin (its PUBLIC_URL), e.g. `https://accounts.example.org`: the paths carry `/api/v1`. */
  baseUrl: string;
  /** Read before each request, so a client can sign in and out: the credential to send, if any. */
  credential?: () => Credential | null | undefined;
}

export type AccountsClient = Client<paths>;

/**
 * A typed client of every route in the service's OpenAPI document (`openapi.json` beside this
 * package, generated from the routes' own schemas): paths, bodies, query parameters and answers
 * — success and error — are checked by TypeScript. Built on openapi-fetch; see its documentation
 * for `GET`/`POST`/…, middleware and options.
 */
export function createAccountsClient(options: AccountsClientOptions): AccountsClient {
  const { credential, ...rest } = options;
  const client = createClient<paths>(rest);
  if (credential) {
    const authenticate: Middleware = {
      onRequest({ request }) {
        const given = credential();
        if (given && 'token' in given) request.headers.set('Authorization', `Bearer ${given.token}`);
        else if (given) request.headers.set('X-API-Key', given.apiKey);
        return request;
      },
    };
    client.use(authenticate);
  }
  return client;
}
