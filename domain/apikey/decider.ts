import type { CredentialEndReason } from '../shared/credentials.js';
import { refuse } from '../shared/errors.js';
import type { Decider } from '../shared/decider.js';

/**
 * An API key (service key) of an account. Stream: `apikey-<uuid>`. Only the SHA-256 of the key
 * is ever stored; the key itself is shown once.
 */
export type ApiKeyEvent =
  | {
      type: 'ApiKeyCreated';
      data: { keyId: string; ownerId: string; name: string; prefix: string; keyHash: string; expiresAt: string | null };
    }
  | { type: 'ApiKeyRevoked'; data: { keyId: string; ownerId: string; reason?: CredentialEndReason } };

export type ApiKeyCommand =
  | {
      type: 'CreateApiKey';
      data: {
        keyId: string;
        ownerId: string;
        name: string;
        prefix: string;
        keyHash: string;
        expiresAt: Date | null;
        now: Date;
      };
    }
  | { type: 'RevokeApiKey'; data: { ownerId: string; reason?: CredentialEndReason } };

export interface ApiKeyState {
  status: 'none' | 'active' | 'revoked';
  keyId: string | null;
  ownerId: string | null;
}

/** Key names are the user's words; sealed with the owner's key. */
export const personalFields: { [T in ApiKeyEvent['type']]: string[] } = { ApiKeyCreated: ['name'], ApiKeyRevoked: [] };

export const apiKeyStream = (keyId: string) => `apikey-${keyId}`;

export const initialState = (): ApiKeyState => ({ status: 'none', keyId: null, ownerId: null });

export const evolve = (state: ApiKeyState, event: ApiKeyEvent): ApiKeyState => {
  switch (event.type) {
    case 'ApiKeyCreated':
      return { status: 'active', keyId: event.data.keyId, ownerId: event.data.ownerId };
    case 'ApiKeyRevoked':
      return { ...state, status: 'revoked' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
};

export const decide = (command: ApiKeyCommand, state: ApiKeyState): ApiKeyEvent[] => {
  switch (command.type) {
    case 'CreateApiKey': {
      if (state.status !== 'none') return refuse('conflict', 'This key exists');
      const { now, expiresAt, ...data } = command.data;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) {
        return refuse('validation_failed', 'expires_at must be in the future', [
          { path: 'expires_at', message: 'must be in the future' },
        ]);
      }
      return [{ type: 'ApiKeyCreated', data: { ...data, expiresAt: expiresAt?.toISOString() ?? null } }];
    }
    case 'RevokeApiKey':
      if (state.status === 'none' || state.ownerId !== command.data.ownerId) return refuse('not_found', 'No such key');
      if (state.status === 'revoked') return refuse('conflict', 'This key is already revoked');
      return [{ type: 'ApiKeyRevoked', data: { keyId: state.keyId!, ...command.data } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
};

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = { initialState, evolve, decide };
