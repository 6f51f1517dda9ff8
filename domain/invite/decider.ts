import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * An invitation to register, in a stream `invite-<uuid>` whose id is derived from the token (so
 * the token is never stored and needs no lookup). It has a number of uses and may expire; each
 * registration takes a use, and gives it back if the registration then fails. A use is named by
 * the registration attempt that took it: only that attempt can give it back, so a racing attempt
 * for the same account (which fails because the account exists) returns nothing.
 */
export type InviteRole = 'user' | 'admin';

export type InviteEvent =
  | {
      type: 'InviteIssued';
      data: { inviteId: string; issuerId: string; uses: number; expiresAt: string | null; role: InviteRole };
    }
  /** `registrationId` is absent in older events: the use was then named by the account. */
  | { type: 'InviteUsed'; data: { userId: string; usesLeft: number; registrationId?: string } }
  | { type: 'InviteUseReturned'; data: { userId: string; usesLeft: number; registrationId?: string } }
  | { type: 'InviteRevoked'; data: { by: string } };

export type InviteCommand =
  | {
      type: 'IssueInvite';
      data: { inviteId: string; issuerId: string; uses: number; expiresAt: string | null; role: InviteRole };
    }
  /** `registrationId`: this attempt at making the account (new for every attempt). */
  | { type: 'UseInvite'; data: { userId: string; registrationId: string; now: Date } }
  | { type: 'ReturnInviteUse'; data: { registrationId: string } }
  /** `mayRevokeAny`: an admin may revoke anyone's invite; others only their own. */
  | { type: 'RevokeInvite'; data: { by: string; mayRevokeAny: boolean } };

export interface InviteState {
  status: 'none' | 'active' | 'revoked';
  inviteId: string | null;
  issuerId: string | null;
  usesLeft: number;
  expiresAt: string | null;
  role: InviteRole;
  /** The uses held now: registration attempt → the account it makes (a failed one gives its use back once). */
  uses: ReadonlyMap<string, string>;
}

export const personalFields: { [T in InviteEvent['type']]: string[] } = {
  InviteIssued: [],
  InviteUsed: [],
  InviteUseReturned: [],
  InviteRevoked: [],
};

export const inviteStream = (inviteId: string) => `invite-${inviteId}`;

export const initialState = (): InviteState => ({
  status: 'none',
  inviteId: null,
  issuerId: null,
  usesLeft: 0,
  expiresAt: null,
  role: 'user',
  uses: new Map(),
});

export const evolve = (state: InviteState, event: InviteEvent): InviteState => {
  switch (event.type) {
    case 'InviteIssued':
      return {
        ...state,
        status: 'active',
        inviteId: event.data.inviteId,
        issuerId: event.data.issuerId,
        usesLeft: event.data.uses,
        expiresAt: event.data.expiresAt,
        role: event.data.role,
      };
    case 'InviteUsed':
      return {
        ...state,
        usesLeft: event.data.usesLeft,
        uses: new Map([...state.uses, [event.data.registrationId ?? event.data.userId, event.data.userId]]),
      };
    case 'InviteUseReturned': {
      const uses = new Map(state.uses);
      uses.delete(event.data.registrationId ?? event.data.userId);
      return { ...state, usesLeft: event.data.usesLeft, uses };
    }
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
      if (!Number.isInteger(command.data.uses) || command.data.uses < 1)
        return refuse('validation_failed', 'An invite needs at least one use');
      return [{ type: 'InviteIssued', data: command.data }];
    case 'UseInvite': {
      if (state.status === 'none') return refuse('invite_required', 'This invite is not valid');
      if (state.status === 'revoked') return refuse('invite_required', 'This invite was revoked');
      if (state.expiresAt !== null && command.data.now.getTime() >= new Date(state.expiresAt).getTime())
        return refuse('invite_required', 'This invite has expired');
      // The same account again (a retry after a crash): it shares the use it holds, and this
      // attempt, having taken nothing, can give nothing back.
      if ([...state.uses.values()].includes(command.data.userId)) return [];
      if (state.usesLeft < 1) return refuse('invite_required', 'This invite has been used up');
      return [
        {
          type: 'InviteUsed',
          data: {
            userId: command.data.userId,
            usesLeft: state.usesLeft - 1,
            registrationId: command.data.registrationId,
          },
        },
      ];
    }
    case 'ReturnInviteUse': {
      const userId = state.uses.get(command.data.registrationId);
      return userId === undefined
        ? []
        : [
            {
              type: 'InviteUseReturned',
              data: { userId, usesLeft: state.usesLeft + 1, registrationId: command.data.registrationId },
            },
          ];
    }
    case 'RevokeInvite':
      if (state.status === 'none') return refuse('not_found', 'No such invite');
      if (state.issuerId !== command.data.by && !command.data.mayRevokeAny)
        return refuse('not_found', 'No such invite');
      return state.status === 'revoked' ? [] : [{ type: 'InviteRevoked', data: { by: command.data.by } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const inviteDecider: Decider<InviteCommand, InviteEvent, InviteState> = { initialState, evolve, decide };
