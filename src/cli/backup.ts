/** `backup`: a consistent copy of the embedded SQLite file, safe while the server runs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { backupSqliteFile } from '../infra/sqlite/database.js';
import { configOrDie } from './shared.js';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .description("a consistent copy of the embedded store's file (events, keys, queue), safe while the server runs")
    .argument('<file>', 'where to write the copy (must not exist)')
    .action(async (file: string) => {
      const config = configOrDie();
      if (config.eventStoreUrl || config.mongoUrl)
        throw new InvalidArgumentError(
          'backup copies the embedded SQLite file; back up EventStoreDB and MongoDB with their own tools',
        );
      if (existsSync(file)) throw new InvalidArgumentError(`${file} exists; choose a new file`);
      const { totalPages } = await backupSqliteFile(join(config.dataDir, 'accounts.db'), file);
      console.log(`wrote ${file} (${totalPages} pages)`);
    });
}
