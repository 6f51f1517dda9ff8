import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether Chromium is here; without it a page test is skipped loudly, and fails under CI=true. */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) to run ${what}`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n*** SKIPPED: ${message} ***\n`);
  return false;
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: Chromium must not try to reach Google at start.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** Where page tests leave their screenshots (ignored by git). */
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** A fresh browser context and page at `url`, collecting script errors (a CSP violation is one). */
export async function openPage(browser: Browser, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  // A refused request is logged by the browser as a failed resource: not a fault of the page.
  page.on(
    'console',
    (message) =>
      message.type() === 'error' &&
      !message.text().startsWith('Failed to load resource') &&
      errors.push(message.text()),
  );
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors, context };
}
