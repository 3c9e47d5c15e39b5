'use strict';
// RecordingConsumer: records kept in memory for users' own unit tests.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const sdk = require('..');

test('records are kept parsed, in order, and survive close()', async () => {
  const recorder = new sdk.RecordingConsumer();
  const sa = new sdk.SensorsAnalytics(recorder, { projectName: 'p' });
  sa.track('u1', 'ViewProduct', { price: 12.5, tags: ['a', 'b'] });
  sa.trackSignup('u1', 'anon-1');
  sa.profileSet('u1', { vip: true }, true);
  sa.itemSet('book', 'b1', { title: 'T' });
  assert.equal(recorder.length, 4);
  const [first] = recorder.records;
  assert.equal(first.event, 'ViewProduct');
  assert.equal(first.distinct_id, 'u1');
  assert.equal(first.project, 'p');
  assert.equal(first.properties.price, 12.5);
  assert.deepEqual(first.properties.tags, ['a', 'b']);
  assert.deepEqual(recorder.records.map((r) => r.type), ['track', 'track_signup', 'profile_set', 'item_set']);
  assert.deepEqual(recorder.lines.map((l) => JSON.parse(l)), recorder.records);
  assert.deepEqual(recorder.events('ViewProduct').map((r) => r.event), ['ViewProduct']);
  assert.equal(recorder.closed, false);
  await sa.close();
  assert.equal(recorder.closed, true);
  assert.equal(recorder.records.length, 4);
  recorder.clear();
  assert.deepEqual(recorder.records, []);
  assert.equal(recorder.length, 0);
});

test('send() directly; what is not a JSON record is refused', () => {
  const recorder = new sdk.RecordingConsumer();
  recorder.send('{"a":1}');
  assert.deepEqual(recorder.records, [{ a: 1 }]);
  assert.throws(() => recorder.send('not json'), sdk.SensorsAnalyticsIllegalDataException);
});

test('a call that fails validation records nothing', () => {
  const recorder = new sdk.RecordingConsumer();
  const sa = new sdk.SensorsAnalytics(recorder);
  assert.throws(() => sa.track('u1', 'bad name!'), sdk.SensorsAnalyticsIllegalDataException);
  assert.deepEqual(recorder.records, []);
});
