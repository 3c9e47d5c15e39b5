#!/usr/bin/env bash
# Runs every example, so that none rots: the e-commerce session (view, sign-up with
# track_signup, order, profile, item) in Rust, Python, C, C++ (CMake), Node (CommonJS, and
# TypeScript compiled with tsc), Kotlin and Java; and the Kafka pipeline (examples/pipeline:
# a service writing with KafkaConsumer into the local broker of tests/kafka, a kafka-python
# reader making a daily table; needs java and mvn). Each must run and write its records; the
# script checks how many lines each wrote.
#
#   scripts/examples.sh            # all
#   scripts/examples.sh node cpp   # some: rust python c cpp node ts kotlin java pipeline
#
# Builds what is missing (incremental after each binding's ci.sh, which test-all.sh runs
# first). Honours CARGO_TARGET_DIR. Ends with `examples: N passed, N failed`.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TERM_COLOR=never
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
logs="$CARGO_TARGET_DIR/sa-examples"
mkdir -p "$logs"

wanted=("$@")
((${#wanted[@]})) || wanted=(rust python c cpp node ts kotlin java pipeline)
want() { [[ " ${wanted[*]} " == *" $1 "* ]]; }

passed=0
failed=0
failed_names=()

# run NAME EXPECTED_LINES FILE_GLOB COMMAND...: runs the command (its output in the log), then
# counts the lines of the files matching the glob.
run() {
    local name=$1 expected=$2 glob=$3 log="$logs/$1.log"
    shift 3
    local started=$SECONDS
    if "$@" >"$log" 2>&1; then
        local lines
        lines=$(cat $glob 2>/dev/null | wc -l)
        if [ "$lines" -eq "$expected" ]; then
            echo "example $name: ok, $lines records ($((SECONDS - started)) s)"
            passed=$((passed + 1))
            return
        fi
        echo "example $name: FAILED: $lines records, expected $expected"
    else
        echo "example $name: FAILED ($((SECONDS - started)) s); the end of $log:"
    fi
    tail -n 30 "$log" | sed 's/^/  /'
    failed=$((failed + 1))
    failed_names+=("$name")
}

# --- Rust (core/examples/ecommerce.rs)
if want rust; then
    run rust 6 "$out/rust.log" cargo run --quiet -p sensorsanalytics-core --example ecommerce -- "$out/rust.log"
fi

# --- Python (examples/python/ecommerce.py), on the binding's venv
if want python; then
    python_example() {
        source bindings-python/tools/env.sh
        [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sensorsanalytics' 2>/dev/null \
            || { ensure_venv && build_module; }
        "$VENV/bin/python" examples/python/ecommerce.py "$out/python.log"
    }
    run python 6 "$out/python.log" python_example
fi

# --- The Kafka pipeline (examples/pipeline/run.sh): the service's records read back by the
# reader, whose daily table (CSV: a header and 79 user-days, fixed by the service's seed) is
# counted. The broker is the tests' (tests/kafka/start.sh, idempotent: test-all.sh stops it).
if want pipeline; then
    run pipeline 80 "$out/pipeline.csv" bash examples/pipeline/run.sh "$out/pipeline.csv"
fi

# --- C and C++: `make install` into a prefix, then pkg-config (C) and the CMake package (C++)
prefix="$out/prefix"
if want c || want cpp; then
    make -s -C bindings-c install PREFIX="$prefix" >"$logs/install.log" 2>&1 \
        || { echo "make install failed:"; tail -n 30 "$logs/install.log"; }
fi
if want c; then
    c_example() {
        PKG_CONFIG_PATH="$prefix/lib/pkgconfig" && export PKG_CONFIG_PATH
        cc -std=c99 -Wall -Wextra -Werror examples/c/example.c $(pkg-config --cflags --libs sensorsanalytics) \
            -Wl,-rpath,"$prefix/lib" -o "$out/example-c" && "$out/example-c" "$out/c-events"
    }
    run c 8 "$out/c-events.*" c_example
fi
if want cpp; then
    cpp_example() {
        cmake -S examples/cpp -B "$out/cpp-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
            && cmake --build "$out/cpp-build" && "$out/cpp-build/ecommerce" "$out/cpp-events"
    }
    run cpp 6 "$out/cpp-events.*" cpp_example
fi

# --- Node: CommonJS, and TypeScript compiled with the package's own tsc
if want node || want ts; then
    node_setup() {
        (cd bindings-node && { [ -d node_modules ] || npm install --no-audit --no-fund; } \
            && { ls ./*.node >/dev/null 2>&1 || npm run build; }) \
            && (cd examples/node && npm install --no-audit --no-fund --offline)
    }
    node_setup >"$logs/node-setup.log" 2>&1 || { echo "node setup failed:"; tail -n 30 "$logs/node-setup.log"; }
fi
if want node; then
    run node 6 "$out/node.log" bash -c 'cd examples/node && node ecommerce.js "$1"' _ "$out/node.log"
fi
if want ts; then
    ts_example() {
        (cd examples/node && rm -rf dist && node ../../bindings-node/node_modules/typescript/bin/tsc -p . \
            && node dist/ecommerce.js "$out/ts.log")
    }
    run ts 6 "$out/ts.log" ts_example
fi

# --- Kotlin and Java, on the Kotlin library installed into the local Maven repository
if want kotlin || want java; then
    mvn_args=(-q -B -Dstyle.color=never)
    [ -n "${MAVEN_REPO_LOCAL:-}" ] && mvn_args+=(-Dmaven.repo.local="$MAVEN_REPO_LOCAL")
    jvm_setup() {
        (cd bindings-swift/kotlin && mvn "${mvn_args[@]}" -Dcargo.profile="${SA_CARGO_PROFILE:-dev}" -DskipTests install) \
            && (cd examples/jvm && mvn "${mvn_args[@]}" compile)
    }
    jvm_setup >"$logs/jvm-setup.log" 2>&1 || { echo "jvm setup failed:"; tail -n 30 "$logs/jvm-setup.log"; }
fi
if want kotlin; then
    run kotlin 6 "$out/kotlin.log" bash -c 'cd examples/jvm && mvn "$@"' _ "${mvn_args[@]}" exec:java \
        -Dexec.mainClass=EcommerceKotlin -Dexec.args="$out/kotlin.log"
fi
if want java; then
    run java 6 "$out/java.log" bash -c 'cd examples/jvm && mvn "$@"' _ "${mvn_args[@]}" exec:java \
        -Dexec.mainClass=EcommerceJava -Dexec.args="$out/java.log"
fi

echo
if ((failed)); then
    echo "failed: ${failed_names[*]} (logs in $logs)"
fi
echo "examples: $passed passed, $failed failed"
((failed == 0))
