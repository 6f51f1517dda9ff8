import type { UserEvent } from './events.js';
import type { UserState } from './state.js';

/** The claims of the linked keys and identities. */
export const identityClaims = (state: UserState) => [...state.identities.values()].map((linked) => linked.claim);

/** The claims (unique-* stream names) the account holds now. */
export const heldClaims = (state: UserState): string[] =>
  [state.usernameClaim, state.emailClaim, state.setupClaim, ...identityClaims(state)].filter(
    (c): c is string => c !== null,
  );

/** The claims an event gives up (the account held them until this event). */
export const claimsGivenUp = (event: UserEvent): string[] => {
  switch (event.type) {
    case 'UsernameChanged':
      return event.data.previousUsernameClaim === event.data.usernameClaim ? [] : [event.data.previousUsernameClaim];
    case 'EmailChanged':
      return event.data.previousEmailClaim && event.data.previousEmailClaim !== event.data.emailClaim
        ? [event.data.previousEmailClaim]
        : [];
    case 'IdentityUnlinked':
      return [event.data.claim];
    case 'UserDeleted':
      return event.data.releasedClaims;
    default:
      return [];
  }
};
