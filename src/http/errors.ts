import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { isDomainError, type DomainErrorCode, type ValidationIssue } from '../../domain/shared/errors.js';
import { isEventStoreUnavailable } from '../ports/event-store.js';

/** Every error code of the API and its status: the one table that maps the domain onto HTTP. */
export const STATUS: Record<DomainErrorCode | HttpOnlyCode, number> = {
  validation_failed: 400,
  password_too_weak: 400,
  password_breached: 400,
  captcha_required: 400,
  captcha_invalid: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  totp_required: 401,
  invalid_totp: 401,
  token_expired: 401,
  token_revoked: 401,
  forbidden: 403,
  acl_forbidden: 403,
  admin_only: 403,
  registration_closed: 403,
  invite_required: 403,
  password_reset_required: 403,
  usr_login_not_allowed_for_admin: 403,
  account_disabled: 403,
  reauth_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  username_taken: 409,
  email_taken: 409,
  identity_taken: 409,
  conflict: 409,
  challenge_expired: 410,
  challenge_used: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  account_locked: 429,
  internal: 500,
  unavailable: 503,
};

type HttpOnlyCode =
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'internal'
  | 'acl_forbidden'
  | 'method_not_allowed';

export class HttpError extends Error {
  constructor(
    readonly code: keyof typeof STATUS,
    message: string,
    readonly issues?: ValidationIssue[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const sendError = (
  res: Response,
  code: keyof typeof STATUS,
  detail: string,
  issues?: ValidationIssue[],
  retryAfterSeconds?: number,
  extra?: { methods?: string[]; second_factors?: string[] },
) => {
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  else if (code === 'unavailable') res.setHeader('Retry-After', '5');
  // `reauth_required` names the proofs the account can give (API.md), `totp_required` its second factors.
  res.status(STATUS[code]).json(issues ? { detail, code, issues } : { detail, code, ...extra });
};

/** What a refusal names beyond its code: the proofs (`methods`), the second factors (`second_factors`). */
const extraOf = (error: { methods?: string[]; secondFactors?: string[] }) => ({
  ...(error.methods ? { methods: error.methods } : {}),
  ...(error.secondFactors ? { second_factors: error.secondFactors } : {}),
});

export const notFound: RequestHandler = (_req, res) => sendError(res, 'not_found', 'No such endpoint');

/** Body-parser failures, domain refusals and everything else, in the one documented shape. */
export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (error, req, res, _next) => {
    if (res.headersSent) return;
    if (isDomainError(error)) {
      sendError(
        res,
        error.code,
        error.message,
        error.issues,
        error.retryAfterSeconds,
        extraOf(error as { methods?: string[]; secondFactors?: string[] }),
      );
      return;
    }
    if (error instanceof HttpError) {
      sendError(res, error.code, error.message, error.issues, error.retryAfterSeconds);
      return;
    }
    const type = (error as { type?: string }).type;
    switch (type) {
      case 'entity.too.large':
        return sendError(res, 'payload_too_large', 'The body is larger than 64 KiB');
      case 'entity.parse.failed':
        return sendError(res, 'validation_failed', 'The body is not valid JSON', [
          { path: '', message: 'malformed JSON' },
        ]);
      case 'entity.verify.failed':
        return sendError(res, 'validation_failed', 'The body is not valid UTF-8', [
          { path: '', message: 'invalid UTF-8' },
        ]);
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return sendError(res, 'unsupported_media_type', 'Send JSON as UTF-8 (application/json; charset=utf-8)');
      case 'request.aborted':
      case 'request.size.invalid':
        return sendError(res, 'validation_failed', 'The body was not received whole');
    }
    // The router could not decode a path parameter (`%C3%28`, a lone `%`): the client's URL is at fault.
    if (error instanceof URIError)
      return sendError(res, 'validation_failed', 'The path is not validly percent-encoded UTF-8', [
        { path: 'path', message: 'malformed percent-encoding' },
      ]);
    if (isEventStoreUnavailable(error)) {
      logger.error({ err: error, requestId: req.requestId }, 'the event store cannot take writes');
      return sendError(res, 'unavailable', 'The service cannot store changes right now; try again shortly');
    }
    logger.error({ err: error, requestId: req.requestId }, 'unhandled error');
    sendError(res, 'internal', 'Something went wrong on our side');
  };
