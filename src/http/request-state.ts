import type { Request } from 'express';

/**
 * What the service keeps on a request — `requestId`, `routePattern`, `routedPath`, `caller`,
 * `wantsCookie`, `sameBrowser` — lives in one object of a fixed shape, found by the request in a
 * WeakMap, through accessors on express's request prototype. Adding own properties to every
 * `IncomingMessage` (a large object V8 keeps in dictionary mode) cost ~3 µs each, a tenth of a
 * `GET /auth`, in the profile; one WeakMap entry costs less than one of them.
 */
class RequestState {
  requestId: string | undefined = undefined;
  routePattern: string | undefined = undefined;
  routedPath: string | undefined = undefined;
  caller: unknown = undefined;
  wantsCookie: boolean | undefined = undefined;
  sameBrowser: boolean | undefined = undefined;
}

const states = new WeakMap<object, RequestState>();
type Stateful = object;
const state = (req: Stateful) => {
  let found = states.get(req);
  if (!found) states.set(req, (found = new RequestState()));
  return found;
};

/** Installs the accessors on an express app's request prototype (`app.request`); one per field, so each stays monomorphic. */
export function installRequestState(prototype: Request) {
  Object.defineProperties(prototype, {
    requestId: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.requestId;
      },
      set(this: Stateful, v: string) {
        state(this).requestId = v;
      },
    },
    routePattern: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.routePattern;
      },
      set(this: Stateful, v: string) {
        state(this).routePattern = v;
      },
    },
    routedPath: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.routedPath;
      },
      set(this: Stateful, v: string) {
        state(this).routedPath = v;
      },
    },
    caller: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.caller;
      },
      set(this: Stateful, v: unknown) {
        state(this).caller = v;
      },
    },
    wantsCookie: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.wantsCookie;
      },
      set(this: Stateful, v: boolean) {
        state(this).wantsCookie = v;
      },
    },
    sameBrowser: {
      configurable: true,
      get(this: Stateful) {
        return states.get(this)?.sameBrowser;
      },
      set(this: Stateful, v: boolean) {
        state(this).sameBrowser = v;
      },
    },
  });
}
