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

// `$lib_detail` is `Class##function##file##line` of the user's frame. Each case below is
// called at least twice: the first call parses the site, later ones reuse it (lib/callsite.js),
// and both must say the same.

/** The line of this file that holds `marker` (a comment at the end of the line). */
function lineOf(marker) {
  return require('node:fs').readFileSync(__filename, 'utf8').split('\n').findIndex((l) => l.endsWith(`// ${marker}`)) + 1;
}

/** The `$lib_detail` of each call `call(sa)` makes, `times` times. */
function details(call, times = 2) {
  const { sa, capture } = client();
  const out = [];
  for (let i = 0; i < times; i++) {
    call(sa);
    out.push(capture.last.lib.$lib_detail);
  }
  return out;
}

// Top-level module code: CommonJS runs it as a function called on `module.exports`.
const topLevel = client();
topLevel.sa.track('u1', 'E'); // LINE_OF_TOP_LEVEL

function trackHere(sa) {
  sa.track('u1', 'E'); // LINE_OF_TRACK
}

class Shop {
  buy(sa) {
    sa.profileSet('u1', { a: 1 }); // LINE_OF_BUY
  }

  static open(sa) {
    sa.track('u1', 'E'); // LINE_OF_OPEN
  }
}

class BigShop extends Shop {}

const arrowTrack = (sa) => sa.track('u1', 'E'); // LINE_OF_ARROW

async function afterAwait(sa) {
  await null;
  sa.track('u1', 'E'); // LINE_OF_AWAIT
}

function twoSites(sa) {
  sa.track('u1', 'E'); // LINE_OF_FIRST
  sa.itemSet('t', 'i', {}); // LINE_OF_SECOND
}

test('$lib_detail names the caller: class##function##file##line', () => {
  assert.deepEqual(details(trackHere), Array(2).fill(`##trackHere##${__filename}##${lineOf('LINE_OF_TRACK')}`));
  assert.deepEqual(details((sa) => new Shop().buy(sa)), Array(2).fill(`Shop##buy##${__filename}##${lineOf('LINE_OF_BUY')}`));
});

test('$lib_detail from top-level module code', () => {
  assert.equal(topLevel.capture.last.lib.$lib_detail, `Object##<anonymous>##${__filename}##${lineOf('LINE_OF_TOP_LEVEL')}`);
});

test('$lib_detail names the receiver\'s class, also for one site called on several', () => {
  const buy = `##buy##${__filename}##${lineOf('LINE_OF_BUY')}`;
  const shops = [new Shop(), new BigShop(), new Shop(), new BigShop()];
  let i = 0;
  assert.deepEqual(details((sa) => shops[i++].buy(sa), 4), ['Shop', 'BigShop', 'Shop', 'BigShop'].map((c) => c + buy));
  // A static method: named after the class it is called on.
  const open = `##open##${__filename}##${lineOf('LINE_OF_OPEN')}`;
  const classes = [Shop, BigShop, Shop];
  i = 0;
  assert.deepEqual(details((sa) => classes[i++].open(sa), 3), ['Shop', 'BigShop', 'Shop'].map((c) => c + open));
});

test('$lib_detail from arrow functions, named and anonymous', () => {
  assert.deepEqual(details(arrowTrack), Array(2).fill(`##arrowTrack##${__filename}##${lineOf('LINE_OF_ARROW')}`));
  const anonymous = details((sa) => [sa].forEach((s) => s.track('u1', 'E'))); // LINE_OF_ANONYMOUS
  assert.deepEqual(anonymous, Array(2).fill(`####${__filename}##${lineOf('LINE_OF_ANONYMOUS')}`));
});

test('$lib_detail after an await', async () => {
  const { sa, capture } = client();
  for (let i = 0; i < 2; i++) {
    await afterAwait(sa);
    assert.equal(capture.last.lib.$lib_detail, `##afterAwait##${__filename}##${lineOf('LINE_OF_AWAIT')}`);
  }
});

test('$lib_detail tells apart two sites in one function', () => {
  const { sa, capture } = client();
  for (let i = 0; i < 2; i++) {
    twoSites(sa);
    const [first, second] = capture.records.slice(-2).map((r) => r.lib.$lib_detail);
    assert.equal(first, `##twoSites##${__filename}##${lineOf('LINE_OF_FIRST')}`);
    assert.equal(second, `##twoSites##${__filename}##${lineOf('LINE_OF_SECOND')}`);
  }
});

test('$lib_detail from code without a file (new Function, eval)', () => {
  const made = new Function('sa', 'sa.track("u1", "E")');
  for (const detail of details(made)) assert.match(detail, /^##eval##eval at .*##3$/);
  for (const detail of details((sa) => eval('sa.track("u1", "E")'))) assert.match(detail, /^##eval##eval at .*##1$/);
});

test('$lib_detail of more sites than the SDK keeps: each still right', () => {
  // 2500 sites (the cache keeps 2000, then starts over), each on its own line of one script.
  const count = 2500;
  const code = `(function (sa) {\n${'  sa.track("u1", "E");\n'.repeat(count)}})`;
  const run = require('node:vm').runInThisContext(code, { filename: '/virtual/many-sites.js' });
  const { sa, capture } = client();
  for (let pass = 0; pass < 2; pass++) {
    run(sa);
    const got = capture.records.slice(-count).map((r) => r.lib.$lib_detail);
    assert.deepEqual(got, Array.from({ length: count }, (_, i) => `####/virtual/many-sites.js##${i + 2}`));
  }
});

test('libDetail: false leaves $lib_detail out', () => {
  const { sa, capture } = client({ libDetail: false });
  sa.track('u1', 'E');
  assert.ok(!('$lib_detail' in capture.last.lib));
});

test('a user Error.prepareStackTrace: not called for ours, still applied to theirs', () => {
  const { sa, capture } = client();
  const saved = Error.prepareStackTrace;
  const calls = [];
  const mine = (error, frames) => {
    calls.push(error.message);
    return { not: 'a string', frames: frames.length };
  };
  Error.prepareStackTrace = mine;
  let theirs;
  try {
    trackHere(sa);
    assert.equal(Error.prepareStackTrace, mine);
    theirs = new Error('theirs').stack;
    trackHere(sa);
  } finally {
    Error.prepareStackTrace = saved;
  }
  assert.equal(capture.last.lib.$lib_detail, `##trackHere##${__filename}##${lineOf('LINE_OF_TRACK')}`);
  assert.deepEqual(calls, ['theirs']);
  assert.equal(theirs.not, 'a string');
  assert.ok(theirs.frames > 1);
});

test('Error.stackTraceLimit is the user\'s after a capture', () => {
  const { sa } = client();
  const saved = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 3;
    trackHere(sa);
    assert.equal(Error.stackTraceLimit, 3);
    Error.stackTraceLimit = Infinity;
    trackHere(sa);
    assert.equal(Error.stackTraceLimit, Infinity);
  } finally {
    Error.stackTraceLimit = saved;
  }
  assert.ok(new Error().stack.split('\n').length > 2);
});

/** Runs `lines` as a script `name` in a fresh temporary folder with `flags`: its output lines. */
function runScript(name, lines, flags = []) {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-site-'));
  try {
    const file = path.join(dir, name);
    fs.writeFileSync(file, lines.join('\n'));
    const out = require('node:child_process').execFileSync(process.execPath, [...flags, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'], // stderr: in the error if it fails
    });
    return { dir, lines: out.trim().split('\n') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A script's first line: a client on a JS consumer, `sa`, whose details it prints at the end. */
const CHILD_CLIENT = `const { client } = require(${JSON.stringify(require.resolve('./support/capture.js'))}); const { sa, capture } = client();`;
const CHILD_PRINT = 'console.log(capture.records.map((r) => r.lib.$lib_detail).join("\\n"));';

test('with --enable-source-maps, $lib_detail names the mapped position', () => {
  // Generated line 2 maps to line 21 of orig.ts.
  const map = { version: 3, sources: ['orig.ts'], names: [], mappings: 'AAAA;AAoBA' };
  const { dir, lines } = runScript('gen.js', [
    CHILD_CLIENT,
    `sa.track("u1", "E"); sa.track("u1", "E"); ${CHILD_PRINT}`,
    `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`,
  ], ['--enable-source-maps']);
  assert.deepEqual(lines, Array(2).fill(`Object##<anonymous>##${require('node:path').join(dir, 'orig.ts')}##21`));
});

test('$lib_detail from top-level ES module code', () => {
  const { pathToFileURL } = require('node:url');
  const index = pathToFileURL(require('node:path').join(__dirname, '..', 'index.mjs')).href;
  const { dir, lines } = runScript('top.mjs', [
    `import { SensorsAnalytics } from ${JSON.stringify(index)};`,
    'const lines = []; const sa = new SensorsAnalytics({ send: (l) => lines.push(l), flush() {}, close() {} });',
    'sa.track("u1", "E"); sa.track("u1", "E");',
    'console.log(lines.map((l) => JSON.parse(l).lib.$lib_detail).join("\\n"));',
  ]);
  assert.deepEqual(lines, Array(2).fill(`####${pathToFileURL(require('node:path').join(dir, 'top.mjs')).href}##3`));
});

test('with --frozen-intrinsics (Error cannot be changed), $lib_detail names the caller', () => {
  const { dir, lines } = runScript('frozen.js', [
    CHILD_CLIENT,
    'function frozen() { sa.track("u1", "E"); }',
    `frozen(); frozen(); ${CHILD_PRINT}`,
  ], ['--frozen-intrinsics']);
  assert.deepEqual(lines, Array(2).fill(`##frozen##${require('node:path').join(dir, 'frozen.js')}##2`));
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

test('ProfileOp is the core list, and a number that names no operation is an error, never Delete', () => {
  const native = require('../native.js');
  assert.deepEqual({ ...native.ProfileOp }, { Set: 0, SetOnce: 1, Increment: 2, Append: 3, Unset: 4, Delete: 5 });
  assert.ok(Object.isFrozen(native.ProfileOp));
  const h = native.createClient(null, null, false);
  const record = native.profile(h, undefined, native.ProfileOp.Delete, 'u1', undefined, undefined, false);
  assert.equal(JSON.parse(record).type, 'profile_delete');
  for (const op of [6, 5.5, -1, NaN, 2 ** 32]) {
    assert.throws(() => native.profile(h, undefined, op, 'u1', { a: 1 }, undefined, false),
      { name: 'SensorsAnalyticsIllegalDataException', message: /^unknown profile operation/ });
    assert.throws(() => native.profileById(h, undefined, op, { a: 1 }, undefined, []),
      { name: 'SensorsAnalyticsIllegalDataException', message: /^unknown profile operation/ });
  }
});
