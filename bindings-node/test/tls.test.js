'use strict';
// HTTPS from Node: a receiver whose certificate comes from a CA made by this test
// (sa-receiver --make-test-pki, served by the receiver's TLS front on 127.0.0.1). Accepted
// with the CA trusted through SSL_CERT_FILE; refused with SensorsAnalyticsNetworkException,
// at once (not retried) and saying why, for a CA nobody trusts and an expired certificate.

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const sdk = require('..');
const receiver = require('./support/receiver.js');

let pki;

/** sa-receiver behind its TLS front: `url` is https, records are read from the plain port. */
async function startTls(cert) {
  const args = ['--port', '0', '--tls-cert', path.join(pki, `${cert}.pem`), '--tls-key', path.join(pki, `${cert}.key`)];
  const proc = spawn(receiver.binary(), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const [url, plain] = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', function onData(d) {
      buf += d;
      const lines = buf.split('\n');
      if (lines.length >= 3) {
        proc.stdout.off('data', onData);
        resolve([lines[0].split(/\s+/)[1], lines[1].split(/\s+/)[1]]);
      }
    });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`sa-receiver exited with ${code}`)));
  });
  const base = plain.replace(/\/sa\?.*$/, '');
  return {
    url,
    records: async () => (await fetch(base + '/_records')).json(),
    requests: async () => (await fetch(base + '/_requests')).json(),
    stop() {
      proc.stdin.end();
      proc.kill();
    },
  };
}

describe('HTTPS (test CA, loopback TLS receiver)', () => {
  before(() => {
    pki = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-pki-'));
    execFileSync(receiver.binary(), ['--make-test-pki', pki]);
  });
  after(() => {
    delete process.env.SSL_CERT_FILE;
    fs.rmSync(pki, { recursive: true, force: true });
  });

  test('accepted with the CA trusted through SSL_CERT_FILE', async () => {
    const r = await startTls('server');
    try {
      assert.match(r.url, /^https:\/\//);
      process.env.SSL_CERT_FILE = path.join(pki, 'ca.pem');
      const sa = new sdk.SensorsAnalytics(new sdk.DefaultConsumer(r.url, { requestTimeout: 5000 }));
      sa.track('u1', 'OverTls', { i: 1 });
      sa.track('u2', 'OverTls', { i: 2 });
      await sa.close();
      const recs = await r.records();
      assert.deepEqual(recs.map((x) => x.properties.i), [1, 2]);
    } finally {
      delete process.env.SSL_CERT_FILE;
      r.stop();
    }
  });

  for (const [cert, cause] of [['unknown-ca', 'unknown issuer'], ['expired', 'expired']]) {
    test(`refused at once: ${cert}`, async () => {
      const r = await startTls(cert);
      try {
        process.env.SSL_CERT_FILE = path.join(pki, 'ca.pem');
        const sa = new sdk.SensorsAnalytics(new sdk.BatchConsumer(r.url, { maxSize: 1, requestTimeout: 5000 }));
        const t0 = Date.now();
        sa.track('u1', 'OverTls');
        await assert.rejects(sa.flush(), (e) => {
          assert.ok(e instanceof sdk.SensorsAnalyticsNetworkException, String(e));
          assert.ok(e.message.includes(cause) && e.message.includes('not retried'), e.message);
          return true;
        });
        // BatchConsumer retries what may pass for up to 5 s; a refused certificate never does.
        assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
        assert.deepEqual(await r.records(), []);
        await sa.close().catch(() => {});
      } finally {
        delete process.env.SSL_CERT_FILE;
        r.stop();
      }
    });
  }

  // The same through each consumer's own options (issue 15), the environment left alone.
  const headers = { 'X-Gateway-Token': 'tok-1', 'X-Tenant': 't1' };

  test('caFile, headers and gzip: false as consumer options', async () => {
    const r = await startTls('server');
    try {
      const caFile = path.join(pki, 'ca.pem');
      const net = { caFile, headers, gzip: false };
      const consumers = [
        new sdk.DefaultConsumer(r.url, { requestTimeout: 5000, ...net }),
        new sdk.BatchConsumer(r.url, 2, 5000, net),
        new sdk.AsyncBatchConsumer(r.url, { flushSize: 2, ...net }),
      ];
      for (const [i, c] of consumers.entries()) {
        const sa = new sdk.SensorsAnalytics(c);
        sa.track(`u${i}`, 'OverTls', { i });
        sa.track(`u${i}`, 'OverTls', { i });
        await sa.close();
      }
      assert.equal((await r.records()).length, 6);
      const reqs = await r.requests();
      assert.equal(reqs.reduce((n, q) => n + q.records, 0), 6);
      for (const q of reqs) {
        const h = Object.fromEntries(Object.entries(q.headers).map(([k, v]) => [k.toLowerCase(), v]));
        assert.equal(h['x-gateway-token'], 'tok-1');
        assert.equal(h['x-tenant'], 't1');
        assert.equal(q.gzip, false);
        assert.deepEqual(q.warnings, []);
      }
    } finally {
      r.stop();
    }
  });

  test('caFile of another CA is refused at once', async () => {
    const r = await startTls('unknown-ca');
    try {
      const c = new sdk.BatchConsumer(r.url, { maxSize: 1, caFile: path.join(pki, 'ca.pem') });
      const sa = new sdk.SensorsAnalytics(c);
      const t0 = Date.now();
      sa.track('u1', 'OverTls');
      await assert.rejects(sa.flush(), (e) => {
        assert.ok(e instanceof sdk.SensorsAnalyticsNetworkException, String(e));
        assert.ok(e.message.includes('unknown issuer') && e.message.includes('not retried'), e.message);
        return true;
      });
      assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
      assert.deepEqual(await r.records(), []);
      await sa.close().catch(() => {});
    } finally {
      r.stop();
    }
  });

  test('bad network options throw from the constructor', () => {
    const u = 'http://127.0.0.1:1/sa';
    for (const [make, cause] of [
      [() => new sdk.DefaultConsumer(u, { headers: { 'X-A': 'a\r\nX-B: b' } }), 'no CR, LF'],
      [() => new sdk.DefaultConsumer(u, { headers: [['User-Agent', 'mine']] }), 'the SDK sets it itself'],
      [() => new sdk.BatchConsumer(u, { caFile: '/nonexistent/ca.pem' }), '/nonexistent/ca.pem'],
      [() => new sdk.AsyncBatchConsumer(u, { proxy: '' }), 'proxy must not be empty'],
      [() => new sdk.DebugConsumer(u, { caFile: '' }), 'ca_file must not be empty'],
    ]) {
      assert.throws(make, (e) => e instanceof sdk.SensorsAnalyticsIllegalDataException && e.message.includes(cause));
    }
    assert.throws(() => new sdk.DefaultConsumer(u, { headers: { 'X-A': 1 } }), TypeError);
  });
});
