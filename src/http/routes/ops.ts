import { z } from 'zod';
import type { TokenSigner } from '../../tokens/jwt.js';
import type { RouteEntry, Routes } from '../auth.js';
import { sendError } from '../errors.js';
import { openApiDocument, type OpenApiDocument } from '../openapi.js';
import { WEBHOOK_CATALOGUE, WEBHOOK_EVENT_TYPES, webhookEventSchemas } from '../../webhooks/catalogue.js';

export interface Readiness {
  ready: boolean;
  reasons: string[];
  [detail: string]: unknown;
}

const DESCRIPTION = `Event-sourced accounts and identity service. JSON in and out; bodies over 64 KiB get 413.
Every error answers \`{"detail", "code", "issues"?}\`. Every command answer carries \`X-Event-Position\`: a read made
after it, by the same process, sees its effect; a read sent with it as a request header sees it on any process or instance. A command may answer 409 \`conflict\` when the account changed under it too often to commit: send it again.
A path asked with a method it does not take answers 405 \`method_not_allowed\` with \`Allow\`.`;

const tag = 'Operations';
const healthAnswer = z.object({ status: z.literal('ok') });
const readyAnswer = z.looseObject({ status: z.literal('ready') });
const jwksAnswer = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })) });

/** The OpenAPI document of this service: every route of `table`, served from PUBLIC_URL. */
export const describeApi = (table: RouteEntry[], publicUrl: string): OpenApiDocument =>
  openApiDocument(
    table,
    {
      title: 'Accounts service',
      version: 'v1',
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    [{ url: new URL(publicUrl).origin, description: 'This service (its PUBLIC_URL)' }],
    Object.fromEntries(
      WEBHOOK_EVENT_TYPES.map((type) => [
        type,
        {
          description: WEBHOOK_CATALOGUE[type].description,
          schema: webhookEventSchemas()[type] as Record<string, unknown>,
        },
      ]),
    ),
  );

/** Liveness, readiness, the public keys of the token signer, and the OpenAPI document. */
export function opsRoutes(options: {
  readiness: () => Promise<Readiness>;
  signer: TokenSigner;
  routes: Routes;
  publicUrl: string;
  /** Every route of the app; read at the first request, once all of them are mounted. */
  table: () => RouteEntry[];
}): void {
  const { routes } = options;
  routes.add(
    'get',
    '/healthz',
    {
      policy: 'public',
      tag,
      summary: 'Liveness: the process is up',
      responses: { 200: { description: 'Up', schema: healthAnswer } },
    },
    (_input, _req, res) => {
      res.json({ status: 'ok' });
    },
  );
  routes.add(
    'get',
    '/readyz',
    {
      policy: 'public',
      tag,
      summary: 'Readiness: stores reachable, projections caught up within a bound',
      responses: { 200: { description: 'Ready, with details', schema: readyAnswer } },
      errors: [503],
    },
    async (_input, _req, res) => {
      const { ready, reasons, ...details } = await options.readiness();
      if (ready) res.json({ status: 'ready', ...details });
      else sendError(res, 'unavailable', `Not ready: ${reasons.join('; ')}`);
    },
  );
  routes.add(
    'get',
    '/.well-known/jwks.json',
    {
      policy: 'public',
      tag,
      summary: 'The public keys of the access-token signer (JWKS)',
      responses: { 200: { description: 'A JSON Web Key Set', schema: jwksAnswer } },
    },
    (_input, _req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.json(options.signer.jwks());
    },
  );
  let document: OpenApiDocument | undefined;
  routes.add(
    'get',
    '/openapi.json',
    {
      policy: 'public',
      tag,
      summary: 'This OpenAPI 3.1 document, built from the schemas that validate the requests',
      responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
    },
    (_input, _req, res) => {
      document ??= describeApi(options.table(), options.publicUrl);
      res.json(document);
    },
  );
}
