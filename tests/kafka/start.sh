#!/usr/bin/env bash
# Starts one Apache Kafka broker in KRaft mode (broker and controller in one JVM) on
# 127.0.0.1, on a free port, and prints its bootstrap address (127.0.0.1:PORT) on stdout.
#
# Idempotent: when the broker this script started is still running it only prints the address.
# The jars come from Maven Central through tests/kafka/pom.xml (mvn dependency:copy-dependencies)
# and are copied again only when the pom changes; with them in ~/.m2 a start takes seconds.
#
# State (jars, data, log, pid, port) lives in $SA_KAFKA_HOME (default: /tmp/sa-kafka-$UID).
# Topics are not created automatically (auto.create.topics.enable=false): a producer to a topic
# that does not exist must see that error, as on a production cluster. Tests create theirs.
# Stop with tests/kafka/stop.sh. Needs java (17+) and mvn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${SA_KAFKA_HOME:-/tmp/sa-kafka-$(id -u)}"
mkdir -p "$home"
log() { echo "kafka/start.sh: $*" >&2; }

command -v java >/dev/null || { log "java is not installed"; exit 2; }
command -v mvn >/dev/null || { log "mvn is not installed"; exit 2; }

# One start at a time (tests in several processes may all ask for the broker).
exec 9>"$home/.lock"
flock 9

answers() { # port -> whether something accepts connections there
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if [[ -f "$home/pid" && -f "$home/port" ]]; then
  pid=$(cat "$home/pid"); port=$(cat "$home/port")
  if kill -0 "$pid" 2>/dev/null && answers "$port"; then
    echo "127.0.0.1:$port"
    exit 0
  fi
fi

# The jars: copied once per pom version.
stamp="$(sha256sum "$here/pom.xml" | cut -c1-16)"
if [[ "$(cat "$home/lib/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  log "fetching the broker's jars with Maven"
  rm -rf "$home/lib"
  # Offline first: fast, and works when ~/.m2 already has everything.
  if ! mvn -q -B -o -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$home/lib" >"$home/mvn.log" 2>&1; then
    mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$home/lib" >"$home/mvn.log" 2>&1 || { cat "$home/mvn.log" >&2; exit 1; }
  fi
  echo "$stamp" >"$home/lib/.stamp"
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Reuse the last port when it is free: a restarted broker keeps its address, so a producer
# that knew it reconnects (the restart tests need exactly that).
port=$(cat "$home/port" 2>/dev/null || true)
if [[ -z "$port" ]] || answers "$port"; then port=$(free_port); fi
cport=$(free_port)
while [[ "$cport" == "$port" ]]; do cport=$(free_port); done

cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$home/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

java_opts=(-Xms256m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1)
cp="$home/lib/*"

# A fresh data folder each start unless asked to keep it (a restart in the middle of a test
# must keep the topics and what was written).
if [[ "${SA_KAFKA_KEEP_DATA:-0}" != 1 || ! -f "$home/data/meta.properties" ]]; then
  rm -rf "$home/data"
  # A cluster id as `kafka-storage random-uuid` makes one (Base64url of 16 random bytes),
  # without starting a JVM for it. Like Kafka's Uuid.randomUuid, never one that starts with
  # '-': the format tool would read it as an option ("--cluster-id: expected one argument",
  # one start in 64 failed that way).
  cluster=$(python3 -c '
import base64, uuid
while True:
    c = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not c.startswith("-"):
        print(c)
        break')
  java -cp "$cp" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster" \
    -c "$home/server.properties" >"$home/format.log" 2>&1 || { cat "$home/format.log" >&2; exit 1; }
fi

nohup java -cp "$cp" "${java_opts[@]}" kafka.Kafka "$home/server.properties" \
  >"$home/server.log" 2>&1 </dev/null 9>&- &
pid=$!
echo "$pid" >"$home/pid"
echo "$port" >"$home/port"

# Ready when the server says it started and the port answers (60 s at most).
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "the broker exited; its log:"; tail -30 "$home/server.log" >&2; exit 1
  fi
  if grep -q "Kafka Server started" "$home/server.log" && answers "$port"; then
    echo "127.0.0.1:$port"
    exit 0
  fi
  sleep 0.1
done
log "the broker did not start within 60 s; its log:"; tail -30 "$home/server.log" >&2
exit 1
