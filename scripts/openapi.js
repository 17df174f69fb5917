// docs/openapi.json from the code, and the CI check that the committed file is current and valid.
//   npm run openapi            writes docs/openapi.json
//   npm run openapi:check      regenerates in memory, fails if the committed file differs, then validates
//                              it with @apidevtools/swagger-parser and `redocly lint` (redocly.yaml)
//   node scripts/openapi.js --stdout   prints the generated document
// Needs the build (dist/); the npm scripts build first when the sources changed. No database or Redis.
require('reflect-metadata');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'docs', 'openapi.json');
const mode = process.argv[2] ?? '--write';

async function main() {
  const { generateOpenApiDocument, serializeOpenApi } = require(
    path.join(root, 'dist', 'src', 'app', 'openapi-document.js'),
  );
  const text = serializeOpenApi(await generateOpenApiDocument());
  if (mode === '--stdout') {
    // A pipe takes the text asynchronously: exiting before it drained would cut the document short.
    await new Promise((resolve) => process.stdout.write(text, resolve));
    return 0;
  }
  if (mode === '--write') {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    process.stdout.write(`Wrote ${path.relative(root, target)}\n`);
    return validate(text);
  }
  if (mode !== '--check') throw new Error(`unknown option ${mode} (--write, --check or --stdout)`);
  const committed = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (committed !== text) {
    const a = committed.split('\n');
    const b = text.split('\n');
    let i = 0;
    while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
    process.stderr.write(
      `docs/openapi.json is stale: it differs from the code at line ${i + 1}\n` +
        `  committed: ${a[i] ?? '(end of file)'}\n  generated: ${b[i] ?? '(end of file)'}\n` +
        'Run "npm run openapi" and commit docs/openapi.json.\n',
    );
    return 1;
  }
  return validate(text);
}

async function validate(text) {
  const SwaggerParser = require('@apidevtools/swagger-parser');
  try {
    // validate() dereferences in place: give it its own copy.
    await SwaggerParser.validate(JSON.parse(text));
  } catch (e) {
    process.stderr.write(
      `docs/openapi.json is not a valid OpenAPI document (swagger-parser):\n${e.message}\n`,
    );
    return 1;
  }
  process.stdout.write('swagger-parser: valid\n');
  const lint = spawnSync(
    path.join(root, 'node_modules', '.bin', 'redocly'),
    ['lint', '--config', path.join(root, 'redocly.yaml'), path.relative(root, target)],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  return lint.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
