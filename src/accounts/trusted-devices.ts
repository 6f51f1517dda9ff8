import { DomainError } from '../../domain/shared/errors.js';
import { deviceOf, deviceUsageKey } from './device-tokens.js';
import type { AccountServices } from './services.js';
import type { Caller, RequestInfo } from './types.js';

/** Trusted devices: the list (with which one is this), forgetting one, forgetting all. */
export function trustedDeviceAccounts(services: AccountServices) {
  const { deps, users, decideForUser, commandContext, awaitReadModels } = services;
  return {
    /** GET /auth/devices: the account's trusted devices, newest first; `current` is the one the request came from. */
    async listDevices(caller: Caller, deviceToken: string | undefined) {
      const doc = await users().findOne({ _id: caller.userId });
      const devices = Object.values((doc?.trusted_devices ?? {}) as Record<string, Record<string, string>>);
      const now = deps.clock().getTime();
      const live = devices.filter((device) => Date.parse(device.expires_at!) > now);
      const used = await deps.usage.lastUsed(live.map((device) => deviceUsageKey(device.id!)));
      const current = deviceOf(deviceToken)?.deviceId;
      return live
        .sort((a, b) => (a.created_at! < b.created_at! ? 1 : a.created_at! > b.created_at! ? -1 : 0))
        .map((device) => ({
          id: device.id!,
          name: device.name ?? 'Unknown device',
          created_at: device.created_at!,
          last_used_at: used.get(deviceUsageKey(device.id!)) ?? null,
          expires_at: device.expires_at!,
          current: device.id === current,
        }));
    },

    /** DELETE /auth/devices/{id} */
    async forgetDevice(caller: Caller, deviceId: string, request: RequestInfo) {
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'ForgetDevice', data: { deviceId } }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      return result.position;
    },

    /** DELETE /auth/devices: every one of them. */
    async forgetDevices(caller: Caller, request: RequestInfo) {
      const result = await decideForUser(
        caller.userId,
        () => ({ type: 'ForgetDevices', data: {} }),
        commandContext(request, caller.userId),
      );
      await awaitReadModels(result);
      const forgotten = result.events[0];
      return {
        forgotten: forgotten?.type === 'DevicesForgotten' ? forgotten.data.count : 0,
        position: result.position,
      };
    },
  };
}

export const invalidDeviceToken = () => new DomainError('validation_failed', 'device_token is not a device token');
