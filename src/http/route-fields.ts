import type { Request } from 'express';
import type { ZodType } from 'zod';
import { z } from 'zod';
import type { Method } from './router.js';
import { proofFields, proofOf } from './validate.js';

/** What these helpers read and write of a route's OpenAPI description (`RouteDoc`). */
type DocParts = { description?: string; errors?: number[]; body?: ZodType; query?: ZodType };

/*
 * The fields the route table adds to a route's own schema and takes out again before its handler
 * runs: a CAPTCHA route's `captcha_token`, and a step-up route's proof (`RouteAccess` in auth.ts).
 */

const CAPTCHA_FIELD = {
  captcha_token: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe("The CAPTCHA widget's token, when CAPTCHA_PROVIDER is on (or the X-Captcha-Token header)"),
};

/** A CAPTCHA route's schema with `captcha_token` (its body's; a GET's query's), and its 400s. */
export const withCaptchaField = <D extends DocParts>(doc: D, method: Method): D => {
  const part = method === 'get' ? 'query' : 'body';
  const schema = doc[part];
  return {
    ...doc,
    [part]: schema instanceof z.ZodObject ? schema.extend(CAPTCHA_FIELD) : (schema ?? z.strictObject(CAPTCHA_FIELD)),
    description: `${doc.description ? `${doc.description} ` : ''}With CAPTCHA_PROVIDER on, it may need a CAPTCHA token (\`captcha_token\` or \`X-Captcha-Token\`): 400 \`captcha_required\` or \`captcha_invalid\` otherwise.`,
    errors: [...new Set([...(doc.errors ?? []), 400])],
  };
};

/** Takes a CAPTCHA route's `captcha_token` out of its parsed input, onto the request. */
export const takeCaptcha = <I extends { body?: unknown; query?: unknown }>(input: I, req: Request): I => {
  for (const part of ['body', 'query'] as const) {
    const values = input[part] as Record<string, unknown> | undefined;
    if (values && typeof values === 'object' && 'captcha_token' in values) {
      const { captcha_token: token, ...rest } = values;
      if (typeof token === 'string') req.captchaToken = token;
      input = { ...input, [part]: rest };
    }
  }
  return input;
};

/** The proof a step-up route takes in its body (see `RouteAccess.stepUp`). */
const PROOF_FIELDS = {
  password: proofFields.password.describe('Step-up: the password, when the session is not recent'),
  totp_code: proofFields.totp_code.describe(
    'Step-up: with the password when 2FA is on (alone for an account without one)',
  ),
  passkey: proofFields.passkey.describe('Step-up: a passkey answer, instead of the password'),
};
export type ProofFields = Partial<typeof PROOF_FIELDS>;

/** The proof fields a step-up route takes: those its own body does not name. */
export const proofFieldsOf = (body: ZodType | undefined): ProofFields => {
  const own = body instanceof z.ZodObject ? Object.keys(body.shape) : [];
  return Object.fromEntries(Object.entries(PROOF_FIELDS).filter(([field]) => !own.includes(field)));
};

/** A step-up body's proof fields (those the route does not name itself), and the route's own fields. */
export const splitProof = (body: Record<string, unknown>, taken: ProofFields) => {
  const proof: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (field in taken) {
      if (value !== undefined) proof[field] = value;
    } else own[field] = value;
  }
  return { proof: proofOf(proof), own };
};

/** What the OpenAPI document says of a step-up route: its body with the proof fields, and the 403. */
export const withProofFields = <D extends DocParts>(doc: D, proof: ProofFields): D => ({
  ...doc,
  body:
    doc.body instanceof z.ZodObject
      ? doc.body.extend(proof)
      : Object.keys(proof).length > 0
        ? z.strictObject(proof)
        : doc.body,
  description: `${doc.description ? `${doc.description} ` : ''}A sensitive action: a session proven within REAUTH_WINDOW, or a proof in the body (\`password\` with \`totp_code\`, or \`passkey\`); otherwise 403 \`reauth_required\` with the \`methods\` the account can prove itself with.`,
  // A proof in the body is always weighed: a wrong one is 401, and counts toward the lockout (429);
  // a passkey answer spends its single-use challenge (410 when it was spent or has expired).
  errors: [
    ...new Set([
      ...(doc.errors ?? []),
      403,
      ...(Object.keys(proof).length > 0 ? [401, 429] : []),
      ...('passkey' in proof ? [410] : []),
    ]),
  ],
});
