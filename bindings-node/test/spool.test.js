'use strict';
// The spool (spoolDir, issue 12) from Node: a receiver down then back, a process killed with
// SIGKILL mid-burst and a new one sending what it left, four processes sharing one directory,
// a torn tail. Each counts records received against records handed over.

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const sdk = require('..');
const receiver = require('./support/receiver.js');
const { PKG, sleep, tmpdir, segments, waitUp, assertNoneLost, runNode } = require('./support/spool.js');

describe('spool (spoolDir)', () => {
  test('receiver down then back: flush does not wait, nothing lost', async () => {
    const r = await receiver.start();
    const dir = tmpdir();
    try {
      const consumer = new sdk.AsyncBatchConsumer(r.url, { flushMaxTime: 0.1, spoolDir: dir });
      const sa = new sdk.SensorsAnalytics(consumer);
      await r.control({ down_ms: 2000 });
      for (let i = 0; i < 3000; i++) sa.track(`u${i % 7}`, 'ViewProduct', { seq: i });
      const t = Date.now();
      await sa.flush();
      assert.ok(Date.now() - t < 3000, 'flush waited for a down receiver');
      await waitUp(r);
      await r.waitFor(3000, 20000);
      await sa.close();
      assert.equal(consumer.stats().spooled, 3000);
      await assertNoneLost(r, 3000, 'node spool down-then-back');
      assert.deepEqual(segments(dir), []);
    } finally {
      r.stop();
    }
  });

  test('SIGKILL in the middle of a burst, then a new process sends what it left', async () => {
    const r = await receiver.start();
    const dir = tmpdir();
    try {
      await r.control({ down_ms: 3000 });
      const child = spawn(process.execPath, ['-e', `
        const sdk = require(${PKG});
        const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(process.argv[1], { spoolDir: process.argv[2] }));
        let i = 0;
        function burst() {
          for (let k = 0; k < 500; k++, i++) sa.track('u' + (i % 13), 'ViewProduct', { seq: i });
          process.stdout.write(i + '\\n');
          setTimeout(burst, 20);
        }
        burst();`, r.url, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let handed = 0;
      let buf = '';
      child.stdout.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const l of lines) handed = Number(l);
      });
      await sleep(1500);
      const reported = handed;
      await sleep(60); // the promise: a SIGKILL loses at most the last 50 ms
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      assert.ok(reported > 1000, `only ${reported} handed over`);
      await waitUp(r);
      runNode(`const sdk = require(${PKG});
        const c = new sdk.AsyncBatchConsumer(process.argv[1], { spoolDir: process.argv[2] });
        c.close().then(() => console.log(c.stats().replayed));`, [r.url, dir]);
      await assertNoneLost(r, reported, 'node spool SIGKILL');
    } finally {
      r.stop();
    }
  });

  test('four processes share one spool directory', async () => {
    const r = await receiver.start();
    const dir = tmpdir();
    try {
      await r.control({ down_ms: 1500 });
      const script = `const sdk = require(${PKG});
        const k = Number(process.argv[3]);
        const sa = new sdk.SensorsAnalytics(new sdk.BatchConsumer(process.argv[1], { maxSize: 50, requestTimeout: 2000, spoolDir: process.argv[2] }));
        for (let i = 0; i < 2000; i++) sa.track('p' + k, 'ViewProduct', { seq: k * 2000 + i });
        sa.close().then(() => {}, (e) => { console.error(e); process.exit(1); });`;
      const procs = [0, 1, 2, 3].map((k) => spawn(process.execPath, ['-e', script, r.url, dir, String(k)], { stdio: 'inherit' }));
      const codes = await Promise.all(procs.map((p) => new Promise((res) => p.once('exit', res))));
      assert.deepEqual(codes, [0, 0, 0, 0]);
      await waitUp(r);
      runNode(`const sdk = require(${PKG});
        new sdk.AsyncBatchConsumer(process.argv[1], { spoolDir: process.argv[2] }).close();`, [r.url, dir]);
      await assertNoneLost(r, 8000, 'node spool 4 processes');
      assert.deepEqual(segments(dir), []);
    } finally {
      r.stop();
    }
  });

  test('a torn tail is skipped and counted, the rest delivered', async () => {
    const r = await receiver.start();
    const dir = tmpdir();
    try {
      await r.control({ down_ms: 2500 });
      runNode(`const sdk = require(${PKG});
        const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(process.argv[1], { spoolDir: process.argv[2] }));
        for (let i = 0; i < 500; i++) sa.track('u1', 'ViewProduct', { seq: i });
        sa.close();`, [r.url, dir]);
      const last = path.join(dir, segments(dir).pop());
      fs.appendFileSync(last, Buffer.from([0x1e, 0xff, 0, 0, 0, 1, 2]));
      await waitUp(r);
      const c = new sdk.AsyncBatchConsumer(r.url, { spoolDir: dir });
      await c.close();
      assert.equal(c.stats().corrupt, 1);
      await assertNoneLost(r, 500, 'node spool torn tail');
    } finally {
      r.stop();
    }
  });

  test('an unusable spoolDir throws at construction', () => {
    assert.throws(() => new sdk.AsyncBatchConsumer('http://127.0.0.1:9/sa', { spoolDir: '/proc/no-spool' }), /spool_dir/);
  });
});
