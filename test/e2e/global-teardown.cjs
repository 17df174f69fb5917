const { Client } = require('pg');

module.exports = async function globalTeardown() {
  const name = process.env.E2E_DATABASE_NAME;
  if (!name || process.env.KEEP_TEST_DATABASE) return;
  const base = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
};
