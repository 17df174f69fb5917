// One fresh database per integration run, made and dropped by the e2e tier's own global setup and
// teardown (test/e2e/global-*.cjs): the first application context that boots migrates it. Also one
// Redis key prefix for the run, whose keys (BullMQ jobs handed over after commit) are deleted at the end.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const createDatabase = require('../e2e/global-setup.cjs');
const dropDatabase = require('../e2e/global-teardown.cjs');

export async function setup() {
  await createDatabase();
  // Inherited by the test workers (they start after this), like DATABASE_URL and REDIS_URL above.
  process.env.REDIS_PREFIX = `int${randomUUID().slice(0, 8)}`;
}

export async function teardown() {
  await dropDatabase();
  if (process.env.REDIS_PREFIX) await dropDatabase.deleteRedisKeys(`${process.env.REDIS_PREFIX}:`);
}
