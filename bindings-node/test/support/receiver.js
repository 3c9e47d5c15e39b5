'use strict';
// The loopback receiver (tests/receiver, binary sa-receiver), started per test.
// ci.sh builds it and sets SA_RECEIVER; otherwise it is looked for in the cargo target dir.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function binary() {
  const candidates = [
    process.env.SA_RECEIVER,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'release', 'sa-receiver'),
    path.resolve(__dirname, '../../../target/release/sa-receiver'),
  ].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`sa-receiver not found (tried ${candidates.join(', ')}); build it with cargo build --release -p sa-receiver`);
  }
  return found;
}

/** Starts a receiver; `args` are its options (e.g. ['--status-seq', '500']). */
async function start(args = []) {
  const proc = spawn(binary(), ['--port', '0', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', function onData(d) {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        proc.stdout.off('data', onData);
        resolve(buf.slice(0, nl).split(/\s+/)[1]);
      }
    });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`sa-receiver exited with ${code}`)));
  });
  const base = url.replace(/\/sa\?.*$/, '');
  const get = async (p) => (await fetch(base + p)).json();
  return {
    url,
    debugUrl: url.replace('/sa?', '/debug?'),
    records: () => get('/_records'),
    requests: () => get('/_requests'),
    control: (body) => fetch(base + '/_control', { method: 'POST', body: JSON.stringify(body) }),
    async waitFor(n, ms = 10000) {
      const end = Date.now() + ms;
      let recs = await get('/_records');
      while (recs.length < n && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        recs = await get('/_records');
      }
      return recs;
    },
    stop() {
      proc.stdin.end();
      proc.kill();
    },
  };
}

module.exports = { start, binary };
