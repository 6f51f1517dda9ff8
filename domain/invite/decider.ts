import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * An invitation to register, in a stream `invite-<uuid>` whose id is derived from the token (so
 * the token is never stored and needs no lookup). It has a number of uses and may expire; each
 * registration takes a use, and gives it back if the registration then fails.
 */
export type InviteRole = 'user' | 'admin';

export type InviteEvent =
  | { type: 'InviteIssued'; data: { inviteId: string; issuerId: string; uses: number; expiresAt: string | null; role: InviteRole } }
  | { type: 'InviteUsed'; data: { userId: string; usesLeft: number } }
  | { type: 'InviteUseReturned'; data: { userId: string; usesLeft: number } }
  | { type: 'InviteRevoked'; data: { by: string } };

export type InviteCommand =
  | { type: 'IssueInvite'; data: { inviteId: string; issuerId: string; uses: number; expiresAt: string | null; role: InviteRole } }
  | { type: 'UseInvite'; data: { userId: string; now: Date } }
  | { type: 'ReturnInviteUse'; data: { userId: string } }
  /** `mayRevokeAny`: an admin may revoke anyone's invite; others only their own. */
  | { type: 'RevokeInvite'; data: { by: string; mayRevokeAny: boolean } };

export interface InviteState {
  status: 'none' | 'active' | 'revoked';
  inviteId: string | null;
  issuerId: string | null;
  usesLeft: number;
  expiresAt: string | null;
  role: InviteRole;
  /** Accounts holding a use now (a failed registration gives its use back once). */
  users: readonly string[];
}

export const personalFields: { [T in InviteEvent['type']]: string[] } = { InviteIssued: [], InviteUsed: [], InviteUseReturned: [], InviteRevoked: [] };

export const inviteStream = (inviteId: string) => `invite-${inviteId}`;

export const initialState = (): InviteState => ({ status: 'none', inviteId: null, issuerId: null, usesLeft: 0, expiresAt: null, role: 'user', users: [] });

export const evolve = (state: InviteState, event: InviteEvent): InviteState => {
  switch (event.type) {
    case 'InviteIssued':
      return { ...state, status: 'active', inviteId: event.data.inviteId, issuerId: event.data.issuerId, usesLeft: event.data.uses, expiresAt: event.data.expiresAt, role: event.data.role };
    case 'InviteUsed':
      return { ...state, usesLeft: event.data.usesLeft, users: [...state.users, event.data.userId] };
    case 'InviteUseReturned':
      return { ...state, usesLeft: event.data.usesLeft, users: state.users.filter((u) => u !== event.data.userId) };
    case 'InviteRevoked':
      return { ...state, status: 'revoked' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

export const decide = (command: InviteCommand, state: InviteState): InviteEvent[] => {
  switch (command.type) {
    case 'IssueInvite':
      if (state.status !== 'none') return refuse('conflict', 'This invite exists');
      if (!Number.isInteger(command.data.uses) || command.data.uses < 1) return refuse('validation_failed', 'An invite needs at least one use');
      return [{ type: 'InviteIssued', data: command.data }];
    case 'UseInvite': {
      if (state.status === 'none') return refuse('invite_required', 'This invite is not valid');
      if (state.status === 'revoked') return refuse('invite_required', 'This invite was revoked');
      if (state.expiresAt !== null && command.data.now.getTime() >= new Date(state.expiresAt).getTime()) return refuse('invite_required', 'This invite has expired');
      if (state.users.includes(command.data.userId)) return [];
      if (state.usesLeft < 1) return refuse('invite_required', 'This invite has been used up');
      return [{ type: 'InviteUsed', data: { userId: command.data.userId, usesLeft: state.usesLeft - 1 } }];
    }
    case 'ReturnInviteUse':
      return state.users.includes(command.data.userId) ? [{ type: 'InviteUseReturned', data: { userId: command.data.userId, usesLeft: state.usesLeft + 1 } }] : [];
    case 'RevokeInvite':
      if (state.status === 'none') return refuse('not_found', 'No such invite');
      if (state.issuerId !== command.data.by && !command.data.mayRevokeAny) return refuse('not_found', 'No such invite');
      return state.status === 'revoked' ? [] : [{ type: 'InviteRevoked', data: { by: command.data.by } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const inviteDecider: Decider<InviteCommand, InviteEvent, InviteState> = { initialState, evolve, decide };
