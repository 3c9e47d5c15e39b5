'use strict';
// The local Kafka broker for the KafkaConsumer tests, through sa-kafka-tool (tests/kafka/tool,
// built by ci.sh, path in SA_KAFKA_TOOL): start it, make a topic, read a topic back with a
// consumer group. `broker()` returns null (skip) where there can be no broker, and throws
// instead when SA_REQUIRE_KAFKA=1 (CI). `ownBroker()` is a broker of one test's own, to stop
// and restart.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

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

const KAFKA_DIR = path.resolve(__dirname, '../../../tests/kafka');

/** Holds an exclusive flock(2) on `file` (the same lock as Python's OwnBroker takes) in a child
 * `flock` process until release() or until this process ends, however it ends. */
function lock(file) {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.stdout.once('data', () => resolve({ release: () => child.stdin.end() }));
    child.on('exit', (code) => reject(new Error(`flock ${file} exited with ${code}`)));
  });
}

/**
 * A broker of one test's own (tests/kafka/start.sh with its own SA_KAFKA_HOME,
 * `<shared home>-<name>`), for a test that stops and restarts it: the shared broker the other
 * tests use is never disturbed. Data is kept across restart(), at the same address. One user
 * at a time (a lock on `<home>.lock`, held until close()). Resolves to null (skip) where there
 * can be no broker, and rejects instead when SA_REQUIRE_KAFKA=1.
 */
async function ownBroker(name) {
  const shared = process.env.SA_KAFKA_HOME || `/tmp/sa-kafka-${os.userInfo().uid}`;
  const home = `${shared}-${name}`;
  const script = (file, keepData = false) => {
    const env = { ...process.env, SA_KAFKA_HOME: home, SA_KAFKA_KEEP_DATA: keepData ? '1' : '0' };
    const r = spawnSync('bash', [path.join(KAFKA_DIR, file)], { env, encoding: 'utf8' });
    if (r.status === 2 && file === 'start.sh') return noBroker(r.stderr.trim()); // no java or mvn
    if (r.status !== 0) throw new Error(`${file}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const held = await lock(`${home}.lock`);
  let stopped = false;
  // Stopped even when the test runner ends this process before the test's finally runs.
  const onExit = () => { if (!stopped) script('stop.sh'); };
  process.on('exit', onExit);
  const close = () => {
    try {
      script('stop.sh');
    } finally {
      stopped = true;
      process.off('exit', onExit);
      held.release();
    }
  };
  let bootstrap;
  try {
    script('stop.sh');
    bootstrap = script('start.sh');
  } catch (e) {
    close();
    throw e;
  }
  if (!bootstrap) {
    close();
    return null;
  }
  return {
    bootstrap,
    stop: () => script('stop.sh'),
    restart() {
      const again = script('start.sh', true);
      if (again !== bootstrap) throw new Error(`the broker came back at another address: ${again}`);
    },
    /** Stops the broker and lets the next user have it. */
    close,
  };
}

module.exports = { broker, ownBroker, newTopic, read, keyOf };
