import { Router } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import type { ProjectionOperations } from '../../operations.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand } from '../respond.js';
import { parse } from '../validate.js';

const userParams = z.strictObject({ id: z.uuid({ message: 'must be a user id' }) });
const listQuery = z.strictObject({
  q: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
const historyQuery = z.strictObject({ as_of: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional() });
const projectionParams = z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be a projection name') });
const noBody = z.strictObject({});

/** Administration: an admin's login session only (403 `admin_only` otherwise). */
export function adminRoutes(accounts: Accounts, operations: ProjectionOperations, head: () => Promise<bigint>, routes: Routes): Router {
  const router = Router();

  routes.add(router, 'get', '/admin/users', 'admin', async (req, res) => {
    res.json(await accounts.listUsers(parse(listQuery, req.query)));
  });

  routes.add(router, 'get', '/admin/users/:id', 'admin', async (req, res) => {
    const { id } = parse(userParams, req.params);
    res.json(await accounts.getUser(id));
  });

  routes.add(router, 'get', '/admin/users/:id/history', 'admin', async (req, res) => {
    const { id } = parse(userParams, req.params);
    const { as_of } = parse(historyQuery, req.query);
    res.json(await accounts.userHistory(id, as_of ? new Date(as_of) : undefined));
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    routes.add(router, 'post', `/admin/users/:id/${action}`, 'admin', async (req, res) => {
      const { id } = parse(userParams, req.params);
      parse(noBody, req.body ?? {});
      const { user, position } = await accounts.setDisabled(callerOf(req), id, disabled, requestInfo(req));
      await answerCommand(res, position, head, 200, user);
    });
  }

  for (const [action, admin] of [['grant-admin', true], ['revoke-admin', false]] as const) {
    routes.add(router, 'post', `/admin/users/:id/${action}`, 'admin', async (req, res) => {
      const { id } = parse(userParams, req.params);
      parse(noBody, req.body ?? {});
      const { user, position } = await accounts.setAdmin(callerOf(req), id, admin, requestInfo(req));
      await answerCommand(res, position, head, 200, user);
    });
  }

  routes.add(router, 'get', '/admin/projections', 'admin', async (_req, res) => {
    res.json(await operations.list());
  });

  routes.add(router, 'get', '/admin/projections/:name', 'admin', async (req, res) => {
    const { name } = parse(projectionParams, req.params);
    res.json(await operations.progress(name));
  });

  routes.add(router, 'post', '/admin/projections/:name/rebuild', 'admin', async (req, res) => {
    const { name } = parse(projectionParams, req.params);
    parse(noBody, req.body ?? {});
    res.status(202).json(operations.rebuild(name));
  });

  return router;
}
