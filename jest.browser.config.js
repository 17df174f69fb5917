// Browser tests: the built app in Debian's Chromium (playwright-core) against the real server, PostgreSQL
// and Redis, one fresh database per run (the e2e set-up).
const e2e = require('./jest.e2e.config.js');
module.exports = {
  ...e2e,
  testRegex: 'test/browser/.*\\.browser-spec\\.ts$',
  testTimeout: 120000,
};
