import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { PersonProofInput } from '../accounts/person-proofs.js';
import { z } from 'zod';
import { HttpError } from './errors.js';

/**
 * Parses a body or query with its schema. Bodies are strict objects: an unknown field (including
 * `__proto__` or `constructor`) is refused with 400 on every route, never silently ignored.
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new HttpError(
    'validation_failed',
    `Invalid request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    issues,
  );
}

/** The parts of a request a route may declare a schema for, as they came. */
export interface RequestParts {
  params: unknown;
  query: unknown;
  body: unknown;
}
export type RequestPart = keyof RequestParts;
type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

/** What a route's handler is handed: its declared params, query and body, parsed (undefined where none is declared). */
export interface RouteInput<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
}

/**
 * Parses the declared parts of a request in the order params, query, body: the first that fails
 * is the 400. A part named in `skip` is left to the handler (undefined here).
 */
export function parseRequest<P extends Schema, Q extends Schema, B extends Schema>(
  schemas: { params?: P; query?: Q; body?: B },
  parts: RequestParts,
  skip: readonly RequestPart[] = [],
): RouteInput<P, Q, B> {
  const parsed = (part: RequestPart) => {
    const schema = schemas[part];
    return schema && !skip.includes(part) ? parse(schema, parts[part]) : undefined;
  };
  return { params: parsed('params'), query: parsed('query'), body: parsed('body') } as RouteInput<P, Q, B>;
}

const NO_CONTROL = /^[^\p{Cc}]*$/u;

/** A PublicKeyCredential as JSON (@simplewebauthn/browser's answers), around its ceremony's `response`. */
const publicKeyCredential = <R extends z.ZodRawShape>(response: R) =>
  z.object({
    id: base64url(1400),
    rawId: base64url(1400),
    type: z.literal('public-key'),
    response: z.object(response),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  });

/** A WebAuthn binary field as JSON carries it: base64url, at most `max` characters. */
const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');

/** The field shapes shared by several routes. */
export const fields = {
  username: z
    .string()
    .min(3, 'must be 3 to 32 characters')
    .max(32, 'must be 3 to 32 characters')
    .regex(/^[a-zA-Z0-9_.-]+$/, 'may contain only a-z, 0-9, _, . and -'),
  password: z.string().min(8, 'must be 8 to 128 characters').max(128, 'must be 8 to 128 characters'),
  /** A password being checked, not chosen: any length up to the body limit is compared, never echoed. */
  existingPassword: z.string().min(1).max(1024),
  email: z
    .string()
    .max(254)
    .pipe(z.email({ message: 'must be an email address' })),
  displayName: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .regex(NO_CONTROL, 'must not contain control characters'),
  totpCode: z.string().max(32).optional(),
  /** An invite's token (`REGISTRATION=invite` needs one to make an account). */
  referrerToken: z.string().max(128).optional(),
  /** A passkey's answer to request options (`navigator.credentials.get`, as @simplewebauthn/browser returns it). */
  passkeyAssertion: publicKeyCredential({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    userHandle: base64url(128).optional(),
  }).describe(
    "The browser's answer (PublicKeyCredential as JSON) to options from POST /auth/passkeys/authentication/options",
  ),
  /** A new passkey's answer to creation options (`navigator.credentials.create`). */
  passkeyAttestation: publicKeyCredential({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16_384),
    transports: z.array(z.string().max(32)).max(8).optional(),
    authenticatorData: base64url(16_384).optional(),
    publicKey: base64url(2048).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }).describe("The browser's answer (PublicKeyCredential as JSON) to the creation options"),
};

/**
 * The proof of the person a sensitive request may carry: the password (with `totp_code` when 2FA
 * is on), or a passkey answer. One shape for every route that takes it.
 */
export const proofFields = {
  password: fields.existingPassword.optional(),
  totp_code: fields.totpCode,
  passkey: fields.passkeyAssertion.optional(),
};

/** Those fields as the use cases take them (`PersonProofInput`); absent ones stay absent. */
export const proofOf = (body: {
  password?: string | undefined;
  totp_code?: string | undefined;
  passkey?: z.output<typeof fields.passkeyAssertion> | undefined;
}): PersonProofInput => ({
  ...(body.password !== undefined ? { password: body.password } : {}),
  ...(body.totp_code !== undefined ? { totpCode: body.totp_code } : {}),
  ...(body.passkey !== undefined ? { passkey: assertionOf(body.passkey)! } : {}),
});

/** A passkey assertion as the use cases take it (the schema checked its shape; the ceremony checks the rest). */
export const assertionOf = (
  assertion: z.output<typeof fields.passkeyAssertion> | undefined,
): AuthenticationResponseJSON | undefined => assertion as unknown as AuthenticationResponseJSON | undefined;

/** A body of one email address (a reset link or a sign-in code is asked for it). */
export const emailOnlyBody = z.strictObject({ email: fields.email });
