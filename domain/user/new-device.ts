import type { NewDeviceCheck, SessionFacts } from './commands.js';
import type { SessionMethod, UserEvent } from './events.js';
import { DEVICE_MEMORY_MS, type UserState } from './state.js';

/**
 * Whether a sign-in comes from a device new to the account, and so calls for a notice: it carries
 * no device token the account trusts, and its browser and OS family and network prefix were not
 * seen on the account in the last 90 days. Until a sign-in has recorded its device there is
 * nothing to compare with (a new account's first sign-in, or the first one after an upgrade):
 * no notice then.
 */
export const newDeviceSignIn = (
  state: UserState,
  session: SessionFacts & { method: SessionMethod; newDevice?: NewDeviceCheck; now: Date },
): UserEvent[] => {
  const { newDevice: check, device, now } = session;
  if (!check || !device || !state.devicesRecorded) return [];
  if (holdsTrustedDevice(state, check.token, now)) return [];
  const last = state.seenDevices.get(device);
  if (last !== undefined && now.getTime() - Date.parse(last) <= DEVICE_MEMORY_MS) return [];
  return [
    {
      type: 'NewDeviceSignIn',
      data: {
        sessionId: session.sessionId,
        method: session.method,
        device: check.name,
        network: check.network,
        at: now.toISOString(),
        email: check.email,
      },
    },
  ];
};

/** Whether the device token's hash is a trusted device of the account, not yet expired. */
export const holdsTrustedDevice = (
  state: UserState,
  device: { deviceId: string; tokenHash: string } | undefined,
  now: Date,
) => {
  const trusted = device ? state.trustedDevices.get(device.deviceId) : undefined;
  return trusted !== undefined && trusted.tokenHash === device!.tokenHash && new Date(trusted.expiresAt) > now;
};
