/**
 * Why a credential (an API key, an ACL token) ended other than by its owner's own revocation:
 * the account's password was reset, its owner chose to end them at a password change, or an
 * address proof reclaimed the account, the session that made it had ended by then, or the owner
 * disowned a sign-in ("this wasn't me"). Absent: revoked by the owner.
 */
export type CredentialEndReason =
  | 'password_reset'
  | 'password_changed'
  | 'account_reclaimed'
  | 'session_ended'
  | 'wasnt_me';
