// One fresh database per e2e run: created here, dropped in global-teardown. Every test file boots the
// real app against it (migrations run at boot), with its own Redis key prefix; the prefixes of a run
// share a start (E2E_REDIS_PREFIX), so global-teardown can delete the run's keys.
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');

module.exports = async function globalSetup() {
  const base = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `microcred_test_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.E2E_DATABASE_NAME = name;
  process.env.REDIS_URL = process.env.TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  process.env.E2E_REDIS_PREFIX = `t${randomBytes(3).toString('hex')}`;
  process.env.NODE_ENV = 'test';
};
