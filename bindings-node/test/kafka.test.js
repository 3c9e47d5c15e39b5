'use strict';
// KafkaConsumer against a real local Kafka broker: what a consumer group reads back equals
// what LoggingConsumer writes for the same records, each user's in order; errors are the SDK's
// exception classes; with spoolDir, a broker stopped mid-burst and restarted loses nothing.

const { test, describe, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sdk = require('..');
const kafka = require('./support/kafka.js');
const { sleep } = require('./support/spool.js');

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

  test('a full queue throws SensorsAnalyticsNetworkException; close() reports what it gave up, and onError gets it', async () => {
    const givenUp = [];
    const producer = new sdk.KafkaConsumer('127.0.0.1:9', 't', {
      maxSize: 1, settings: { 'message.timeout.ms': 500 }, onError: (records) => givenUp.push(...records),
    });
    producer.send('{"distinct_id":"a"}');
    assert.throws(() => producer.send('{"distinct_id":"b"}'), (e) => e instanceof sdk.SensorsAnalyticsNetworkException
      && /queue is full/.test(e.message));
    await assert.rejects(producer.close(), /1 records could not be delivered to Kafka/);
    const s = producer.stats();
    assert.deepEqual([s.sent, s.failed, s.dropped], [0, 1, 1]);
    // onError runs on the JS thread: give the queued call its turn.
    for (let i = 0; i < 100 && givenUp.length === 0; i++) await sleep(20);
    assert.deepEqual(givenUp, ['{"distinct_id":"a"}']);
  });

  test('a record the broker never took is handed to onError with no flush() or close() waiting', async () => {
    // Nothing listens on port 9: librdkafka gives up after message.timeout.ms, on its own thread.
    const calls = [];
    const producer = new sdk.KafkaConsumer('127.0.0.1:9', 't', {
      settings: { 'message.timeout.ms': 300 }, onError: (records, error) => calls.push({ records, error }),
    });
    producer.send('{"distinct_id":"u1","event":"E"}');
    for (let i = 0; i < 500 && calls.length === 0; i++) await sleep(20);
    assert.equal(calls.length, 1, 'onError was called once');
    assert.deepEqual(calls[0].records, ['{"distinct_id":"u1","event":"E"}']);
    assert.ok(calls[0].error instanceof sdk.SensorsAnalyticsNetworkException, String(calls[0].error));
    assert.equal(producer.stats().failed, 1);
    await producer.close();
  });

  test('onError must be a function', () => {
    assert.throws(() => new sdk.KafkaConsumer('127.0.0.1:9', 't', { onError: 1 }), TypeError);
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

  test('with spoolDir, a broker stopped mid-burst and restarted loses nothing: every record read back once',
    { skip, timeout: 300_000 }, async (t) => {
      // What librdkafka gives up on while the broker is down (message.timeout.ms, 3 s here)
      // goes to spoolDir and is produced again once it is back. A duplicate only ever repeats
      // a record (the same text, _track_id included).
      const broker = await kafka.ownBroker('node-spool-restart');
      if (!broker) return t.skip('no broker of its own (java or mvn missing)');
      try {
        const started = Date.now();
        const topic = kafka.newTopic(broker.bootstrap, 'sa-node-spool');
        const spool = fs.mkdtempSync(path.join(tmp, 'restart-spool-'));
        // Nothing may be given up on: onError is never called and stats().failed stays 0.
        const givenUp = [];
        const producer = new sdk.KafkaConsumer(broker.bootstrap, topic, {
          spoolDir: spool,
          settings: { 'message.timeout.ms': 3000, 'reconnect.backoff.max.ms': 500 },
          onError: (records) => givenUp.push(...records),
        });
        const sa = new sdk.SensorsAnalytics(producer);
        const n = 10000;
        const track = (from, to) => {
          for (let i = from; i < to; i++) sa.track(`user-${i % 50}`, 'Burst', { seq: i });
        };
        track(0, n / 2);
        for (const end = Date.now() + 20_000; producer.stats().sent === 0 && Date.now() < end;) await sleep(10);
        broker.stop();
        track(n / 2, n);
        await sleep(5000); // past message.timeout.ms: librdkafka gives up, into the spool
        assert.ok(producer.stats().spooled > 0, JSON.stringify(producer.stats()));
        broker.restart();
        // Delivered once the spool is empty: a segment is deleted when all of it is produced.
        for (const end = Date.now() + 90_000; ;) {
          await sa.flush();
          if (fs.readdirSync(spool).length === 0) break;
          assert.ok(Date.now() < end, `${JSON.stringify(producer.stats())} ${fs.readdirSync(spool)}`);
          await sleep(500);
        }
        await sa.close();
        const s = producer.stats();
        assert.deepEqual([s.failed, s.dropped, givenUp.length], [0, 0, 0], JSON.stringify(s));

        const read = kafka.read(broker.bootstrap, topic, n, 90);
        const values = new Set(read.map((m) => m.value));
        const seqs = new Set([...values].map((v) => JSON.parse(v).properties.seq));
        const lost = n - [...Array(n).keys()].filter((i) => seqs.has(i)).length;
        t.diagnostic(`${n} handed over, ${read.length} read back, ${lost} lost, `
          + `${read.length - values.size} duplicated, ${s.spooled} spooled, ${s.sent} acknowledged, `
          + `${((Date.now() - started) / 1000).toFixed(1)} s`);
        assert.equal(lost, 0, `lost: ${lost}`);
        assert.equal(seqs.size, n, 'only seqs 0..n-1');
        // One distinct text per seq: a message read twice repeats its record exactly (same
        // _track_id). (Not "n distinct _track_ids": they are random 31-bit numbers, and two of
        // 10 000 records share one about once in 40 runs.)
        assert.equal(values.size, n, 'a duplicate repeats its record exactly');
        for (const m of read) assert.equal(m.key, kafka.keyOf(m.value));
      } finally {
        broker.close();
      }
    });
});
