import { refuse } from '../domain/shared/errors.js';
import type { EventStore } from './ports/event-store.js';
import type { ProjectionRunner, ProjectionStatus } from './projections/runner.js';

/** What operators see of the read models, and the rebuild they can ask for. */
export function projectionOperations(
  runner: ProjectionRunner,
  eventStore: EventStore,
  clock: () => Date = () => new Date(),
) {
  const find = (name: string) => {
    const all = runner.status().filter((p) => p.name === name);
    if (all.length === 0) refuse('not_found', `No projection named ${name}`);
    return {
      live: all.find((p) => p.status !== 'rebuilding')!,
      building: all.find((p) => p.status === 'rebuilding') ?? null,
    };
  };

  /** How far a generation has come: events read, the estimated total, the rate and the time left. */
  const progressOf = (p: ProjectionStatus, head: bigint, fromStart: boolean) => {
    const seconds = Math.max(0.001, (clock().getTime() - p.startedAt.getTime()) / 1000);
    // A rebuild reads from the first event: what is left is scaled by positions (which count events
    // in the embedded store and are commit offsets on EventStoreDB). A live generation has only its lag left.
    const left =
      p.position >= head
        ? 0
        : fromStart
          ? p.position > 0n
            ? Math.round((p.processed * Number(head)) / Number(p.position)) - p.processed
            : Number(head)
          : Number(head - p.position);
    const total = p.processed + left;
    const rate = p.processed / seconds;
    return {
      processed: p.processed,
      total,
      events_per_sec: Math.round(rate),
      eta_s: left === 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : null,
    };
  };

  return {
    /** GET /admin/projections: each read model once, as it serves now. */
    async list() {
      const head = await eventStore.headPosition();
      const names = [...new Set(runner.status().map((p) => p.name))];
      return names.map((name) => {
        const { live, building } = find(name);
        return {
          name,
          version: live.version,
          generation: live.generation,
          position: String(live.position),
          head_position: String(head),
          lag: String(head > live.position ? head - live.position : 0n),
          status: building ? 'rebuilding' : live.status,
        };
      });
    },

    /** POST /admin/projections/{name}/rebuild: the next generation is built beside the live one. */
    rebuild(name: string) {
      const { live } = find(name);
      runner.rebuildInBackground(name);
      return { name, version: live.version, status: 'rebuilding' as const };
    },

    /** GET /admin/projections/{name}: the rebuild's progress, or the live generation's standing. */
    async progress(name: string) {
      const head = await eventStore.headPosition();
      const { live, building } = find(name);
      const current = building ?? live;
      return {
        name,
        status: building ? 'rebuilding' : live.status,
        generation: current.generation,
        position: String(current.position),
        head_position: String(head),
        ...progressOf(current, head, building !== null),
      };
    },
  };
}

export type ProjectionOperations = ReturnType<typeof projectionOperations>;
