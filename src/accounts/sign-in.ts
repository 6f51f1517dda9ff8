import { randomUUID } from 'node:crypto';
import { isDomainError } from '../../domain/shared/errors.js';
import type { PasskeyAssertion, SecondFactor, SessionFacts, UserCommand } from '../../domain/user/commands.js';
import type { UserState } from '../../domain/user/decider.js';
import type { SessionMethod, UserEvent } from '../../domain/user/events.js';
import type { Issued, RequestInfo } from './types.js';
import type { AccountServices } from './services.js';
import { secondFactorFrom } from './second-factor.js';
import { deviceUsageKey, newTrustedDevice } from './device-tokens.js';
import { newDeviceCheck, sessionFacts } from './new-devices.js';

/** What a way in proved, handed to the one sign-in path. */
export interface SignInProof {
  method: SessionMethod;
  /**
   * Whether the first factor holds for the account as it stands when the session starts (a
   * password compared with its current hash, a key still linked): decided inside the command, so
   * a concurrent change of the account is seen.
   */
  firstFactor: (state: UserState) => boolean | Promise<boolean>;
  /** The TOTP or backup code the person sent, if any. */
  totpCode?: string;
  /** A passkey sign-in: the checked assertion that is the first factor (with user verification, both). */
  passkey?: PasskeyAssertion;
  /** A passkey as the second factor (a password sign-in finished with a passkey instead of a code). */
  secondFactorPasskey?: PasskeyAssertion;
  /** A password sign-in from a device the account may trust (its `device_token`): the second factor is skipped. */
  trustedDevice?: { deviceId: string; tokenHash: string };
  /** Remember this device should the sign-in pass the second factor (`remember_device`). */
  rememberDevice?: boolean;
  /**
   * A command that replaces the ordinary start for this account as it stands (an email code
   * reclaiming an account whose address was never verified); null for the ordinary start.
   */
  instead?: (state: UserState, session: SessionFacts) => UserCommand | null;
}

/**
 * The one sign-in path. Every way in proves who the person is and hands the account here; this
 * starts the session: lockout, a disabled account and the second factor are decided by the user
 * aggregate (`StartSession`), a failure is recorded and answered, and the token is issued once the
 * read models show the session. (New accounts come through `services.registerAccount`, which applies
 * the registration mode and invites; the must-reset gate is applied to every request by
 * `authorize`; the cookie session to every token answer by `cookieSessions`.)
 */
export function signInPath(services: AccountServices) {
  const { deps, commandContext, decideForUser } = services;
  return async (
    userId: string,
    proof: SignInProof,
    request: RequestInfo,
  ): Promise<Issued & { events: readonly UserEvent[] }> => {
    const sessionId = randomUUID();
    const now = deps.clock();
    const remembered = proof.rememberDevice ? newTrustedDevice(request, now, deps.settings.trustedDeviceTtlMs) : null;
    const session = sessionFacts(sessionId, request, now);
    const newDevice = await newDeviceCheck(deps.settings.newDeviceNotices, request, proof.trustedDevice, () =>
      services.verifiedEmailOf(userId),
    );
    const result = await decideForUser(
      userId,
      async (state): Promise<UserCommand> => {
        const replacement = proof.instead?.(state, session);
        if (replacement) return replacement;
        const firstFactor = await proof.firstFactor(state);
        // The second factor is looked at only after the first one held.
        const secondFactor: SecondFactor = !firstFactor
          ? { kind: 'none' }
          : proof.secondFactorPasskey
            ? { kind: 'passkey', ...proof.secondFactorPasskey }
            : await secondFactorFrom(state, proof.totpCode, now);
        return {
          type: 'StartSession',
          data: {
            ...session,
            method: proof.method,
            credentialsValid: firstFactor,
            secondFactor,
            ...(proof.passkey ? { passkey: proof.passkey } : {}),
            ...(proof.trustedDevice ? { trustedDevice: proof.trustedDevice } : {}),
            ...(remembered ? { rememberDevice: remembered.trusted } : {}),
            ...(newDevice ? { newDevice } : {}),
            now,
          },
        };
      },
      commandContext(request, userId),
    ).catch((error) => namingSecondFactors(error, () => services.loadUser(userId)));
    services.refuseFailedLogin(result.events);
    const trusted = result.events.some((event) => event.type === 'DeviceTrusted');
    if (proof.trustedDevice && !result.events.some((e) => e.type === 'TotpCodeAccepted' || e.type === 'PasskeyUsed'))
      deps.usage.record(deviceUsageKey(proof.trustedDevice.deviceId));
    return {
      ...(await services.issue(userId, sessionId, result)),
      ...(trusted && remembered ? { device: { token: remembered.token, expiresAt: remembered.expiresAt } } : {}),
      events: result.events,
    };
  };
}

export type SignIn = ReturnType<typeof signInPath>;

/** `totp_required` says which second factors the account has: a code, and a passkey when it has one. */
async function namingSecondFactors(error: unknown, account: () => Promise<UserState>): Promise<never> {
  if (isDomainError(error) && error.code === 'totp_required') {
    const state = await account();
    throw Object.assign(error, { secondFactors: ['totp', ...(state.passkeys.size > 0 ? ['passkey'] : [])] });
  }
  throw error;
}
