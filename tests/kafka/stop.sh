#!/usr/bin/env bash
# Stops the broker tests/kafka/start.sh started (by its pid), waiting up to 30 s for it to end.
set -euo pipefail
home="${SA_KAFKA_HOME:-/tmp/sa-kafka-$(id -u)}"
[[ -f "$home/pid" ]] || exit 0
pid=$(cat "$home/pid")
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$home/pid"
