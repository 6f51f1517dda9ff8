import type { CredentialEndReason } from '../shared/credentials.js';
import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';
import { parsePattern } from './patterns.js';

/**
 * An ACL: a named list of endpoint patterns its tokens may call. Stream: `acl-<uuid>`. Every
 * event names its owner, whose key seals the personal data of the event and its metadata.
 */
export type AclEvent =
  | { type: 'AclCreated'; data: { aclId: string; ownerId: string; name: string; allowedEndpoints: string[] } }
  | { type: 'AclRenamed'; data: { ownerId: string; name: string } }
  | { type: 'AclEndpointsChanged'; data: { ownerId: string; allowedEndpoints: string[] } }
  | { type: 'AclTokenIssued'; data: { tokenId: string; ownerId: string; expiresAt: string | null } }
  | { type: 'AclTokenRevoked'; data: { ownerId: string; tokenId: string; reason?: CredentialEndReason } }
  | { type: 'AclDeleted'; data: { ownerId: string; revokedTokenIds: string[] } };

export type AclCommand =
  | { type: 'CreateAcl'; data: { aclId: string; ownerId: string; name: string; allowedEndpoints: string[] } }
  | { type: 'UpdateAcl'; data: { ownerId: string; name?: string; allowedEndpoints?: string[] } }
  | { type: 'DeleteAcl'; data: { ownerId: string } }
  | { type: 'IssueAclToken'; data: { ownerId: string; tokenId: string; expiresAt: Date | null; now: Date } }
  | { type: 'RevokeAclToken'; data: { ownerId: string; tokenId: string; reason?: CredentialEndReason } };

export interface AclState {
  status: 'none' | 'active' | 'deleted';
  ownerId: string | null;
  name: string | null;
  allowedEndpoints: string[];
  /** Live (not revoked) token ids; an expired one stays here until revoked, refused by time. */
  tokens: ReadonlySet<string>;
  revoked: ReadonlySet<string>;
}

/** ACL names are the user's words; they are sealed with the owner's key. */
export const personalFields: { [T in AclEvent['type']]: string[] } = {
  AclCreated: ['name'],
  AclRenamed: ['name'],
  AclEndpointsChanged: [],
  AclTokenIssued: [],
  AclTokenRevoked: [],
  AclDeleted: [],
};

export const aclStream = (aclId: string) => `acl-${aclId}`;

export const initialState = (): AclState => ({
  status: 'none',
  ownerId: null,
  name: null,
  allowedEndpoints: [],
  tokens: new Set(),
  revoked: new Set(),
});

const without = (set: ReadonlySet<string>, id: string) => new Set([...set].filter((x) => x !== id));

export const evolve = (state: AclState, event: AclEvent): AclState => {
  switch (event.type) {
    case 'AclCreated':
      return {
        ...state,
        status: 'active',
        ownerId: event.data.ownerId,
        name: event.data.name,
        allowedEndpoints: event.data.allowedEndpoints,
      };
    case 'AclRenamed':
      return { ...state, name: event.data.name };
    case 'AclEndpointsChanged':
      return { ...state, allowedEndpoints: event.data.allowedEndpoints };
    case 'AclTokenIssued':
      return { ...state, tokens: new Set([...state.tokens, event.data.tokenId]) };
    case 'AclTokenRevoked':
      return {
        ...state,
        tokens: without(state.tokens, event.data.tokenId),
        revoked: new Set([...state.revoked, event.data.tokenId]),
      };
    case 'AclDeleted':
      return { ...state, status: 'deleted', tokens: new Set(), revoked: new Set([...state.revoked, ...state.tokens]) };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

/**
 * A list of valid, distinct patterns, normalized; refuses naming each bad one. It may be empty:
 * an ACL with no pattern allows nothing until it is edited (LNbits clients create them so).
 */
export const normalizePatterns = (patterns: string[]): string[] => {
  const issues: { path: string; message: string }[] = [];
  const normalized: string[] = [];
  patterns.forEach((raw, i) => {
    const parsed = parsePattern(raw);
    if ('error' in parsed)
      issues.push({ path: `allowed_endpoints.${i}`, message: `${JSON.stringify(raw)} ${parsed.error}` });
    else if (!normalized.includes(parsed.source)) normalized.push(parsed.source);
  });
  if (issues.length)
    refuse('validation_failed', `Bad endpoint patterns: ${issues.map((i) => i.message).join('; ')}`, issues);
  return normalized;
};

/** Someone else's ACL is as good as absent: the answer must not tell them apart. */
const requireOwned = (state: AclState, ownerId: string) => {
  if (state.status !== 'active' || state.ownerId !== ownerId) refuse('not_found', 'No such ACL');
};

export const decide = (command: AclCommand, state: AclState): AclEvent[] => {
  switch (command.type) {
    case 'CreateAcl': {
      if (state.status !== 'none') return refuse('conflict', 'This ACL exists');
      const { aclId, ownerId, name } = command.data;
      return [
        {
          type: 'AclCreated',
          data: { aclId, ownerId, name, allowedEndpoints: normalizePatterns(command.data.allowedEndpoints) },
        },
      ];
    }
    case 'UpdateAcl': {
      requireOwned(state, command.data.ownerId);
      const events: AclEvent[] = [];
      if (command.data.name !== undefined && command.data.name !== state.name) {
        events.push({ type: 'AclRenamed', data: { ownerId: command.data.ownerId, name: command.data.name } });
      }
      if (command.data.allowedEndpoints !== undefined) {
        const next = normalizePatterns(command.data.allowedEndpoints);
        if (next.join('\n') !== state.allowedEndpoints.join('\n'))
          events.push({ type: 'AclEndpointsChanged', data: { ownerId: command.data.ownerId, allowedEndpoints: next } });
      }
      return events;
    }
    case 'DeleteAcl':
      requireOwned(state, command.data.ownerId);
      return [{ type: 'AclDeleted', data: { ownerId: command.data.ownerId, revokedTokenIds: [...state.tokens] } }];
    case 'IssueAclToken': {
      requireOwned(state, command.data.ownerId);
      const { expiresAt, now, tokenId } = command.data;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) {
        return refuse('validation_failed', 'expires_at must be in the future', [
          { path: 'expires_at', message: 'must be in the future' },
        ]);
      }
      return [
        {
          type: 'AclTokenIssued',
          data: { tokenId, ownerId: state.ownerId!, expiresAt: expiresAt?.toISOString() ?? null },
        },
      ];
    }
    case 'RevokeAclToken': {
      requireOwned(state, command.data.ownerId);
      if (state.revoked.has(command.data.tokenId)) return refuse('conflict', 'This token is already revoked');
      if (!state.tokens.has(command.data.tokenId)) return refuse('not_found', 'No such token');
      return [{ type: 'AclTokenRevoked', data: command.data }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const aclDecider: Decider<AclCommand, AclEvent, AclState> = { initialState, evolve, decide };
