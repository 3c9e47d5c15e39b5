'use strict';
// Memory from Node under a dead receiver: 1 000 000 track() calls through AsyncBatchConsumer
// into a closed port; the peak RSS must stay within the queue bound plus a small constant,
// once V8's own growth (a control run of the same loop without the SDK) is set apart.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const rel = require('./rel.js');

const SDK = JSON.stringify(rel.SDK_PATH);

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

// The memory child: `sdk` mode makes CALLS track() calls into a dead port; `control` runs the
// same loop without the SDK (the same exception thrown and caught per refused call), so that
// what V8 itself reserves while the loop runs (heap pages grow even though nothing is kept)
// can be told from what the SDK keeps.
const MEMORY_CHILD = `
  const net = require('node:net');
  const [maxSize, calls, mode] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
  const hwm = () => Number((/VmHWM:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8')) || [0, 0])[1]);
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1', () => {
    const port = srv.address().port;
    srv.close(() => {
      // Nothing listens on port now: connections are refused.
      const c = new sdk.AsyncBatchConsumer('http://127.0.0.1:' + port + '/sa?project=default', { maxSize });
      const sa = new sdk.SensorsAnalytics(c);
      const props = { seq: 0, pad: 'm'.repeat(120) };
      let line = '';
      new sdk.SensorsAnalytics({ send: (l) => (line = l), flush() {}, close() {} })
        .track('u999999', 'Memory', { seq: 999999, pad: 'm'.repeat(120) });
      sa.track('u0', 'Memory', props);
      global.gc();
      const base = hwm();
      let refused = 0;
      const t0 = Date.now();
      for (let i = 1; i < calls; i++) {
        props.seq = i;
        try {
          if (mode === 'sdk') sa.track('u' + i, 'Memory', props);
          else if (i >= maxSize) throw new sdk.SensorsAnalyticsNetworkException('queue full ' + i);
        } catch (e) {
          refused++;
        }
        // V8 collects lazily: without this the peak would measure garbage.
        if (i % 50000 === 0) global.gc();
      }
      const secs = (Date.now() - t0) / 1000;
      const stats = typeof c.stats === 'function' ? c.stats() : null;
      console.log(JSON.stringify({ recordLen: Buffer.byteLength(line), base, peak: hwm(), refused, secs, stats }));
      // The server is dead: skip the exit drain (it would wait its 10 s bound); what is still
      // queued is counted by the parent (calls - refused).
      process.kill(process.pid, 'SIGKILL');
    });
  });`;

async function memoryChild(maxSize, calls, mode) {
  const res = await child(MEMORY_CHILD, [maxSize, calls, mode]);
  try {
    return JSON.parse(res.out.trim().split('\n').pop());
  } catch (_) {
    throw new Error(`memory child (${mode}) failed (${res.code}): ${res.err.slice(-300)}`);
  }
}

let control = null;

for (const maxSize of [1000, 100000]) {
  test(`memory/dead-receiver/max_size=${maxSize}`, { timeout: 180000 }, async () => {
    const started = Date.now();
    const calls = 1000000;
    const name = `memory/dead-receiver/max_size=${maxSize}`;
    let m;
    let ctl;
    try {
      m = await memoryChild(maxSize, calls, 'sdk');
      // One control run serves both sizes (what V8 grows by does not depend on the queue).
      control = control || (await memoryChild(1000, calls, 'control'));
      ctl = control;
    } catch (e) {
      rel.emit(name, started, { passed: false, note: e.message });
      throw e;
    }
    // The queue and the batches in flight (2 requests of 100, one batch being gathered).
    const slots = maxSize + 300;
    const bound = Math.floor((slots * (m.recordLen + 48)) / 1024);
    const constant = 8 * 1024;
    const growth = m.peak - m.base;
    const v8 = Math.max(0, ctl.peak - ctl.base);
    const accepted = calls - m.refused;
    const problems = [];
    if (growth - v8 > bound + constant) problems.push(`grew ${growth} - ${v8} KiB > ${bound} + ${constant}`);
    const note =
      `peak RSS ${m.peak} KiB, at start ${m.base} KiB, growth ${growth} KiB, of which V8's own ${v8} KiB (control run without the SDK); ` +
      `queue bound ${slots} slots x ${m.recordLen + 48} B = ${bound} KiB (+${constant} KiB allowed); ` +
      `${calls} calls in ${m.secs.toFixed(1)} s (gc every 50 000); refused=${m.refused} accepted=${accepted} ` +
      `(the queue, and batches given up on meanwhile)${m.stats ? ' stats=' + JSON.stringify(m.stats) : ''} ${problems.join('; ')}`;
    const ok = rel.emit(name, started, {
      sent: calls,
      received: 0,
      lost: calls,
      duplicated: 0,
      reported: m.refused,
      passed: problems.length === 0,
      note,
    });
    assert.ok(ok, note);
  });
}
