import { randomUUID } from 'node:crypto';
import type { EventCodec } from '../events/codec.js';
import type { KeyStore } from '../ports/key-store.js';
import type { Reaction } from '../reactors/reactor.js';
import type { Claims } from './claims.js';
import { userIdOfStream } from '../../domain/user/events.js';

/**
 * After `UserDeleted`: the account's data key is destroyed and its claims released, at least once,
 * even when the process died between the deletion and the request's own clean-up.
 */
export function erasureReaction(deps: { keyStore: KeyStore; codec: EventCodec; claims: Claims }): Reaction {
  return {
    name: 'erasure',
    handles: ['UserDeleted'],
    async react(event) {
      const userId = userIdOfStream(event.streamId);
      if (!(await deps.keyStore.isDestroyed(userId))) await deps.keyStore.destroy(userId);
      deps.codec.forget(userId);
      const context = { commandId: randomUUID(), correlationId: event.id, actor: null, ip: null, userAgent: null };
      for (const claim of (event.data.releasedClaims as string[] | undefined) ?? [])
        await deps.claims.release(claim, userId, context);
    },
  };
}
