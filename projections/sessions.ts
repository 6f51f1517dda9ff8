import { userIdOfStream, type UserEvent } from '../domain/user/events.js';
import type { Projection } from './types.js';

/** `sessions`: the live sessions, by session id. A token works only while its session is here. */
export const SESSIONS = 'sessions';

type Data<T extends UserEvent['type']> = Extract<UserEvent, { type: T }>['data'];

export const sessionsProjection: Projection = {
  name: 'sessions',
  version: 1,
  collections: { [SESSIONS]: [{ keys: { userId: 1 } }] },
  handles: ['SessionStarted', 'SessionProved', 'SessionEnded', 'UserDeleted'],
  project(event) {
    const userId = userIdOfStream(event.streamId);
    switch (event.type as UserEvent['type']) {
      case 'SessionStarted': {
        const data = event.data as Data<'SessionStarted'>;
        return [
          {
            collection: SESSIONS,
            kind: 'upsert',
            id: data.sessionId,
            update: {
              $set: {
                userId,
                method: data.method,
                ip: data.ip,
                user_agent: data.userAgent,
                created_at: event.created.toISOString(),
              },
            },
          },
        ];
      }
      case 'SessionProved':
        // A step-up: the session's proof is this recent (it stays the same session).
        return [
          {
            collection: SESSIONS,
            kind: 'update',
            filter: { _id: (event.data as Data<'SessionProved'>).sessionId },
            update: { $set: { proved_at: event.created.toISOString() } },
          },
        ];
      case 'SessionEnded':
        return [
          { collection: SESSIONS, kind: 'delete', filter: { _id: (event.data as Data<'SessionEnded'>).sessionId } },
        ];
      case 'UserDeleted':
        return [{ collection: SESSIONS, kind: 'delete', filter: { userId } }];
      default:
        return [];
    }
  },
};
