/** An API process of a cluster, seen from inside: its role, and the messages it sends and takes. */
import cluster from 'node:cluster';
import {
  CHANNEL,
  isClusterMessage,
  PROCESS_INDEX_VARIABLE,
  type ClusterMessage,
  type ProcessRole,
} from './messages.js';

/** This process's role when the primary forked it; undefined for a service that runs alone. */
export function processRole(count: number): ProcessRole | undefined {
  if (!cluster.isWorker) return undefined;
  const index = Number(process.env[PROCESS_INDEX_VARIABLE]);
  if (!Number.isInteger(index) || index < 1) throw new Error(`${PROCESS_INDEX_VARIABLE} is not set by the primary`);
  return { index, count };
}

type Outgoing = ClusterMessage extends infer M ? (M extends ClusterMessage ? Omit<M, 'channel'> : never) : never;

/** Sends to the primary (which passes anything but `listening` on to every other process). */
export function tellCluster(message: Outgoing) {
  if (cluster.isWorker && process.connected) process.send?.({ channel: CHANNEL, ...message });
}

/** Calls `handle` with each message another process sent; returns the unsubscription. */
export function onClusterMessage(handle: (message: ClusterMessage) => void): () => void {
  const listener = (message: unknown) => {
    if (isClusterMessage(message)) handle(message);
  };
  process.on('message', listener);
  return () => void process.off('message', listener);
}
