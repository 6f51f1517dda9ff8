import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The token the stand-in's widget hands out, and the only one its verify endpoint accepts. */
export const GOOD_CAPTCHA = 'stand-in-solved';

/**
 * A stand-in CAPTCHA provider: `POST /siteverify` answers `{success}` as Turnstile, hCaptcha and
 * reCAPTCHA do (success for GOOD_CAPTCHA with the right secret), or is slow; `GET /api.js` is a
 * widget script that, like theirs, finds `.cf-turnstile` elements and calls their
 * `data-callback` with a token, after a click on the box it draws.
 */
export async function captchaStandIn(secret = 'captcha-secret') {
  const checks: {
    secret: string | null;
    response: string | null;
    remoteip: string | null;
    sitekey?: string | null;
  }[] = [];
  let slow = false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/api.js') {
        res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' });
        return res.end(WIDGET);
      }
      if (req.method !== 'POST' || req.url !== '/siteverify') return res.writeHead(404).end();
      const form = new URLSearchParams(body);
      checks.push({
        secret: form.get('secret'),
        response: form.get('response'),
        remoteip: form.get('remoteip'),
        ...(form.has('sitekey') ? { sitekey: form.get('sitekey') } : {}),
      });
      const answer = () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ success: form.get('secret') === secret && form.get('response') === GOOD_CAPTCHA }));
      if (slow) setTimeout(answer, 3500);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: {
      CAPTCHA_PROVIDER: 'turnstile',
      CAPTCHA_SECRET: secret,
      CAPTCHA_SITE_KEY: 'site-key-1',
      CAPTCHA_VERIFY_URL: `${base}/siteverify`,
      CAPTCHA_SCRIPT_URL: `${base}/api.js`,
    },
    checks,
    slowDown: () => void (slow = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const WIDGET = `
for (const box of document.querySelectorAll('.cf-turnstile')) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'stand-in-captcha';
  button.textContent = 'I am human';
  button.addEventListener('click', () => {
    button.textContent = 'Solved';
    window[box.dataset.callback](${JSON.stringify(GOOD_CAPTCHA)});
  });
  box.appendChild(button);
}
`;
