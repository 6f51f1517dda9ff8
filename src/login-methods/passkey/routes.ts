import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Accounts } from '../../accounts/index.js';
import { callerOf, requestInfo, type Routes } from '../../http/auth.js';
import { answers } from '../../http/openapi.js';
import { tokenAnswer } from '../../http/respond.js';
import { assertionOf, fields, proofFields, proofOf } from '../../http/validate.js';
import type { PasskeyUseCases } from './passkey.js';

const tag = 'Passkeys';
const passkeyName = fields.displayName.optional();
const newPasskeyBody = z.strictObject({ response: fields.passkeyAttestation, name: passkeyName });
const addPasskeyBody = newPasskeyBody.extend(proofFields);
const signUpOptionsBody = z.strictObject({
  username: fields.username,
  email: fields.email.nullish(),
  referrer_token: fields.referrerToken,
});
const signInBody = z.strictObject({ response: fields.passkeyAssertion, totp_code: fields.totpCode });
const idParams = z.strictObject({ id: z.string().min(1).max(1400) });
const renameBody = z.strictObject({ name: fields.displayName });
const removeBody = z.strictObject(proofFields);
const creationOptions = z
  .looseObject({ challenge: z.string(), rp: z.object({ id: z.string().optional(), name: z.string() }) })
  .describe('PublicKeyCredentialCreationOptionsJSON: hand it to @simplewebauthn/browser startRegistration');
const requestOptions = z
  .looseObject({ challenge: z.string(), rpId: z.string().optional() })
  .describe('PublicKeyCredentialRequestOptionsJSON: hand it to @simplewebauthn/browser startAuthentication');

const attestation = (response: z.output<typeof fields.passkeyAttestation>) =>
  response as unknown as RegistrationResponseJSON;

/** Passkeys: add one, sign up and sign in with one, list, rename and remove them. */
export function passkeyRoutes(useCases: PasskeyUseCases, _accounts: Accounts, routes: Routes, limit: RequestHandler) {
  routes.add(
    'post',
    '/auth/passkeys/registration/options',
    {
      policy: 'session',
      tag,
      summary: 'Creation options for a new passkey on this account',
      description:
        'Resident key and user verification preferred, attestation `none`, the account’s passkeys excluded. ' +
        'The challenge is single-use and lives 5 minutes.',
      responses: { 200: { description: 'The creation options', schema: creationOptions } },
    },
    async (_input, req, res) => {
      res.json(await useCases.passkeyRegistrationOptions(callerOf(req), requestInfo(req)));
    },
  );

  routes.add(
    'post',
    '/auth/passkeys/registration',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Add the passkey the browser made for those options',
      body: addPasskeyBody,
      description:
        'A passkey stands in for the password and the second factor afterwards, so adding one needs that proof: ' +
        '`password` (with `totp_code` when 2FA is on), or `passkey` (one the account has). An account with neither a ' +
        'password nor a passkey needs a session proven within REAUTH_WINDOW.',
      responses: { 201: { description: 'The passkey', schema: answers.passkey } },
      errors: [401, 404, 409, 410, 429],
    },
    async ({ body }, req, res) => {
      const { passkey, position } = await useCases.addPasskey(
        callerOf(req),
        {
          response: attestation(body.response),
          ...(body.name ? { name: body.name } : {}),
          ...proofOf(body),
        },
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 201, passkey);
    },
  );

  routes.add(
    'post',
    '/auth/passkeys/sign-up/options',
    {
      policy: 'public',
      tag,
      summary: 'Creation options for a new account with a passkey and no password',
      body: signUpOptionsBody,
      description: 'The registration mode and invites apply as for every way in; a taken username is refused now.',
      responses: { 200: { description: 'The creation options', schema: creationOptions } },
      errors: [403, 409, 429],
    },
    limit,
    async ({ body }, req, res) => {
      res.json(
        await useCases.passkeySignUpOptions(
          {
            username: body.username,
            email: body.email ?? null,
            ...(body.referrer_token ? { referrerToken: body.referrer_token } : {}),
          },
          requestInfo(req),
        ),
      );
    },
  );

  routes.add(
    'post',
    '/auth/passkeys/sign-up',
    {
      policy: 'public',
      command: true,
      captcha: true,
      tag,
      summary: 'Make the account with the passkey the browser made for those options',
      body: newPasskeyBody,
      responses: { 201: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 404, 409, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.passkeySignUp(
        { response: attestation(body.response), ...(body.name ? { name: body.name } : {}) },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 201, tokenAnswer(issued));
    },
  );

  routes.add(
    'post',
    '/auth/passkeys/authentication/options',
    {
      policy: 'public',
      tag,
      summary: 'Request options for a passkey: sign-in with no username, a second factor, or a proof',
      description: 'An empty allow list: the browser offers the passkeys it has for this site.',
      responses: { 200: { description: 'The request options', schema: requestOptions } },
      errors: [429],
    },
    limit,
    async (_input, req, res) => {
      res.json(await useCases.passkeyAuthenticationOptions(requestInfo(req)));
    },
  );

  routes.add(
    'post',
    '/auth/passkeys/authentication',
    {
      policy: 'public',
      command: true,
      tag,
      summary: 'Sign in with a passkey',
      body: signInBody,
      description:
        'A passkey that verified the person (PIN, biometrics) is a complete sign-in; without user verification an ' +
        'account with 2FA also needs `totp_code`. A signature counter that went backwards is refused (401) and the ' +
        'owner is told.',
      responses: { 200: { description: 'The token answer', schema: answers.token } },
      errors: [401, 403, 404, 410, 429],
    },
    limit,
    async ({ body }, req, res) => {
      const issued = await useCases.loginWithPasskey(
        { response: assertionOf(body.response)!, totpCode: body.totp_code },
        requestInfo(req),
      );
      await routes.answerCommand(res, issued.position, 200, tokenAnswer(issued));
    },
  );

  routes.add(
    'get',
    '/auth/passkeys',
    {
      policy: 'session',
      tag,
      summary: "The account's passkeys",
      responses: { 200: { description: 'The passkeys, oldest first', schema: z.array(answers.passkey) } },
    },
    async (_input, req, res) => {
      res.json(await useCases.listPasskeys(callerOf(req)));
    },
  );

  routes.add(
    'patch',
    '/auth/passkeys/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Rename a passkey',
      params: idParams,
      body: renameBody,
      responses: { 200: { description: 'The passkey', schema: answers.passkey } },
    },
    async ({ params, body }, req, res) => {
      const { passkey, position } = await useCases.renamePasskey(callerOf(req), params.id, body.name, requestInfo(req));
      await routes.answerCommand(res, position, 200, passkey);
    },
  );

  routes.add(
    'delete',
    '/auth/passkeys/:id',
    {
      policy: 'session',
      command: true,
      tag,
      summary: 'Remove a passkey',
      params: idParams,
      body: removeBody,
      description:
        'Needs the proof of a sensitive change: `password` (and `totp_code` with 2FA), or `passkey` (an assertion of ' +
        'one of the account’s passkeys). 409 when it is the last way into the account.',
      responses: { 200: { description: 'The user object', schema: answers.user } },
      errors: [401, 409, 410, 429],
    },
    async ({ params, body }, req, res) => {
      const { user, position } = await useCases.removePasskey(
        callerOf(req),
        params.id,
        proofOf(body),
        requestInfo(req),
      );
      await routes.answerCommand(res, position, 200, user);
    },
  );
}
