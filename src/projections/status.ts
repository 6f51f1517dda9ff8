/** What the runner says of each generation it runs: for /admin/projections, /readyz and the CLI. */
import type { ProjectionInstance } from './instance.js';

export interface ProjectionStatus {
  name: string;
  version: number;
  generation: number;
  position: bigint;
  status: 'catching_up' | 'live' | 'retrying' | 'rebuilding';
  processed: number;
  startedAt: Date;
}

export const describeInstance = (instance: ProjectionInstance, rebuilding: boolean): ProjectionStatus => ({
  name: instance.definition.name,
  version: instance.definition.version,
  generation: instance.generation,
  position: instance.position,
  status: rebuilding ? 'rebuilding' : instance.failing ? 'retrying' : 'live',
  processed: instance.processed,
  startedAt: instance.startedAt,
});
