import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { deviceName } from './devices.js';
import type { RequestInfo } from './types.js';

/** A device token: `dv_<device id>.<256 random bits>`; only the SHA-256 of the secret is kept. */
const DEVICE_TOKEN = /^dv_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** What a device token names, or null when it is not one. */
export const deviceOf = (token: string | undefined): { deviceId: string; tokenHash: string } | null => {
  const match = token ? DEVICE_TOKEN.exec(token) : null;
  return match ? { deviceId: match[1]!, tokenHash: hashOf(match[2]!) } : null;
};

/** A new device to remember: its token (given once) and what the account keeps of it. */
export const newTrustedDevice = (request: RequestInfo, now: Date, ttlMs: number) => {
  const deviceId = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  return {
    token: `dv_${deviceId}.${secret}`,
    expiresAt,
    trusted: { deviceId, tokenHash: hashOf(secret), name: deviceName(request.userAgent), expiresAt },
  };
};

export const deviceUsageKey = (deviceId: string) => `device:${deviceId}`;
