'use strict';
// Every method of SensorsAnalytics, through a JS consumer: the records, the JS-specific value
// conversions, $lib/$lib_detail and the error classes.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { client, sdk } = require('./support/capture.js');

const {
  SensorsAnalyticsIdentity: Id,
  SensorsAnalyticsException,
  SensorsAnalyticsIllegalDataException,
  SensorsAnalyticsDebugException,
} = sdk;
const LOGIN = Id.LOGIN_ID;

test('track writes the record with $lib Node and the SDK version', () => {
  const { sa, capture } = client();
  sa.track('u1', 'ViewProduct', { price: 12.5, qty: 2, ok: true, tags: ['a'], none: null });
  const r = capture.last;
  assert.equal(r.type, 'track');
  assert.equal(r.event, 'ViewProduct');
  assert.equal(r.distinct_id, 'u1');
  assert.deepEqual(r.properties, {
    $lib: 'Node', $lib_version: sdk.SDK_VERSION, price: 12.5, qty: 2, ok: true, tags: ['a'], none: null,
  });
  assert.equal(r.lib.$lib, 'Node');
  assert.equal(r.lib.$lib_version, sdk.SDK_VERSION);
  assert.equal(r.lib.$lib_method, 'code');
  assert.ok(Number.isInteger(r.time) && Math.abs(r.time - Date.now()) < 60000);
  assert.ok(Number.isInteger(r._track_id));
});

function trackHere(sa) {
  sa.track('u1', 'E'); // LINE_OF_TRACK
}

class Shop {
  buy(sa) {
    sa.profileSet('u1', { a: 1 });
  }
}

test('$lib_detail names the caller: class##function##file##line', () => {
  const { sa, capture } = client();
  trackHere(sa);
  const line = require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.includes('// LINE_OF_TRACK')) + 1;
  assert.equal(capture.last.lib.$lib_detail, `##trackHere##${__filename}##${line}`);
  new Shop().buy(sa);
  assert.match(capture.last.lib.$lib_detail, new RegExp(`^Shop##buy##${__filename}##\\d+$`));
});

test('libDetail: false leaves $lib_detail out', () => {
  const { sa, capture } = client({ libDetail: false });
  sa.track('u1', 'E');
  assert.ok(!('$lib_detail' in capture.last.lib));
});

test('a user Error.prepareStackTrace does not break tracking', () => {
  const { sa, capture } = client();
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = () => ({ not: 'a string' });
  try {
    sa.track('u1', 'E');
  } finally {
    Error.prepareStackTrace = saved;
  }
  assert.ok(!('$lib_detail' in capture.last.lib));
});

test('options: projectName and enableTimeFree', () => {
  const { sa, capture } = client({ projectName: 'proj1', enableTimeFree: true });
  sa.track('u1', 'E');
  assert.equal(capture.last.project, 'proj1');
  assert.equal(capture.last.time_free, true);
});

test('values: integral numbers are ints, others floats; bigint; undefined is null', () => {
  const { sa, capture } = client();
  sa.track('u1', 'E', { i: 3, f: 0.5, neg: -0, big: 9007199254740993n, u: undefined });
  assert.match(capture.lines[0], /"i":3,"f":0.5,"neg":0,"big":9007199254740993,"u":null/);
});

test('values: a Date is written in local time, $time as its instant', () => {
  const { sa, capture } = client();
  const d = new Date(2024, 1, 29, 23, 59, 58, 7);
  sa.track('u1', 'E', { at: d, $time: d });
  assert.equal(capture.last.properties.at, '2024-02-29 23:59:58.007');
  assert.equal(capture.last.time, d.getTime());
});

test('values: NaN, Infinity, objects, functions, bad lists and huge bigints are errors', () => {
  const { sa } = client();
  const cases = [
    [{ x: NaN }, 'property value must not be NaN or Infinity. [key=x]'],
    [{ x: -Infinity }, 'property value must not be NaN or Infinity. [key=x]'],
    [{ x: { a: 1 } }, "property value must be a str/int/float/datetime/date/list. [value=<class 'dict'>]"],
    [{ x: () => 1 }, "property value must be a str/int/float/datetime/date/list. [value=<class 'function'>]"],
    [{ x: Symbol('s') }, "property value must be a str/int/float/datetime/date/list. [value=<class 'symbol'>]"],
    [{ x: ['a', 1] }, "[list] property's value must be a str. [value=<class 'int'>]"],
    [{ x: ['a', null] }, "[list] property's value must be a str. [value=<class 'NoneType'>]"],
    [{ x: [new Date()] }, "[list] property's value must be a str. [value=<class 'datetime.datetime'>]"],
    [{ x: new Date(NaN) }, 'property value must be a str/int/float/datetime/date/list. [value=Invalid Date]'],
    [{ x: 2n ** 64n }, 'property value must be an integer within the 64-bit range. [key=x]'],
  ];
  for (const [props, message] of cases) {
    assert.throws(() => sa.track('u1', 'E', props), (e) => e instanceof SensorsAnalyticsIllegalDataException && e.message === message, message);
  }
});

test('the caller\'s object is not modified', () => {
  const { sa } = client();
  const props = { $time: 1700000000123, $project: 'p', a: 1 };
  sa.track('u1', 'E', props);
  assert.deepEqual(props, { $time: 1700000000123, $project: 'p', a: 1 });
});

test('class instances and objects with getters are read by their own enumerable keys', () => {
  const { sa, capture } = client();
  class P {
    constructor() {
      this.a = 1;
    }

    toJSON() {
      return { hijacked: true };
    }
  }
  sa.track('u1', 'E', new P());
  assert.equal(capture.last.properties.a, 1);
  assert.ok(!('hijacked' in capture.last.properties));
  sa.track('u1', 'E', { get g() { return 'got'; } });
  assert.equal(capture.last.properties.g, 'got');
  assert.throws(() => sa.track('u1', 'E', { get g() { throw new RangeError('boom'); } }), RangeError);
});

test('trackSignup', () => {
  const { sa, capture } = client();
  sa.trackSignup('login1', 'anon1', { a: 1 });
  assert.equal(capture.last.type, 'track_signup');
  assert.equal(capture.last.event, '$SignUp');
  assert.equal(capture.last.original_id, 'anon1');
});

test('profile methods', () => {
  const { sa, capture } = client();
  sa.profileSet('u1', { a: 1 }, true);
  sa.profileSetOnce('u1', { b: 'x' });
  sa.profileIncrement('u1', { n: 2 });
  sa.profileAppend('u1', { tags: ['a', 'b'] });
  sa.profileUnset('u1', ['a', 'b']);
  sa.profileUnset('u1', { c: true });
  sa.profileDelete('u1');
  const r = capture.records;
  assert.deepEqual(r.map((x) => x.type), [
    'profile_set', 'profile_set_once', 'profile_increment', 'profile_append', 'profile_unset', 'profile_unset', 'profile_delete',
  ]);
  assert.deepEqual(r[0].properties, { a: 1, $is_login_id: true });
  assert.deepEqual(r[2].properties, { n: 2 });
  assert.deepEqual(r[4].properties, { a: true, b: true });
  assert.deepEqual(r[5].properties, { c: true });
  assert.deepEqual(r[6].properties, {});
  assert.throws(() => sa.profileIncrement('u1', { n: 1.5 }), { message: 'property value must be Number. [key=n]' });
  assert.throws(() => sa.profileAppend('u1', { t: 'a' }), { message: 'property value must be list. [key=t]' });
  assert.throws(() => sa.profileUnset('u1', [1]), { message: 'property key must be a str. [key=1]' });
});

test('item methods', () => {
  const { sa, capture } = client();
  sa.itemSet('book', 'b-1', { title: 'T' });
  sa.itemDelete('book', 'b-1');
  assert.deepEqual(capture.records.map((x) => [x.type, x.item_type, x.item_id]), [
    ['item_set', 'book', 'b-1'], ['item_delete', 'book', 'b-1'],
  ]);
  assert.ok(!('_track_id' in capture.last));
});

test('super properties', () => {
  const { sa, capture } = client();
  sa.registerSuperProperties({ app: 'shop', $app_version: '1.2' });
  sa.track('u1', 'E', { a: 1 });
  assert.deepEqual(capture.last.properties, { $lib: 'Node', $lib_version: sdk.SDK_VERSION, app: 'shop', $app_version: '1.2', a: 1 });
  assert.equal(capture.last.lib.$app_version, '1.2');
  sa.clearSuperProperties();
  sa.track('u1', 'E');
  assert.deepEqual(capture.last.properties, { $lib: 'Node', $lib_version: sdk.SDK_VERSION });
  assert.throws(() => sa.registerSuperProperties(['a']), { message: 'properties must be a dict type.' });
});

test('ID-Mapping: bind, unbind, trackById and the *ById profile methods', () => {
  const { sa, capture } = client();
  const login = new Id(LOGIN, 'L1');
  const email = new Id(Id.EMAIL, 'e@x');
  sa.bind(login, email);
  sa.bind([new Id(Id.MOBILE, '138'), email]);
  sa.unbind(email);
  sa.trackById('Buy', { p: 1 }, login, email);
  sa.profileSetById({ a: 1 }, login);
  sa.profileSetOnceById({ a: 1 }, email);
  sa.profileIncrementById({ n: 1 }, login);
  sa.profileAppendById({ t: ['x'] }, login);
  sa.profileUnsetById(['a'], login);
  sa.profileDeleteById(login);
  const r = capture.records;
  assert.deepEqual(r.map((x) => x.type), [
    'track_id_bind', 'track_id_bind', 'track_id_unbind', 'track', 'profile_set', 'profile_set_once',
    'profile_increment', 'profile_append', 'profile_unset', 'profile_delete',
  ]);
  assert.equal(r[0].distinct_id, 'L1');
  assert.equal(r[1].distinct_id, '$identity_mobile+138');
  assert.deepEqual(r[3].identities, { $identity_login_id: 'L1', $identity_email: 'e@x' });
  assert.equal(r[3].properties.$is_login_id, true);
  assert.throws(() => sa.bind(login), { message: 'bind needs at least two identities' });
  assert.throws(() => sa.bind(login, { key: 'k', value: 'v' }), { message: 'Identity type must be SensorsAnalyticsIdentity' });
  assert.throws(() => sa.unbind(new Id(LOGIN, 5)), { message: 'identity value must be a str. [key=$identity_login_id]' });
  assert.throws(() => sa.profileDeleteById(), { message: 'Identity (or list) can not be none or empty' });
});

test('ids: numbers become strings, null is empty', () => {
  const { sa, capture } = client();
  sa.track(42, 'E');
  assert.equal(capture.last.distinct_id, '42');
  assert.throws(() => sa.track(null, 'E'), { message: 'property [distinct_id] must not be empty' });
  assert.throws(() => sa.track('u1', undefined), { message: 'event name must be a valid variable name. [name=None]' });
  assert.throws(() => sa.itemSet(null, 'b'), { message: 'item_type must be a valid variable name. [key=None]' });
});

test('error classes: hierarchy, names and messages', () => {
  const { sa } = client();
  let err;
  try {
    sa.track('', 'E');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SensorsAnalyticsIllegalDataException);
  assert.ok(err instanceof SensorsAnalyticsException);
  assert.ok(err instanceof Error);
  assert.equal(err.name, 'SensorsAnalyticsIllegalDataException');
  assert.equal(err.message, 'property [distinct_id] must not be empty');
  assert.match(err.stack, /api\.test\.js/);
  assert.ok(!(new SensorsAnalyticsDebugException('x') instanceof SensorsAnalyticsException));
  for (const name of ['SensorsAnalyticsNetworkException', 'SensorsAnalyticsFileLockException']) {
    assert.ok(new sdk[name]('m') instanceof SensorsAnalyticsException);
    assert.equal(new sdk[name]('m').name, name);
  }
});

test('a JS consumer gets send synchronously, and flush/close through Promises', async () => {
  const { sa, capture } = client();
  sa.track('u1', 'E');
  assert.equal(capture.lines.length, 1);
  const f = sa.flush();
  assert.ok(f instanceof Promise);
  await f;
  assert.equal(capture.flushed, 1);
  await sa.close();
  assert.equal(capture.closed, 1);
});

test('a JS consumer\'s own errors propagate unchanged', async () => {
  const boom = new Error('disk full');
  const sa = new sdk.SensorsAnalytics({ send() { throw boom; }, flush() { throw boom; }, close() {} });
  assert.throws(() => sa.track('u1', 'E'), (e) => e === boom);
  await assert.rejects(sa.flush(), (e) => e === boom);
});

test('the constructor checks its consumer and options', () => {
  assert.throws(() => new sdk.SensorsAnalytics(), TypeError);
  assert.throws(() => new sdk.SensorsAnalytics({}), TypeError);
  assert.throws(() => new sdk.SensorsAnalytics({ send() {} }, 5), TypeError);
});

test('an invalid project name fails every record', () => {
  const { sa } = client({ projectName: 'bad name' });
  assert.throws(() => sa.track('u1', 'E'), { message: 'project name must be a valid variable name. [project=bad name]' });
});

test('ESM import gives the same objects', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.SensorsAnalytics, sdk.SensorsAnalytics);
  assert.equal(esm.default, sdk);
});

test('the native client used directly throws JS errors too', () => {
  const native = require('../native.js');
  const h = native.createClient(null, null, false);
  assert.throws(() => native.track(h, undefined, '', 'E', undefined, undefined, false), sdk.SensorsAnalyticsIllegalDataException);
  assert.equal(typeof native.track(h, undefined, 'u1', 'E', undefined, undefined, false), 'string');
  // Not a client handle: an error, not a crash.
  assert.throws(() => native.track({}, undefined, 'u1', 'E'), /not a sensorsanalytics client handle/);
  assert.throws(() => native.createClient({}, null, false), /not a sensorsanalytics consumer handle/);
});
