/**
 * Which EventStoreDB this is: an id kept in the custom metadata of the stream `accounts-store`
 * (that is, in the system stream `$$accounts-store`, which no reader of $all here ever sees),
 * written by the first instance that opens the store. Checkpoints record it, so that a position
 * from another cluster, or from the embedded store, is never fed to this one (see
 * src/subscriptions/checkpointed.ts).
 */
import { randomUUID } from 'node:crypto';
import { NO_STREAM, WrongExpectedVersionError, type EventStoreDBClient } from '@eventstore/db-client';

const IDENTITY_STREAM = 'accounts-store';
const FIELD = 'accountsStoreId';

export async function esdbIdentity(client: EventStoreDBClient): Promise<string> {
  const read = async () => {
    const { metadata } = await client.getStreamMetadata(IDENTITY_STREAM);
    const id = metadata?.[FIELD];
    return typeof id === 'string' ? id : null;
  };
  const found = await read();
  if (found) return `eventstoredb:${found}`;
  try {
    // Only the first writer wins: two instances starting at once agree on one id.
    await client.setStreamMetadata(IDENTITY_STREAM, { [FIELD]: randomUUID() }, { expectedRevision: NO_STREAM });
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
  const written = await read();
  if (!written) throw new Error(`EventStoreDB: the metadata of ${IDENTITY_STREAM} holds no ${FIELD}`);
  return `eventstoredb:${written}`;
}
