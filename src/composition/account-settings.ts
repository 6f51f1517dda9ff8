import type { AccountsDeps } from '../accounts/types.js';
import type { Config } from '../config.js';

/** What the accounts layer reads of the configuration. */
export const accountSettings = (config: Config): AccountsDeps['settings'] => ({
  registration: config.registration,
  invites: config.invites,
  allowUsrLogin: config.allowUsrLogin,
  readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
  reauthWindowMs: config.reauthWindowMs,
  trustedDeviceTtlMs: config.trustedDeviceTtlMs,
  newDeviceNotices: config.newDeviceNotices,
  serviceName: config.serviceName,
  publicUrl: config.publicUrl,
  allowedRedirects: config.allowedRedirects,
  passkeys: config.passkeys,
});
