import type { Projection, ProjectedEvent } from '../../projections/types.js';
import type { ReadStore } from '../ports/read-store.js';

/**
 * Folds events through a projection into a scratch store, with no checkpoints or stamps: what the
 * read model held after exactly these events (an audit's "as it stood").
 */
export async function replayInto(store: ReadStore, projection: Projection, events: ProjectedEvent[]): Promise<void> {
  const handles = new Set(projection.handles);
  for (const event of events) {
    if (!handles.has(event.type)) continue;
    for (const op of projection.project(event)) {
      const collection = store.collection(op.collection);
      if (op.kind === 'delete') await collection.deleteMany(op.filter);
      else if (op.kind === 'update') await collection.updateMany(op.filter, op.update);
      else await collection.updateOne({ _id: op.id }, op.update, { upsert: true });
    }
  }
}
