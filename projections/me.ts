import { roleOf } from '../domain/user/decider.js';
import { PASSKEY } from '../domain/user/passkey-use.js';
import { userIdOfStream, type UserEvent } from '../domain/user/events.js';
import type { Projection, ProjectedEvent, ProjectionOp } from './types.js';

/** `users`: the user object of `GET /auth/me`, by user id. */
export const USERS = 'users';

/** A `me` document's address, when it is verified: the only one mail about the account's security goes to. */
export const verifiedEmailOf = (doc: Record<string, unknown> | null): string | null =>
  doc?.email_verified === true && typeof doc.email === 'string' ? doc.email : null;

type Data<T extends UserEvent['type']> = Extract<UserEvent, { type: T }>['data'];

/** Sets fields of one user (and `updated_at`), with more update operators when given. */
const set = (
  id: string,
  event: ProjectedEvent,
  fields: Record<string, unknown>,
  more: Record<string, unknown> = {},
): ProjectionOp => ({
  collection: USERS,
  kind: 'update',
  filter: { _id: id },
  update: { $set: { ...fields, updated_at: event.created.toISOString() }, ...more },
});

export const meProjection: Projection = {
  name: 'me',
  version: 3,
  // By role: the admins a notice about the service goes to (workers/notices.ts) are found without a scan.
  collections: { [USERS]: [{ keys: { role: 1 } }] },
  handles: [
    'UserRegistered',
    'DisplayNameChanged',
    'NameChanged',
    'EmailChanged',
    'EmailVerified',
    'UsernameChanged',
    'PasswordChanged',
    'TotpEnabled',
    'TotpDisabled',
    'UserDisabled',
    'UserEnabled',
    'IdentityLinked',
    'IdentityUnlinked',
    'AdminGranted',
    'AdminRevoked',
    'UserDeleted',
    'PasswordRemoved',
    'PasskeyAdded',
    'PasskeyRenamed',
    'PasskeyUsed',
    'DeviceTrusted',
    'DeviceForgotten',
    'DevicesForgotten',
  ],
  project(event) {
    const id = userIdOfStream(event.streamId);
    switch (event.type as UserEvent['type']) {
      case 'UserRegistered': {
        const data = event.data as Data<'UserRegistered'>;
        const at = event.created.toISOString();
        return [
          {
            collection: USERS,
            kind: 'upsert',
            id,
            update: {
              $set: {
                username: data.username,
                email: data.email,
                email_verified: false,
                display_name: data.displayName,
                is_admin: data.isAdmin,
                role: roleOf(data),
                must_reset_password: data.mustResetPassword === true,
                first_name: null,
                last_name: null,
                disabled: false,
                totp_enabled: false,
                has_password: data.passwordHash !== null,
                auth_methods: data.passwordHash !== null ? ['password'] : [],
                identities: [],
                passkeys: {},
                created_at: at,
                updated_at: at,
              },
            },
          },
        ];
      }
      case 'DisplayNameChanged':
        return [set(id, event, { display_name: (event.data as Data<'DisplayNameChanged'>).displayName })];
      case 'EmailChanged':
        return [
          set(
            id,
            event,
            { email: (event.data as Data<'EmailChanged'>).email, email_verified: false },
            { $pull: { auth_methods: 'email' } },
          ),
        ];
      case 'EmailVerified':
        // A verified address is a way in: email codes.
        return [set(id, event, { email_verified: true }, { $addToSet: { auth_methods: 'email' } })];
      case 'TotpEnabled':
        return [set(id, event, { totp_enabled: true })];
      case 'TotpDisabled':
        // Its trusted devices go with the second factor they skipped.
        return [set(id, event, { totp_enabled: false }, { $unset: { trusted_devices: '' } })];
      case 'DeviceTrusted': {
        const data = event.data as Data<'DeviceTrusted'>;
        const device = {
          id: data.deviceId,
          name: data.name,
          created_at: event.created.toISOString(),
          expires_at: data.expiresAt,
        };
        return [set(id, event, { [`trusted_devices.${data.deviceId}`]: device })];
      }
      case 'DeviceForgotten':
        return [
          set(
            id,
            event,
            {},
            { $unset: { [`trusted_devices.${(event.data as Data<'DeviceForgotten'>).deviceId}`]: '' } },
          ),
        ];
      case 'DevicesForgotten':
        return [set(id, event, {}, { $unset: { trusted_devices: '' } })];
      case 'IdentityLinked': {
        // Erased (a replay after the account's key is gone): nothing to show.
        const { method, id: identity } = event.data as Data<'IdentityLinked'>;
        if (!identity) return [];
        return [set(id, event, {}, { $addToSet: { auth_methods: method, identities: { method, id: identity } } })];
      }
      case 'IdentityUnlinked': {
        const { method, id: identity, lastOfMethod } = event.data as Data<'IdentityUnlinked'>;
        if (!identity) return [];
        const pull = { identities: { method, id: identity } };
        return [
          set(
            id,
            event,
            {},
            {
              $pull: lastOfMethod ? { ...pull, auth_methods: method } : pull,
              // A passkey's own facts leave with it (nothing to unset for any other method).
              ...(method === PASSKEY ? { $unset: { [`passkeys.${identity}`]: '' } } : {}),
            },
          ),
        ];
      }
      case 'PasskeyAdded': {
        const data = event.data as Data<'PasskeyAdded'>;
        if (!data.credentialId) return [];
        const passkey = {
          id: data.credentialId,
          name: data.name,
          created_at: event.created.toISOString(),
          last_used_at: null,
          backed_up: data.backedUp,
          transports: data.transports,
        };
        return [set(id, event, { [`passkeys.${data.credentialId}`]: passkey })];
      }
      case 'PasskeyRenamed': {
        const data = event.data as Data<'PasskeyRenamed'>;
        return data.credentialId ? [set(id, event, { [`passkeys.${data.credentialId}.name`]: data.name })] : [];
      }
      case 'PasskeyUsed': {
        const data = event.data as Data<'PasskeyUsed'>;
        if (!data.credentialId) return [];
        const path = `passkeys.${data.credentialId}`;
        // Its use is not a change of the account: `updated_at` stays.
        return [
          {
            collection: USERS,
            kind: 'update',
            filter: { _id: id, [path]: { $exists: true } },
            update: {
              $set: { [`${path}.last_used_at`]: event.created.toISOString(), [`${path}.backed_up`]: data.backedUp },
            },
          },
        ];
      }
      case 'UserDisabled':
        return [set(id, event, { disabled: true })];
      case 'UserEnabled':
        return [set(id, event, { disabled: false })];
      case 'AdminGranted':
        return [set(id, event, { is_admin: true, role: 'admin' })];
      case 'AdminRevoked':
        return [set(id, event, { is_admin: false, role: 'user' })];
      case 'NameChanged': {
        const data = event.data as Data<'NameChanged'>;
        return [set(id, event, { first_name: data.firstName, last_name: data.lastName })];
      }
      case 'UsernameChanged':
        return [set(id, event, { username: (event.data as Data<'UsernameChanged'>).username })];
      case 'PasswordChanged':
        return [
          set(
            id,
            event,
            { has_password: true, must_reset_password: false },
            { $addToSet: { auth_methods: 'password' }, $unset: { trusted_devices: '' } },
          ),
        ];
      case 'PasswordRemoved':
        return [set(id, event, { has_password: false }, { $pull: { auth_methods: 'password' } })];
      case 'UserDeleted':
        return [{ collection: USERS, kind: 'delete', filter: { _id: id } }];
      default:
        return [];
    }
  },
};
