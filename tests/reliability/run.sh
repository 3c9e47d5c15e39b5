#!/usr/bin/env bash
# The reliability suite (issues 6, 12 and 17): faults, the spool, a Kafka broker restart, exit, fork, files, a real nginx,
# FFI panic guards and memory, from Rust, Python and Node. Installs what it needs (nginx from the
# Debian archive, Python tools into a venv under the cache dir), builds the receiver, the
# Rust scenarios, the Python module (a wheel, as bindings-python/tools/env.sh builds it) and
# the Node addon, runs every scenario, prints one table, and ends with exactly
#   reliability: N passed, N failed
# Exit status: non-zero if anything failed.
#
# Independent scenarios run at once: the fault scenarios (mostly waiting, the 30 s outage
# sets their length) in the background, the CPU-heavy ones (exit drain, 8 x 100 000 file
# writers, 1 000 000-call memory runs) one after another in the foreground.
#
# Environment: CARGO_TARGET_DIR (honoured; default <repo>/target), SA_RELIABILITY_CACHE
# (venv and wheels; default $CARGO_TARGET_DIR/reliability-cache), SA_RELIABILITY_VENV,
# SA_RELIABILITY_KEEP=1 keeps the work dir (logs, record files) even when all passed,
# SA_RELIABILITY_NO_NODE=1 skips the Node part (reported as failed, not hidden).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cache="${SA_RELIABILITY_CACHE:-$CARGO_TARGET_DIR/reliability-cache}"
venv="${SA_RELIABILITY_VENV:-$cache/venv}"
# Pinned, so that a fresh machine runs what was tested.
PY_TOOLS=(maturin==1.16.0 pytest==9.2.0 pytest-xdist==3.8.0 gunicorn==27.0.1)
LIMIT=600 # seconds, per runner (the whole run is about 2-3 minutes once built)

work="$(mktemp -d "${TMPDIR:-/tmp}/sa-reliability.XXXXXX")"
logs="$work/logs"
mkdir -p "$logs" "$work/tmp" "$cache"
export RELIABILITY_RESULTS="$work/results.jsonl"
runners="$work/runners.txt"
: >"$RELIABILITY_RESULTS"
: >"$runners"
started=$(date +%s)
cd "$work" # nothing run from here writes into the source tree by accident

log() { printf '[reliability %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# A runner: one command, its output in logs/NAME.log, its exit status in runners.txt.
# Never aborts the script: a failure becomes a row of the table.
run() {
    local name=$1
    shift
    local st=0
    RELIABILITY_RUNNER=$name TMPDIR="$work/tmp" timeout --kill-after=10 "$LIMIT" "$@" >"$logs/$name.log" 2>&1 || st=$?
    echo "$name $st $logs/$name.log" >>"$runners"
    log "$name finished ($st)"
}
failed_step() { # NAME LOG: a build or install step that failed
    echo "$1 1 $2" >>"$runners"
    log "$1 FAILED, see $2"
}

# --- nginx (Debian package) -------------------------------------------------------------
nginx_bin() { command -v nginx 2>/dev/null || ls /usr/sbin/nginx 2>/dev/null || true; }
if [ -z "$(nginx_bin)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing nginx (apt-get)"
        # The package would start a system nginx on port 80: policy-rc.d forbids that; we
        # only run our own, on 127.0.0.1.
        made_policy=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            made_policy=1
        fi
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx ||
            { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx; }; } \
            >"$logs/apt-nginx.log" 2>&1 || log "apt-get install nginx failed (logs/apt-nginx.log)"
        if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    else
        log "nginx is missing and cannot be installed here: the nginx scenario will fail"
    fi
fi

# --- Rust: the receiver and the scenario binaries ----------------------------------------
log "building (cargo, release; CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
rust_ok=0
if (cd "$root" && cargo build --release -q -p sa-receiver --bin sa-receiver &&
    cargo build --release -q -p sa-kafka-tool --bin sa-kafka-tool &&
    cargo test --release -q -p sa-reliability --no-run --message-format=json >"$work/cargo-tests.json") \
    >"$logs/rust-build.log" 2>&1; then
    rust_ok=1
else
    failed_step rust-build "$logs/rust-build.log"
fi
export SA_RECEIVER_BIN="$CARGO_TARGET_DIR/release/sa-receiver"
# Issue 17's broker restart reads the topic back through tests/kafka's tool.
export SA_KAFKA_TOOL="$CARGO_TARGET_DIR/release/sa-kafka-tool"
# The path of the test executable for tests/NAME.rs.
test_exe() {
    python3 - "$work/cargo-tests.json" "$1" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[2] \
            and "test" in m["target"]["kind"]:
        print(m["executable"])
EOF
}

# --- Python: venv, tools, the module ----------------------------------------------------
log "python venv and module ($venv)"
py_ok=0
if {
    { [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"; } &&
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "${PY_TOOLS[@]}" &&
        rm -rf "$cache/wheels" &&
        (cd "$root/bindings-python" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
            maturin build --release --quiet --interpreter "$venv/bin/python" --out "$cache/wheels") &&
        "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
            "$cache"/wheels/sensorsanalytics-*.whl &&
        (cd "$work" && "$venv/bin/python" -c "import sensorsanalytics")
} >"$logs/python-build.log" 2>&1; then
    py_ok=1
else
    failed_step python-build "$logs/python-build.log"
fi
# pytest on the scenario folder; temp files in the work dir, no caches written into the tree.
pytest_in() { # NAME: sets PYTEST to the command line, up to the test arguments
    PYTEST=(env PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider
        --rootdir "$here/python" --basetemp "$work/pytest-$1")
}

# --- Node: the addon, staged -------------------------------------------------------------
# The addon is built with cargo (what `npm run build` does through napi-rs) and staged with
# the package's JS files (its "files" list) under the cache dir, so that nothing is written
# into bindings-node and no npm registry access is needed.
node_ok=0
node_pkg="$cache/node-pkg"
if [ "${SA_RELIABILITY_NO_NODE:-0}" = 1 ]; then
    echo "skipped: SA_RELIABILITY_NO_NODE=1" >"$logs/node-build.log"
    failed_step node-skipped "$logs/node-build.log"
elif ! command -v node >/dev/null; then
    echo "node not found" >"$logs/node-build.log"
    failed_step node-missing "$logs/node-build.log"
else
    log "node addon (cargo build -p sensorsanalytics-node, staged in $node_pkg)"
    if {
        (cd "$root" && cargo build --release -q -p sensorsanalytics-node) &&
            rm -rf "$node_pkg" && mkdir -p "$node_pkg" &&
            for f in package.json index.js index.mjs index.d.ts native.js native.d.ts lib; do
                if [ -e "$root/bindings-node/$f" ]; then cp -r "$root/bindings-node/$f" "$node_pkg/"; fi
            done &&
            cp "$CARGO_TARGET_DIR/release/libsensorsanalytics_node.so" "$node_pkg/sensorsanalytics.linux-x64-gnu.node" &&
            (cd "$work" && node -e "require(process.argv[1]).AsyncBatchConsumer" "$node_pkg")
    } >"$logs/node-build.log" 2>&1; then
        node_ok=1
    else
        failed_step node-build "$logs/node-build.log"
    fi
fi
export SA_NODE_PKG="$node_pkg"
built=$(date +%s)
log "built in $((built - started)) s; running the scenarios"

# --- The scenarios ----------------------------------------------------------------------
# The exit drains first, alone (they are timed against the SDK's bound).
pids=()
# Interrupted: stop the background runners we started (by their pids), then leave.
# (timeout passes the signal on to the runner it started.)
trap 'for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; exit 130' INT TERM
if [ $py_ok = 1 ]; then pytest_in process && run python-process "${PYTEST[@]}" -k "exit or fork or gunicorn" "$here/python/test_process.py"; fi
if [ $node_ok = 1 ]; then
    run node-process node --test "$here/node/process.test.js"
fi

# Then in the background: the fault scenarios of each language (about 40 s each, mostly
# waiting); meanwhile the rest, one at a time.
if [ $rust_ok = 1 ]; then
    run rust-faults "$(test_exe faults)" --test-threads=16 &
    pids+=($!)
    # Issue 12 (spool, 30 s outage with defaults, flaky receiver): mostly waiting as well.
    run rust-spool "$(test_exe spool)" --test-threads=8 &
    pids+=($!)
fi
if [ $py_ok = 1 ]; then
    pytest_in faults && run python-faults "${PYTEST[@]}" -n 10 "$here/python/test_faults.py" &
    pids+=($!)
    pytest_in spool && run python-spool "${PYTEST[@]}" -n 4 "$here/python/test_spool.py" &
    pids+=($!)
    # Issue 17: KafkaConsumer with a spool through a broker restart (a broker of its own).
    pytest_in kafka && run python-kafka "${PYTEST[@]}" "$here/python/test_kafka.py" &
    pids+=($!)
fi
if [ $node_ok = 1 ]; then
    # flush()/close() wait on libuv's pool: room for all ten scenarios at once.
    run node-faults env UV_THREADPOOL_SIZE=16 node --test "$here/node/faults.test.js" &
    pids+=($!)
    run node-spool node --test "$here/node/spool.test.js" &
    pids+=($!)
    # CPU-bound (1 000 000 calls, about a minute: the binding's track() is slow when it
    # throws), so it runs beside the waiting fault scenarios.
    run node-memory node --test "$here/node/memory.test.js" &
    pids+=($!)
fi

if [ $rust_ok = 1 ]; then
    run rust-nginx "$(test_exe nginx)"
    run rust-ffi "$(test_exe ffi_panic)"
fi
if [ $py_ok = 1 ]; then pytest_in files && run python-files "${PYTEST[@]}" -k "concurrent or rotation" "$here/python/test_process.py"; fi
if [ $rust_ok = 1 ]; then run rust-memory "$(test_exe memory)" --test-threads=1; fi
if [ $py_ok = 1 ]; then pytest_in memory && run python-memory "${PYTEST[@]}" -k memory "$here/python/test_process.py"; fi

for p in "${pids[@]}"; do wait "$p" || true; done
finished=$(date +%s)

# --- The table --------------------------------------------------------------------------
echo
echo "reliability scenarios (records: sent, received, lost, duplicated, reported by the SDK)"
echo "build $((built - started)) s, scenarios $((finished - built)) s, work dir $work"
echo
st=0
python3 "$here/report.py" "$RELIABILITY_RESULTS" "$runners" >"$work/table.txt" || st=$?
# Logs of the runners that failed, before the table (whose last line must be the summary).
while read -r name code path; do
    if [ "$code" != 0 ]; then
        echo "---- $name exited $code: last lines of $path"
        tail -n 25 "$path" | sed 's/^/    /'
    fi
done <"$runners"
cat "$work/table.txt"
if [ $st = 0 ] && [ "${SA_RELIABILITY_KEEP:-0}" != 1 ]; then
    rm -rf "$work"
fi
exit $st
