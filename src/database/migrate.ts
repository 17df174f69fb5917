// npm run migration:run | migration:revert [-- --all] | migration:show
// Creates the database when missing (like `npm start`) and reports unreachable servers in one line.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { checkPostgres, loadConfigOrFail, loadDotEnv, runMain } from '../app/startup.js';
import { dataSourceOptions } from './typeorm-options.js';

runMain(async () => {
  loadDotEnv();
  const [command = 'run', ...flags] = process.argv.slice(2);
  const config = loadConfigOrFail();
  await checkPostgres(config);
  const ds = await new DataSource(dataSourceOptions(config.DATABASE_URL, { poolSize: 2 })).initialize();
  try {
    if (command === 'run') {
      const done = await ds.runMigrations({ transaction: 'each' });
      process.stdout.write(
        done.length ? `Applied: ${done.map((m) => m.name).join(', ')}\n` : 'Nothing to apply\n',
      );
    } else if (command === 'revert') {
      const all = flags.includes('--all');
      do {
        const executed: Array<{ name: string }> = await ds
          .query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`)
          .catch(() => []);
        if (executed.length === 0) {
          process.stdout.write('Nothing to revert\n');
          break;
        }
        await ds.undoLastMigration({ transaction: 'each' });
        process.stdout.write(`Reverted: ${executed[0].name}\n`);
      } while (all);
    } else if (command === 'show') {
      const pending = await ds.showMigrations();
      process.stdout.write(pending ? 'There are pending migrations\n' : 'Up to date\n');
    } else {
      throw new Error(`unknown command ${command}: use run, revert [--all] or show`);
    }
  } finally {
    await ds.destroy();
  }
});
