import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { UserEvent } from '../domain/user/events.js';
import { userStream } from '../domain/user/events.js';
import { loadConfig } from '../src/config.js';
import { createEventCodec } from '../src/events/codec.js';
import { openStores } from '../src/composition/stores.js';

/**
 * Fills DATA_DIR's event store with `--events` events for measuring rebuilds and start-up: accounts
 * of ten events each (registered, user key, a session, seven profile changes), encoded by the
 * service's own codec (personal fields sealed with each account's key, metadata as commands
 * write it), many accounts in flight so the store's group commit batches them. It bypasses the deciders and the unique
 * claims, so it is for measuring the read side only, never a way to make real accounts.
 */
const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const total = Number(values.events);
const perUser = 10;
const config = loadConfig({ ...process.env, WORKERS: 'off' });
const stores = await openStores(config, () => new Date());
const codec = createEventCodec(stores.keyStore);
const users = Math.ceil(total / perUser);
const bar = new SingleBar(
  { format: 'seeding |{bar}| {percentage}% | {value}/{total} events | ETA {eta_formatted}' },
  Presets.shades_classic,
);
bar.start(users * perUser, 0);
const started = Date.now();
// Many accounts in flight at once, so that the store's group commit writes them in few transactions.
const IN_FLIGHT = 64;
let next = 0;
let done = 0;
const seedOne = async (i: number) => {
  const userId = randomUUID();
  const username = `seed_${i}`;
  const events: UserEvent[] = [
    {
      type: 'UserRegistered',
      data: {
        userId,
        username,
        usernameClaim: `unique-username-${createHash('sha256').update(username).digest('hex')}`,
        email: `${username}@example.test`,
        emailClaim: null,
        displayName: `Seed ${i}`,
        passwordHash: '$2b$04$seedseedseedseedseedseOqK8cX2b0yq1m7pC0rXo4f9n8b8Q1uW',
        isAdmin: false,
        setupClaim: null,
      },
    },
    {
      type: 'UsrKeyIssued',
      data: { usrKey: randomUUID(), usrHash: createHash('sha256').update(userId).digest('hex'), previousUsrHash: null },
    },
    {
      type: 'SessionStarted',
      data: { sessionId: randomUUID(), method: 'register', ip: '127.0.0.1', userAgent: 'seed' },
    },
    ...Array.from(
      { length: perUser - 3 },
      (_, n): UserEvent => ({ type: 'DisplayNameChanged', data: { displayName: `Seed ${i} v${n}` } }),
    ),
  ];
  const context = { commandId: randomUUID(), correlationId: 'seed', actor: userId, ip: '127.0.0.1', userAgent: 'seed' };
  await stores.eventStore.append(userStream(userId), await codec.encode(userStream(userId), events, context, 0n), {
    expectedRevision: 'no_stream',
  });
  done += 1;
  if (done % 500 === 0) bar.update(done * perUser);
};
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = next++; i < users; i = next++) await seedOne(i);
  }),
);
bar.update(users * perUser);
bar.stop();
console.log(
  `${users * perUser} events (${users} accounts) in ${((Date.now() - started) / 1000).toFixed(1)} s; head ${await stores.eventStore.headPosition()}`,
);
await stores.queue.close();
await stores.eventStore.close();
await stores.keyStore.close();
stores.closeSqlite();
