import { readFileSync } from 'node:fs';
import express from 'express';

/**
 * The reference of `npm run bench`: an express 5 app in the same process shape as the service,
 * tuned the same way (no etag, simple query parser, no x-powered-by, JSON bodies of 64 KiB at
 * most), whose routes answer the same JSON from a Map keyed by the credential. What the service
 * does beyond this — verifying tokens, checking revocation, deciding and appending — is what
 * the ratios measure.
 */
const seed = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as {
  credential: string;
  user: Record<string, unknown>;
}[];
const users = new Map(seed.map((entry) => [entry.credential, entry.user]));

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.set('query parser', 'simple');
app.use(express.json({ limit: '64kb' }));

const credentialOf = (req: express.Request) =>
  (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.slice('Bearer '.length) ?? '';
const userOf = (req: express.Request, res: express.Response) => {
  const user = users.get(credentialOf(req));
  if (!user) res.status(401).json({ detail: 'Send Authorization: Bearer <token>', code: 'unauthenticated' });
  return user;
};

app.get('/api/v1/auth', (req, res) => {
  const user = userOf(req, res);
  if (user) res.json(user);
});
app.post('/api/v1/auth/check', (req, res) => {
  const user = userOf(req, res);
  if (user) res.json({ allowed: true, user_id: user.id, acl_id: null });
});
app.put('/api/v1/auth/me', (req, res) => {
  const user = userOf(req, res);
  if (!user) return;
  user.display_name = (req.body as { display_name?: string }).display_name ?? user.display_name;
  user.updated_at = new Date().toISOString();
  res.json(user);
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
