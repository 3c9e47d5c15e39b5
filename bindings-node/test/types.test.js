'use strict';
// index.d.ts against a TypeScript program that uses the whole API (types/usage.ts), compiled
// with `tsc --strict` through the package's own name, as a user would import it.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');

test('index.d.ts describes the API (tsc --strict)', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the documented defaults are core's (native consumerDefaults())", () => {
  const d = require('../native.js').consumerDefaults();
  const fs = require('node:fs');
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const js = fs.readFileSync(path.join(__dirname, '..', 'lib', 'consumers.js'), 'utf8');
  for (const doc of [
    `(default ${d.batchMaxSize}, at most`,
    `batch is sent (${d.flushMaxTime})`,
    `many records wait (${d.flushSize})`,
    `Records per request at most (${d.maxBatchSize})`,
    `when full (${d.maxSize})`,
  ]) assert.ok(dts.includes(doc), `index.d.ts: ${doc}`);
  for (const doc of [
    `backupCount=${d.backupCount}, when='${d.when}'`,
    `bufferSize=${d.bufferSize}`,
    `max_size=${d.batchMaxSize}, request_timeout=None`,
    `flush_max_time=${d.flushMaxTime}, flush_size=${d.flushSize}, max_batch_size=${d.maxBatchSize}`,
    `max_size=${d.maxSize}, request_timeout=None`,
    `write_data=${d.writeData ? 'True' : 'False'}`,
  ]) assert.ok(js.includes(doc), `lib/consumers.js: ${doc}`);
});
