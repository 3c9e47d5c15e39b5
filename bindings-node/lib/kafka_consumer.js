'use strict';
// KafkaConsumer: each record, the same JSON line the other consumers write, as one message on
// a Kafka topic. The native half (src/kafka_consumer.rs) is the core's KafkaConsumer.

const { kafkaConsumer } = require('../native.js');
const { NATIVE, NativeBackedConsumer, options, spool, onError } = require('./consumers.js');

/**
 * `new KafkaConsumer(bootstrapServers, topic, { maxSize, settings, spoolDir, spoolMaxBytes,
 * spoolFsync, onError })`: produces each record to
 * `topic`, keyed by its distinct_id (`item_type:item_id` for items) so that one user's records
 * stay in order, with acks=all, idempotence and lz4. send() only queues (at most `maxSize`
 * records, 100000 by default; a full queue throws SensorsAnalyticsNetworkException); flush()
 * and close() wait up to 10 s for delivery and reject with SensorsAnalyticsNetworkException
 * naming what is pending or was given up on. `settings` are librdkafka's (SASL, TLS,
 * `client.id`, `linger.ms`, ...): numbers and booleans are passed as their text. With
 * `spoolDir`, what librdkafka cannot deliver (records the broker did not take within
 * `message.timeout.ms`, a full queue, what close()'s bound leaves) is written there and
 * produced again when the broker is back, by this process or the next one. Records given up
 * on outside flush()/close() (without a spool: the broker did not take them within
 * `message.timeout.ms`) are warned about on stderr, counted in stats().failed and handed to
 * `onError(records, error)` on the JS thread, as AsyncBatchConsumer's.
 */
class KafkaConsumer extends NativeBackedConsumer {
  constructor(bootstrapServers, topic, opts) {
    const o = options(opts, 'KafkaConsumer');
    const { maxSize, settings } = o;
    if (typeof bootstrapServers !== 'string') throw new TypeError('bootstrapServers must be a string');
    if (typeof topic !== 'string') throw new TypeError('topic must be a string');
    if (maxSize !== undefined && typeof maxSize !== 'number') throw new TypeError('maxSize must be a number');
    super(kafkaConsumer(bootstrapServers, topic, maxSize, settingsOf(settings), spool(o), onError(o.onError)));
  }

  /** The counters: sent (acknowledged), failed (given up on), dropped, queueDepth, lastError. */
  stats() {
    return this[NATIVE].stats();
  }
}

function settingsOf(settings) {
  if (settings === undefined || settings === null) return undefined;
  if (typeof settings !== 'object') throw new TypeError('settings must be an object');
  const out = {};
  for (const [k, v] of Object.entries(settings)) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) {
      throw new TypeError(`settings['${k}'] must be a string, number or boolean`);
    }
    out[k] = String(v);
  }
  return out;
}

module.exports = { KafkaConsumer };
