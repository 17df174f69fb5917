// Test-only preload: `node -r ./test/support/fault-injection.cjs dist/src/main.js` with FAULT_RATE
// (0..1) and FAULT_SEED. Fails that seeded fraction of PostgreSQL statements the way a dropped
// connection does (error 08006), always *before* the statement reaches the server, so a failure never
// leaves the outcome of a COMMIT in doubt. ROLLBACK is never failed. Streaming cursors are left alone.
// Faults start once the process listens for HTTP: start-up (migrations, bootstrap) is not under test.
const net = require('node:net');
const pg = require('pg');

let armed = false;
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => (armed = true));
  return listen.apply(this, args);
};

const rate = Number(process.env.FAULT_RATE || 0);
let state = Number(process.env.FAULT_SEED || 1) >>> 0;
function random() {
  // mulberry32: small, seeded, good enough to spread faults
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let injected = 0;
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function query(config, values, callback) {
  const text =
    typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : null;
  const streaming = config && typeof config.submit === 'function';
  if (armed && rate > 0 && text !== null && !streaming && !/^\s*ROLLBACK/i.test(text) && random() < rate) {
    injected++;
    const err = Object.assign(new Error(`injected fault #${injected}: connection lost`), { code: '08006' });
    const cb = typeof values === 'function' ? values : callback;
    if (typeof cb === 'function') {
      process.nextTick(() => cb(err));
      return undefined;
    }
    return Promise.reject(err);
  }
  return original.apply(this, arguments);
};

process.on('exit', () => {
  if (rate > 0) process.stderr.write(`fault-injection: ${injected} statements failed on purpose\n`);
});
