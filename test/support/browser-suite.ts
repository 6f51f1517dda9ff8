import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { chromiumAvailable, launchChromium, openPage } from './browser.js';
import { startPublicServer, startServer, type TestServer } from './server.js';

/** What a page test has at hand: the file's Chromium, and servers (and other things) closed after each test. */
export interface BrowserSuite {
  readonly browser: Browser;
  /** A server with these env overrides (`startServer`), closed after the test. */
  startServer(env?: Record<string, string>, options?: Parameters<typeof startServer>[1]): Promise<TestServer>;
  /** A server whose PUBLIC_URL is its own address (`startPublicServer`), closed after the test. */
  startPublicServer(
    env?: Record<string, string>,
    options?: Parameters<typeof startPublicServer>[1],
  ): Promise<TestServer>;
  /** A fresh browser context and page at `url` (`openPage`), closed after the test. */
  open(url: string): ReturnType<typeof openPage>;
  /** Something else the test started (a stand-in provider), closed after the test's servers. */
  closeAfter<T extends { close(): Promise<void> }>(thing: T): T;
}

/**
 * A describe block of page tests in headless Chromium: one browser for the file, skipped loudly
 * when Chromium is not here. After each test every browser context is closed FIRST, then the
 * servers: a page still holding a request open (a poll, a download) would hold `server.close`.
 */
export function browserSuite(title: string, body: (suite: BrowserSuite) => void) {
  describe.skipIf(!chromiumAvailable(`"${title}"`))(title, () => {
    let browser: Browser | undefined;
    const servers = new Set<TestServer>();
    const others: { close(): Promise<void> }[] = [];
    const closeContexts = async () => {
      for (const context of browser?.contexts() ?? []) await context.close();
    };
    /** The server, closed with the pages first, also when the test closes it itself. */
    const managed = (server: TestServer): TestServer => {
      const close = server.close;
      servers.add(server);
      server.close = async () => {
        servers.delete(server);
        await closeContexts();
        await close();
      };
      return server;
    };

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterEach(async () => {
      await closeContexts();
      // Everything is closed even when one close fails (a server's undocumented answers): then the test fails.
      const closes = [...servers, ...others.splice(0)].map((thing) => () => thing.close());
      const failures: unknown[] = [];
      for (const close of closes) await close().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    });
    afterAll(async () => browser?.close());

    const suite: BrowserSuite = {
      get browser() {
        if (!browser) throw new Error('Chromium is not running yet: use the browser inside a test');
        return browser;
      },
      startServer: async (env, options) => managed(await startServer(env, options)),
      startPublicServer: async (env, options) => managed(await startPublicServer(env, options)),
      open: (url) => openPage(suite.browser, url),
      closeAfter(thing) {
        others.push(thing);
        return thing;
      },
    };
    body(suite);
  });
}
