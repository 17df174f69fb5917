// Integration tests (`npm run test:integration`, test/integration/*.int-spec.ts): the application's
// real module graph, AppModule, booted in-process as a Nest application context (no HTTP; WORKER=false,
// so no queue workers or reconcilers), against real PostgreSQL and Redis. Tests call the public
// services (WorkflowEngineService create/edit/send, ProposalsRepository, AuditQueryService) and read
// the tables.
//
// Why Vitest and not Jest: Jest 30 on Node 20 cannot load this module graph. Probed with
// `NestFactory.createApplicationContext(AppModule.forRoot())` under the unit tests' ESM-mode ts-jest
// config: the ESM-only @nestjs/* (core, common, typeorm, bullmq) and nestjs-pino (it ships an ESM
// build) load, but @nestjs/throttler 6 is CommonJS only, and its `require('@nestjs/common')` fails
// inside Jest's module loader with "Must use import to load ES Module: …/@nestjs/common/index.js"
// (Jest implements require() itself and supports require(esm) only on Node ≥ 24.9; compiling
// @nestjs/* to CommonJS is no way out, they use import.meta.url). Vitest leaves node_modules to
// Node's own loader, where require(esm) works on Node ≥ 20.19, exactly as in `node dist/src/main.js`;
// it transforms only our TypeScript, with Vite 8's Oxc transformer, which reads tsconfig.json's
// experimentalDecorators and emitDecoratorMetadata (Nest's constructor injection needs the latter;
// the esbuild of Vite ≤ 7 did not emit it). Vitest is web/'s dependency (web/package.json), run from
// there: `npm ci --prefix web` first, as for `npm test`. tsconfig.json maps the `vitest` import to it.
export default {
  test: {
    include: ['test/integration/**/*.int-spec.ts'],
    environment: 'node',
    // A fresh database for the run (migrated by the first boot) and a Redis key prefix of its own.
    globalSetup: ['test/integration/global-setup.mjs'],
    env: {
      NODE_ENV: 'test',
      JWT_SECRET: 'integration-test-secret-that-is-long-enough-0123456789',
      WORKER: 'false',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    },
    // One file at a time: they share the database, and tests compare whole tables before and after a
    // refused change. In one module graph (isolate: false): the framework is imported once (~5 s)
    // instead of once per file; each file still boots and closes its own application context.
    fileParallelism: false,
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
