import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';
import { HttpError } from './errors.js';

export const BODY_LIMIT = '64kb';

const json = express.json({
  limit: BODY_LIMIT,
  strict: true,
  // Never inflate: `encodedBody` refuses compressed bodies before this runs (a corrupt gzip or
  // brotli stream must not become a 500, and a small compressed body must not grow past the limit).
  inflate: false,
  type: ['application/json', 'application/*+json'],
  verify: (req, _res, buffer) => {
    if (!isUtf8(buffer)) throw Object.assign(new Error('invalid UTF-8'), { type: 'entity.verify.failed', status: 400 });
    // Kept by reference (no copy): a NIP-98 `payload` tag is checked against the bytes that came.
    (req as { rawBody?: Buffer }).rawBody = buffer;
  },
});

const hasBody = (headers: Record<string, string | string[] | undefined>) =>
  headers['transfer-encoding'] !== undefined ||
  (headers['content-length'] !== undefined && headers['content-length'] !== '0');

/** A body sent with a `Content-Encoding` (gzip, br, deflate, …): plain bodies only, as the README says. */
export const encodedBody = (headers: Record<string, string | string[] | undefined>): HttpError | null => {
  const encoding = headers['content-encoding'];
  if (
    encoding === undefined ||
    (typeof encoding === 'string' && ['', 'identity'].includes(encoding.trim().toLowerCase()))
  )
    return null;
  return new HttpError('unsupported_media_type', 'Send the body uncompressed: no Content-Encoding');
};

/** JSON only (415 for anything else that carries a body, and for a compressed body), at most 64 KiB, valid UTF-8; GET and HEAD bodies are ignored. */
export const jsonBody: RequestHandler = (req, res, next) => {
  // A GET's body means nothing to any route: it is not read (node discards it).
  // No `req.body = undefined`: it is undefined already, and adding a property to a request is dear.
  if (req.method === 'GET' || req.method === 'HEAD' || !hasBody(req.headers)) return next();
  const encoded = encodedBody(req.headers);
  if (encoded) return next(encoded);
  if (!req.is(['application/json', 'application/*+json'])) {
    return next(new HttpError('unsupported_media_type', 'Send the body as application/json'));
  }
  json(req, res, next);
};
