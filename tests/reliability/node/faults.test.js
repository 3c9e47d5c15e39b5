'use strict';
// Faults through the loopback receiver, for BatchConsumer and AsyncBatchConsumer from Node:
// 50% 503s; 429 with Retry-After; the receiver down for 30 s then back; connection resets
// mid-request; responses slower than the request timeout. Every record must arrive, or be
// reported: track() throwing (a full queue), flush()/close() rejecting, or the consumer's
// counters (stats(), where the binding has it). The scenarios run concurrently, each with
// its own receiver.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const rel = require('./rel.js');

const sdk = require(rel.SDK_PATH);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-rel-node-'));

const PLANS = {
  fail503: { args: ['--fail-rate', '0.5', '--seed', '1'] },
  throttle429: { args: ['--fail-rate', '0.3', '--fail-status', '429', '--retry-after', '1', '--seed', '2'] },
  // Tracking goes on through the outage (2 s .. 32 s) and a little after it.
  down30: { n: 3000, spread: 36, at: 2, change: { down_ms: 30000 } },
  // Resets before the body is read, and requests read whole but never answered.
  resets: { args: ['--reset-rate', '0.3', '--drop-rate', '0.1', '--seed', '3'] },
  // 800 ms answers against a 300 ms request timeout for the first 4 s, then healthy.
  slow: { args: ['--delay-ms', '800'], timeout: 300, spread: 6, at: 4, change: { delay_ms: 0 }, dups: true },
};

function make(kind, url, plan) {
  const requestTimeout = plan.timeout || 5000;
  if (kind === 'batch') return new sdk.BatchConsumer(url, { maxSize: 50, requestTimeout });
  // A queue that holds the 30 s outage at this rate (83 records/s).
  return new sdk.AsyncBatchConsumer(url, { maxSize: 10000, requestTimeout });
}

async function scenario(fault, kind) {
  const plan = PLANS[fault];
  const n = plan.n || 2000;
  const spread = (plan.spread || 2) * 1000;
  const started = Date.now();
  const r = await rel.startReceiver(tmp, plan.args || []);
  let errors = 0;
  const refused = new Set();
  let records;
  let stats = null;
  let consumer;
  try {
    consumer = make(kind, r.url, plan);
    const sa = new sdk.SensorsAnalytics(consumer);
    const change = plan.change
      ? rel.sleep(plan.at * 1000).then(() => r.control(plan.change))
      : Promise.resolve();
    for (let i = 0; i < n; i++) {
      const wait = started + (spread * i) / n - Date.now();
      if (wait > 0) await rel.sleep(wait);
      try {
        sa.track(`u${i}`, 'Reliability', { seq: i, pad: 'reliability '.repeat(8) });
      } catch (e) {
        if (!(e instanceof sdk.SensorsAnalyticsNetworkException)) throw e;
        errors++;
        refused.add(i); // never queued: the caller was told
      }
    }
    await change;
    // The rest: flush until it succeeds (a failed batch stays buffered), bounded.
    const deadline = Date.now() + 90000;
    for (;;) {
      try {
        await sa.flush();
        break;
      } catch (e) {
        errors++;
        if (Date.now() > deadline) break;
      }
    }
    try {
      await sa.close();
    } catch (e) {
      errors++;
    }
    if (typeof consumer.stats === 'function') stats = consumer.stats();
    records = r.records();
  } finally {
    await r.stop();
  }
  const t = rel.tally(records, rel.range(0, n), rel.seqKey);
  const problems = [];
  const dupTid = rel.trackIdDuplicates(records);
  const silent = t.lost.filter((s) => !refused.has(s));
  let reported = refused.size;
  if (stats) {
    reported = (stats.failed || 0) + (stats.dropped || 0);
    if (kind === 'async' && silent.length !== (stats.failed || 0)) {
      problems.push(`${silent.length} missing but failed=${stats.failed}`);
    }
  } else if (silent.length > 0) {
    problems.push(`${silent.length} records missing and no stats() to count them (e.g. ${silent.slice(0, 5)})`);
  }
  // A gap of the binding at the time of writing: its AsyncBatchConsumer has no stats() and no
  // give-up callback, so a batch given up on outside a flush()/close() is reported nowhere.
  const xfail =
    !stats && silent.length > 0
      ? 'bindings-node AsyncBatchConsumer reports batches given up on outside flush()/close() nowhere (no stats(), no callback, no warning)'
      : undefined;
  if (t.lost.length && !(kind === 'async' && fault === 'down30')) {
    problems.push(`${t.lost.length} records did not arrive`);
  }
  if (t.unexpected) problems.push(`${t.unexpected} unexpected records`);
  if (t.duplicated && !plan.dups) problems.push(`${t.duplicated} duplicated`);
  if (dupTid !== t.duplicated) problems.push(`${t.duplicated} duplicates, ${dupTid} by _track_id`);
  const note =
    `errors-to-caller=${errors} refused=${refused.size} dup-by-_track_id=${dupTid} ` +
    (stats ? `stats=${JSON.stringify(stats)} ` : 'no stats() in the binding ') +
    problems.join('; ');
  const ok = rel.emitTally(`faults/${fault}/${kind}`, started, t, { reported, passed: problems.length === 0, note, xfail });
  assert.ok(ok, note);
}

// One parent test whose subtests run at once (top-level tests of a file would run in turn).
test('faults', { concurrency: true, timeout: 240000 }, async (t) => {
  const all = [];
  for (const fault of Object.keys(PLANS).sort()) {
    for (const kind of ['batch', 'async']) {
      all.push(t.test(`faults/${fault}/${kind}`, () => scenario(fault, kind)));
    }
  }
  await Promise.all(all);
});
