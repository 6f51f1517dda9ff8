import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError } from './errors.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Route {
  pattern: string;
  /** Literal segments as strings, parameters as their names with the leading colon. */
  segments: string[];
  hasParams: boolean;
  handlers: RequestHandler[];
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The path the route was matched on (no query, no trailing slash): what an ACL is checked against. */
    routedPath?: string;
  }
}

/**
 * Runs one route's handlers in turn, as express would: `next()` goes on, `next(error)` and a
 * thrown or rejected handler go to `done(error)`, and running out of handlers without an answer
 * goes to `done()` (the 404).
 */
function run(handlers: RequestHandler[], req: Request, res: Response, done: NextFunction) {
  let index = 0;
  const next = (error?: unknown) => {
    if (error !== undefined && error !== null) return done(error);
    const handler = handlers[index++];
    if (!handler) return done();
    try {
      const result = handler(req, res, next) as unknown;
      if (result instanceof Promise)
        result.then(undefined, (rejected: unknown) => done(rejected ?? new Error('Rejected promise')));
    } catch (thrown) {
      done(thrown);
    }
  };
  next();
}

/**
 * Every route of the app in one flat table, dispatched by one middleware: a Map from
 * `METHOD path` for the paths without parameters (one lookup), then the parameterised paths of
 * that method in the order they were added. It replaces express's walk through a router per file
 * and a layer per route, which was most of what a request cost besides its own work.
 *
 * Matching: an exact path wins over a parameterised one; one trailing slash is ignored; paths are
 * case-sensitive; a parameter is one non-empty segment, percent-decoded (a malformed escape is a
 * URIError, which the error handler answers with 400); HEAD is answered by the GET route, OPTIONS
 * with the methods of the path.
 */
export class FlatRouter {
  private readonly exact = new Map<string, Route>();
  private readonly parameterised = new Map<string, Route[]>();

  add(method: Method, pattern: string, handlers: RequestHandler[]) {
    const key = method.toUpperCase();
    const segments = pattern.split('/').slice(1);
    const hasParams = segments.some((segment) => segment.startsWith(':'));
    const route: Route = { pattern, segments, hasParams, handlers };
    if (hasParams) {
      const list = this.parameterised.get(key) ?? [];
      if (list.some((other) => other.pattern === pattern)) throw new Error(`route ${key} ${pattern} added twice`);
      list.push(route);
      this.parameterised.set(key, list);
    } else {
      if (this.exact.has(`${key} ${pattern}`)) throw new Error(`route ${key} ${pattern} added twice`);
      this.exact.set(`${key} ${pattern}`, route);
    }
  }

  /** Every route with its handlers, for the tests that check each one is authorised and documented. */
  list(): { method: string; pattern: string; handlers: RequestHandler[] }[] {
    const exact = [...this.exact].map(([key, route]) => ({
      method: key.split(' ')[0]!,
      pattern: route.pattern,
      handlers: route.handlers,
    }));
    const parameterised = [...this.parameterised].flatMap(([method, routes]) =>
      routes.map((route) => ({ method, pattern: route.pattern, handlers: route.handlers })),
    );
    return [...exact, ...parameterised];
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return { route: exact, params: {} };
    const candidates = this.parameterised.get(method);
    if (!candidates) return null;
    const parts = path.split('/').slice(1);
    for (const route of candidates) {
      if (route.segments.length !== parts.length) continue;
      let params: Record<string, string> | null = {};
      for (let i = 0; i < parts.length; i += 1) {
        const segment = route.segments[i]!;
        const part = parts[i]!;
        if (segment.charCodeAt(0) === 58 /* : */) {
          if (part === '') {
            params = null;
            break;
          }
          params[segment.slice(1)] = part;
        } else if (segment !== part) {
          params = null;
          break;
        }
      }
      if (params) {
        // Decoded only once the route is chosen: a malformed escape is the client's error, not a miss.
        for (const name of Object.keys(params)) params[name] = decodeURIComponent(params[name]!);
        return { route, params };
      }
    }
    return null;
  }

  /** The methods some route serves `path` with (HEAD with GET, and OPTIONS), or none. */
  private allowed(path: string): string[] {
    const allowed: string[] = [];
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) if (this.match(method, path)) allowed.push(method);
    if (allowed.length === 0) return allowed;
    if (allowed.includes('GET')) allowed.splice(1, 0, 'HEAD');
    return [...allowed, 'OPTIONS'];
  }

  /** The methods `path` takes, or the router error (a bad escape) handed to `next`. */
  private allowedOr(path: string, next: NextFunction): string[] | null {
    try {
      return this.allowed(path);
    } catch (error) {
      next(error);
      return null;
    }
  }

  /** OPTIONS on a path some route serves: 204 with the methods it takes in `Allow` (as express answered); else 404. */
  private options(path: string, res: Response, next: NextFunction) {
    const allowed = this.allowedOr(path, next);
    if (!allowed) return;
    if (allowed.length === 0) return next();
    res.setHeader('Allow', allowed.join(', '));
    res.status(204).end();
  }

  /**
   * A path some route serves, asked with another method: 405 with `Allow` (RFC 9110 §15.5.6),
   * so a client can tell a wrong method from a wrong path; a path no route serves goes on to 404.
   */
  private wrongMethod(method: string, path: string, res: Response, next: NextFunction) {
    const allowed = this.allowedOr(path, next);
    if (!allowed) return;
    if (allowed.length === 0) return next();
    res.setHeader('Allow', allowed.join(', '));
    next(new HttpError('method_not_allowed', `This endpoint does not take ${method}; it takes ${allowed.join(', ')}`));
  }

  /** The one middleware: sets `req.params`, `req.routePattern` and `req.routedPath`, then runs the route's handlers. */
  readonly handle: RequestHandler = (req, res, next) => {
    let path = req.path;
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    if (req.method === 'OPTIONS') return this.options(path, res, next);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let found;
    try {
      found = this.match(method, path);
    } catch (error) {
      return next(error);
    }
    if (!found) return this.wrongMethod(req.method, path, res, next);
    // express left `{}` there; writing a property of a request is dear, so only when there are some.
    if (found.route.hasParams) req.params = found.params;
    req.routePattern = found.route.pattern;
    req.routedPath = path;
    run(found.route.handlers, req, res, next);
  };
}
