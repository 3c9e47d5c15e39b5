'use strict';
// Exit from Node: a process that tracks 100 000 records with AsyncBatchConsumer and ends
// without close() (the event loop running dry: 'beforeExit'; or process.exit(): the
// synchronous 'exit' drain) delivers all of them within the drain bound. Each runs in a
// child process of its own, one after another (they are timed).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const rel = require('./rel.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-rel-node-proc-'));
const SDK = JSON.stringify(rel.SDK_PATH);
// The binding's exit drain closes each client: AsyncBatchConsumer's close waits at most its
// close timeout (the core's default, 10 s) plus 0.5 s.
const EXIT_BOUND_MS = 10500;

/** Runs `body` (JS, with `sdk` in scope) in a child; resolves with code, output and the time
 * the child exited. */
function child(body, args = []) {
  const p = spawn(process.execPath, ['--expose-gc', '-e', `const sdk = require(${SDK});\n${body}`, ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, out, err, exitedAt: Date.now() })));
}

for (const how of ['loop-ends', 'process.exit']) {
  test(`exit/no-close/async (${how})`, { timeout: 120000 }, async () => {
    const started = Date.now();
    const n = 100000;
    const r = await rel.startReceiver(tmp);
    let res;
    let records;
    try {
      res = await child(
        `
        const n = Number(process.argv[2]);
        // A queue that holds all N: the scenario is about exit, not about a full queue.
        const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(process.argv[1], { maxSize: n }));
        for (let i = 0; i < n; i++) sa.track('u' + i, 'Exit', { seq: i });
        process.stdout.write(String(Date.now()) + '\\n');
        ${how === 'process.exit' ? 'process.exit(0);' : '// no close(): the loop runs dry here'}`,
        [r.url, n],
      );
      records = r.records();
    } finally {
      await r.stop();
    }
    const trackedAt = Number(res.out.trim().split('\n')[0]) || res.exitedAt;
    const drain = res.exitedAt - trackedAt;
    const t = rel.tally(records, rel.range(0, n), rel.seqKey);
    const problems = [];
    if (res.code !== 0) problems.push(`exit code ${res.code}: ${res.err.slice(-300)}`);
    if (t.lost.length || t.duplicated || t.unexpected) {
      problems.push(`lost=${t.lost.length} duplicated=${t.duplicated} unexpected=${t.unexpected}`);
    }
    if (drain > EXIT_BOUND_MS) problems.push(`exit took ${drain} ms, bound ${EXIT_BOUND_MS} ms`);
    const note = `exit took ${(drain / 1000).toFixed(2)} s after the last track() (bound ${EXIT_BOUND_MS / 1000} s) ${problems.join('; ')}`;
    const ok = rel.emitTally(`exit/no-close/async/${how}`, started, t, { passed: problems.length === 0, note });
    assert.ok(ok, note);
  });
}
