import type { Response } from 'express';
import type { Issued } from '../accounts/index.js';

/**
 * Every command answer names the commit position of what it appended (or the head, when it had
 * nothing to append), so a client can tell any later read where it stands.
 */
export const answerCommand = async (
  res: Response,
  position: bigint | null,
  head: () => Promise<bigint>,
  status: number,
  body: unknown,
) => {
  res.setHeader('X-Event-Position', String(position ?? (await head())));
  res.status(status).json(body);
};

export const tokenAnswer = (issued: Issued) => ({
  access_token: issued.token,
  token_type: 'bearer',
  expires_at: issued.expiresAt.toISOString(),
  // Only when an account was made: its legacy user key, shown this once.
  ...(issued.usr ? { usr: issued.usr } : {}),
  // Only when this sign-in remembered the device (`remember_device`): its token, shown this once.
  ...(issued.device ? { device_token: issued.device.token, device_expires_at: issued.device.expiresAt } : {}),
});

/** An answer already serialised (as `res.json` would send it, without serialising again). */
export const sendJsonText = (res: Response, text: string) => {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.send(text);
};
