import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { oauthProviders, type OAuthProviderConfig } from './login-methods/oauth/config.js';
import { passkeyConfig, type PasskeyConfig } from './login-methods/passkey/config.js';
import type { CaptchaSettings } from './captcha/captcha.js';
import { captchaConfig } from './captcha/config.js';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "7d", "15m", "30s", "1.5s", "500ms" → milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => DURATION.test(v.trim()), { message: 'must be a duration such as 30s, 15m, 12h or 7d' })
    .transform((v) => {
      const [, amount, unit] = DURATION.exec(v.trim())!;
      return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
    });

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

/** Express's `trust proxy`: false, true, a hop count, or addresses/subnets ("loopback, 10.0.0.0/8"). */
const trustProxy = (value: string): boolean | number | string => {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
};

/** Every environment variable the service reads, in one place. The README's table mirrors it. */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000, 0, 65535),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ message: 'must be an absolute http(s) URL' }).optional(),
    // Mail links append `/reset-password?token=…`, so the base can carry a path but no query or fragment.
    LINK_BASE_URL: z
      .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' })
      .refine((v) => !/[?#]/.test(v), {
        message: 'must have no query string or fragment (mail links append a path and ?token=)',
      })
      .optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    EMBEDDED_SYNC: z.enum(['full', 'normal'], { message: 'must be full or normal' }).default('full'),
    EVENTSTORE_URL: optionalUrl(['esdb', 'esdb+discover', 'kurrentdb', 'kurrentdb+discover', 'kdb']),
    MONGO_URL: optionalUrl(['mongodb', 'mongodb+srv']),
    REDIS_URL: optionalUrl(['redis', 'rediss']),
    SMTP_URL: optionalUrl(['smtp', 'smtps']),
    MAIL_FROM: z.string().default('accounts@localhost'),
    REGISTRATION: z.enum(['open', 'invite', 'closed'], { message: 'must be open, invite or closed' }).optional(),
    ALLOW_NEW_ACCOUNTS: bool(true),
    INVITES: z.enum(['admins', 'users'], { message: 'must be admins or users' }).default('admins'),
    ALLOW_USR_LOGIN: bool(true),
    BCRYPT_COST: int(11, 4, 15),
    BCRYPT_THREADS: int(Math.max(1, availableParallelism()), 1, 64),
    API_PROCESSES: z
      .string()
      .default('1')
      .refine((v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 64), {
        message: 'must be auto or a number of processes from 1 to 64',
      })
      .transform((v) => (v === 'auto' ? Math.max(1, availableParallelism()) : Number(v))),
    JWT_TTL: duration('7d'),
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    RATE_LIMIT_MAX: int(60, 0, 1_000_000),
    CODE_ISSUE_LIMIT: int(5, 1, 10_000),
    CODE_FAILURE_LIMIT: int(10, 1, 10_000),
    READ_YOUR_WRITES_TIMEOUT: duration('2s'),
    PROJECTION_REGISTRY_POLL: duration('2s'),
    PROJECTION_GRACE: duration('10m'),
    READ_CACHE_DOCUMENTS: int(50_000, 1, 100_000_000),
    REAUTH_WINDOW: duration('10m'),
    TRUSTED_DEVICE_TTL: duration('30d'),
    NEW_DEVICE_NOTICES: bool(true),
    PASSWORD_MIN_SCORE: int(3, 0, 4),
    PWNED_PASSWORDS_URL: optionalUrl(['http', 'https']),
    PWNED_PASSWORDS_FILE: z.string().min(1).optional(),
    PWNED_MIN_COUNT: int(1, 1, 1_000_000_000),
    PWNED_TIMEOUT: duration('1.5s'),
    CLAIM_GRACE: duration('60s'),
    QUEUE_ADD_TIMEOUT: duration('5s'),
    TRUST_PROXY: z.string().default('false'),
    SERVICE_NAME: z.string().min(1).max(100).default('Accounts'),
    WORKERS: z.enum(['inline', 'off'], { message: 'must be inline or off' }).default('inline'),
    ALLOWED_REDIRECTS: z.string().default(''),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    WEBHOOK_ALLOW_HTTP: bool(false),
    WEBHOOK_ALLOW_PRIVATE: bool(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .transform((env) => {
    const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
    return {
      nodeEnv: env.NODE_ENV,
      port: env.PORT,
      host: env.HOST,
      publicUrl,
      /** The base of the links mails carry (the password pages); PUBLIC_URL unless an app serves its own pages. */
      linkBaseUrl: env.LINK_BASE_URL?.replace(/\/+$/, '') ?? publicUrl,
      dataDir: env.DATA_DIR,
      /** SQLite's `synchronous` in embedded mode: `full` survives a power cut, `normal` a process crash only. */
      embeddedSync: env.EMBEDDED_SYNC,
      eventStoreUrl: env.EVENTSTORE_URL,
      mongoUrl: env.MONGO_URL,
      redisUrl: env.REDIS_URL,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM,
      /** REGISTRATION wins; ALLOW_NEW_ACCOUNTS (true = open, false = closed) is its older alias. */
      registration: env.REGISTRATION ?? (env.ALLOW_NEW_ACCOUNTS ? 'open' : 'closed'),
      invites: env.INVITES,
      allowUsrLogin: env.ALLOW_USR_LOGIN,
      bcryptCost: env.BCRYPT_COST,
      bcryptThreads: env.BCRYPT_THREADS,
      /** How many API processes serve on one port and one DATA_DIR (node:cluster); `auto` is one per core. */
      apiProcesses: env.API_PROCESSES,
      jwtTtlMs: env.JWT_TTL,
      jwtPrivateKey: env.JWT_PRIVATE_KEY,
      jwtAudience: env.JWT_AUDIENCE ?? publicUrl,
      rateLimitMax: env.RATE_LIMIT_MAX,
      codeIssueLimit: env.CODE_ISSUE_LIMIT,
      codeFailureLimit: env.CODE_FAILURE_LIMIT,
      readYourWritesTimeoutMs: env.READ_YOUR_WRITES_TIMEOUT,
      /** How often each instance reads the projection registry, to follow a rebuild another instance swapped in. */
      projectionRegistryPollMs: env.PROJECTION_REGISTRY_POLL,
      /** How long a generation retired by a rebuild, and a deleted document's tombstone, outlive it in MongoDB. */
      projectionGraceMs: env.PROJECTION_GRACE,
      /** Embedded mode: how many parsed read-model documents stay in memory in front of DATA_DIR/read-models.db. */
      readCacheDocuments: env.READ_CACHE_DOCUMENTS,
      /** How recent a sign-in counts as proof for a sensitive read (the user key). */
      reauthWindowMs: env.REAUTH_WINDOW,
      /** How long a device remembered at a two-factor sign-in skips the second factor. */
      trustedDeviceTtlMs: env.TRUSTED_DEVICE_TTL,
      /** Mail the owner when a sign-in comes from a device new to the account (with a "this wasn't me" link). */
      newDeviceNotices: env.NEW_DEVICE_NOTICES,
      /** What a new password must pass: a zxcvbn-ts score, and (when set) the breached-password check. */
      passwords: {
        minScore: env.PASSWORD_MIN_SCORE,
        /** The local file wins over the online range API when both are set. */
        pwnedFile: env.PWNED_PASSWORDS_FILE ?? null,
        pwnedUrl: env.PWNED_PASSWORDS_URL ?? null,
        pwnedMinCount: env.PWNED_MIN_COUNT,
        pwnedTimeoutMs: env.PWNED_TIMEOUT,
      },
      claimGraceMs: env.CLAIM_GRACE,
      queueAddTimeoutMs: env.QUEUE_ADD_TIMEOUT,
      logLevel: env.LOG_LEVEL,
      /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`. */
      metricsToken: env.METRICS_TOKEN ?? null,
      /** Webhook URLs: http allowed (else https only), private addresses allowed (else refused after DNS). */
      webhooks: { allowHttp: env.WEBHOOK_ALLOW_HTTP, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE },
      trustProxy: trustProxy(env.TRUST_PROXY),
      serviceName: env.SERVICE_NAME,
      workers: env.WORKERS,
      allowedRedirects: env.ALLOWED_REDIRECTS.split(',')
        .map((v) => v.trim())
        .filter(Boolean),
      /** Filled from the OAUTH_<NAME>_* variables by loadConfig. */
      oauth: [] as OAuthProviderConfig[],
      /** Filled from PASSKEY_RP_ID and PASSKEY_ORIGINS (defaults from PUBLIC_URL) by loadConfig. */
      passkeys: { id: '', name: '', origins: [] } as PasskeyConfig,
      /** Filled from CAPTCHA_* by loadConfig: null while no provider is set. */
      captcha: null as CaptchaSettings | null,
    };
  });

export type Config = z.output<typeof configSchema>;
export type { OAuthProviderConfig } from './login-methods/oauth/config.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration, naming every bad variable at once. Unset and empty mean "default". */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(input);
  const oauth = oauthProviders(input as Record<string, string>);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`)),
    ...oauth.problems,
  ];
  const passkeys = result.success
    ? passkeyConfig(input as Record<string, string>, result.data.publicUrl, result.data.serviceName)
    : null;
  if (passkeys) problems.push(...passkeys.problems);
  if (result.data?.passwords.pwnedFile && !existsSync(result.data.passwords.pwnedFile))
    problems.push(`PWNED_PASSWORDS_FILE: no file at ${result.data.passwords.pwnedFile}`);
  const captcha = captchaConfig(input);
  problems.push(...captcha.problems);
  for (const entry of result.data?.allowedRedirects ?? []) {
    if (!URL.canParse(entry) || !/^https?:$/.test(new URL(entry).protocol))
      problems.push(`ALLOWED_REDIRECTS: "${entry}" is not an absolute http(s) URL`);
  }
  if (problems.length || !result.success) throw new ConfigError(problems);
  return { ...result.data, oauth: oauth.providers, passkeys: passkeys!.passkeys, captcha: captcha.captcha };
}
