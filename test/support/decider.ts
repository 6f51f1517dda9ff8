import { expect } from 'vitest';
import type { Decider } from '../../domain/shared/decider.js';
import { isDomainError } from '../../domain/shared/errors.js';

/** given(events).when(command).then(events) / .thenRefuses(code), for any decider. */
export const specFor =
  <C, E, S>(decider: Decider<C, E, S>) =>
  (given: E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenRefuses: (code: string) => {
          let error: unknown;
          try {
            run();
          } catch (caught) {
            error = caught;
          }
          expect(isDomainError(error), `expected a refusal with ${code}`).toBe(true);
          expect((error as { code: string }).code).toBe(code);
        },
      };
    },
  });
