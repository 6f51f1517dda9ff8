/** What the API processes of one cluster and their primary tell each other (over node:cluster's IPC). */

/** The variable the primary gives each process its number in (1 to API_PROCESSES). */
export const PROCESS_INDEX_VARIABLE = 'ACCOUNTS_PROCESS_INDEX';

/** Every message of this service carries it; rate-limiter-flexible's have a channel of their own. */
export const CHANNEL = 'accounts';

export type ClusterMessage =
  /** A process to the primary: it serves on `port`. */
  | { channel: typeof CHANNEL; type: 'listening'; port: number }
  /** A process to every other one, through the primary: an operator asked for this read model's rebuild. */
  | { channel: typeof CHANNEL; type: 'rebuild'; projection: string };

export const isClusterMessage = (message: unknown): message is ClusterMessage =>
  typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;

/** This process's place in a cluster: its number, and how many there are. */
export interface ProcessRole {
  index: number;
  count: number;
}

/** The one that runs the jobs and webhooks reactors and the inline workers: number 1. */
export const isLeader = (role: ProcessRole | undefined) => !role || role.index === 1;
