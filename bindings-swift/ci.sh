#!/usr/bin/env bash
# CI for the Swift/Kotlin binding (uniffi), from a clean clone:
#   1. the Rust unit tests of the uniffi crate;
#   2. the Swift package's generated sources are what uniffi-bindgen writes today (no Swift
#      toolchain here: Swift is generated and checked, not compiled);
#   3. the Kotlin/JVM library: `mvn -q -B -Pbench test` builds the cdylib, generates the Kotlin
#      layer, and runs the JUnit tests (shared vectors, every method, consumer and error);
#      `-Pbench` also compiles the benchmark against the official Java SDK (Maven Central);
#   4. the benchmark once, briefly (kotlin/bench.sh --quick: 2 000 calls a variant), so that
#      it does not rot; it fails only if lines written differ from calls.
# Ends with `swift-kotlin: N passed, N failed, N skipped`; exits non-zero on any failure.
#
# Honours an exported CARGO_TARGET_DIR (default: the workspace's target/). Maven artifacts
# come from Maven Central into ~/.m2 (override with MAVEN_REPO_LOCAL). SA_CARGO_PROFILE picks
# the cargo profile of the native library (default dev: the tests do not need an optimised
# build, and the dev dependencies are shared with the other bindings' builds).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export SA_CARGO_PROFILE="${SA_CARGO_PROFILE:-dev}"

passed=0
failed=0
skipped=0
fail() { failed=$((failed + $1)); echo "FAILED: $2"; }

# --- system tools: a JDK (17+) and Maven, from Debian's packages when missing ----------------
missing=()
for tool in java javac mvn; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "installing system packages for: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq openjdk-17-jdk-headless maven
fi

# --- 1. Rust unit tests of the uniffi crate ---------------------------------------------------
test_profile=()
[ "$SA_CARGO_PROFILE" = dev ] || test_profile=(--profile "$SA_CARGO_PROFILE")
if out=$(cd "$ROOT" && cargo test -q "${test_profile[@]}" -p sensorsanalytics-uniffi 2>&1); then
    n=$(grep -o '[0-9]* passed' <<<"$out" | awk '{s += $1} END {print s + 0}')
    passed=$((passed + n))
else
    echo "$out"
    fail 1 "cargo test -p sensorsanalytics-uniffi"
fi

# --- 2. the Swift package's generated sources are current -------------------------------------
if bash "$HERE/swift/generate.sh" --check; then
    passed=$((passed + 1))
else
    fail 1 "bindings-swift/swift: generated sources are stale (run bindings-swift/swift/generate.sh)"
fi

# --- 3. Kotlin: mvn test ---------------------------------------------------------------------
# KafkaConsumerTest starts the local Kafka broker (tests/kafka) through sa-kafka-tool, which
# build-native.sh builds; here it must run, not skip.
export SA_REQUIRE_KAFKA=1
mvn_args=(-q -B -Dstyle.color=never -Dcargo.profile="$SA_CARGO_PROFILE")
[ -n "${MAVEN_REPO_LOCAL:-}" ] && mvn_args+=(-Dmaven.repo.local="$MAVEN_REPO_LOCAL")
reports="$HERE/kotlin/target/surefire-reports"
rm -rf "$reports"
mvn_ok=true
(cd "$HERE/kotlin" && mvn "${mvn_args[@]}" -Pbench test) || mvn_ok=false
# -q silences Surefire's summary: add up its XML reports instead.
read -r tests failures errors skips < <(
    cat "$reports"/TEST-*.xml 2>/dev/null | grep -o '<testsuite [^>]*>' | awk '
        function attr(name,   m) { return match($0, name "=\"[0-9]+\"") ? substr($0, RSTART + length(name) + 2, RLENGTH - length(name) - 3) : 0 }
        { t += attr("tests"); f += attr("failures"); e += attr("errors"); s += attr("skipped") }
        END { print t + 0, f + 0, e + 0, s + 0 }'
)
passed=$((passed + tests - failures - errors - skips))
skipped=$((skipped + skips))
if ((failures + errors)); then
    fail $((failures + errors)) "kotlin: $failures failures, $errors errors (see $reports)"
elif ! $mvn_ok; then
    fail 1 "mvn test (build failure)"
elif ((tests == 0)); then
    fail 1 "mvn test ran no test"
fi
echo "kotlin: $tests tests, $skips skipped (vector cases Kotlin's types cannot express are listed as SKIPPED above)"

# --- 4. the benchmark, smoke run ---------------------------------------------------------------
if ! $mvn_ok; then
    fail 1 "kotlin bench: not run (the build failed)"
elif SA_BENCH_BUILD=0 bash "$HERE/kotlin/bench.sh" --quick; then
    passed=$((passed + 1))
else
    fail 1 "kotlin/bench.sh --quick"
fi

echo "swift-kotlin: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
