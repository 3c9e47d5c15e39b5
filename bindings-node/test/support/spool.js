'use strict';
// What the spool tests share (spool.test.js, spool-failures.test.js): temp directories, the
// spool's segment files, waiting for a receiver that was down, running a child process on the
// package, and the count that ends every test: records received against records handed over.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/** `require(PKG)` in a child's script loads this package. */
const PKG = JSON.stringify(path.resolve(__dirname, '../..'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sa-spool-'));
}

function segments(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.saspool')).sort();
}

/** Resolves once the receiver (gone down through /_control) answers again. */
async function waitUp(r) {
  for (let i = 0; i < 400; i++) {
    try {
      await r.records();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error('the receiver did not come back');
}

/** Every seq in 0..n (those `want` accepts, if given) arrived; duplicates only with the same
 * _track_id. Prints the figures. */
async function assertNoneLost(r, n, label, want = () => true) {
  const recs = await r.records();
  const seen = new Map();
  for (const x of recs) {
    const ids = seen.get(x.properties.seq) || new Set();
    ids.add(x._track_id);
    seen.set(x.properties.seq, ids);
  }
  const lost = [];
  let expected = 0;
  for (let i = 0; i < n; i++) {
    if (!want(i)) continue;
    expected++;
    if (!seen.has(i)) lost.push(i);
  }
  console.log(`${label}: ${expected} handed over, ${recs.length} received, ${lost.length} lost, ${recs.length - seen.size} duplicated`);
  assert.deepEqual(lost.slice(0, 10), [], `lost ${lost.length}`);
  for (const ids of seen.values()) assert.equal(ids.size, 1, 'a record arrived twice with different _track_ids');
}

/** Runs `script` in a new node process (`args` after it); fails unless it exits 0. */
function runNode(script, args, options = {}) {
  const out = spawnSync(process.execPath, ['-e', script, ...args], { encoding: 'utf8', timeout: 60000, ...options });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

module.exports = { PKG, sleep, tmpdir, segments, waitUp, assertNoneLost, runNode };
