import type { Request } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../auth.js';
import { deviceCookieOf } from '../cookies.js';
import { answers } from '../openapi.js';

const tag = 'Account';
const deviceParams = z.strictObject({ id: z.uuid({ message: 'must be a device id' }) });
export const deviceList = z.array(
  z.object({
    id: z.uuid(),
    name: z.string().describe('Browser and system when it was remembered ("Firefox 128 on Linux")'),
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable().describe('When it last skipped the second factor (to the minute)'),
    expires_at: z.iso.datetime(),
    current: z.boolean().describe('The device this request came from (its cookie or X-Device-Token)'),
  }),
);
const forgottenAnswer = z.object({ detail: z.string(), forgotten: z.number().int() });

/** The device token a request carries: its cookie (browsers) or `X-Device-Token` (other clients). */
const deviceTokenOf = (req: Request) => {
  const header = req.headers['x-device-token'];
  return typeof header === 'string' ? header : (deviceCookieOf(req) ?? undefined);
};

/** Trusted devices: the devices that skip the second factor of a password sign-in. */
export function deviceRoutes(accounts: Accounts, routes: Routes): void {
  routes.add(
    'get',
    '/auth/devices',
    {
      policy: 'session',
      tag,
      summary: 'The trusted devices: they skip the second factor of a password sign-in until they expire',
      responses: { 200: { description: 'The devices, newest first', schema: deviceList } },
    },
    async (_input, req, res) => {
      res.json(await accounts.listDevices(callerOf(req), deviceTokenOf(req)));
    },
  );

  routes.add(
    'delete',
    '/auth/devices/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Forget a trusted device',
      params: deviceParams,
      responses: { 200: { description: 'Forgotten', schema: answers.detail } },
    },
    async ({ params }, req, res) => {
      const position = await accounts.forgetDevice(callerOf(req), params.id, requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Device forgotten' });
    },
  );

  routes.add(
    'delete',
    '/auth/devices',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Forget every trusted device',
      responses: { 200: { description: 'Forgotten', schema: forgottenAnswer } },
    },
    async (_input, req, res) => {
      const { forgotten, position } = await accounts.forgetDevices(callerOf(req), requestInfo(req));
      await routes.answerCommand(res, position, 200, { detail: 'Devices forgotten', forgotten });
    },
  );
}
