import { z, type ZodType } from 'zod';
import type { Policy, RouteDoc, RouteEntry } from './auth.js';
import { STATUS } from './errors.js';
import { HEADERS, TAGS, type HeaderName } from './doc-terms.js';
import { webhooksSection } from './openapi-webhooks.js';
import { answers, sessionAnswer } from './answers.js';
import { API_PREFIX } from './event-position.js';

export { answers };

type Json = Record<string, unknown>;

/** The one error shape of every route. */
const errorBody = z.object({
  detail: z.string().describe('A message for people'),
  code: z.enum(Object.keys(STATUS) as [keyof typeof STATUS, ...(keyof typeof STATUS)[]]),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Validation errors only'),
  methods: z
    .array(z.string())
    .optional()
    .describe('`reauth_required` only: the ways this account can prove itself again'),
  second_factors: z
    .array(z.enum(['totp', 'passkey']))
    .optional()
    .describe('`totp_required` only: the second factors this account has'),
});

/** `?session=cookie` on any route that answers a session token (see cookies.ts). */
const SESSION_PARAMETER = {
  name: 'session',
  in: 'query',
  required: false,
  description:
    '`cookie`: a successful answer also sets the session cookie (HttpOnly) and a readable CSRF cookie, for a browser on the same site.',
  schema: { type: 'string', enum: ['cookie'] },
};

/** Every API operation takes it (see src/http/event-position.ts). */
const EVENT_POSITION_PARAMETER = {
  name: 'X-Event-Position',
  in: 'header',
  required: false,
  description:
    'The `X-Event-Position` an earlier answer gave: this request waits (up to `READ_YOUR_WRITES_TIMEOUT`) until the instance or process serving it has applied that position, so that it sees what the earlier command did. Anything but digits is refused with 400.',
  schema: { type: 'string', pattern: '^[0-9]{1,20}$' },
};
const takesEventPosition = (path: string) => path.startsWith(API_PREFIX);

const POLICY: Record<Policy, { text: string; security: Json[] }> = {
  public: { text: 'Public: no credential needed.', security: [] },
  user: {
    text: 'Policy `user`: a login session, an API key, or an ACL token whose ACL allows this endpoint.',
    security: [{ bearer: [] }, { apiKey: [] }],
  },
  credential: {
    text: 'Policy `credential`: any valid credential (session, API key or ACL token); its ACL is not applied.',
    security: [{ bearer: [] }, { apiKey: [] }],
  },
  session: {
    text: 'Policy `session`: a login session only; ACL tokens and API keys are refused with 403.',
    security: [{ bearer: [] }],
  },
  admin: {
    text: "Policy `admin`: an admin's login session only; anyone else gets 403 `admin_only`.",
    security: [{ bearer: [] }],
  },
};

const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `post /api/v1/auth/acls/:acl_id/tokens` → `postAuthAclsByAclIdTokens`. */
const operationIdOf = (method: string, path: string) =>
  method +
  path
    .replace(/^\/api\/v1(?=\/)/, '')
    .split('/')
    .map(
      (segment) =>
        (segment.startsWith(':') ? 'By' : '') +
        segment
          .split(/[^A-Za-z0-9]+/)
          .map(capital)
          .join(''),
    )
    .join('');

/**
 * The JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of what a request may send (`input`: an
 * object may carry more, which is stripped) or of what an answer holds (`output`: an object
 * carries only the fields it names, unless its schema is loose).
 */
function jsonSchema(schema: ZodType, components: Json, name: string, io: 'input' | 'output' = 'input'): Json {
  const {
    $schema: _,
    $defs,
    ...json
  } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  if (!$defs) return json;
  // Shared or recursive parts: `#/$defs/x` would resolve against the document, so they move into components.
  const moved = (value: unknown) =>
    JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', `"#/components/schemas/${name}.`)) as Json;
  for (const [key, def] of Object.entries($defs as Json)) components[`${name}.${key}`] = moved(def);
  return moved(json);
}

const errorStatuses = (entry: RouteEntry, doc: RouteDoc) => {
  const statuses = new Set(doc.errors);
  if (doc.body || doc.query || doc.params || doc.formBody) statuses.add(400);
  if (entry.policy !== 'public') [401, 403].forEach((status) => statuses.add(status));
  if (entry.path.includes(':')) statuses.add(404);
  // A command may find the account changed under it too often to commit (409 `conflict`: try
  // again), and a signed-in caller's account may be deleted while it runs (404).
  if (doc.command) statuses.add(409);
  if (doc.command && entry.policy !== 'public') statuses.add(404);
  if (doc.body || entry.readsJson) [400, 413, 415].forEach((status) => statuses.add(status));
  if (takesEventPosition(entry.path)) statuses.add(400);
  return [...statuses].sort((a, b) => a - b);
};

/** A response's headers: those it names, `X-Event-Position` on a command's success, `Set-Cookie` on a session answer. */
const headersOf = (names: readonly HeaderName[], required: readonly HeaderName[]) =>
  names.length === 0
    ? undefined
    : Object.fromEntries(names.map((name) => [name, { ...HEADERS[name], required: required.includes(name) }]));

/** OpenAPI 3.1 of every route in the table, from the zod schemas their handlers parse with. */
export function openApiDocument(
  table: RouteEntry[],
  info: { title: string; version: string; description?: string; license?: { name: string; identifier: string } },
  servers: { url: string; description?: string }[],
  /** What the service sends to webhook endpoints: each event type with its JSON Schema (the `webhooks` section). */
  outgoing: Record<string, { description: string; schema: Json }> = {},
) {
  const schemas: Json = { Error: jsonSchema(errorBody, {}, 'Error', 'output') };
  const responses: Json = {};
  // 405 answers a method no operation has (with `Allow`), so no operation can name it: the info says it.
  for (const status of [...new Set(Object.values(STATUS))].filter((s) => s !== 405).sort((a, b) => a - b)) {
    const codes = Object.entries(STATUS)
      .filter(([, s]) => s === status)
      .map(([code]) => `\`${code}\``);
    const retry: HeaderName[] = status === 429 || status === 503 ? ['Retry-After'] : [];
    responses[`Error${status}`] = {
      description: `Error: ${codes.join(', ')}`,
      ...(retry.length ? { headers: headersOf(retry, retry) } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const paths: Record<string, Json> = {};
  const operationIds = new Set<string>();

  for (const entry of table) {
    const doc: RouteDoc = entry.doc ?? { summary: `${entry.method.toUpperCase()} ${entry.path}` };
    let operationId = operationIdOf(entry.method, entry.path);
    for (let n = 2; operationIds.has(operationId); n += 1)
      operationId = `${operationIdOf(entry.method, entry.path)}${n}`;
    operationIds.add(operationId);

    const params = doc.params ? jsonSchema(doc.params, schemas, `${operationId}.params`) : undefined;
    const query = doc.query ? jsonSchema(doc.query, schemas, `${operationId}.query`) : undefined;
    const answers = doc.responses ?? { 200: { description: 'OK' } };
    const answersSession = Object.values(answers).some((answer) => answer.schema === sessionAnswer);
    const parameters = [
      ...[...entry.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        schema: (params?.properties as Json | undefined)?.[name!] ?? { type: 'string' },
      })),
      ...Object.entries((query?.properties ?? {}) as Json).map(([name, schema]) => ({
        name,
        in: 'query',
        required: ((query?.required ?? []) as string[]).includes(name),
        schema,
      })),
      ...(answersSession ? [SESSION_PARAMETER] : []),
      ...(takesEventPosition(entry.path) ? [{ $ref: '#/components/parameters/EventPosition' }] : []),
    ];

    let requestBody: Json | undefined;
    if (doc.body) {
      const schema = jsonSchema(doc.body, schemas, `${operationId}.body`);
      requestBody = {
        // An absent body is read as `{}`: it is needed only when a field is.
        required: ((schema.required ?? []) as string[]).length > 0,
        content: { 'application/json': { schema }, ...(doc.formBody ? { 'multipart/form-data': { schema } } : {}) },
      };
    }

    const answered: Json = {};
    for (const [status, answer] of Object.entries(answers)) {
      const content =
        answer.schema || answer.contentType
          ? {
              [answer.contentType ?? 'application/json']: answer.schema
                ? { schema: jsonSchema(answer.schema, schemas, `${operationId}.${status}`, 'output') }
                : {},
            }
          : undefined;
      const success = Number(status) < 300;
      const commandAnswer = doc.command === true ? success : doc.command?.includes(Number(status));
      const command: HeaderName[] = commandAnswer ? ['X-Event-Position'] : [];
      const cookie: HeaderName[] = answer.schema === sessionAnswer ? ['Set-Cookie'] : [];
      const headers = headersOf([...command, ...cookie, ...(answer.headers ?? [])], command);
      answered[status] = {
        description: answer.description,
        ...(headers ? { headers } : {}),
        ...(content ? { content } : {}),
      };
    }
    for (const status of errorStatuses(entry, doc))
      answered[status] ??= { $ref: `#/components/responses/Error${status}` };
    answered.default = { $ref: '#/components/responses/Error500' };

    const path = entry.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][entry.method] = {
      operationId,
      summary: doc.summary,
      description: [doc.description, POLICY[entry.policy].text].filter(Boolean).join('\n\n'),
      ...(doc.tag ? { tags: [doc.tag] } : {}),
      'x-policy': entry.policy,
      security: POLICY[entry.policy].security,
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: answered,
    };
  }

  return {
    openapi: '3.1.0',
    info,
    servers,
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    webhooks: webhooksSection(outgoing),
    components: {
      schemas,
      responses,
      parameters: { EventPosition: EVENT_POSITION_PARAMETER },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A login session or an ACL token (an API key is accepted here too)',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
