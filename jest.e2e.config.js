// E2E tests: the real app over HTTP against real PostgreSQL and Redis. One fresh database per run,
// created by globalSetup and dropped by globalTeardown.
const base = require('./jest.config.js');
module.exports = {
  ...base,
  testRegex: 'test/e2e/.*\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/e2e/global-setup.cjs',
  globalTeardown: '<rootDir>/test/e2e/global-teardown.cjs',
  maxWorkers: 1,
  testTimeout: 60000,
};
