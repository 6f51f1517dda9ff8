import type { RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { bearerOf, callerOf, requestInfo, type Routes } from '../auth.js';
import { encodedBody, jsonBody } from '../body.js';
import { HttpError } from '../errors.js';
import { emailOnlyBody, fields } from '../validate.js';
import { answers } from '../openapi.js';

const otpBody = z.strictObject({
  otp: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'must be the 6-digit code'),
  otp_session: z.uuid({ message: 'must be the otp_session you were given' }),
});
const resetBody = z.strictObject({ reset_token: z.string().min(1).max(512).optional(), new_password: fields.password });
const noBody = z.strictObject({});
const tag = 'Email';

/** `POST /auth/verify-otp` takes JSON or multipart/form-data (two short text fields, 64 KiB at most). */
const form = multer({ limits: { fieldSize: 1024, fields: 4, files: 0, parts: 4 } }).none();
const jsonOrForm: RequestHandler = (req, res, next) => {
  // multer's body has a null prototype: the route is handed a plain copy of the fields, whichever way they came.
  const plainCopy = (error?: unknown) => {
    if (!error && req.body !== undefined) req.body = { ...req.body };
    next(error);
  };
  if (!req.is('multipart/form-data')) return jsonBody(req, res, plainCopy);
  const encoded = encodedBody(req.headers);
  if (encoded) return next(encoded);
  if (Number(req.headers['content-length'] ?? 0) > 64 * 1024)
    return next(new HttpError('payload_too_large', 'The body is larger than 64 KiB'));
  form(req, res, (error?: unknown) => {
    if (!error) return plainCopy();
    const code = (error as { code?: string }).code;
    if (code === 'LIMIT_FIELD_VALUE' || code === 'LIMIT_PART_COUNT' || code === 'LIMIT_FIELD_COUNT')
      return next(new HttpError('payload_too_large', 'The form is too large'));
    next(new HttpError('validation_failed', 'The form could not be read (text fields only)'));
  });
};

/** Email verification and password reset (sign-in codes: src/login-methods/email-code/). */
export function emailRoutes(accounts: Accounts, routes: Routes, limit: RequestHandler): void {
  routes.add(
    'post',
    '/auth/me/send-otp',
    {
      policy: 'session',
      command: true,
      tag,
      summary: "Mail a 6-digit code that verifies the account's email",
      body: noBody,
      responses: {
        200: { description: 'The session to send back with the code', schema: z.object({ otp_session: z.uuid() }) },
      },
      errors: [429, 503],
    },
    async (_input, req, res) => {
      const answer = await accounts.sendVerificationCode(callerOf(req), requestInfo(req));
      await routes.answerCommand(res, null, 200, answer);
    },
  );

  routes.add(
    'post',
    '/auth/verify-otp',
    {
      policy: 'public',
      command: true,
      tag,
      summary: 'Verify the email with the mailed code',
      body: otpBody,
      formBody: true,
      responses: { 200: { description: 'Email verified', schema: answers.detail } },
      errors: [401, 404, 410, 429],
    },
    limit,
    jsonOrForm,
    async ({ body }, req, res) => {
      const position = await accounts.verifyEmail({ otp: body.otp, otpSession: body.otp_session }, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Email verified' });
    },
  );

  routes.add(
    'post',
    '/auth/reset-password',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Mail a one-time password reset token (valid 30 min)',
      body: emailOnlyBody,
      description: 'Answers 202 whether or not the address belongs to an account.',
      responses: { 202: { description: 'Accepted', schema: answers.detail } },
      errors: [429, 503],
    },
    limit,
    async ({ body }, req, res) => {
      await accounts.requestPasswordReset({ email: body.email }, requestInfo(req));
      await routes.answerCommand(res, null, 202, {
        detail: 'If an account has this address, a reset link is on its way',
      });
    },
  );

  routes.add(
    'put',
    '/auth/reset-password',
    {
      policy: 'public',
      command: true,
      tag,
      summary: 'Set a new password with a reset token; every session is revoked',
      body: resetBody,
      description: 'The reset token comes as `reset_token` or as `Authorization: Bearer <reset token>`.',
      responses: { 200: { description: 'Password reset', schema: answers.detail } },
      errors: [401, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const token = body.reset_token ?? bearerOf(req.headers.authorization);
      if (!token)
        throw new HttpError('validation_failed', 'Send the reset token as reset_token or as a Bearer header', [
          { path: 'reset_token', message: 'required' },
        ]);
      const position = await accounts.resetPassword({ token, newPassword: body.new_password }, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Password reset' });
    },
  );
}
