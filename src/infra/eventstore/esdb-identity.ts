/**
 * Which EventStoreDB this is: an id kept in the custom metadata of the stream `accounts-store`
 * (that is, in the system stream `$$accounts-store`, which no reader of $all here ever sees),
 * written by the first instance that opens the store (beside any other metadata there, such as an
 * `$acl`; an operator editing that metadata must keep `accountsStoreId`). Checkpoints record it, so that a position
 * from another cluster, or from the embedded store, is never fed to this one (see
 * src/subscriptions/checkpointed.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type EventStoreDBClient,
} from '@eventstore/db-client';

const IDENTITY_STREAM = 'accounts-store';
const FIELD = 'accountsStoreId';
const ATTEMPTS = 5;

/** The stream's metadata as its metastream's last event holds it, and that event's revision. */
async function readMetadata(client: EventStoreDBClient) {
  try {
    for await (const resolved of client.readStream(`$$${IDENTITY_STREAM}`, {
      direction: BACKWARDS,
      fromRevision: END,
      maxCount: 1,
    })) {
      const data = resolved.event?.data;
      const metadata =
        data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
      return { metadata, revision: resolved.event!.revision };
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return { metadata: {} as Record<string, unknown>, revision: null };
}

export async function esdbIdentity(client: EventStoreDBClient): Promise<string> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const { metadata, revision } = await readMetadata(client);
    const id = metadata[FIELD];
    if (typeof id === 'string') return `eventstoredb:${id}`;
    try {
      // Added to whatever metadata an operator put there (an $acl), and written only if nobody
      // wrote the metastream since it was read: two instances starting at once agree on one id.
      await client.setStreamMetadata(
        IDENTITY_STREAM,
        { ...metadata, [FIELD]: randomUUID() },
        { expectedRevision: revision ?? NO_STREAM },
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
  }
  throw new Error(`EventStoreDB: could not record this store's identity in the metadata of ${IDENTITY_STREAM}`);
}
