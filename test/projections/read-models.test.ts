import { describe, expect, it } from 'vitest';
import { personalFields as aclVocabulary, type AclEvent } from '../../domain/acl/decider.js';
import { personalFields as apiKeyVocabulary, type ApiKeyEvent } from '../../domain/apikey/decider.js';
import { personalFields as challengeVocabulary, type ChallengeEvent } from '../../domain/challenge/decider.js';
import { personalFields as inviteVocabulary, type InviteEvent } from '../../domain/invite/decider.js';
import { personalFields as claimVocabulary, type ClaimEvent } from '../../domain/unique/decider.js';
import { personalFields as userVocabulary, type UserEvent } from '../../domain/user/events.js';
import { personalFields as webhookVocabulary, type WebhookEvent } from '../../domain/webhook/decider.js';
import { projections } from '../../projections/index.js';

const READ_MODELS = ['me', 'lookups', 'sessions', 'challenges', 'credentials', 'invites', 'webhooks'] as const;
type ReadModel = (typeof READ_MODELS)[number];
/** For each event type of an aggregate: the read models it changes. A new type fails the type check here until someone decides. */
type ShownBy<E extends { type: string }> = Record<E['type'], ReadModel[]>;

const userEvents: ShownBy<UserEvent> = {
  UserRegistered: ['me', 'lookups'],
  SessionStarted: ['sessions'],
  SessionEnded: ['sessions'],
  SessionProved: ['sessions'], // proved_at: the step-up window
  DeviceTrusted: ['me'], // the account's trusted devices (not in the user object)
  DeviceForgotten: ['me'],
  DevicesForgotten: ['me'],
  NewDeviceSignIn: [], // a job for the notice (the jobs reactor), no read model
  SignInDisowned: [], // its effects are events of their own; the reset gate is read from the stream
  DataExported: [], // the audit trail only
  DisplayNameChanged: ['me'],
  NameChanged: ['me'],
  EmailChanged: ['me', 'lookups'],
  EmailVerified: ['me'],
  UsernameChanged: ['me', 'lookups'],
  PasswordChanged: ['me'],
  LoginFailed: [], // the lock is read from the account's stream (locked_until, the sign-in check)
  AccountLocked: [],
  TotpEnabled: ['me'],
  TotpDisabled: ['me'],
  TotpCodeAccepted: [], // replay protection of codes lives in the aggregate
  BackupCodesRegenerated: [], // the codes are shown once, in the answer; no read model holds them
  BackupCodeUsed: [],
  UsrKeyIssued: ['lookups'], // the user object does not list the user key among auth_methods
  IdentityLinked: ['me', 'lookups'],
  IdentityUnlinked: ['me', 'lookups'],
  PasskeyAdded: ['me'], // its credential id is linked (and looked up) by the IdentityLinked beside it
  PasskeyRenamed: ['me'],
  PasskeyUsed: ['me'], // last_used_at
  PasskeyCounterRegressed: [], // for the audit and the notice
  UserDisabled: ['me'], // its sessions end in SessionEnded events of their own
  UserEnabled: ['me'],
  AdminGranted: ['me'],
  AdminRevoked: ['me'],
  UserDeleted: ['me', 'lookups', 'sessions', 'credentials', 'invites'],
  AccountReclaimed: [], // for the audit and the notice: what it ends follows in events of their own
  PasswordRemoved: ['me'],
};

const aclEvents: ShownBy<AclEvent> = {
  AclCreated: ['credentials'],
  AclRenamed: ['credentials'],
  AclEndpointsChanged: ['credentials'],
  AclTokenIssued: ['credentials'],
  AclTokenRevoked: ['credentials'],
  AclDeleted: ['credentials'],
};

const apiKeyEvents: ShownBy<ApiKeyEvent> = { ApiKeyCreated: ['credentials'], ApiKeyRevoked: ['credentials'] };

const challengeEvents: ShownBy<ChallengeEvent> = {
  ChallengeIssued: ['challenges'],
  ChallengeCompleted: ['challenges'],
  // A failed, burned, signed or expired challenge is told apart by its own stream; the pointer stays.
  ChallengeAttemptFailed: [],
  ChallengeBurned: [],
  ChallengeSigned: [],
  ChallengeExpired: [],
};

const inviteEvents: ShownBy<InviteEvent> = {
  InviteIssued: ['invites'],
  InviteUsed: ['invites'],
  InviteUseReturned: ['invites'],
  InviteRevoked: ['invites'],
};

const webhookEvents: ShownBy<WebhookEvent> = {
  WebhookEndpointCreated: ['webhooks'],
  WebhookEndpointUpdated: ['webhooks'],
  WebhookSecretRotated: ['webhooks'], // when, never the secret
  WebhookEndpointDisabled: ['webhooks'],
  // Carried out by the webhooks reactor; its progress shows in the endpoint's deliveries.
  WebhookReplayRequested: [],
  WebhookEndpointDeleted: ['webhooks'],
};

/** Claims are read from their own streams when taken; no read model shows them. */
const claimEvents: ShownBy<ClaimEvent> = { ValueClaimed: [], ValueReleased: [] };

/** Every aggregate's vocabulary. (The one event outside them, `Nip98EventUsed`, only spends a proof: src/login-methods/nostr/nostr.ts.) */
const vocabularies = [
  { aggregate: 'user', shownBy: userEvents, types: Object.keys(userVocabulary) },
  { aggregate: 'acl', shownBy: aclEvents, types: Object.keys(aclVocabulary) },
  { aggregate: 'apikey', shownBy: apiKeyEvents, types: Object.keys(apiKeyVocabulary) },
  { aggregate: 'challenge', shownBy: challengeEvents, types: Object.keys(challengeVocabulary) },
  { aggregate: 'invite', shownBy: inviteEvents, types: Object.keys(inviteVocabulary) },
  { aggregate: 'unique', shownBy: claimEvents, types: Object.keys(claimVocabulary) },
  { aggregate: 'webhook', shownBy: webhookEvents, types: Object.keys(webhookVocabulary) },
];

const handledBy = (type: string) =>
  projections
    .filter((p) => p.handles.includes(type))
    .map((p) => p.name)
    .sort();

describe('which read models each event changes', () => {
  it('names every read model there is', () => {
    expect(projections.map((p) => p.name).sort()).toEqual([...READ_MODELS].sort());
  });

  it.each(vocabularies)('every $aggregate event type is decided on here', ({ shownBy, types }) => {
    // The codec's vocabulary (personalFields, exhaustive by type) at run time, for a suite run without the type check.
    expect(Object.keys(shownBy).sort()).toEqual([...types].sort());
  });

  it.each(vocabularies)('each $aggregate event is handled by exactly the read models it changes', ({ shownBy }) => {
    const handled = Object.fromEntries(Object.keys(shownBy).map((type) => [type, handledBy(type)]));
    const decided = Object.fromEntries(Object.entries(shownBy).map(([type, models]) => [type, [...models].sort()]));
    expect(handled).toEqual(decided);
  });

  it('every type a projection handles is an event of some aggregate', () => {
    const known = new Set(vocabularies.flatMap((v) => v.types));
    const unknown = projections.flatMap((p) =>
      p.handles.filter((type) => !known.has(type)).map((type) => `${p.name}: ${type}`),
    );
    expect(unknown).toEqual([]);
  });
});
