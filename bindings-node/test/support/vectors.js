'use strict';
// Running the shared test vectors (tests/vectors/, format in its README) through the Node
// API, and comparing what comes out by the README's rules.

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');

const VECTORS_DIR = path.resolve(__dirname, '../../../tests/vectors');

/** All cases, each with its `group`. */
function loadCases() {
  const files = fs.readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json')).sort();
  const cases = [];
  for (const f of files) {
    const { group, cases: list } = JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, f), 'utf8'));
    for (const c of list) cases.push({ group, ...c });
  }
  return cases;
}

const AWARE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})([+-]\d\d:\d\d)$/;
const NAIVE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})$/;

/** The UTC offsets of a case's aware datetimes (README: each case has at most one). */
function offsets(value, acc = new Set()) {
  if (Array.isArray(value)) {
    for (const v of value) offsets(v, acc);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$datetime') {
      const m = AWARE.exec(value.$datetime);
      if (m) acc.add(m[8]);
    } else {
      for (const v of Object.values(value)) offsets(v, acc);
    }
  }
  return acc;
}

/**
 * Where a case must run: `null` for this machine's zone, else a POSIX TZ string for the one
 * offset of its aware datetimes. A JS Date is an instant without a zone, written in local
 * time, so a case whose datetime is "23:59:58+08:00" must run where local time is +08:00.
 */
function zoneOf(c) {
  const set = offsets([c.calls, c.setup]);
  if (set.size === 0) return null;
  if (set.size > 1) throw new Error(`${c.name}: more than one UTC offset`);
  const [off] = set;
  // POSIX counts west of Greenwich as positive: +08:00 is "UTC-08:00".
  return off === '+00:00' ? 'UTC0' : `UTC${off[0] === '+' ? '-' : '+'}${off.slice(1)}`;
}

/**
 * Why this runner cannot express a case in JS, or null. JS has no date-only type: a `$date`
 * value is passed as its "yyyy-MM-dd" string, which writes the same output, except where the
 * case is about the type itself.
 */
function unsupported(c) {
  if (c.name === 'list_value_date_element') {
    return 'JS has no date type: a date in a list is a string, which is valid there';
  }
  return null;
}

/** A vector value as a JS value (README: tagged values). */
function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const x = v[keys[0]];
    switch (keys[0]) {
      case '$datetime': {
        let m = AWARE.exec(x);
        if (m) return new Date(x);
        m = NAIVE.exec(x);
        if (m) return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]);
        throw new Error(`bad $datetime ${x}`);
      }
      case '$date':
        return x;
      case '$float':
        return { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity }[x];
      default:
    }
  }
  const out = {};
  for (const k of keys) out[k] = decode(v[k]);
  return out;
}

/** Makes one call of a case, by its Python method name. */
function call(sa, Identity, { method, args = {} }) {
  const a = {};
  for (const [k, v] of Object.entries(args)) a[k] = k === 'identities' || k === 'identity' ? v : decode(v);
  const id = (d) => new Identity(d.key, d.value);
  const ids = () => a.identities.map(id);
  switch (method) {
    case 'track': return sa.track(a.distinct_id, a.event_name, a.properties, a.is_login_id);
    case 'track_signup': return sa.trackSignup(a.distinct_id, a.original_id, a.properties);
    case 'profile_set': return sa.profileSet(a.distinct_id, a.profiles, a.is_login_id);
    case 'profile_set_once': return sa.profileSetOnce(a.distinct_id, a.profiles, a.is_login_id);
    case 'profile_increment': return sa.profileIncrement(a.distinct_id, a.profiles, a.is_login_id);
    case 'profile_append': return sa.profileAppend(a.distinct_id, a.profiles, a.is_login_id);
    case 'profile_unset': return sa.profileUnset(a.distinct_id, a.profile_keys, a.is_login_id);
    case 'profile_delete': return sa.profileDelete(a.distinct_id, a.is_login_id);
    case 'item_set': return sa.itemSet(a.item_type, a.item_id, a.properties);
    case 'item_delete': return sa.itemDelete(a.item_type, a.item_id, a.properties);
    case 'register_super_properties': return sa.registerSuperProperties(a.properties);
    case 'clear_super_properties': return sa.clearSuperProperties();
    case 'bind': return sa.bind(...ids());
    case 'unbind': return sa.unbind(id(a.identity));
    case 'track_by_id': return sa.trackById(a.event_name, a.properties, ...ids());
    case 'profile_set_by_id': return sa.profileSetById(a.properties, ...ids());
    case 'profile_set_once_by_id': return sa.profileSetOnceById(a.properties, ...ids());
    case 'profile_append_by_id': return sa.profileAppendById(a.properties, ...ids());
    case 'profile_increment_by_id': return sa.profileIncrementById(a.properties, ...ids());
    case 'profile_unset_by_id': return sa.profileUnsetById(a.profile_keys, ...ids());
    case 'profile_delete_by_id': return sa.profileDeleteById(...ids());
    default: throw new Error(`unknown method ${method}`);
  }
}

const ITEM_TYPES = new Set(['item_set', 'item_delete']);

/** A record as the README compares it: volatile fields checked, then removed. */
function normalise(line, expected) {
  const r = JSON.parse(line);
  if (!('time' in expected)) {
    assert.ok(Number.isInteger(r.time), `time must be an integer: ${line}`);
    delete r.time;
  }
  if (ITEM_TYPES.has(r.type)) {
    assert.ok(!('_track_id' in r), `items carry no _track_id: ${line}`);
  } else {
    const t = r._track_id;
    assert.ok(Number.isInteger(t) && t >= 0 && t < 2 ** 31, `_track_id must be in [0, 2^31): ${line}`);
    delete r._track_id;
  }
  if (r.lib) for (const k of ['$lib', '$lib_version', '$lib_detail']) delete r.lib[k];
  if (r.properties) for (const k of ['$lib', '$lib_version']) delete r.properties[k];
  return r;
}

/** Equal, with key order compared at the top level, in properties and in lib. */
function compare(actual, expected) {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), 'top-level key order');
  for (const k of ['properties', 'lib']) {
    if (expected[k] && actual[k]) assert.deepEqual(Object.keys(actual[k]), Object.keys(expected[k]), `${k} key order`);
  }
  // Numbers compare by value (1.0 is 1 in JS anyway); deepEqual compares the rest by content.
  assert.deepEqual(actual, expected);
}

const KINDS = {
  IllegalData: 'SensorsAnalyticsIllegalDataException',
  Network: 'SensorsAnalyticsNetworkException',
  FileLock: 'SensorsAnalyticsFileLockException',
  Debug: 'SensorsAnalyticsDebugException',
};

/** Runs one case; throws an AssertionError when it does not match. */
function runCase(sdk, c) {
  const lines = [];
  const consumer = { send: (l) => lines.push(l), flush() {}, close() {} };
  const setup = c.setup || {};
  const sa = new sdk.SensorsAnalytics(consumer, {
    projectName: setup.project_name,
    enableTimeFree: setup.enable_time_free,
  });
  if (setup.super_properties != null) sa.registerSuperProperties(decode(setup.super_properties));
  let error = null;
  for (const [i, k] of c.calls.entries()) {
    try {
      call(sa, sdk.SensorsAnalyticsIdentity, k);
    } catch (e) {
      if (!c.error || i !== c.calls.length - 1) throw e;
      error = e;
    }
  }
  if (c.error) {
    assert.ok(error, `expected ${c.error.kind}: ${c.error.message}; got records ${lines.join('\n')}`);
    assert.equal(error.constructor.name, KINDS[c.error.kind], `error class (message: ${error.message})`);
    assert.ok(error instanceof sdk[KINDS[c.error.kind]]);
    assert.equal(error.message, c.error.message);
    assert.equal(lines.length, 0, 'an error case emits no record');
    return;
  }
  assert.equal(lines.length, c.expect.length, `record count: ${lines.join('\n')}`);
  for (const [i, exp] of c.expect.entries()) compare(normalise(lines[i], exp), exp);
}

module.exports = { loadCases, zoneOf, unsupported, runCase };
