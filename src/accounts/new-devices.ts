import type { NewDeviceCheck, SessionFacts } from '../../domain/user/commands.js';
import { deviceKey, deviceName, networkPrefix } from './devices.js';
import { deviceOf } from './device-tokens.js';
import type { RequestInfo } from './types.js';

/** A session as it starts: who asked from where, and the device as new-device notices compare it. */
export const sessionFacts = (sessionId: string, request: RequestInfo, now: Date): SessionFacts => ({
  sessionId,
  ip: request.ip,
  userAgent: request.userAgent,
  device: deviceKey(request.userAgent, request.ip),
  at: now.toISOString(),
});

/**
 * What the user aggregate needs to tell a new device (null while NEW_DEVICE_NOTICES is off): the
 * notice's words, and the device token the request carried (in its body, or as the cookie).
 */
export const newDeviceCheck = async (
  on: boolean,
  request: RequestInfo,
  token: { deviceId: string; tokenHash: string } | undefined,
  /** The account's verified address now: the notice goes there, whatever the address becomes after. */
  verifiedEmail: () => Promise<string | null>,
): Promise<NewDeviceCheck | null> => {
  if (!on) return null;
  const carried = token ?? deviceOf(request.deviceToken ?? undefined) ?? undefined;
  return {
    name: deviceName(request.userAgent),
    network: networkPrefix(request.ip),
    email: await verifiedEmail(),
    ...(carried ? { token: carried } : {}),
  };
};
