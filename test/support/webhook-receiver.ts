import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';

/** One request a receiver got, with what it answered. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** The parsed Standard Webhooks payload (null for a SET). */
  json: { type: string; data: Record<string, unknown>; timestamp: string } | null;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers `answer` (200 unless set). */
export async function startReceiver() {
  const received: Received[] = [];
  const state = { answer: 200 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      let json: Received['json'] = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* a SET is a compact JWT */
      }
      received.push({ headers: req.headers, body, status: state.answer, json });
      res.statusCode = state.answer;
      res.end(state.answer < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** What the receiver answers from now on. */
    answer(status: number) {
      state.answer = status;
    },
    /** Forgets what arrived so far. */
    clear() {
      received.length = 0;
    },
    /** The first request for which `match` holds, once it has arrived (vitest's waitFor). */
    waitFor(match: (r: Received) => boolean, timeout = 10_000) {
      return vi.waitFor(
        () => {
          const found = received.find(match);
          if (!found) throw new Error('no such delivery arrived');
          return found;
        },
        { timeout, interval: 25 },
      );
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A Standard Webhooks delivery of this event type. */
export const ofType = (type: string) => (r: Received) => r.json?.type === type;
