import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * A short-lived secret in a stream `challenge-<uuid>`: an email code, an email-verification OTP,
 * a password-reset token, a pending TOTP secret. Expiry is enforced when it is used; the expiry
 * job only records it.
 */
export type ChallengePurpose =
  | 'email_code'
  | 'email_verification'
  | 'password_reset'
  | 'totp_setup'
  | 'lnurl'
  | 'oauth'
  | 'passkey'
  /** The "this wasn't me" link of a new-device notice. */
  | 'wasnt_me';

/** How long each kind of challenge lives: the one place the issuers and the mails read it from. */
export const CHALLENGE_TTL_MS: { [P in ChallengePurpose]: number } = {
  email_code: 10 * 60_000,
  email_verification: 10 * 60_000,
  totp_setup: 10 * 60_000,
  password_reset: 30 * 60_000,
  lnurl: 5 * 60_000,
  oauth: 10 * 60_000,
  passkey: 5 * 60_000,
  wasnt_me: 7 * 24 * 3_600_000,
};

/** A set-password link in the mail of an account an admin made lives longer than a reset link. */
export const ACCOUNT_SETUP_TTL_MS = 7 * 24 * 3_600_000;

export type ChallengeIssuedData = {
  challengeId: string;
  purpose: ChallengePurpose;
  /** The account it is for (for an email code to an unknown address: the account it would make). */
  userId: string;
  /** HMAC claim of the address it was sent to, if any. */
  emailClaim: string | null;
  /** The address itself (sealed), when the account does not exist yet. */
  email: string | null;
  /** HMAC of the secret under a service key: codes are low-entropy, so never a bare hash. */
  secretHash: string | null;
  /** A pending TOTP secret (sealed). */
  totpSecret: string | null;
  expiresAt: string;
  maxAttempts: number;
  /** The account's credentials epoch when issued: a later password or address change voids it. */
  epoch?: number;
  /** LNURL-auth: what the signed k1 is for. */
  action?: 'login' | 'register' | 'link' | 'auth';
  /** OAuth: the provider, and the redirect URI the code is bound to (the token request repeats it). */
  oauth?: { provider: string; redirectUri: string };
  /** LNURL, OAuth and passkey sign-up: the invite a new account would register with. */
  inviteId?: string;
  /** Passkey sign-up: the username the new account takes (sealed). */
  username?: string | null;
  /**
   * Passkeys: the ceremony the options were made for (adding one to an account, signing up,
   * signing in or proving the person), and for adding or signing up, the WebAuthn user handle.
   */
  passkey?: { ceremony: PasskeyCeremony };
  /** Passkeys (adding one, signing up): the account's WebAuthn user handle (sealed). */
  userHandle?: string;
  /** "This wasn't me": the session the notice told of. */
  sessionId?: string;
  /** OAuth and LNURL: the sign-in passed a CAPTCHA at its start, so it may make an account later. */
  captchaPassed?: boolean;
};

export type PasskeyCeremony = 'add' | 'sign-up' | 'sign-in';

export type ChallengeEvent =
  | { type: 'ChallengeIssued'; data: ChallengeIssuedData }
  | { type: 'ChallengeAttemptFailed'; data: { attempt: number } }
  | { type: 'ChallengeBurned'; data: { attempts: number } }
  /** LNURL-auth: the wallet signed k1; the token is for this account, taken once by the poll. */
  | { type: 'ChallengeSigned'; data: { userId: string } }
  | { type: 'ChallengeCompleted'; data: Record<string, never> }
  | { type: 'ChallengeExpired'; data: Record<string, never> };

export type ChallengeCommand =
  | { type: 'IssueChallenge'; data: ChallengeIssuedData }
  | { type: 'AttemptChallenge'; data: { now: Date; secretMatches: boolean } }
  | { type: 'ExpireChallenge'; data: { now: Date } }
  | { type: 'SignChallenge'; data: { now: Date; userId: string } }
  | { type: 'TakeChallenge'; data: { now: Date } };

export interface ChallengeState {
  status: 'none' | 'open' | 'signed' | 'completed' | 'burned' | 'expired';
  issued: ChallengeIssuedData | null;
  attempts: number;
  /** LNURL-auth: the account the signature resolved to. */
  signedFor: string | null;
}

export const personalFields: { [T in ChallengeEvent['type']]: string[] } = {
  ChallengeIssued: ['email', 'totpSecret', 'username', 'userHandle'],
  ChallengeAttemptFailed: [],
  ChallengeBurned: [],
  ChallengeSigned: [],
  ChallengeCompleted: [],
  ChallengeExpired: [],
};

export const challengeStream = (challengeId: string) => `challenge-${challengeId}`;

export const initialState = (): ChallengeState => ({ status: 'none', issued: null, attempts: 0, signedFor: null });

export const evolve = (state: ChallengeState, event: ChallengeEvent): ChallengeState => {
  switch (event.type) {
    case 'ChallengeIssued':
      return { status: 'open', issued: event.data, attempts: 0, signedFor: null };
    case 'ChallengeSigned':
      return { ...state, status: 'signed', signedFor: event.data.userId };
    case 'ChallengeAttemptFailed':
      return { ...state, attempts: event.data.attempt };
    case 'ChallengeBurned':
      return { ...state, status: 'burned' };
    case 'ChallengeCompleted':
      return { ...state, status: 'completed' };
    case 'ChallengeExpired':
      return state.status === 'open' || state.status === 'signed' ? { ...state, status: 'expired' } : state;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

const isPast = (state: ChallengeState, now: Date) => now.getTime() >= new Date(state.issued!.expiresAt).getTime();

/** Whether the challenge can still be answered at `now`; refuses with the documented 404/410 codes. */
export const requireOpen = (state: ChallengeState, now: Date) => {
  if (state.status === 'none') refuse('not_found', 'No such code or token');
  if (state.status === 'completed' || state.status === 'burned')
    refuse('challenge_used', 'This code or token was already used');
  if (state.status === 'expired' || isPast(state, now)) refuse('challenge_expired', 'This code or token has expired');
};

export const decide = (command: ChallengeCommand, state: ChallengeState): ChallengeEvent[] => {
  switch (command.type) {
    case 'IssueChallenge':
      if (state.status !== 'none') return refuse('conflict', 'This challenge exists');
      return [{ type: 'ChallengeIssued', data: command.data }];
    case 'AttemptChallenge': {
      requireOpen(state, command.data.now);
      if (command.data.secretMatches) return [{ type: 'ChallengeCompleted', data: {} }];
      const attempt = state.attempts + 1;
      const failed: ChallengeEvent = { type: 'ChallengeAttemptFailed', data: { attempt } };
      return attempt >= state.issued!.maxAttempts
        ? [failed, { type: 'ChallengeBurned', data: { attempts: attempt } }]
        : [failed];
    }
    case 'ExpireChallenge':
      return (state.status === 'open' || state.status === 'signed') && isPast(state, command.data.now)
        ? [{ type: 'ChallengeExpired', data: {} }]
        : [];
    case 'SignChallenge':
      requireOpen(state, command.data.now);
      // Signed exactly once: a second wallet callback must not change whom the poll signs in.
      if (state.status === 'signed') return refuse('challenge_used', 'This k1 was already signed');
      return [{ type: 'ChallengeSigned', data: { userId: command.data.userId } }];
    case 'TakeChallenge':
      if (state.status === 'signed') {
        if (isPast(state, command.data.now)) return refuse('challenge_expired', 'This code or token has expired');
        return [{ type: 'ChallengeCompleted', data: {} }];
      }
      requireOpen(state, command.data.now);
      return refuse('conflict', 'Not signed yet');
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const challengeDecider: Decider<ChallengeCommand, ChallengeEvent, ChallengeState> = {
  initialState,
  evolve,
  decide,
};
