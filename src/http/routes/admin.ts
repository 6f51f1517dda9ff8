import { Router } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { answerCommand } from '../respond.js';
import { parse } from '../validate.js';

const userParams = z.strictObject({ id: z.uuid({ message: 'must be a user id' }) });

/** Administration (an admin's login session only). More of it comes with the admin issue. */
export function adminRoutes(accounts: Accounts, head: () => Promise<bigint>, routes: Routes): Router {
  const router = Router();
  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    routes.add(router, 'post', `/admin/users/:id/${action}`, 'admin', async (req, res) => {
      const { id } = parse(userParams, req.params);
      parse(z.strictObject({}), req.body);
      const { user, position } = await accounts.setDisabled(callerOf(req), id, disabled, requestInfo(req));
      await answerCommand(res, position, head, 200, user);
    });
  }
  return router;
}
