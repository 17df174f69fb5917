// Test-only preload (`node -r ./test/support/legal-review/register-legal-review.cjs dist/src/main.js`):
// registers the legal-review version 2 and its role migration before the application loads, as a
// release shipping them would. The TypeScript files here are compiled on the fly (test/ is not part
// of the build); their imports of workflows/ and migrations/ resolve to the built dist/ copies.
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = process.cwd();
const here = __dirname;
/** Where a relative import of workflows/, migrations/ or src/ is in the build. */
const built = (spec, from) => {
  const target = path.resolve(path.dirname(from), spec);
  for (const dir of ['workflows', 'migrations', 'src'])
    if (target.startsWith(path.join(root, dir) + path.sep))
      return path.join(root, 'dist', path.relative(root, target));
  return spec;
};

function load(file) {
  const source = fs.readFileSync(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: file,
  });
  const code = outputText.replace(
    /require\("(\.{1,2}\/[^"]+)"\)/g,
    (_, spec) => `require(${JSON.stringify(built(spec, file))})`,
  );
  const m = new module.constructor(file, module);
  m.filename = file;
  m.paths = module.paths;
  m._compile(code, file);
  return m.exports;
}

const { legalReviewV2 } = load(path.join(here, 'legal-review.workflow.ts'));
const { LegalRole1799000000000 } = load(path.join(here, 'legal-role.migration.ts'));
require(path.join(root, 'dist', 'workflows', 'registry.js'))
  .workflowRegistry()
  .register(legalReviewV2);
require(path.join(root, 'dist', 'migrations', 'index.js')).migrations.push(LegalRole1799000000000);
