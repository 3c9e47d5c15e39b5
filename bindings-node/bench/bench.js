'use strict';
// Throughput of LoggingConsumer: ours ($lib_detail on and off) beside the official
// sa-sdk-node 1.2.6 (a devDependency), in one run. Each variant runs in its own child process
// so that one's garbage and JIT state do not slow another. Time is measured from the first
// track() to the last record being in the file (ours: `await close()`; sa-sdk-node: its
// winston logger has written every line), after a warm-up run.
//
//   node bench/bench.js [events] [rounds]   (default 300000 for ours, sa-sdk-node gets a
//                                           tenth; 3 rounds, medians reported)

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const EVENTS = Number(process.argv[2]) || 300000;
const ROUNDS = Number(process.argv[3]) || 3;

function props(i) {
  return { product_id: `p-${i % 500}`, product_name: 'Phone', price: 12.5, quantity: 2, is_new: true, tags: ['a', 'b'] };
}

async function ours(n, libDetail, dir) {
  const sdk = require('..');
  const sa = new sdk.SensorsAnalytics(new sdk.LoggingConsumer(path.join(dir, 'sa.log')), { libDetail });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sa.track(`user-${i % 1000}`, 'ViewProduct', props(i));
  await sa.close();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function official(n, dir) {
  const SensorsAnalytics = require('sa-sdk-node');
  const sa = new SensorsAnalytics();
  sa.disableReNameOption();
  sa.initLoggingConsumer(dir);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sa.track(`user-${i % 1000}`, 'ViewProduct', props(i));
  sa.close();
  // Its logger writes asynchronously and signals no end: wait until every line is there.
  while (lines(dir) < n) await new Promise((resolve) => setTimeout(resolve, 2));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function lines(dir) {
  let count = 0;
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
  }
  return count;
}

/** Child: one variant, warm-up then the measured run; prints events per second. */
async function child(variant, n) {
  const run = async (count) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-bench-'));
    try {
      const secs = variant === 'official' ? await official(count, dir) : await ours(count, variant === 'on', dir);
      const written = lines(dir);
      if (written !== count) throw new Error(`${variant}: ${written} records written, ${count} tracked`);
      return count / secs;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  await run(Math.ceil(n / 10));
  process.stdout.write(String(await run(n)));
}

function measure(variant, n) {
  const out = execFileSync(process.execPath, [__filename, '--child', variant, String(n)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return Number(out.toString());
}

async function main() {
  if (process.argv[2] === '--child') {
    await child(process.argv[3], Number(process.argv[4]));
    return;
  }
  // Several rounds, each variant in turn, and the median of each: one short run of
  // sa-sdk-node swings by a third on this machine (its logger's timers), and a single pair of
  // runs would make the ratio a coin toss near a target.
  const samples = { official: [], off: [], on: [] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.official.push(measure('official', Math.ceil(EVENTS / 10)));
    samples.off.push(measure('off', EVENTS));
    samples.on.push(measure('on', EVENTS));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const official = median(samples.official);
  const off = median(samples.off);
  const on = median(samples.on);
  const k = (x) => `${(x / 1000).toFixed(0)} k ev/s`;
  const each = (xs) => xs.map((x) => (x / 1000).toFixed(0)).join(', ');
  const rows = [
    ['sa-sdk-node 1.2.6 LoggingConsumer', k(official), '1.0×', each(samples.official)],
    ['sensorsanalytics LoggingConsumer, $lib_detail on', k(on), `${(on / official).toFixed(1)}×`, each(samples.on)],
    ['sensorsanalytics LoggingConsumer, libDetail: false', k(off), `${(off / official).toFixed(1)}×`, each(samples.off)],
  ];
  console.log(`| ${['variant', 'median', 'vs sa-sdk-node', 'each round (k ev/s)'].join(' | ')} |`);
  console.log('| --- | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    `(Node ${process.version}, ${os.cpus().length} CPUs, ${EVENTS} events for ours, ` +
      `${Math.ceil(EVENTS / 10)} for sa-sdk-node, median of ${ROUNDS} rounds)`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
