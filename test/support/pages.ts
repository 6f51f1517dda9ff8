import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { ARTIFACTS } from './browser.js';

/** axe-core's own build, evaluated in the page through the DevTools protocol (the page's CSP governs only its own scripts). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * The page's serious and critical accessibility violations by axe-core (WCAG 2.1 A and AA rules
 * and best practices), as readable lines: a test expects `[]`.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, evaluated in the page: `axe` is the global the source above defines there.
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * Screenshots of the page as it is now, in test/artifacts/: light and dark, desktop (1280 px) and
 * phone (360 px) — `<name>-light.png`, `<name>-dark.png`, `<name>-light-360.png`, `<name>-dark-360.png`.
 * The page's viewport and colour scheme are put back afterwards.
 */
export async function screenshotAll(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 800 });
      const suffix = width === 360 ? `-${scheme}-360` : `-${scheme}`;
      await page.screenshot({ path: join(ARTIFACTS, `${name}${suffix}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(viewport);
}

/** The page as a person sees it now: no serious accessibility fault, and its screenshots (`screenshotAll`). */
export async function checkPage(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page)).toEqual([]);
  await screenshotAll(page, name);
}
