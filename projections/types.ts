/**
 * A projection is data plus pure functions: which events it reads, and for each the Mongo-style
 * writes it makes. The runner adds the position stamps that make a redelivered event a no-op.
 */

export interface ProjectedEvent<Data = any> {
  type: string;
  data: Data;
  streamId: string;
  position: bigint;
  created: Date;
  metadata: Record<string, unknown>;
}

export type ProjectionOp =
  | { collection: string; kind: 'upsert'; id: string; update: Record<string, unknown> }
  | { collection: string; kind: 'update'; filter: Record<string, unknown>; update: Record<string, unknown> }
  | { collection: string; kind: 'delete'; filter: Record<string, unknown> };

export interface IndexDefinition {
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  sparse?: boolean;
}

export interface Projection {
  name: string;
  /** Raise it when the documents change shape: a start with a new version rebuilds beside the old. */
  version: number;
  /** Logical collection names and their indexes. */
  collections: Record<string, IndexDefinition[]>;
  handles: readonly string[];
  project(event: ProjectedEvent): ProjectionOp[];
}
