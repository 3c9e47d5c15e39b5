#!/usr/bin/env bash
# Runs the pipeline example end to end against the local broker of the tests
# (tests/kafka/start.sh: Apache Kafka in KRaft mode on 127.0.0.1, jars from Maven; needs java
# and mvn): makes a topic, runs the service (examples/pipeline/service.py, KafkaConsumer), then
# the reader (reader.py, kafka-python) until it has read every record the service handed over,
# and prints the daily table (also written as CSV to $1, default out/pipeline-daily.csv).
#
#   examples/pipeline/run.sh [CSV_PATH]
#
# Python: the binding's venv (bindings-python/tools/env.sh; built if missing) for the service,
# a venv of the reader's own for kafka-python and lz4 (requirements-reader.txt), under
# $CARGO_TARGET_DIR. The broker is left running (tests/kafka/stop.sh stops it).
set -euo pipefail
pipeline="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$pipeline/../.." && pwd)"
csv="${1:-out/pipeline-daily.csv}"
mkdir -p "$(dirname "$csv")"

source "$root/bindings-python/tools/env.sh"
[ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sensorsanalytics' 2>/dev/null || { ensure_venv && build_module; }

reader_venv="$CARGO_TARGET_DIR/sa-pipeline-reader-venv"
if ! "$reader_venv/bin/python" -c 'import kafka, lz4' 2>/dev/null; then
    "${PYTHON:-python3}" -m venv "$reader_venv"
    "$reader_venv/bin/pip" install --quiet --disable-pip-version-check -r "$pipeline/requirements-reader.txt"
fi

bootstrap="$(bash "$root/tests/kafka/start.sh")"
topic="sa-pipeline-$$-$(date +%s)"
"$reader_venv/bin/python" - "$bootstrap" "$topic" <<'PY'
import sys
from kafka.admin import KafkaAdminClient, NewTopic
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
admin.create_topics([NewTopic(sys.argv[2], num_partitions=3, replication_factor=1)])
admin.close()
PY
echo "topic $topic on $bootstrap"

out="$("$VENV/bin/python" "$pipeline/service.py" "$bootstrap" "$topic")"
echo "$out"
handed="$(sed -n 's/^handed over \([0-9]*\) records.*/\1/p' <<<"$out")"
"$reader_venv/bin/python" "$pipeline/reader.py" "$bootstrap" "$topic" --expect "$handed" --csv "$csv"
