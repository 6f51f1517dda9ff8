/** `openapi`: the service's OpenAPI document as this configuration serves it at /openapi.json, without a server. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describeApi } from '../http/routes/ops.js';
import { loadConfig } from '../config.js';
import { createService } from '../service.js';
import { quiet } from './shared.js';

export function registerOpenApi(program: Command): void {
  program
    .command('openapi')
    .description('the OpenAPI document this configuration serves at /openapi.json (for linters and client generators)')
    .option('--out <file>', 'where to write it (default: standard output)')
    .option('--public-url <url>', 'the PUBLIC_URL it names as its server (default: the configured one)')
    .action(async (options: { out?: string; publicUrl?: string }) => {
      // A throwaway embedded service: the document needs the route table, never the real stores.
      const dataDir = mkdtempSync(join(tmpdir(), 'accounts-openapi-'));
      const { EVENTSTORE_URL: _e, MONGO_URL: _m, REDIS_URL: _r, ...env } = process.env;
      const publicUrl = options.publicUrl ? { PUBLIC_URL: options.publicUrl } : {};
      const config = loadConfig({ ...env, ...publicUrl, DATA_DIR: dataDir, WORKERS: 'off', PORT: '0' });
      const service = await createService(config, { logger: quiet });
      try {
        const text = `${JSON.stringify(describeApi(service.routeTable, config.publicUrl), null, 2)}\n`;
        if (options.out) writeFileSync(options.out, text);
        else process.stdout.write(text);
      } finally {
        await service.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
