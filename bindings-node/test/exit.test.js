'use strict';
// The exit drain: a child process tracks and ends without close(); every record must arrive,
// the process must end on its own (an idle client keeps nothing alive), within a bound.

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const receiver = require('./support/receiver.js');

const SDK = JSON.stringify(path.resolve(__dirname, '..'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-exit-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` (JS, with `sdk` in scope) in a child; resolves with its exit code, output, time. */
function child(body, args = []) {
  const t0 = Date.now();
  const p = spawn(process.execPath, ['-e', `const sdk = require(${SDK});\n${body}`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, out, err, ms: Date.now() - t0 })));
}

const lineCount = (file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

test('AsyncBatchConsumer: records queued at the end arrive, no close() needed', async () => {
  const r = await receiver.start();
  try {
    const res = await child(`
      const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(process.argv[1], { flushMaxTime: 60, flushSize: 1000, maxSize: 5000 }));
      for (let i = 0; i < 250; i++) sa.track('u' + i, 'E', { i });`, [r.url]);
    assert.equal(res.code, 0, res.err);
    const recs = await r.records();
    assert.equal(recs.length, 250);
    assert.ok(res.ms < 8000, `took ${res.ms} ms`);
  } finally {
    r.stop();
  }
});

test('DefaultConsumer and BatchConsumer: what is queued is sent before exit', async () => {
  const r = await receiver.start();
  try {
    const res = await child(`
      const a = new sdk.SensorsAnalytics(new sdk.DefaultConsumer(process.argv[1]));
      const b = new sdk.SensorsAnalytics(new sdk.BatchConsumer(process.argv[1], { maxSize: 50 }));
      for (let i = 0; i < 20; i++) a.track('u' + i, 'A');
      for (let i = 0; i < 30; i++) b.track('u' + i, 'B');`, [r.url]);
    assert.equal(res.code, 0, res.err);
    const recs = await r.records();
    assert.equal(recs.filter((x) => x.event === 'A').length, 20);
    assert.equal(recs.filter((x) => x.event === 'B').length, 30);
  } finally {
    r.stop();
  }
});

test('LoggingConsumer: the buffer is written when the loop ends', async () => {
  const file = path.join(tmp, 'end.log');
  const res = await child(`
    const sa = new sdk.SensorsAnalytics(new sdk.LoggingConsumer(process.argv[1]));
    for (let i = 0; i < 1000; i++) sa.track('u' + i, 'E', { i });`, [file]);
  assert.equal(res.code, 0, res.err);
  assert.equal(lineCount(file), 1000);
});

test('process.exit(): the buffer is written synchronously', async () => {
  const file = path.join(tmp, 'exit.log');
  const res = await child(`
    const sa = new sdk.SensorsAnalytics(new sdk.LoggingConsumer(process.argv[1]));
    for (let i = 0; i < 1000; i++) sa.track('u' + i, 'E', { i });
    process.exit(3);`, [file]);
  assert.equal(res.code, 3, res.err);
  assert.equal(lineCount(file), 1000);
});

test('a JS consumer is flushed at exit', async () => {
  const res = await child(`
    const buf = [];
    const sa = new sdk.SensorsAnalytics({ send: (l) => buf.push(l), flush() { process.stdout.write('flushed ' + buf.length + '\\n'); }, close() {} });
    sa.track('u', 'E'); sa.track('u', 'E');`);
  assert.equal(res.code, 0, res.err);
  assert.equal(res.out, 'flushed 2\n');
});

test('an idle client does not keep the process alive', async () => {
  const res = await child(`
    const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer('http://127.0.0.1:9/sa'));
    const sb = new sdk.SensorsAnalytics(new sdk.DefaultConsumer('http://127.0.0.1:9/sa'));
    setTimeout(() => {}, 10);`);
  assert.equal(res.code, 0, res.err);
  assert.ok(res.ms < 3000, `took ${res.ms} ms`);
});

test('an unreachable server: the exit drain gives up within its bound and says so', async () => {
  const res = await child(`
    const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer('http://127.0.0.1:9/sa', { requestTimeout: 500 }));
    for (let i = 0; i < 10; i++) sa.track('u' + i, 'E');`);
  assert.equal(res.code, 0, res.err);
  assert.ok(res.ms < 15000, `took ${res.ms} ms`);
  assert.match(res.err, /sensorsanalytics: records could not be flushed at exit/);
});
