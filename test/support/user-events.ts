import { randomUUID } from 'node:crypto';
import type { UserEvent } from '../../domain/user/events.js';

/** The events of a registration (the account and its first session), for tests that append them by hand. */
export const registrationEvents = (userId: string, name: string, sessionId = randomUUID()): UserEvent[] => [
  {
    type: 'UserRegistered',
    data: {
      userId,
      username: name,
      usernameClaim: `unique-username-${name}`,
      email: `${name}@x.test`,
      emailClaim: `unique-email-${name}`,
      displayName: name.toUpperCase(),
      passwordHash: 'h',
      isAdmin: false,
      setupClaim: null,
    },
  },
  { type: 'SessionStarted', data: { sessionId, method: 'register', ip: null, userAgent: null } },
];
