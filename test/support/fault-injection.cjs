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
let lostCommits = Number(process.env.FAULT_LOST_COMMITS || 0);
const lostCommitAfter = process.env.FAULT_LOST_COMMIT_AFTER
  ? new RegExp(process.env.FAULT_LOST_COMMIT_AFTER, 'i')
  : null;
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
  if (armed && lostCommits > 0 && text !== null && !streaming) {
    // FAULT_LOST_COMMITS=n: the next n COMMITs of a transaction that ran a statement matching
    // FAULT_LOST_COMMIT_AFTER reach the server and commit, but the client is told the connection was
    // lost: the one fault that leaves the outcome in doubt.
    if (/^\s*(START TRANSACTION|BEGIN|ROLLBACK)/i.test(text)) this.__lostCommitPending = false;
    if (lostCommitAfter && lostCommitAfter.test(text)) this.__lostCommitPending = true;
    if (/^\s*COMMIT/i.test(text) && this.__lostCommitPending) {
      this.__lostCommitPending = false;
      lostCommits--;
      const lost = Object.assign(new Error('injected fault: connection lost during COMMIT'), {
        code: '08006',
      });
      const cb = typeof values === 'function' ? values : callback;
      const done = original.call(this, text);
      if (typeof cb === 'function') {
        done.then(
          () => cb(lost),
          () => cb(lost),
        );
        return undefined;
      }
      return done.then(
        () => Promise.reject(lost),
        () => Promise.reject(lost),
      );
    }
  }
  return original.apply(this, arguments);
};

process.on('exit', () => {
  if (rate > 0) process.stderr.write(`fault-injection: ${injected} statements failed on purpose\n`);
});
