'use strict';
// Every consumer: the file and console consumers on disk and stdout, the HTTP consumers
// against the loopback receiver (tests/receiver).

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const sdk = require('..');
const receiver = require('./support/receiver.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const readLines = (file) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function localDate(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

describe('LoggingConsumer', () => {
  test('appends one JSON line per record; flush and close are Promises', async () => {
    const file = path.join(tmp, 'logging.log');
    const sa = new sdk.SensorsAnalytics(new sdk.LoggingConsumer(file));
    for (let i = 0; i < 100; i++) sa.track(`u${i}`, 'E', { i });
    const p = sa.flush();
    assert.ok(p instanceof Promise);
    await p;
    assert.equal(readLines(file).length, 100);
    sa.track('u', 'Last');
    await sa.close();
    const lines = readLines(file);
    assert.equal(lines.length, 101);
    assert.equal(lines[100].event, 'Last');
  });

  test('options are checked: when and backupCount', () => {
    const file = path.join(tmp, 'opts.log');
    assert.throws(() => new sdk.LoggingConsumer(file, { when: 'X' }), {
      name: 'SensorsAnalyticsIllegalDataException',
      message: 'Invalid rollover interval specified: X',
    });
    // Numbers follow core's one rule (negative: IllegalData); a non-number is a TypeError.
    assert.throws(() => new sdk.LoggingConsumer(file, { backupCount: -1 }), { name: 'SensorsAnalyticsIllegalDataException', message: 'backupCount must not be negative, not -1' });
    assert.throws(() => new sdk.LoggingConsumer(file, 'x'), TypeError);
    new sdk.LoggingConsumer(file, { when: 'H', backupCount: 3 }).close();
  });

  test("the Python SDK's parameters positionally: (prefix, backupCount, when)", async () => {
    const file = path.join(tmp, 'positional.log');
    assert.throws(() => new sdk.LoggingConsumer(file, 3, 'X'), {
      name: 'SensorsAnalyticsIllegalDataException',
      message: 'Invalid rollover interval specified: X',
    });
    assert.throws(() => new sdk.LoggingConsumer(file, -1), sdk.SensorsAnalyticsIllegalDataException);
    // undefined and null (Python's None) leave a parameter to its default.
    for (const args of [[7], [3, 'H'], [undefined, 'midnight'], [null, 'D'], [0, undefined]]) {
      const c = new sdk.LoggingConsumer(file, ...args);
      c.send('{"a":1}');
      await c.close();
    }
    assert.equal(readLines(file).length, 5);
  });

  test('send() takes a record directly', async () => {
    const file = path.join(tmp, 'direct.log');
    const c = new sdk.LoggingConsumer(file);
    c.send('{"a":1}');
    await c.close();
    assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n');
  });
});

describe('ConcurrentLoggingConsumer', () => {
  test('writes prefix.YYYY-MM-DD (local date)', async () => {
    const prefix = path.join(tmp, 'concurrent');
    const sa = new sdk.SensorsAnalytics(new sdk.ConcurrentLoggingConsumer(prefix, { bufferSize: 10 }));
    for (let i = 0; i < 25; i++) sa.track(`u${i}`, 'E');
    await sa.close();
    assert.equal(readLines(`${prefix}.${localDate()}`).length, 25);
  });

  test('bufferSize is checked', () => {
    assert.throws(() => new sdk.ConcurrentLoggingConsumer(path.join(tmp, 'x'), { bufferSize: -1.5 }), sdk.SensorsAnalyticsIllegalDataException);
    assert.throws(() => new sdk.ConcurrentLoggingConsumer(path.join(tmp, 'x'), NaN), sdk.SensorsAnalyticsIllegalDataException);
    assert.throws(() => new sdk.ConcurrentLoggingConsumer(path.join(tmp, 'x'), '8'), TypeError);
  });

  test("the Python SDK's parameters positionally: (prefix, bufferSize)", async () => {
    const prefix = path.join(tmp, 'concurrent-positional');
    const sa = new sdk.SensorsAnalytics(new sdk.ConcurrentLoggingConsumer(prefix, 10));
    for (let i = 0; i < 25; i++) sa.track(`u${i}`, 'E');
    await sa.close();
    assert.equal(readLines(`${prefix}.${localDate()}`).length, 25);
  });

  test('many processes append whole lines', async () => {
    const prefix = path.join(tmp, 'multi');
    const script = `const sdk = require(${JSON.stringify(path.resolve(__dirname, '..'))});
      const sa = new sdk.SensorsAnalytics(new sdk.ConcurrentLoggingConsumer(process.argv[1], { bufferSize: 7 }));
      for (let i = 0; i < 500; i++) sa.track('p' + process.pid, 'E', { i, pad: 'x'.repeat(200) });
      sa.close();`;
    const { spawn } = require('node:child_process');
    await Promise.all([0, 1, 2].map(() => new Promise((resolve, reject) => {
      spawn(process.execPath, ['-e', script, prefix], { stdio: 'inherit' }).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`exit ${c}`))));
    })));
    const lines = readLines(`${prefix}.${localDate()}`);
    assert.equal(lines.length, 1500);
  });
});

describe('ConsoleConsumer', () => {
  test('one JSON line per record on stdout', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const sdk = require(${JSON.stringify(path.resolve(__dirname, '..'))});
      const sa = new sdk.SensorsAnalytics(new sdk.ConsoleConsumer());
      sa.track('u1', 'A'); console.log('between'); sa.track('u1', 'B');`]).toString();
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.equal(JSON.parse(lines[0]).event, 'A');
    assert.equal(lines[1], 'between');
    assert.equal(JSON.parse(lines[2]).event, 'B');
  });
});

describe('HTTP consumers (loopback receiver)', () => {
  test('DefaultConsumer: one request per record, off the JS thread', async () => {
    const r = await receiver.start(['--delay-ms', '300']);
    try {
      const sa = new sdk.SensorsAnalytics(new sdk.DefaultConsumer(r.url, { requestTimeout: 5000 }));
      const t0 = Date.now();
      for (let i = 0; i < 3; i++) sa.track(`u${i}`, 'E', { i });
      assert.ok(Date.now() - t0 < 250, 'track() must not wait for the network');
      await sa.flush();
      const recs = await r.records();
      assert.deepEqual(recs.map((x) => x.properties.i), [0, 1, 2]);
      assert.equal((await r.requests()).length, 3);
      await sa.close();
    } finally {
      r.stop();
    }
  });

  test('DefaultConsumer: a failed request rejects the next flush with SensorsAnalyticsNetworkException', async () => {
    const r = await receiver.start(['--default-status', '500']);
    try {
      const sa = new sdk.SensorsAnalytics(new sdk.DefaultConsumer(r.url));
      sa.track('u1', 'E');
      await assert.rejects(sa.flush(), (e) => e instanceof sdk.SensorsAnalyticsNetworkException);
      await sa.close();
    } finally {
      r.stop();
    }
  });

  test('DefaultConsumer: an unreachable server is a Network error too', async () => {
    const sa = new sdk.SensorsAnalytics(new sdk.DefaultConsumer('http://127.0.0.1:9/sa', { requestTimeout: 2000 }));
    sa.track('u1', 'E');
    await assert.rejects(sa.close(), sdk.SensorsAnalyticsNetworkException);
  });

  test('a bad URL is refused at construction', () => {
    assert.throws(() => new sdk.DefaultConsumer('not a url'), sdk.SensorsAnalyticsException);
    assert.throws(() => new sdk.DefaultConsumer(5), TypeError);
  });

  test('BatchConsumer: maxSize records per request', async () => {
    const r = await receiver.start();
    try {
      const sa = new sdk.SensorsAnalytics(new sdk.BatchConsumer(r.url, { maxSize: 3 }));
      for (let i = 0; i < 7; i++) sa.track(`u${i}`, 'E', { i });
      await sa.close();
      const recs = await r.records();
      assert.deepEqual(recs.map((x) => x.properties.i), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual((await r.requests()).map((q) => q.records), [3, 3, 1]);
    } finally {
      r.stop();
    }
  });

  test("the Python SDK's parameters positionally: (url, maxSize, requestTimeout) and the rest", async () => {
    const r = await receiver.start();
    try {
      const batch = new sdk.SensorsAnalytics(new sdk.BatchConsumer(r.url, 3, 5000));
      for (let i = 0; i < 7; i++) batch.track(`u${i}`, 'E', { i });
      await batch.close();
      assert.deepEqual((await r.requests()).map((q) => q.records), [3, 3, 1]);
      assert.throws(() => new sdk.BatchConsumer(r.url, -1), sdk.SensorsAnalyticsIllegalDataException);
      assert.throws(() => new sdk.BatchConsumer(r.url, 3, -1), sdk.SensorsAnalyticsIllegalDataException);

      // AsyncBatchConsumer(url, flushMaxTime, flushSize, maxBatchSize, maxSize, requestTimeout)
      const requestsBefore = (await r.requests()).length;
      const async = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(r.url, 0.2, 4, 4, null, 5000));
      for (let i = 0; i < 10; i++) async.track(`a${i}`, 'E', { i });
      await async.close();
      const sizes = (await r.requests()).slice(requestsBefore).map((q) => q.records);
      assert.equal(sizes.reduce((a, b) => a + b, 0), 10);
      assert.ok(sizes.every((n) => n <= 4), `batches of at most maxBatchSize=4: ${sizes}`);
      assert.throws(() => new sdk.AsyncBatchConsumer(r.url, -1), sdk.SensorsAnalyticsIllegalDataException);
      assert.throws(() => new sdk.AsyncBatchConsumer(r.url, undefined, undefined, undefined, -1), sdk.SensorsAnalyticsIllegalDataException);

      const dflt = new sdk.SensorsAnalytics(new sdk.DefaultConsumer(r.url, 5000));
      dflt.track('d1', 'E');
      await dflt.close();
      assert.throws(() => new sdk.DefaultConsumer(r.url, -5), sdk.SensorsAnalyticsIllegalDataException);

      const before = (await r.requests()).length;
      const dry = new sdk.SensorsAnalytics(new sdk.DebugConsumer(r.url, false, 5000));
      dry.track('u1', 'E');
      await dry.close();
      const req = (await r.requests())[before];
      assert.equal(req.path, '/debug');
      assert.equal(req.dry_run, 'true');
    } finally {
      r.stop();
    }
  });

  test('AsyncBatchConsumer: batches from a background thread, all delivered by close()', async () => {
    const r = await receiver.start(['--status-seq', '503,503']);
    try {
      const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(r.url, { flushSize: 10, maxBatchSize: 10, flushMaxTime: 0.2 }));
      for (let i = 0; i < 45; i++) sa.track(`u${i}`, 'E', { i });
      await sa.close();
      const recs = await r.records();
      assert.deepEqual(recs.map((x) => x.properties.i).sort((a, b) => a - b), [...Array(45).keys()]);
    } finally {
      r.stop();
    }
  });

  test('AsyncBatchConsumer: records given up on in the background are counted in stats()', async () => {
    // 400 is a final answer: the batch is given up on at once, with no flush() to reject.
    const r = await receiver.start(['--default-status', '400']);
    const consumer = new sdk.AsyncBatchConsumer(r.url, { flushSize: 5, maxBatchSize: 5, flushMaxTime: 0.1 });
    const sa = new sdk.SensorsAnalytics(consumer);
    try {
      for (let i = 0; i < 5; i++) sa.track(`u${i}`, 'E', { i });
      const deadline = Date.now() + 10000;
      while (consumer.stats().failed < 5 && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50));
      }
      const stats = consumer.stats();
      assert.equal(stats.failed, 5);
      assert.equal(stats.sent, 0);
      assert.equal(stats.queueDepth, 0);
      assert.match(stats.lastError, /400/);
    } finally {
      await sa.close().catch(() => {});
      r.stop();
    }
  });

  test('AsyncBatchConsumer: onError(records, error) gets every record given up on, on the JS thread', async () => {
    const r = await receiver.start(['--default-status', '400']);
    const given = [];
    const consumer = new sdk.AsyncBatchConsumer(r.url, {
      flushSize: 5,
      maxBatchSize: 5,
      flushMaxTime: 0.1,
      onError: (records, error) => given.push({ records, error }),
    });
    const sa = new sdk.SensorsAnalytics(consumer);
    try {
      for (let i = 0; i < 10; i++) sa.track(`u${i}`, 'E', { i });
      const deadline = Date.now() + 10000;
      while (given.reduce((n, g) => n + g.records.length, 0) < 10 && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 50));
      }
      const ids = given.flatMap((g) => g.records.map((rec) => JSON.parse(rec).distinct_id)).sort();
      assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => `u${i}`).sort());
      for (const g of given) {
        assert.ok(g.error instanceof sdk.SensorsAnalyticsNetworkException, String(g.error));
        assert.match(g.error.message, /400/);
      }
      assert.equal(consumer.stats().failed, 10);
      // A final answer is not retried.
      assert.equal(consumer.stats().retried, 0);
    } finally {
      await sa.close().catch(() => {});
      r.stop();
    }
  });

  test('AsyncBatchConsumer: onError never keeps the process alive after close()', () => {
    const script = `
      const sdk = require(${JSON.stringify(path.join(__dirname, '..'))});
      const c = new sdk.AsyncBatchConsumer('http://127.0.0.1:1/sa', { onError: () => {} });
      const sa = new sdk.SensorsAnalytics(c);
      sa.close().then(() => console.log('closed'));
    `;
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ['-e', script], { timeout: 20000 }).toString();
    assert.match(out, /closed/);
    assert.ok(Date.now() - t0 < 15000, `exited after ${Date.now() - t0} ms`);
  });

  test('AsyncBatchConsumer: a full queue throws SensorsAnalyticsNetworkException from track()', async () => {
    // Answers take 2 s: two requests of 10 in flight, one batch being built, 5 in the queue.
    const r = await receiver.start(['--delay-ms', '2000']);
    const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(r.url, { maxSize: 5, flushSize: 10, maxBatchSize: 10 }));
    try {
      assert.throws(() => {
        for (let i = 0; i < 100000; i++) sa.track(`u${i}`, 'E');
      }, sdk.SensorsAnalyticsNetworkException);
    } finally {
      await sa.close().catch(() => {});
      r.stop();
    }
  });

  test('DebugConsumer: the debug path, Dry-Run, and rejection as SensorsAnalyticsDebugException', async () => {
    const r = await receiver.start();
    try {
      const dry = new sdk.SensorsAnalytics(new sdk.DebugConsumer(r.url, { writeData: false }));
      dry.track('u1', 'E');
      await dry.close();
      const [req] = await r.requests();
      assert.equal(req.path, '/debug');
      assert.equal(req.dry_run, 'true');
      await r.control({ default_status: 400 });
      const sa = new sdk.SensorsAnalytics(new sdk.DebugConsumer(r.url));
      sa.track('u1', 'E');
      await assert.rejects(sa.flush(), (e) => e instanceof sdk.SensorsAnalyticsDebugException && !(e instanceof sdk.SensorsAnalyticsException));
      await sa.close();
    } finally {
      r.stop();
    }
  });
});
