// `npm start` builds first when dist/ is missing or older than any source file, so a fresh clone and
// an edited checkout both start what their sources say.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const marker = path.join(root, 'dist', 'src', 'main.js');

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const sources = Math.max(
  ...['src', 'workflows', 'migrations', 'scripts'].map((d) => newest(path.join(root, d))),
  ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map(
    (f) => fs.statSync(path.join(root, f)).mtimeMs,
  ),
);
if (!fs.existsSync(marker) || fs.statSync(marker).mtimeMs < sources) {
  process.stderr.write('Building (dist/ is missing or older than the sources)...\n');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
}

// The web application: built when missing (its dependencies come from `npm ci --prefix web`).
const webIndex = path.join(root, 'web', 'dist', 'index.html');
if (!fs.existsSync(webIndex)) {
  if (fs.existsSync(path.join(root, 'web', 'node_modules'))) {
    process.stderr.write('Building the web application (web/dist is missing)...\n');
    execSync('npm run build --prefix web', { cwd: root, stdio: 'inherit' });
  } else {
    process.stderr.write(
      'web/dist is missing: run `npm ci --prefix web && npm run build:web` for the web application at /\n',
    );
  }
}
