import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Mail {
  file: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Every mail the embedded mailer wrote to DATA_DIR/mail, oldest first. */
export async function mailbox(dataDir: string): Promise<Mail[]> {
  const dir = join(dataDir, 'mail');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort();
  return Promise.all(
    files.map(async (file) => {
      const parsed: ParsedMail = await simpleParser(readFileSync(join(dir, file)));
      const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
      return {
        file,
        to: to ?? '',
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        html: typeof parsed.html === 'string' ? parsed.html : '',
      };
    }),
  );
}

/** Waits (bounded) for a mail to `to` that satisfies `match`, skipping the first `after` such mails. */
export async function waitForMail(
  dataDir: string,
  to: string,
  options: { match?: (mail: Mail) => boolean; after?: number; timeoutMs?: number } = {},
): Promise<Mail> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const mails = (await mailbox(dataDir)).filter((m) => m.to === to && (options.match?.(m) ?? true));
    const mail = mails[options.after ?? 0];
    if (mail) return mail;
    if (Date.now() > deadline)
      throw new Error(
        `no mail to ${to} after ${options.timeoutMs ?? 10_000} ms; have: ${(await mailbox(dataDir)).map((m) => `${m.to}: ${m.subject}`).join(' | ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const codeIn = (mail: Mail) => /\b(\d{6})\b/.exec(mail.text)?.[1] ?? null;
export const otpSessionIn = (mail: Mail) =>
  /\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/.exec(mail.text)?.[1] ?? null;
/** The link to a password page a mail carries (`/reset-password` or an admin-made account's `/set-password`). */
export const passwordLinkIn = (mail: Mail) =>
  /https?:\/\/\S*\/(?:re)?set-password\?token=\S+/.exec(mail.text)?.[0] ?? null;
/** The token of that link. */
export const resetTokenIn = (mail: Mail) => {
  const link = passwordLinkIn(mail);
  return link ? new URL(link).searchParams.get('token') : null;
};

/** Proves the account's address the way its owner does: send-otp, then verify-otp with the mailed code. */
export async function verifyAddress(
  server: { api: string; dataDir: string },
  token: string,
  email: string,
): Promise<void> {
  const post = (path: string, body?: unknown) =>
    fetch(`${server.api}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  const before = (await mailbox(server.dataDir)).filter(
    (m) => m.to === email && /verify|confirm/i.test(m.subject),
  ).length;
  const sent = (await (await post('/auth/me/send-otp')).json()) as { otp_session: string };
  const mail = await waitForMail(server.dataDir, email, {
    match: (m) => /verify|confirm/i.test(m.subject),
    after: before,
  });
  const answer = await fetch(`${server.api}/auth/verify-otp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ otp: codeIn(mail), otp_session: sent.otp_session }),
  });
  if (answer.status !== 200) throw new Error(`verify-otp failed: ${answer.status} ${await answer.text()}`);
}
