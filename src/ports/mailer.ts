/** The mail port: SMTP in production, `.eml` files in embedded mode. */

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What kind of mail this is (`password_reset`, `login_code`, …), for the log line, which never carries the secret. */
  kind: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  /** Whether the transport answers (SMTP: a connection check). */
  verify(): Promise<void>;
  close(): Promise<void>;
}
