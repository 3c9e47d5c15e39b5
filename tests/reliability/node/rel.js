'use strict';
// What the Node reliability scenarios share: the SDK (the staged package run.sh builds, or
// bindings-node itself), the loopback receiver (the sa-receiver binary, driven through
// /_control), counting records, and one JSON row per scenario in $RELIABILITY_RESULTS (the
// format of the Rust and Python rows; run.sh prints them as one table).

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');

const SDK_PATH = process.env.SA_NODE_PKG || path.resolve(__dirname, '../../../bindings-node');

function receiverBinary() {
  if (process.env.SA_RECEIVER_BIN) return process.env.SA_RECEIVER_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.resolve(__dirname, '../../../target');
  for (const p of ['release', 'debug']) {
    const exe = path.join(target, p, 'sa-receiver');
    if (fs.existsSync(exe)) return exe;
  }
  throw new Error('sa-receiver not built: set SA_RECEIVER_BIN or CARGO_TARGET_DIR');
}

let counter = 0;

/** Starts sa-receiver on 127.0.0.1 (ephemeral port); records go to a JSONL file. */
async function startReceiver(dir, args = []) {
  const out = path.join(dir, `records-${process.pid}-${counter++}.jsonl`);
  // stdin is a pipe: if this process dies, the receiver exits too.
  const proc = spawn(receiverBinary(), ['--port', '0', '--out', out, ...args.map(String)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    proc.once('exit', (code) => reject(new Error(`sa-receiver exited ${code}`)));
  });
  if (!line.startsWith('LISTENING ')) throw new Error(`sa-receiver said ${line}`);
  const url = line.split(' ')[1];
  const base = url.split('/sa?')[0];
  const call = async (p, body) => {
    const res = await fetch(base + p, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    control: (settings) => call('/_control', settings),
    stats: () => call('/_stats'),
    records() {
      if (!fs.existsSync(out)) return [];
      return fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    },
    async waitRecords(n, ms) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if ((await call('/_stats')).records >= n) return true;
        await sleep(100);
      }
      return false;
    },
    async stop() {
      try {
        await fetch(base + '/_shutdown', { method: 'POST', body: '' });
      } catch (_) {
        // already gone
      }
      proc.stdin.end();
      await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records counted against the keys sent. */
function tally(records, expectedKeys, key) {
  const expected = new Set(expectedKeys);
  const counts = new Map();
  let unexpected = 0;
  for (const r of records) {
    const k = key(r);
    if (expected.has(k)) counts.set(k, (counts.get(k) || 0) + 1);
    else unexpected++;
  }
  const lost = [...expected].filter((k) => !counts.has(k));
  let duplicated = 0;
  for (const c of counts.values()) duplicated += c - 1;
  return { sent: expected.size, received: records.length, unique: counts.size, lost, duplicated, unexpected };
}

const seqKey = (r) => (r && r.properties ? r.properties.seq : undefined);
const range = (lo, hi) => Array.from({ length: hi - lo }, (_, i) => lo + i);

function trackIdDuplicates(records) {
  const seen = new Set();
  let dups = 0;
  for (const r of records) {
    const k = `${r._track_id}/${seqKey(r)}`;
    if (seen.has(k)) dups++;
    seen.add(k);
  }
  return dups;
}

/** Writes one row of the table; returns `passed`. */
function emit(scenario, started, f) {
  const passed = !!f.passed;
  let status = passed ? 'pass' : f.xfail ? 'xfail' : 'fail';
  let note = (f.note || '').trim();
  if (f.xfail && !passed) note = `KNOWN BUG: ${f.xfail}; ${note}`;
  const n = (v) => (v === undefined ? null : v);
  const row = {
    lang: 'node',
    scenario,
    sent: n(f.sent),
    received: n(f.received),
    lost: n(f.lost),
    duplicated: n(f.duplicated),
    reported: n(f.reported),
    status,
    secs: Math.round((Date.now() - started) / 100) / 10,
    note,
    runner: process.env.RELIABILITY_RUNNER || '',
  };
  const line = JSON.stringify(row);
  process.stderr.write(`RESULT ${line}\n`);
  if (process.env.RELIABILITY_RESULTS) fs.appendFileSync(process.env.RELIABILITY_RESULTS, line + '\n');
  return passed;
}

function emitTally(scenario, started, t, f) {
  return emit(scenario, started, {
    sent: t.sent,
    received: t.received,
    lost: t.lost.length,
    duplicated: t.duplicated,
    ...f,
  });
}

module.exports = { SDK_PATH, startReceiver, sleep, tally, seqKey, range, trackIdDuplicates, emit, emitTally };
