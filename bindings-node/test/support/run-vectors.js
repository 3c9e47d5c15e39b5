'use strict';
// Child process of vectors.test.js: runs the cases named on stdin in this process's time zone
// (TZ) and prints one JSON result per case. With `--slow-path` the JSON fast form of
// properties is switched off, so both conversion paths meet every vector.

const path = require('node:path');

if (process.argv.includes('--slow-path')) {
  const file = require.resolve('../../lib/properties.js');
  require.cache[file] = { id: file, filename: file, loaded: true, exports: { encode: () => undefined } };
}
const sdk = require(path.resolve(__dirname, '../../index.js'));
const { loadCases, runCase } = require('./vectors.js');

const wanted = new Set(JSON.parse(require('node:fs').readFileSync(0, 'utf8')));
const results = [];
for (const c of loadCases()) {
  if (!wanted.has(c.name)) continue;
  try {
    runCase(sdk, c);
    results.push({ name: c.name, ok: true });
  } catch (e) {
    results.push({ name: c.name, ok: false, message: String(e && e.stack ? e.stack : e) });
  }
}
process.stdout.write(JSON.stringify(results));
