import type { Decider } from '../shared/decider.js';
import type { UserCommand } from './commands.js';
import { changePassword, reclaimByEmailCode, resetPassword, rotateUsrKey, setInitialPassword } from './credentials.js';
import type { UserEvent } from './events.js';
import { linkIdentity, unlinkIdentity } from './identities.js';
import { addPasskey, removePasskey, renamePasskey } from './passkeys.js';
import { changeUsername, updateProfile, verifyEmail } from './profile.js';
import { disownSignIn } from './disown.js';
import { registerUser } from './registration.js';
import { disableTotp, enableTotp, regenerateBackupCodes } from './second-factor.js';
import {
  endSession,
  endSessions,
  forgetDevice,
  forgetDevices,
  proveSession,
  recordFailedCode,
  recoverWithBackupCode,
  startSession,
} from './sessions.js';
import { deleteUser, disableUser, enableUser, grantAdmin, revokeAdmin } from './standing.js';
import { evolve, initialState, requireActive, type UserState } from './state.js';

export { claimsGivenUp, heldClaims } from './claims.js';
export { identityClaim, waysIn } from './identities.js';
export { failedLogin } from './security.js';
export { evolve, identityKey, initialState, roleOf, type LinkedIdentity, type UserState } from './state.js';

/** Each command is decided by a named function in the module of its concern; this only dispatches. */
export const decide = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser':
      return registerUser(command.data, state);
    // sessions.ts
    case 'StartSession':
      return startSession(command.data, state);
    case 'EndSession':
      return endSession(command.data, state);
    case 'DisownSignIn':
      return disownSignIn(command.data, state);
    case 'ForgetDevice':
      return forgetDevice(command.data, state);
    case 'ForgetDevices':
      return forgetDevices(command.data, state);
    case 'EndSessions':
      return endSessions(command.data, state);
    case 'ProveSession':
      return proveSession(command.data, state);
    case 'RecordExport':
      requireActive(state);
      return [{ type: 'DataExported', data: {} }];
    case 'RecoverWithBackupCode':
      return recoverWithBackupCode(command.data, state);
    case 'RecordFailedCode':
      return recordFailedCode(command.data, state);
    // credentials.ts
    case 'ChangePassword':
      return changePassword(command.data, state);
    case 'SetInitialPassword':
      return setInitialPassword(command.data, state);
    case 'ResetPassword':
      return resetPassword(command.data, state);
    case 'ReclaimByEmailCode':
      return reclaimByEmailCode(command.data, state);
    case 'RotateUsrKey':
      return rotateUsrKey(command.data, state);
    // second-factor.ts
    case 'EnableTotp':
      return enableTotp(command.data, state);
    case 'DisableTotp':
      return disableTotp(command.data, state);
    case 'RegenerateBackupCodes':
      return regenerateBackupCodes(command.data, state);
    // identities.ts
    case 'AddPasskey':
      return addPasskey(command.data, state);
    case 'RenamePasskey':
      return renamePasskey(command.data, state);
    case 'RemovePasskey':
      return removePasskey(command.data, state);
    case 'LinkIdentity':
      return linkIdentity(command.data, state);
    case 'UnlinkIdentity':
      return unlinkIdentity(command.data, state);
    // profile.ts
    case 'UpdateProfile':
      return updateProfile(command.data, state);
    case 'VerifyEmail':
      return verifyEmail(command.data, state);
    case 'ChangeUsername':
      return changeUsername(command.data, state);
    // standing.ts
    case 'DisableUser':
      return disableUser(command.data, state);
    case 'EnableUser':
      return enableUser(command.data, state);
    case 'GrantAdmin':
      return grantAdmin(command.data, state);
    case 'RevokeAdmin':
      return revokeAdmin(command.data, state);
    case 'DeleteUser':
      return deleteUser(command.data, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { initialState, evolve, decide };
