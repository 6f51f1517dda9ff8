/** Rebuilds across API processes: each has its own copy of the read models, so each rebuilds it. */
import type { ProjectionOperations } from '../operations.js';
import type { ProjectionRunner } from '../projections/runner.js';
import { onClusterMessage, tellCluster } from './worker.js';

/**
 * The operations as an operator sees them, with a rebuild asked of this process also asked of
 * every other one (through the primary); and this process taking the others' requests. Returns the
 * operations, and the stop of the listening.
 */
export function rebuildsAcrossProcesses(
  operations: ProjectionOperations,
  runner: ProjectionRunner,
): { operations: ProjectionOperations; stop: () => void } {
  const stop = onClusterMessage((message) => {
    if (message.type === 'rebuild') runner.rebuildInBackground(message.projection);
  });
  return {
    operations: {
      ...operations,
      rebuild(name) {
        const answer = operations.rebuild(name);
        tellCluster({ type: 'rebuild', projection: name });
        return answer;
      },
    },
    stop,
  };
}
