import { v5 as uuidv5 } from 'uuid';
import type { EventMetadata, NewEvent, RecordedEvent } from '../ports/event-store.js';
import { BoundedCache } from '../bounded-cache.js';
import type { KeyStore } from '../ports/key-store.js';
import { personalFields as userPersonalFields, userIdOfStream } from '../../domain/user/events.js';
import { legacyPersonalFields, upcastUserEvent } from '../../domain/user/upcast.js';
import { personalFields as claimPersonalFields } from '../../domain/unique/decider.js';
import { personalFields as challengePersonalFields } from '../../domain/challenge/decider.js';
import { personalFields as aclPersonalFields } from '../../domain/acl/decider.js';
import { personalFields as apiKeyPersonalFields } from '../../domain/apikey/decider.js';
import { personalFields as invitePersonalFields } from '../../domain/invite/decider.js';
import { personalFields as webhookPersonalFields } from '../../domain/webhook/decider.js';
import { isSealed, seal, unseal } from './sealing.js';

export const SCHEMA_VERSION = 1;

const PERSONAL_FIELDS: Record<string, string[]> = {
  ...legacyPersonalFields,
  ...userPersonalFields,
  ...claimPersonalFields,
  ...challengePersonalFields,
  ...aclPersonalFields,
  ...apiKeyPersonalFields,
  ...invitePersonalFields,
  ...webhookPersonalFields,
};
const PERSONAL_METADATA = ['ip', 'userAgent'] as const;

/** Who caused a command, for the audit trail; ip and user agent are personal and get sealed. */
export interface CommandContext {
  commandId: string;
  correlationId: string;
  actor: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface DomainEventLike {
  type: string;
  data: Record<string, unknown>;
}

/** A stored event made readable: personal fields unsealed, or null and listed in `erased`. */
export interface DecodedEvent extends RecordedEvent {
  erased: string[];
}

/**
 * The subject whose key seals an event's personal data: the account of a `user-` stream, or the
 * account a challenge is for (named in its data), if any.
 */
export const subjectOf = (streamId: string, data?: Record<string, unknown>): string | null => {
  if (streamId.startsWith('user-')) return userIdOfStream(streamId);
  if (streamId.startsWith('challenge-') && typeof data?.userId === 'string') return data.userId;
  // ACLs and API keys belong to an account; the events that carry personal data name it.
  if ((streamId.startsWith('acl-') || streamId.startsWith('apikey-')) && typeof data?.ownerId === 'string')
    return data.ownerId;
  // A webhook endpoint's secrets are sealed under its own key: deleting it destroys them.
  if (streamId.startsWith('webhook-')) return `webhook:${streamId.slice('webhook-'.length)}`;
  return null;
};

export interface EventCodec {
  /** `firstRevision` is where the events will land; it is part of their ids. */
  encode(
    streamId: string,
    events: DomainEventLike[],
    context: CommandContext,
    firstRevision: bigint,
  ): Promise<NewEvent[]>;
  decode(event: RecordedEvent): Promise<DecodedEvent>;
  /**
   * Looks up in one call the keys a batch of events will be decoded with (a catch-up's): one by
   * one, a rebuild spent a twentieth of its time on them.
   */
  prefetch(events: RecordedEvent[]): Promise<void>;
  /** Drops a cached key after it was destroyed. */
  forget(subject: string): void;
}

const KEY_CACHE_LIMIT = 50_000;
/**
 * Every projection and reactor reads every event: the newest decodings are kept so that an event
 * is unsealed once, not once per reader. A destroyed key takes its subject's entries along. The
 * readers of an event come within a few batches of each other (or one after the other, in a shared
 * catch-up): a small cache serves them, and its entries die young instead of being promoted to the
 * old generation and collected there, a cost a rebuild paid for every event.
 */
const DECODED_CACHE_LIMIT = 2_000;

/**
 * What this process sealed, by event id, until the event is first decoded: a read model applying
 * an event this process just appended takes the plaintext back instead of opening what was sealed
 * a moment ago (an AES-GCM opening and a copy per command: 4.5 % of a `PUT /auth/me`'s event
 * loop). Bounded: an append that failed leaves its entry behind.
 */
const JUST_SEALED_LIMIT = 2_000;

/** One sealed value: as stored (to recognise the event) and as it was before sealing. */
type SealedValue = { field: string; sealed: string; plain: unknown };
interface JustSealed {
  subject: string;
  data: SealedValue[];
  metadata: SealedValue[];
}

export function createEventCodec(keys: KeyStore): EventCodec {
  const cache = new Map<string, Buffer | null>();
  const justSealed = new BoundedCache<string, JustSealed>(JUST_SEALED_LIMIT);
  const decoded = new BoundedCache<string, { subject: string | null; event: DecodedEvent }>(DECODED_CACHE_LIMIT);
  // A decoding that overlapped a forget() is not cached: it may hold what was just erased.
  let forgets = 0;
  // Subjects whose key was destroyed while this process ran: a decoded event handed out before
  // that opens no sealed metadata after it.
  const forgotten = new Set<string>();
  const keyFor = async (subject: string, create: boolean): Promise<Buffer | null> => {
    const cached = cache.get(subject);
    if (cached) return cached;
    const key = create ? await keys.getOrCreate(subject) : await keys.get(subject);
    if (key) {
      if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
      cache.set(subject, key);
    }
    return key;
  };

  return {
    async encode(streamId, events, context, firstRevision) {
      const subject = subjectOf(streamId, events[0]?.data);
      const key = subject ? await keyFor(subject, true) : null;
      return events.map((event, index) => {
        const data: Record<string, unknown> = { ...event.data };
        const sealed: JustSealed = { subject: subject ?? '', data: [], metadata: [] };
        const sealInto = (into: SealedValue[], field: string, plain: unknown, context: string) => {
          const value = seal(key!, plain, context);
          into.push({ field, sealed: value, plain });
          return value;
        };
        for (const field of PERSONAL_FIELDS[event.type] ?? []) {
          if (data[field] === null || data[field] === undefined) continue;
          if (!key) throw new Error(`${event.type} carries personal data but ${streamId} has no data key`);
          data[field] = sealInto(sealed.data, field, data[field], `${subject}:${field}`);
        }
        const metadata: EventMetadata = {
          $correlationId: context.correlationId,
          $causationId: context.commandId,
          actor: context.actor,
          ip: key && context.ip ? sealInto(sealed.metadata, 'ip', context.ip, `${subject}:$ip`) : null,
          userAgent:
            key && context.userAgent
              ? sealInto(sealed.metadata, 'userAgent', context.userAgent, `${subject}:$userAgent`)
              : null,
          schemaVersion: SCHEMA_VERSION,
        };
        // Derived from the command and the place, so a retried append of the same decision is
        // recognised, while two appends of one request to the same stream stay distinct.
        const id = uuidv5(`${streamId}:${firstRevision + BigInt(index)}`, context.commandId);
        if (sealed.data.length || sealed.metadata.length) justSealed.set(id, sealed);
        return { id, type: event.type, data, metadata };
      });
    },

    async decode(event) {
      const cacheKey = `${event.streamId}:${event.revision}`;
      const hit = decoded.get(cacheKey);
      if (hit && hit.event.id === event.id) return hit.event;
      const before = forgets;
      const sealed = justSealed.get(event.id);
      if (sealed) justSealed.delete(event.id);
      const result = sealed && sealedHere(event, sealed) ? fromPlain(event, sealed) : await decodeFresh(event);
      if (before !== forgets) return result;
      decoded.set(cacheKey, { subject: subjectOf(event.streamId, event.data), event: result });
      return result;
    },

    async prefetch(events) {
      const wanted = new Set<string>();
      for (const event of events) {
        const subject = subjectOf(event.streamId, event.data);
        if (subject && !cache.has(subject)) wanted.add(subject);
      }
      if (wanted.size === 0) return;
      const before = forgets;
      const found = await keys.getMany([...wanted]);
      // A key destroyed meanwhile is not brought back into memory.
      if (before !== forgets) return;
      for (const [subject, key] of found) {
        if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
        cache.set(subject, key);
      }
    },

    forget(subject) {
      forgets += 1;
      forgotten.add(subject);
      cache.delete(subject);
      for (const [key, entry] of [...decoded.entries()]) if (entry.subject === subject) decoded.delete(key);
      for (const [id, entry] of [...justSealed.entries()]) if (entry.subject === subject) justSealed.delete(id);
    },
  };

  /**
   * Whether the stored event is the very one sealed here: its sealed values are these ciphertexts
   * (random IVs make them unique), not another encoding that came to the same id.
   */
  function sealedHere(event: RecordedEvent, mine: JustSealed): boolean {
    if (subjectOf(event.streamId, event.data) !== mine.subject) return false;
    const fields = (PERSONAL_FIELDS[event.type] ?? []).filter((f) => isSealed(event.data[f]));
    const meta = PERSONAL_METADATA.filter((f) => isSealed(event.metadata[f]));
    return (
      fields.length === mine.data.length &&
      meta.length === mine.metadata.length &&
      mine.data.every(({ field, sealed }) => event.data[field] === sealed) &&
      mine.metadata.every(({ field, sealed }) => event.metadata[field] === sealed)
    );
  }

  /** decodeFresh's answer for an event sealed here, from the values before sealing. */
  function fromPlain(event: RecordedEvent, sealed: JustSealed): DecodedEvent {
    const data: Record<string, unknown> = { ...event.data };
    const metadata: EventMetadata = { ...event.metadata };
    for (const { field, plain } of sealed.data) data[field] = copyOf(plain);
    for (const { field, plain } of sealed.metadata)
      openOnRead(
        metadata,
        field,
        () => copyOf(plain),
        () => forgotten.has(sealed.subject),
      );
    const current = upcastUserEvent(event.type, data);
    return { ...event, type: current.type, data: current.data, metadata, erased: [] };
  }

  async function decodeFresh(event: RecordedEvent): Promise<DecodedEvent> {
    const subject = subjectOf(event.streamId, event.data);
    const erased: string[] = [];
    const data: Record<string, unknown> = { ...event.data };
    const metadata: EventMetadata = { ...event.metadata };
    const fields = PERSONAL_FIELDS[event.type] ?? [];
    const sealedFields = fields.filter((f) => isSealed(data[f]));
    const sealedMeta = PERSONAL_METADATA.filter((f) => isSealed(metadata[f]));
    if (subject && (sealedFields.length || sealedMeta.length)) {
      const key = await keyFor(subject, false);
      for (const field of sealedFields) {
        if (key) data[field] = unseal(key, data[field] as string, `${subject}:${field}`);
        else {
          data[field] = null;
          erased.push(field);
        }
      }
      for (const field of sealedMeta) {
        if (key) {
          const sealed = metadata[field] as string;
          openOnRead(
            metadata,
            field,
            () => unseal(key, sealed, `${subject}:$${field}`),
            () => forgotten.has(subject),
          );
        } else {
          metadata[field] = null;
          erased.push(`metadata.${field}`);
        }
      }
    }
    const current = upcastUserEvent(event.type, data);
    const renamed = current.renamed;
    const erasedNow = renamed ? erased.map((field) => renamed[field] ?? field) : erased;
    return { ...event, type: current.type, data: current.data, metadata, erased: erasedNow };
  }
}

/**
 * The request's address and user agent in an event's metadata are read by audits only (history,
 * the CLI), not by any read model: they are unsealed when first read, not for every event a
 * projection folds (two AES-GCM openings per event, a quarter of a rebuild).
 */
function openOnRead(metadata: EventMetadata, field: string, open: () => unknown, erased: () => boolean) {
  let opened: { value: unknown } | null = null;
  Object.defineProperty(metadata, field, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!opened && erased()) return null;
      return (opened ??= { value: open() }).value;
    },
    set: (value: unknown) => {
      opened = { value };
    },
  });
}

/** A value as unsealing gives it back: its own copy, so that no reader shares the command's. */
const copyOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
