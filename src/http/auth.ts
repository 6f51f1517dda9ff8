import type { Request, RequestHandler } from 'express';
import type { Accounts, Caller, RequestInfo } from '../accounts/index.js';
import { HttpError } from './errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    requestId: string;
  }
}

/** Requires a live session's bearer token; every route that acts as a user goes through it. */
export const requireUser = (accounts: Accounts): RequestHandler => async (req, _res, next) => {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return next(new HttpError('unauthenticated', 'Send Authorization: Bearer <token>'));
  req.caller = await accounts.authenticate(match[1]!);
  next();
};

export const callerOf = (req: Request): Caller => {
  if (!req.caller) throw new HttpError('unauthenticated', 'Not signed in');
  return req.caller;
};

export const requestInfo = (req: Request): RequestInfo => ({
  requestId: req.requestId,
  ip: req.ip ?? req.socket.remoteAddress ?? null,
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
});
