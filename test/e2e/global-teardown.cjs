const { Client } = require('pg');
const { Redis } = require('ioredis');

/** Deletes every Redis key that starts with `start` (BullMQ's queues and delayed jobs, throttle counters). */
async function deleteRedisKeys(start) {
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${start}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

module.exports = async function globalTeardown() {
  const name = process.env.E2E_DATABASE_NAME;
  if (!name || process.env.KEEP_TEST_DATABASE) return;
  const base = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  // The keys of every server of the run (their prefixes all start with it).
  if (process.env.E2E_REDIS_PREFIX) await deleteRedisKeys(process.env.E2E_REDIS_PREFIX);
};
module.exports.deleteRedisKeys = deleteRedisKeys;
