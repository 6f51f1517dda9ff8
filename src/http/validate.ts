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
};

/** A body of one email address (a reset link or a sign-in code is asked for it). */
export const emailOnlyBody = z.strictObject({ email: fields.email });
