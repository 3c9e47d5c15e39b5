'use strict';
// DefaultConsumer, BatchConsumer and DebugConsumer behind core's deferred-send queue: a
// failure reaches the caller when it happens (a process warning carrying the SDK's error),
// is counted by stats(), and rejects the next flush(); records handed over are counted
// against records received by the loopback receiver (tests/receiver).

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const sdk = require('..');
const receiver = require('./support/receiver.js');

/** The next process warning that is one of the SDK's errors, or a timeout failure. */
function nextSdkWarning(ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('warning', on);
      reject(new Error(`no SDK warning within ${ms} ms`));
    }, ms);
    function on(w) {
      if (w instanceof sdk.SensorsAnalyticsException || w instanceof sdk.SensorsAnalyticsDebugException) {
        clearTimeout(timer);
        process.off('warning', on);
        resolve(w);
      }
    }
    process.on('warning', on);
  });
}

async function until(cond, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('deferred HTTP consumers', () => {
  test('DefaultConsumer: every record handed over is received, and counted as sent', async () => {
    const r = await receiver.start();
    try {
      const consumer = new sdk.DefaultConsumer(r.url, { requestTimeout: 5000 });
      const sa = new sdk.SensorsAnalytics(consumer);
      for (let i = 0; i < 25; i++) sa.track(`u${i}`, 'E', { i });
      await sa.flush();
      const stats = consumer.stats();
      assert.equal(stats.sent, 25);
      assert.equal(stats.failed, 0);
      assert.equal(stats.queueDepth, 0);
      assert.deepEqual((await r.records()).map((x) => x.properties.i), [...Array(25).keys()]);
      await sa.close();
    } finally {
      r.stop();
    }
  });

  test('DefaultConsumer: a failing receiver reaches the caller at the time, without a flush', async () => {
    const r = await receiver.start(['--default-status', '500']);
    try {
      const consumer = new sdk.DefaultConsumer(r.url, { requestTimeout: 5000 });
      const sa = new sdk.SensorsAnalytics(consumer);
      const warned = nextSdkWarning();
      sa.track('u1', 'E');
      const w = await warned;
      assert.ok(w instanceof sdk.SensorsAnalyticsNetworkException, String(w));
      assert.match(w.message, /500/);
      await until(() => consumer.stats().failed === 1);
      const stats = consumer.stats();
      assert.equal(stats.sent, 0);
      assert.match(stats.lastError, /500/);
      // Reported once to the next flush as well; then the slate is clean.
      await assert.rejects(sa.flush(), sdk.SensorsAnalyticsNetworkException);
      await sa.flush();
      await sa.close();
      assert.equal((await r.requests()).length, 1);
    } finally {
      r.stop();
    }
  });

  test('BatchConsumer: a failed batch is reported when it fails and counted per record', async () => {
    const r = await receiver.start(['--default-status', '503']);
    try {
      const consumer = new sdk.BatchConsumer(r.url, { maxSize: 3, requestTimeout: 5000 });
      const sa = new sdk.SensorsAnalytics(consumer);
      const warned = nextSdkWarning();
      for (let i = 0; i < 3; i++) sa.track(`u${i}`, 'E', { i });
      assert.ok((await warned) instanceof sdk.SensorsAnalyticsNetworkException);
      await until(() => consumer.stats().failed === 3);
      await r.control({ default_status: 200 });
      // BatchConsumer keeps a failed batch and sends it again on the next flush.
      await assert.rejects(sa.flush(), sdk.SensorsAnalyticsNetworkException);
      await sa.close();
      assert.equal(consumer.stats().sent, 3);
      assert.deepEqual((await r.records()).map((x) => x.properties.i), [0, 1, 2]);
    } finally {
      r.stop();
    }
  });

  test('DebugConsumer: a rejection is a SensorsAnalyticsDebugException at the time', async () => {
    const r = await receiver.start(['--default-status', '400']);
    try {
      const consumer = new sdk.DebugConsumer(r.url, { requestTimeout: 5000 });
      const sa = new sdk.SensorsAnalytics(consumer);
      const warned = nextSdkWarning();
      sa.track('u1', 'E');
      const w = await warned;
      assert.ok(w instanceof sdk.SensorsAnalyticsDebugException, String(w));
      await until(() => consumer.stats().failed === 1);
      await assert.rejects(sa.close(), sdk.SensorsAnalyticsDebugException);
    } finally {
      r.stop();
    }
  });

  test('an unreachable server: warned, counted, and close() does not hang', async () => {
    const consumer = new sdk.DefaultConsumer('http://127.0.0.1:9/sa', { requestTimeout: 2000 });
    const sa = new sdk.SensorsAnalytics(consumer);
    const warned = nextSdkWarning();
    sa.track('u1', 'E');
    sa.track('u2', 'E');
    assert.ok((await warned) instanceof sdk.SensorsAnalyticsNetworkException);
    const t0 = Date.now();
    await assert.rejects(sa.close(), (e) => e instanceof sdk.SensorsAnalyticsNetworkException && /1 more failure/.test(e.message));
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(consumer.stats().failed, 2);
  });

  test('after close, track() throws and the record counts as dropped', async () => {
    const r = await receiver.start();
    try {
      const consumer = new sdk.DefaultConsumer(r.url);
      const sa = new sdk.SensorsAnalytics(consumer);
      sa.track('u1', 'E');
      await sa.close();
      assert.throws(() => sa.track('u2', 'E'), sdk.SensorsAnalyticsNetworkException);
      const stats = consumer.stats();
      assert.equal(stats.sent, 1);
      assert.equal(stats.dropped, 1);
      assert.equal((await r.records()).length, 1);
    } finally {
      r.stop();
    }
  });
});
