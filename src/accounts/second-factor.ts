import { createHash, randomBytes, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import type { SecondFactor } from '../../domain/user/commands.js';
import type { UserState } from '../../domain/user/decider.js';

const PERIOD_S = 30;
const BACKUP_CODES = 10;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export const newTotpSecret = () => generateSecret();

/** The otpauth URI authenticator apps read; it names every parameter, defaults included. */
export const totpUri = (issuer: string, account: string, secret: string) =>
  `${generateURI({ issuer, label: account, secret })}&algorithm=SHA1&digits=6&period=${PERIOD_S}`;

/**
 * Checks a 6-digit TOTP code at ±1 step of `now`, refusing any step at or before `afterStep`, so
 * that a code never works twice for an account.
 */
export async function checkTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<{ valid: boolean; timeStep: number | null }> {
  if (!/^\d{6}$/.test(code)) return { valid: false, timeStep: null };
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: PERIOD_S,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  const timeStep = (result as { timeStep?: number }).timeStep;
  return result.valid && timeStep !== undefined ? { valid: true, timeStep } : { valid: false, timeStep: null };
}

/** 10 backup codes of 80 random bits each (xxxx-xxxx-xxxx-xxxx), shown once. */
export function newBackupCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: BACKUP_CODES }, () => {
    const chars = Array.from({ length: 16 }, () => BASE32[randomInt(32)]).join('');
    return chars.match(/.{4}/g)!.join('-').toLowerCase();
  });
  return { codes, hashes: codes.map(hashBackupCode) };
}

/** High-entropy, so a plain SHA-256 is enough; spaces, dashes and case do not matter. */
export const hashBackupCode = (code: string) =>
  createHash('sha256').update(code.replace(/[\s-]/g, '').toLowerCase()).digest('hex');

const BACKUP_CODE = /^[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}$/i;

/**
 * What a `totp_code` field proves against the account: nothing (2FA off, or no code), a TOTP
 * code (checked here), or a backup code (passed as its hash for the decider to compare).
 */
export async function secondFactorFrom(state: UserState, code: string | undefined, now: Date): Promise<SecondFactor> {
  if (state.totpSecret === null || code === undefined || code === '') return { kind: 'none' };
  const trimmed = code.trim();
  if (BACKUP_CODE.test(trimmed)) return { kind: 'backup', codeHash: hashBackupCode(trimmed) };
  return { kind: 'totp', ...(await checkTotp(state.totpSecret, trimmed, now, state.lastTotpStep)) };
}

/** A 6-digit code from a uniform draw (never Math.random). */
export const sixDigitCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** A token with 256 bits of entropy, URL-safe. */
export const randomToken = () => randomBytes(32).toString('base64url');
