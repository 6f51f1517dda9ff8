import type { Logger } from 'pino';
import type { DecodedEvent, EventCodec } from '../events/codec.js';
import type { EventStore } from '../ports/event-store.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import { CheckpointedSubscription } from '../subscriptions/checkpointed.js';
import { storedTypes } from '../../domain/user/upcast.js';

/** Side effects that follow events, at least once each: reactions must be idempotent. */
export interface Reaction {
  name: string;
  handles: readonly string[];
  react(event: DecodedEvent): Promise<void>;
}

export class Reactor {
  private readonly subscription: CheckpointedSubscription;
  private readonly handles: Set<string>;

  /**
   * `checkpoints` must outlive the process: a reactor that forgot where it was would act twice.
   * A checkpoint of another event store stops the start (ForeignCheckpointError): reactors act
   * outside, so starting over could mail or erase twice, and skipping could never erase.
   */
  constructor(
    deps: { eventStore: EventStore; checkpoints: CheckpointStore; codec: EventCodec; logger: Logger },
    reaction: Reaction,
  ) {
    this.handles = new Set(storedTypes(reaction.handles));
    this.subscription = new CheckpointedSubscription(deps, `reactor:${reaction.name}`, (event) => {
      if (!this.handles.has(event.type)) return false;
      return deps.codec
        .decode(event)
        .then((decoded) => reaction.react(decoded))
        .then(() => true);
    });
  }

  get position() {
    return this.subscription.position;
  }

  get checkpointId() {
    return this.subscription.checkpointId;
  }

  start() {
    return this.subscription.start();
  }

  stop() {
    return this.subscription.stop();
  }
}
