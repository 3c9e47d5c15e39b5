'use strict';
// KafkaConsumer against a real local Kafka broker: what a consumer group reads back equals
// what LoggingConsumer writes for the same records, each user's in order; errors are the SDK's
// exception classes.

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sdk = require('..');
const kafka = require('./support/kafka.js');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-node-kafka-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bootstrap = kafka.broker();
const skip = bootstrap ? false : 'no local Kafka broker (SA_KAFKA_TOOL)';

/** A JS consumer handing each record to both: the same line to Kafka and to the file. */
class Tee {
  constructor(...consumers) { this.consumers = consumers; }
  send(line) { for (const c of this.consumers) c.send(line); }
  async flush() { for (const c of this.consumers) await c.flush(); }
  async close() { for (const c of this.consumers) await c.close(); }
}

describe('KafkaConsumer', () => {
  test('records read back equal LoggingConsumer\'s, each user\'s in order', { skip }, async () => {
    const topic = kafka.newTopic(bootstrap, 'sa-node');
    const producer = new sdk.KafkaConsumer(bootstrap, topic, { settings: { 'linger.ms': 2, 'client.id': 'sa-node-test' } });
    const file = path.join(tmp, 'sa.log');
    const sa = new sdk.SensorsAnalytics(new Tee(producer, new sdk.LoggingConsumer(file)));
    const users = 5;
    const perUser = 200;
    for (let seq = 0; seq < perUser; seq++) {
      for (let u = 0; u < users; u++) sa.track(`user-${u}`, 'ViewProduct', { seq, note: '中文 "q" \\' });
    }
    sa.itemSet('book', 'b-1', { price: 9.5 });
    await sa.flush();
    const total = users * perUser + 1;
    const s = producer.stats();
    assert.deepEqual([s.sent, s.failed, s.dropped, s.queueDepth], [total, 0, 0, 0]);
    await sa.close();

    const written = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(written.length, total);
    const read = kafka.read(bootstrap, topic, total);
    assert.equal(read.length, total);
    const byKey = (pairs) => {
      const m = {};
      for (const [k, v] of pairs) (m[k] = m[k] || []).push(v);
      return m;
    };
    const partitionOf = {};
    for (const m of read) {
      partitionOf[m.key] = partitionOf[m.key] ?? m.partition;
      assert.equal(partitionOf[m.key], m.partition, 'one partition per key');
    }
    assert.deepEqual(byKey(read.map((m) => [m.key, m.value])), byKey(written.map((l) => [kafka.keyOf(l), l])));
  });

  test('an unknown topic rejects flush() with SensorsAnalyticsNetworkException', { skip }, async () => {
    const producer = new sdk.KafkaConsumer(bootstrap, 'sa-node-no-such-topic', {
      settings: { 'topic.metadata.propagation.max.ms': 1000 },
    });
    const sa = new sdk.SensorsAnalytics(producer);
    sa.track('u', 'Missing', {});
    await assert.rejects(sa.flush(), (e) => e instanceof sdk.SensorsAnalyticsNetworkException
      && /topic 'sa-node-no-such-topic' does not exist/.test(e.message));
    assert.equal(producer.stats().failed, 1);
    await sa.close();
  });

  test('bad arguments are SensorsAnalyticsIllegalDataException or TypeError', () => {
    assert.throws(() => new sdk.KafkaConsumer('127.0.0.1:9', 'has space'), sdk.SensorsAnalyticsIllegalDataException);
    assert.throws(() => new sdk.KafkaConsumer('127.0.0.1:9', 't', { settings: { 'bootstrap.servers': 'x:1' } }),
      /bootstrap_servers argument/);
    assert.throws(() => new sdk.KafkaConsumer('127.0.0.1:9', 't', { settings: { 'no.such.setting': 1 } }),
      sdk.SensorsAnalyticsIllegalDataException);
    assert.throws(() => new sdk.KafkaConsumer('127.0.0.1:9', 't', { settings: { 'linger.ms': [1] } }), TypeError);
    assert.throws(() => new sdk.KafkaConsumer(9, 't'), TypeError);
  });

  test('a full queue throws SensorsAnalyticsNetworkException; close() reports what it gave up', async () => {
    const producer = new sdk.KafkaConsumer('127.0.0.1:9', 't', { maxSize: 1, settings: { 'message.timeout.ms': 500 } });
    producer.send('{"distinct_id":"a"}');
    assert.throws(() => producer.send('{"distinct_id":"b"}'), (e) => e instanceof sdk.SensorsAnalyticsNetworkException
      && /queue is full/.test(e.message));
    await assert.rejects(producer.close(), /1 records could not be delivered to Kafka/);
    const s = producer.stats();
    assert.deepEqual([s.sent, s.failed, s.dropped], [0, 1, 1]);
  });

  test('with spoolDir, a full queue and close()\'s bound spool records instead of giving them up', async () => {
    // Nothing listens on port 9: nothing is delivered, and the spool keeps all of it.
    const dir = fs.mkdtempSync(path.join(tmp, 'spool-'));
    const producer = new sdk.KafkaConsumer('127.0.0.1:9', 't', {
      maxSize: 1, spoolDir: dir, settings: { 'message.timeout.ms': 500 },
    });
    for (let i = 0; i < 3; i++) producer.send(`{"distinct_id":"u${i}"}`);
    await producer.close();
    const s = producer.stats();
    assert.deepEqual([s.spooled, s.sent, s.failed, s.dropped], [3, 0, 0, 0]);
    assert.ok(fs.readdirSync(dir).length > 0, 'the records wait on disk');
  });
});
