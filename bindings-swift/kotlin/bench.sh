#!/usr/bin/env bash
# The JVM benchmark: ours beside the official Java SDK 3.4.0 in one JVM run (see
# src/bench/kotlin/sensorsanalytics/bench/Bench.kt for what is measured).
#
#   bash bindings-swift/kotlin/bench.sh [--calls N] [--warmup N] [--rounds N] [--threads N] [--quick]
#
# Builds first (`mvn -Pbench test-compile`: cargo, uniffi-bindgen, Kotlin, and the official SDK
# from Maven Central) unless SA_BENCH_BUILD=0 (ci.sh has just built with -Pbench). The native
# library's cargo profile is SA_CARGO_PROFILE (default release: measure optimised code).
# Honours CARGO_TARGET_DIR and MAVEN_REPO_LOCAL. JVM options: SA_BENCH_JAVA_OPTS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
profile=${SA_CARGO_PROFILE:-release}
mvn_args=(-q -B -Dstyle.color=never -Pbench -Dcargo.profile="$profile")
[ -n "${MAVEN_REPO_LOCAL:-}" ] && mvn_args+=(-Dmaven.repo.local="$MAVEN_REPO_LOCAL")

cd "$here"
if [ "${SA_BENCH_BUILD:-1}" != 0 ]; then
    mvn "${mvn_args[@]}" test-compile
fi
mvn "${mvn_args[@]}" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null
# shellcheck disable=SC2086
exec java ${SA_BENCH_JAVA_OPTS:--Xms1g -Xmx1g} -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
    sensorsanalytics.bench.Bench "$@"
