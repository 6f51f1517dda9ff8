/** Every refusal the domain can give. The HTTP layer maps each code to a status in one table. */
export type DomainErrorCode =
  | 'validation_failed'
  | 'password_too_weak'
  | 'password_breached'
  | 'captcha_required'
  | 'captcha_invalid'
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'totp_required'
  | 'invalid_totp'
  | 'token_expired'
  | 'token_revoked'
  | 'forbidden'
  | 'admin_only'
  | 'registration_closed'
  | 'invite_required'
  | 'password_reset_required'
  | 'usr_login_not_allowed_for_admin'
  | 'account_disabled'
  | 'reauth_required'
  | 'not_found'
  | 'username_taken'
  | 'email_taken'
  | 'identity_taken'
  | 'conflict'
  | 'challenge_expired'
  | 'challenge_used'
  | 'rate_limited'
  | 'account_locked'
  | 'unavailable';

export interface ValidationIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly issues?: ValidationIssue[],
    /** For refusals that pass with time (a lock): seconds until trying again makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export const refuse = (
  code: DomainErrorCode,
  message: string,
  issues?: ValidationIssue[],
  retryAfterSeconds?: number,
): never => {
  throw new DomainError(code, message, issues, retryAfterSeconds);
};
