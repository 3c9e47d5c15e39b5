'use strict';
// Issue 12's scenarios from Node (as python/test_spool.py): AsyncBatchConsumer with every
// default and no spool through a 30 s outage (the caller waits for the receiver, then
// close()) and through a receiver failing about half its requests (within the default close
// bound); with a spool (spoolDir): down and back across a restart, SIGKILL mid-burst then a
// restart, four processes sharing one directory, a torn tail, a full spool, disk-full writes
// (RLIMIT_FSIZE, set by the shell). Each writes a row: handed over, received, lost,
// duplicated (only with the same _track_id), reported.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { SDK_PATH, startReceiver, sleep, tally, seqKey, range, trackIdDuplicates, emitTally } = require('./rel.js');

const sdk = require(SDK_PATH);
const SDK = JSON.stringify(SDK_PATH);
const tmp = () => fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'sa-rel-spool-'));

/** A node child running `body` with sdk, url and spool in scope; `wrap`: a shell prefix. */
function child(body, url, spool, args = [], wrap = null) {
  const script = `const sdk = require(${SDK}); const [url, spool] = process.argv.slice(1);\n${body}`;
  const cmd = [process.execPath, '-e', script, url, spool, ...args.map(String)];
  const full = wrap ? ['bash', '-c', `${wrap}; exec "$@"`, 'bash', ...cmd] : cmd;
  return spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function runChild(body, url, spool, args = [], wrap = null) {
  const p = child(body, url, spool, args, wrap);
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const code = await new Promise((res) => p.once('exit', res));
  assert.equal(code, 0, `child exited ${code}`);
  return out.trim();
}

/** The next process on the directory sends what the spool holds; resolves with its stats. */
async function drain(url, spool) {
  const out = await runChild(`const c = new sdk.AsyncBatchConsumer(url, { spoolDir: spool });
    c.close().then(() => console.log(JSON.stringify(c.stats())));`, url, spool);
  return JSON.parse(out);
}

async function waitUp(r, ms = 60000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await r.stats();
      return;
    } catch (_) {
      await sleep(50);
    }
  }
}

/** Counts the receiver's records against `expected` seqs; writes the row; asserts. */
function finish(scenario, started, records, expected, f = {}) {
  const t = tally(records, expected, seqKey);
  const problems = [...(f.problems || [])];
  if (t.lost.length) problems.push(`${t.lost.length} records did not arrive`);
  if (t.unexpected) problems.push(`${t.unexpected} unexpected records`);
  const dupTid = trackIdDuplicates(records);
  if (dupTid !== t.duplicated) problems.push(`${t.duplicated} duplicates, only ${dupTid} with the same _track_id`);
  const note = `${f.note || ''} ${problems.join('; ')}`;
  const ok = emitTally(scenario, started, t, { reported: f.reported || 0, passed: problems.length === 0, note });
  assert.ok(ok, note);
}

/** A scenario with a spool directory and a receiver that is down for `downMs` at first. */
async function withSpool(downMs, fn) {
  const started = Date.now();
  const dir = tmp();
  const spool = path.join(dir, 'spool');
  fs.mkdirSync(spool);
  const r = await startReceiver(dir);
  try {
    await r.control({ down_ms: downMs });
    await fn({ r, spool, started });
  } finally {
    await r.stop();
  }
}

const FLAKY = {
  statuses: [...Array(40).fill(200), 429, 429, 429],
  retry_after: 1,
  fail_rate: 0.35,
  fail_status: 500,
  drop_rate: 0.1,
  reset_rate: 0.05,
  seed: 3,
};

test('down 30 s, defaults, no spool: everything once the caller waits for the receiver', async () => {
  const started = Date.now();
  const r = await startReceiver(tmp());
  try {
    await r.control({ down_ms: 30000 });
    const consumer = new sdk.AsyncBatchConsumer(r.url);
    const sa = new sdk.SensorsAnalytics(consumer);
    for (let i = 0; i < 900; i++) {
      sa.track(`u${i % 10}`, 'Reliability', { seq: i });
      if (i % 100 === 99) await sleep(200);
    }
    await waitUp(r);
    await r.waitRecords(900, 90000);
    await sa.close();
    const s = consumer.stats();
    finish('spool/down30-defaults-no-spool', started, r.records(), range(0, 900), {
      reported: s.failed + s.dropped,
      note: `failed=${s.failed} dropped=${s.dropped} retried=${s.retried}`,
    });
  } finally {
    await r.stop();
  }
});

test('a 50%-failing receiver, no spool: everything within the default close bound', async () => {
  const started = Date.now();
  const r = await startReceiver(tmp());
  try {
    await r.control(FLAKY);
    const consumer = new sdk.AsyncBatchConsumer(r.url, {
      flushMaxTime: 1, flushSize: 50, maxBatchSize: 50, maxSize: 20000, requestTimeout: 2000,
    });
    const sa = new sdk.SensorsAnalytics(consumer);
    for (let i = 0; i < 10000; i++) sa.track(`u${i % 50}`, 'Reliability', { seq: i });
    const t0 = Date.now();
    await sa.close();
    const took = (Date.now() - t0) / 1000;
    const s = consumer.stats();
    finish('spool/flaky50-no-spool', started, r.records(), range(0, 10000), {
      reported: s.failed + s.dropped,
      note: `close ${took.toFixed(1)} s, retried=${s.retried}`,
      problems: took > 10.5 ? [`close took ${took} s`] : [],
    });
  } finally {
    await r.stop();
  }
});

test('spool: down, the process exits, the next one sends what it left', async () => {
  await withSpool(4000, async ({ r, spool, started }) => {
    await runChild(`const sa = new sdk.SensorsAnalytics(new sdk.BatchConsumer(url, { maxSize: 50, requestTimeout: 2000, spoolDir: spool }));
      for (let i = 0; i < 3000; i++) sa.track('u1', 'Reliability', { seq: i });
      sa.close();`, r.url, spool);
    await waitUp(r);
    const s = await drain(r.url, spool);
    finish('spool/down-back-restart', started, r.records(), range(0, 3000), { note: `replayed=${s.replayed}` });
  });
});

test('spool: SIGKILL mid-burst, then a restart', async () => {
  await withSpool(4000, async ({ r, spool, started }) => {
    const p = child(`const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(url, { spoolDir: spool }));
      let i = 0;
      (function burst() {
        for (let k = 0; k < 500; k++, i++) sa.track('u' + (i % 13), 'Reliability', { seq: i });
        process.stdout.write(i + '\\n');
        setTimeout(burst, 20);
      })();`, r.url, spool);
    const lines = readline.createInterface({ input: p.stdout });
    let handed = 0;
    let first = null;
    const firstLine = new Promise((res) => (first = res));
    lines.on('line', (l) => {
      handed = Number(l);
      first();
  });
  await firstLine;
  await sleep(1500);
  const reported = handed;
  await sleep(60); // the promise: a SIGKILL loses at most the last 50 ms
  p.kill('SIGKILL');
  await new Promise((res) => (p.exitCode !== null || p.signalCode ? res() : p.once('exit', res)));
  await waitUp(r);
  const s = await drain(r.url, spool);
  // Records tracked after the last report may have arrived too: not "unexpected".
  const all = r.records();
  const records = all.filter((x) => seqKey(x) < reported);
  finish('spool/sigkill-mid-burst', started, records, range(0, reported), {
    note: `replayed=${s.replayed} (handed over after the last report, also delivered: ${all.length - records.length})`,
  });
  });
});

test('spool: four processes share one directory', async () => {
  await withSpool(2000, async ({ r, spool, started }) => {
    const body = `const k = Number(process.argv[3]);
      const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(url, { flushMaxTime: 0.2, spoolDir: spool }));
      for (let i = 0; i < 2500; i++) sa.track('p' + k, 'Reliability', { seq: k * 2500 + i });
      sa.close();`;
    await Promise.all([0, 1, 2, 3].map((k) => runChild(body, r.url, spool, [k])));
    await waitUp(r);
    const s = await drain(r.url, spool);
    finish('spool/4-processes', started, r.records(), range(0, 10000), { note: `replayed by the next process=${s.replayed}` });
  });
});

test('spool: a torn tail is skipped, counted, the rest delivered', async () => {
  // The writer's receiver stays down (so the records stay spooled however slow the child
  // is to start); a fresh receiver gets what the next process sends.
  await withSpool(600000, async ({ r: down, spool, started }) => {
    await runChild(`const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(url, { spoolDir: spool }));
      for (let i = 0; i < 2000; i++) sa.track('u1', 'Reliability', { seq: i });
      sa.close();`, down.url, spool);
    const segs = fs.readdirSync(spool).filter((f) => f.endsWith('.saspool')).sort();
    fs.appendFileSync(path.join(spool, segs[segs.length - 1]), Buffer.from([0x1e, 0xff, 0, 0, 0, 1, 2]));
    const r = await startReceiver(tmp());
    try {
      const s = await drain(r.url, spool);
      finish('spool/torn-tail', started, r.records(), range(0, 2000), {
        reported: s.corrupt,
        note: `corrupt=${s.corrupt}`,
        problems: s.corrupt === 1 ? [] : [`corrupt=${s.corrupt}, expected 1`],
      });
    } finally {
      await r.stop();
    }
  });
});

test('spool: full, records refused at the call and counted, the rest delivered', async () => {
  const started = Date.now();
  const dir = tmp();
  const spool = path.join(dir, 'spool');
  let r = await startReceiver(dir);
  const refused = new Set();
  let s;
  try {
    await r.control({ down_ms: 60000 });
    const consumer = new sdk.AsyncBatchConsumer(r.url, { spoolDir: spool, spoolMaxBytes: 256 * 1024 });
    const sa = new sdk.SensorsAnalytics(consumer);
    for (let i = 0; i < 10000; i++) {
      try {
        sa.track('u1', 'Reliability', { seq: i });
      } catch (e) {
        if (!(e instanceof sdk.SensorsAnalyticsNetworkException)) throw e;
        refused.add(i);
      }
      if (i % 100 === 0) await sleep(10);
    }
    await sa.close();
    s = consumer.stats();
  } finally {
    await r.stop();
  }
  r = await startReceiver(dir);
  try {
    await drain(r.url, spool);
    finish('spool/full', started, r.records(), range(0, 10000).filter((i) => !refused.has(i)), {
      reported: refused.size,
      note: `refused at the call=${refused.size} (not counted as sent)`,
      problems: refused.size && s.dropped === refused.size ? [] : [`refused ${refused.size}, dropped=${s.dropped}`],
    });
  } finally {
    await r.stop();
  }
});

test('spool: disk-full writes (RLIMIT_FSIZE)', async () => {
  await withSpool(2000, async ({ r, spool, started }) => {
    // Files may not grow past 200 KiB; SIGXFSZ ignored, so such a write fails with EFBIG.
    await runChild(`const sa = new sdk.SensorsAnalytics(new sdk.AsyncBatchConsumer(url, { spoolDir: spool }));
      const pad = 'x'.repeat(100);
      for (let i = 0; i < 20000; i++) sa.track('u1', 'Reliability', { seq: i, pad });
      sa.close();`, r.url, spool, [], "trap '' XFSZ; ulimit -f 200");
    await waitUp(r);
    const s = await drain(r.url, spool);
    finish('spool/rlimit-fsize', started, r.records(), range(0, 20000), { note: `replayed by the next process=${s.replayed}` });
  });
});
