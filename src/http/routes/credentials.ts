import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answers } from '../openapi.js';

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const patterns = z.array(z.string().max(512)).max(100, 'at most 100 patterns');
const expiresAt = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time' })
  .transform((v) => new Date(v))
  .nullish();
const aclBody = z.strictObject({ name, allowed_endpoints: patterns });
const aclUpdate = z.strictObject({ name: name.optional(), allowed_endpoints: patterns.optional() });
const tokenBody = z.strictObject({ expires_at: expiresAt });
const keyBody = z.strictObject({ name, expires_at: expiresAt });
const checkBody = z.strictObject({ method: z.string().min(1).max(16), path: z.string().min(1).max(2048) });
const aclParams = z.strictObject({ acl_id: z.uuid({ message: 'must be an ACL id' }) });
const tokenParams = z.strictObject({
  acl_id: z.uuid({ message: 'must be an ACL id' }),
  token_id: z.uuid({ message: 'must be a token id' }),
});
const keyParams = z.strictObject({ id: z.uuid({ message: 'must be a key id' }) });
const verifyQuery = z.strictObject({ token: z.string().min(1).max(4096) });

const time = z.iso.datetime();
export const acl = z.object({
  id: z.uuid(),
  name: z.string(),
  allowed_endpoints: z.array(z.string()),
  created_at: time,
  token_count: z.number().int(),
});
export const aclToken = z.object({
  id: z.uuid(),
  acl_id: z.uuid(),
  created_at: time,
  expires_at: time.nullable(),
  last_used_at: time.nullable(),
});
const issuedAclToken = z.object({
  id: z.uuid(),
  token: z.string().describe('Shown this once'),
  acl_id: z.uuid(),
  created_at: time,
  expires_at: time.nullable(),
});
export const apiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  created_at: time,
  expires_at: time.nullable(),
  last_used_at: time.nullable(),
});
const issuedApiKey = z.object({
  id: z.uuid(),
  name: z.string(),
  token: z.string().describe('Shown this once'),
  prefix: z.string(),
  created_at: time,
  expires_at: time.nullable(),
});
const checkAnswer = z.object({ allowed: z.boolean(), user_id: z.uuid(), acl_id: z.uuid().nullable() });
const tag = 'ACLs and API keys';

/** ACLs and their tokens, API keys, and the token check for other services. */
export function credentialRoutes(accounts: Accounts, routes: Routes, limit: RequestHandler): void {
  routes.add(
    'get',
    '/auth/acls',
    {
      policy: 'session',
      tag,
      summary: "The account's ACLs, by name",
      responses: { 200: { description: 'The ACLs', schema: z.array(acl) } },
    },
    async (_input, req, res) => {
      res.json(await accounts.listAcls(callerOf(req)));
    },
  );

  routes.add(
    'post',
    '/auth/acls',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Create an ACL: the endpoints its tokens may call',
      stepUp: true,
      body: aclBody,
      description:
        'Patterns are `METHOD /path`; `*` matches one segment, a trailing `/**` any rest, `{name}` one segment. ' +
        'The list may be empty (as LNbits clients create ACLs): its tokens are allowed nothing until it is edited.',
      responses: { 201: { description: 'The ACL', schema: acl } },
    },
    async ({ body }, req, res) => {
      const { acl, position } = await accounts.createAcl(
        callerOf(req),
        { name: body.name, allowedEndpoints: body.allowed_endpoints },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 201, acl);
    },
  );

  routes.add(
    'put',
    '/auth/acls/:acl_id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Rename an ACL or change its endpoints',
      stepUp: true,
      params: aclParams,
      body: aclUpdate,
      responses: { 200: { description: 'The ACL', schema: acl } },
    },
    async ({ params, body }, req, res) => {
      const { acl, position } = await accounts.updateAcl(
        callerOf(req),
        params.acl_id,
        { name: body.name, allowedEndpoints: body.allowed_endpoints },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, acl);
    },
  );

  routes.add(
    'delete',
    '/auth/acls/:acl_id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Delete an ACL; its tokens die',
      stepUp: true,
      params: aclParams,
      responses: { 200: { description: 'ACL deleted', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const position = await accounts.deleteAcl(callerOf(req), params.acl_id, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'ACL deleted' });
    },
  );

  routes.add(
    'get',
    '/auth/acls/:acl_id/tokens',
    {
      policy: 'session',
      tag,
      summary: "An ACL's tokens (never their secrets)",
      params: aclParams,
      responses: { 200: { description: 'The tokens', schema: z.array(aclToken) } },
    },
    async ({ params }, req, res) => {
      res.json(await accounts.listAclTokens(callerOf(req), params.acl_id));
    },
  );

  routes.add(
    'post',
    '/auth/acls/:acl_id/tokens',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Issue a token for an ACL',
      stepUp: true,
      params: aclParams,
      body: tokenBody,
      responses: { 201: { description: 'The token, shown this once', schema: issuedAclToken } },
    },
    async ({ params, body }, req, res) => {
      const { body: answer, position } = await accounts.issueAclToken(
        callerOf(req),
        params.acl_id,
        { expiresAt: body.expires_at ?? null },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 201, answer);
    },
  );

  routes.add(
    'delete',
    '/auth/acls/:acl_id/tokens/:token_id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Revoke an ACL token; it stops working at once',
      params: tokenParams,
      responses: { 200: { description: 'Token revoked', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const position = await accounts.revokeAclToken(callerOf(req), params.acl_id, params.token_id, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Token revoked' });
    },
  );

  routes.add(
    'post',
    '/auth/check',
    {
      policy: 'credential',
      tag,
      summary: 'Whether the credential this is called with may call an endpoint (for other services)',
      body: checkBody,
      responses: { 200: { description: 'The verdict', schema: checkAnswer } },
    },
    async ({ body }, req, res) => {
      res.json(accounts.check(req.caller!, body.method, body.path, routes.table));
    },
  );

  routes.add(
    'post',
    '/auth/me/tokens',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Create an API key',
      stepUp: true,
      body: keyBody,
      responses: { 201: { description: 'The key, shown this once', schema: issuedApiKey } },
    },
    async ({ body }, req, res) => {
      const { body: answer, position } = await accounts.createApiKey(
        callerOf(req),
        { name: body.name, expiresAt: body.expires_at ?? null },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 201, answer);
    },
  );

  routes.add(
    'get',
    '/auth/me/tokens',
    {
      policy: 'session',
      tag,
      summary: "The account's API keys (never their secrets)",
      responses: { 200: { description: 'The keys', schema: z.array(apiKey) } },
    },
    async (_input, req, res) => {
      res.json(await accounts.listApiKeys(callerOf(req)));
    },
  );

  routes.add(
    'delete',
    '/auth/me/tokens/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Revoke an API key',
      params: keyParams,
      responses: { 200: { description: 'Token revoked', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const position = await accounts.revokeApiKey(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Token revoked' });
    },
  );

  routes.add(
    'get',
    '/auth/verify-token',
    {
      policy: 'public',
      tag,
      summary: 'Whether an API key is known, not revoked, not expired, and its account active',
      query: verifyQuery,
      responses: { 200: { description: 'The verdict', schema: z.object({ valid: z.boolean() }) } },
      errors: [429],
    },
    limit,
    async ({ query }, _req, res) => {
      res.json({ valid: await accounts.verifyToken(query.token) });
    },
  );
}
