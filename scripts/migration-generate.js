// npm run migration:generate -- <Name>
// Writes migrations/<timestamp>-<name>.ts with the SQL TypeORM derives from the entities versus the
// database. It is a starting point: review the SQL, write a real `down`, then add it to migrations/index.ts.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const name = process.argv[2];
if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
  process.stderr.write('Usage: npm run migration:generate -- <PascalCaseName>\n');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'typeorm', 'cli.js'),
    'migration:generate',
    '-d',
    path.join(root, 'dist', 'src', 'database', 'data-source.js'),
    '--pretty',
    path.join(root, 'migrations', name),
  ],
  { stdio: 'inherit', cwd: root },
);
