'use strict';
// The shared test vectors (tests/vectors/*.json), every case through both conversion paths
// (the JSON fast form and the object itself). Cases with aware datetimes run in a child
// process whose local zone is their offset (see support/vectors.js, zoneOf).

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { loadCases, zoneOf, unsupported } = require('./support/vectors.js');

const cases = loadCases();
const runner = path.join(__dirname, 'support', 'run-vectors.js');

/** Runs the named cases in a child with TZ `zone` (null: inherited); results by name. */
function runChild(names, zone, slow) {
  const env = { ...process.env };
  if (zone !== null) env.TZ = zone;
  const out = execFileSync(process.execPath, [runner, ...(slow ? ['--slow-path'] : [])], {
    input: JSON.stringify(names),
    env,
    maxBuffer: 64 << 20,
  });
  return new Map(JSON.parse(out.toString()).map((r) => [r.name, r]));
}

const byZone = new Map();
for (const c of cases) {
  if (unsupported(c)) continue;
  const z = zoneOf(c);
  if (!byZone.has(z)) byZone.set(z, []);
  byZone.get(z).push(c.name);
}

for (const [mode, slow] of [['fast path', false], ['slow path', true]]) {
  const results = new Map();
  for (const [zone, names] of byZone) {
    for (const [k, v] of runChild(names, zone, slow)) results.set(k, v);
  }
  describe(`vectors (${mode})`, () => {
    for (const c of cases) {
      const why = unsupported(c);
      test(`${c.group}/${c.name}`, why ? { skip: why } : {}, () => {
        const r = results.get(c.name);
        assert.ok(r, 'no result');
        if (!r.ok) assert.fail(r.message);
      });
    }
  });
}
