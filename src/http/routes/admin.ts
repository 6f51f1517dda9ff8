import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { ProjectionOperations } from '../../operations.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { fields } from '../validate.js';
import { answers } from '../openapi.js';
import { sessionList } from './account.js';

const userParams = z.strictObject({ id: z.uuid({ message: 'must be a user id' }) });
const listQuery = z.strictObject({
  q: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const historyQuery = z.strictObject({
  as_of: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
});
const projectionParams = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a projection name'),
});
const noBody = z.strictObject({});
const adminUser = answers.user.extend({ disabled: z.boolean(), locked_until: z.iso.datetime().nullable().optional() });
const userList = z.object({ users: z.array(adminUser), next_cursor: z.string().nullable() });
const projectionStatus = z.enum(['catching_up', 'live', 'retrying', 'rebuilding']);
const position = z.string().describe('A commit position');
const projectionStanding = z.object({
  name: z.string(),
  version: z.number().int(),
  generation: z.number().int(),
  position,
  head_position: position,
  lag: z.string().describe('Positions behind the head'),
  status: projectionStatus,
});
const projectionProgress = z.object({
  name: z.string(),
  status: projectionStatus,
  generation: z.number().int(),
  position,
  head_position: position,
  processed: z.number().int(),
  total: z.number().int(),
  events_per_sec: z.number().int(),
  eta_s: z.number().int().nullable().describe('Seconds left (null: no rate yet)'),
});
const rebuilding = z.object({ name: z.string(), version: z.number(), status: z.literal('rebuilding') });
const createBody = z.strictObject({
  username: fields.username,
  email: fields.email.nullish(),
  role: z.enum(['user', 'admin']).default('user'),
  send_mail: z.boolean().default(false),
});
const created = z.object({
  user: adminUser,
  temporary_password: z.string().optional().describe('Shown this once; absent with send_mail'),
});
const tag = 'Admin';
const userAnswer = { 200: { description: 'The user object, with `disabled`', schema: adminUser } };

/** Administration: an admin's login session only (403 `admin_only` otherwise). */
export function adminRoutes(accounts: Accounts, operations: ProjectionOperations, routes: Routes): void {
  routes.add(
    'get',
    '/admin/users',
    {
      policy: 'admin',
      tag,
      summary: 'List and search users (by username or email), a page at a time',
      query: listQuery,
      responses: { 200: { description: 'A page of users; `next_cursor` is null on the last one', schema: userList } },
    },
    async ({ query }, _req, res) => {
      res.json(await accounts.listUsers(query));
    },
  );

  routes.add(
    'post',
    '/admin/users',
    {
      policy: 'admin',
      command: true,
      tag,
      summary: 'Make an account: a temporary password, or a mailed link to set one',
      body: createBody,
      description:
        'The account has `must_reset_password: true`; until it sets a password its token works only for GET /auth, PUT /auth/update-password and POST /auth/logout (403 `password_reset_required`). Only the superadmin makes admins.',
      responses: { 201: { description: 'The account, and its temporary password (once)', schema: created } },
      errors: [403, 409, 503],
    },
    async ({ body }, req, res) => {
      const made = await accounts.createUser(
        callerOf(req),
        { username: body.username, email: body.email ?? null, role: body.role, sendMail: body.send_mail },
        requestInfo(req),
      );
      await routes.answerCommand(res, made.position, 201, {
        user: made.user,
        ...(made.temporaryPassword ? { temporary_password: made.temporaryPassword } : {}),
      });
    },
  );

  routes.add(
    'get',
    '/admin/users/:id',
    {
      policy: 'admin',
      tag,
      summary: 'One user, with `disabled` and `locked_until`',
      params: userParams,
      responses: { 200: { description: 'The user object', schema: adminUser } },
    },
    async ({ params }, _req, res) => {
      res.json(await accounts.getUser(params.id));
    },
  );

  routes.add(
    'get',
    '/admin/users/:id/sessions',
    {
      policy: 'admin',
      tag,
      summary: "A user's live sessions, as the user sees them (device, way in, network, last use)",
      params: userParams,
      responses: { 200: { description: 'The sessions, newest first', schema: sessionList } },
    },
    async ({ params }, _req, res) => {
      res.json(await accounts.listUserSessions(params.id));
    },
  );

  routes.add(
    'get',
    '/admin/users/:id/history',
    {
      policy: 'admin',
      tag,
      summary: "The replay of a user's stream up to an instant",
      params: userParams,
      query: historyQuery,
      responses: {
        200: {
          description: 'The events up to `as_of`, and the account as it stood then (null before it existed)',
          schema: z.object({
            as_of: z.iso.datetime(),
            events: z.array(answers.historyEntry),
            state: adminUser.nullable(),
          }),
        },
      },
    },
    async ({ params, query }, _req, res) => {
      res.json(await accounts.userHistory(params.id, query.as_of ? new Date(query.as_of) : undefined));
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    routes.add(
      'post',
      `/admin/users/:id/${action}`,
      {
        policy: 'admin',
        command: true,
        tag,
        summary: disabled ? 'Disable an account: every token of it is revoked' : 'Enable a disabled account',
        params: userParams,
        body: noBody,
        responses: userAnswer,
        errors: [409],
      },
      async ({ params }, req, res) => {
        const { user, position } = await accounts.setDisabled(callerOf(req), params.id, disabled, requestInfo(req));
        await routes.answerCommand(res, position, 200, user);
      },
    );
  }

  for (const [action, admin] of [
    ['grant-admin', true],
    ['revoke-admin', false],
  ] as const) {
    routes.add(
      'post',
      `/admin/users/:id/${action}`,
      {
        policy: 'admin',
        command: true,
        tag,
        summary: admin
          ? 'Make a user an admin'
          : 'Take admin away from a user (the superadmin only; the superadmin itself stays one)',
        params: userParams,
        body: noBody,
        responses: userAnswer,
        errors: [409],
      },
      async ({ params }, req, res) => {
        const { user, position } = await accounts.setAdmin(callerOf(req), params.id, admin, requestInfo(req));
        await routes.answerCommand(res, position, 200, user);
      },
    );
  }

  routes.add(
    'get',
    '/admin/projections',
    {
      policy: 'admin',
      tag,
      summary: 'The projections, their positions and lag',
      responses: {
        200: { description: 'Each read model once, as it serves now', schema: z.array(projectionStanding) },
      },
    },
    async (_input, _req, res) => {
      res.json(await operations.list());
    },
  );

  routes.add(
    'get',
    '/admin/projections/:name',
    {
      policy: 'admin',
      tag,
      summary: "A projection's progress",
      params: projectionParams,
      responses: {
        200: { description: "The rebuild's progress, or the live generation's", schema: projectionProgress },
      },
    },
    async ({ params }, _req, res) => {
      res.json(await operations.progress(params.name));
    },
  );

  routes.add(
    'post',
    '/admin/projections/:name/rebuild',
    {
      policy: 'admin',
      tag,
      summary: 'Rebuild a projection; the live version serves until the new one has caught up',
      params: projectionParams,
      body: noBody,
      responses: { 202: { description: 'Rebuilding', schema: rebuilding } },
    },
    async ({ params }, _req, res) => {
      res.status(202).json(operations.rebuild(params.name));
    },
  );
}
