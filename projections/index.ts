import { challengesProjection } from './challenges.js';
import { credentialsProjection } from './credentials.js';
import { invitesProjection } from './invites.js';
import { lookupsProjection } from './lookups.js';
import { meProjection } from './me.js';
import { sessionsProjection } from './sessions.js';
import { webhooksProjection } from './webhooks.js';
import type { Projection } from './types.js';

/** Every read model; the runner keeps each one up to date. */
export const projections: Projection[] = [
  meProjection,
  lookupsProjection,
  sessionsProjection,
  challengesProjection,
  credentialsProjection,
  invitesProjection,
  webhooksProjection,
];
