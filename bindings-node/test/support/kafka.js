'use strict';
// The local Kafka broker for the KafkaConsumer tests, through sa-kafka-tool (tests/kafka/tool,
// built by ci.sh, path in SA_KAFKA_TOOL): start it, make a topic, read a topic back with a
// consumer group. `broker()` returns null (skip) where there can be no broker, and throws
// instead when SA_REQUIRE_KAFKA=1 (CI).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

function tool() {
  const t = process.env.SA_KAFKA_TOOL;
  return t && fs.existsSync(t) ? t : null;
}

function noBroker(why) {
  if (process.env.SA_REQUIRE_KAFKA === '1') throw new Error(`SA_REQUIRE_KAFKA=1 but ${why}`);
  return null;
}

function run(args) {
  const r = spawnSync(tool(), args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return r;
}

/** The bootstrap address, or null (with the reason in `skipReason`). */
function broker() {
  if (!tool()) return noBroker('SA_KAFKA_TOOL does not name a built sa-kafka-tool');
  const r = run(['broker']);
  if (r.status === 3) return noBroker(r.stderr.trim());
  if (r.status !== 0) throw new Error(`sa-kafka-tool broker: ${r.stderr}`);
  return r.stdout.trim();
}

function newTopic(bootstrap, prefix, partitions = 3) {
  const name = `${prefix}-${process.pid}-${Date.now()}`;
  const r = run(['create', bootstrap, name, String(partitions)]);
  if (r.status !== 0) throw new Error(`sa-kafka-tool create: ${r.stderr}`);
  return name;
}

/** Every message ({partition, offset, key, value}), in each partition's order. */
function read(bootstrap, topic, count, timeoutSeconds = 60) {
  const r = run(['read', bootstrap, topic, String(count), String(timeoutSeconds)]);
  if (r.status !== 0) throw new Error(`sa-kafka-tool read: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** The key KafkaConsumer gives a record: distinct_id, or item_type:item_id for items. */
function keyOf(line) {
  const r = JSON.parse(line);
  return String(r.type).startsWith('item_') ? `${r.item_type}:${r.item_id}` : r.distinct_id;
}

module.exports = { broker, newTopic, read, keyOf };
