#!/usr/bin/env bash
# CI for the C binding, from a clean clone: installs what it needs, checks the header is
# what cbindgen writes, runs the Rust unit tests and the C tests (C99 and C++17, plainly and
# under valgrind), installs into a temporary prefix and builds the example with pkg-config,
# builds the C++ example (examples/cpp) with CMake against the installed CMake package (shared
# and static), and runs the C example under valgrind without this project's suppressions.
# Ends with `N passed, N failed`; exits non-zero on any failure.
#
# Honours an exported CARGO_TARGET_DIR (default: the workspace's target/). Tools it installs
# (cbindgen) go to $CARGO_TARGET_DIR/sa-tools, so a reused target dir keeps them.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
CBINDGEN_VERSION=0.29.4
TOOLS="$CARGO_TARGET_DIR/sa-tools"
LOGS="$CARGO_TARGET_DIR/sa-c/ci-logs"
mkdir -p "$LOGS"

passed=0
failed=0
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); echo "FAILED: $2"; }

# --- system tools: a C and C++ compiler, make, pkg-config, valgrind, cmake -------------------
missing=()
for tool in cc c++ make pkg-config valgrind cmake; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "installing system packages for: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    if command -v apt-get >/dev/null 2>&1; then
        "${sudo_cmd[@]}" apt-get update -qq
        "${sudo_cmd[@]}" apt-get install -y -qq build-essential pkg-config valgrind cmake
    elif command -v dnf >/dev/null 2>&1; then
        "${sudo_cmd[@]}" dnf install -y gcc gcc-c++ make pkgconf-pkg-config valgrind cmake
    else
        echo "cannot install ${missing[*]}: no apt-get or dnf" >&2
        exit 1
    fi
fi

# --- cbindgen, pinned so the checked-in header is reproducible -------------------------------
CBINDGEN="$TOOLS/bin/cbindgen"
if ! grep -q " $CBINDGEN_VERSION\$" <<<"$("$CBINDGEN" --version 2>/dev/null || true)"; then
    echo "installing cbindgen $CBINDGEN_VERSION into $TOOLS"
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/sa-tools-build" \
        cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --root "$TOOLS" --quiet
fi

# --- 1. the header is what cbindgen writes from the sources ---------------------------------
if make -s -C "$HERE" check-header CBINDGEN="$CBINDGEN"; then
    pass 1
else
    fail 1 "include/sensorsanalytics.h is stale (make -C bindings-c header)"
fi

# --- 2. Rust unit tests of the binding -------------------------------------------------------
if cargo test -q -p sensorsanalytics-c 2>&1 | tee "$LOGS/rust.log"; then
    pass "$(grep -Eo '[0-9]+ passed' "$LOGS/rust.log" | awk '{s += $1} END {print s + 0}')"
else
    fail 1 "cargo test -p sensorsanalytics-c"
fi

# --- the local Kafka broker's tool for tests/kafka_test.c (it starts the broker on first use) --
cargo build -q -p sa-kafka-tool
export SA_KAFKA_TOOL="$CARGO_TARGET_DIR/debug/sa-kafka-tool"
export SA_REQUIRE_KAFKA=1

# --- 3. the C tests, compiled as C99 and as C++17, plainly and under valgrind -----------------
# Each run prints `N passed, N failed` last; the totals add them up.
run_c_tests() {
    local target=$1 log="$LOGS/$1.log"
    if make -s -C "$HERE" "$target" >"$log" 2>&1; then :; else
        tail -n 60 "$log"
    fi
    grep -E '^(FAIL|  /|skip .*: no sa-receiver)' "$log" || true
    local lines
    lines=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" || true)
    if [ "$(printf '%s\n' "$lines" | grep -c passed)" -ne 2 ]; then
        fail 1 "make $target did not finish both runs (see $log)"
        return
    fi
    echo "make $target: $(printf '%s' "$lines" | tr '\n' ';')"
    pass "$(printf '%s\n' "$lines" | awk '{s += $1} END {print s}')"
    local f
    f=$(printf '%s\n' "$lines" | awk '{s += $3} END {print s}')
    ((f == 0)) || fail "$f" "make $target"
}
run_c_tests test
run_c_tests valgrind

# --- 4. make install into a temporary prefix; the example builds with pkg-config --------------
PREFIX="$(mktemp -d)"
trap 'rm -rf "$PREFIX"' EXIT
if make -s -C "$HERE" install PREFIX="$PREFIX" >"$LOGS/install.log" 2>&1 \
    && (
        cd "$PREFIX"
        export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
        cc -std=c99 -Wall -Wextra -Werror "$ROOT/examples/c/example.c" \
            $(pkg-config --cflags --libs sensorsanalytics) -o example
        LD_LIBRARY_PATH="$PREFIX/lib" ./example "$PREFIX/events"
        test "$(cat "$PREFIX"/events.* | wc -l)" -eq 8
        # The same program against the static library.
        cc -std=c99 "$ROOT/examples/c/example.c" -I"$PREFIX/include" "$PREFIX/lib/libsensorsanalytics.a" \
            $(pkg-config --libs-only-other --static sensorsanalytics) \
            $(pkg-config --static --libs-only-l sensorsanalytics | sed 's/-lsensorsanalytics//') -o example-static
        rm -f "$PREFIX"/events.*
        ./example-static "$PREFIX/events"
        test "$(cat "$PREFIX"/events.* | wc -l)" -eq 8
    ); then
    pass 1
else
    tail -n 40 "$LOGS/install.log"
    fail 1 "make install / example with pkg-config"
fi

# --- 5. the CMake package: the C++ example (examples/cpp) finds the installed library with
# find_package(sensorsanalytics CONFIG) and links the shared target, then the static one -------
cmake_example() {
    local kind=$1 static=$2 build="$PREFIX/cmake-$1"
    cmake -S "$ROOT/examples/cpp" -B "$build" -DCMAKE_PREFIX_PATH="$PREFIX" -DSA_STATIC="$static" \
        -DCMAKE_BUILD_TYPE=Release >"$LOGS/cmake-$kind.log" 2>&1 \
        && cmake --build "$build" >>"$LOGS/cmake-$kind.log" 2>&1 \
        && rm -f "$PREFIX"/cpp-events.* \
        && "$build/ecommerce" "$PREFIX/cpp-events" >>"$LOGS/cmake-$kind.log" 2>&1 \
        && test "$(cat "$PREFIX"/cpp-events.* | wc -l)" -eq 6
}
if ! command -v cmake >/dev/null 2>&1; then
    fail 1 "cmake not found (apt-get install cmake)"
elif [ ! -f "$PREFIX/lib/cmake/sensorsanalytics/sensorsanalytics-config.cmake" ]; then
    fail 1 "make install did not install the CMake package"
else
    for kind in shared static; do
        static=OFF
        [ "$kind" = static ] && static=ON
        if cmake_example "$kind" "$static"; then
            echo "cmake consumer ($kind): built against the installed package and ran: 6 records"
            pass 1
        else
            tail -n 40 "$LOGS/cmake-$kind.log"
            fail 1 "CMake consumer project (examples/cpp, $kind)"
        fi
    done
    # The shared build must load the installed .so, not a static copy. ldd's output is read
    # whole first: under pipefail, `ldd | grep -q` fails when grep matches and exits before
    # ldd has written everything (ldd then dies of SIGPIPE).
    linked=$(ldd "$PREFIX/cmake-shared/ecommerce" 2>/dev/null || true)
    if grep -q "$PREFIX/lib/libsensorsanalytics.so" <<<"$linked"; then
        pass 1
    else
        fail 1 "the CMake shared target did not link $PREFIX/lib/libsensorsanalytics.so"
    fi
fi

# --- 6. a user's valgrind run, without this project's own suppressions (tests/valgrind.supp),
# with only the file `make install` gives users: the example linked with the installed library
# reports no leak of any kind, "possibly lost" included. (Without any suppression it is clean
# unless the caller's thread happened to wait on the writer thread: see sensorsanalytics.supp.)
if cc -std=c99 -g "$ROOT/examples/c/example.c" -I"$PREFIX/include" -L"$PREFIX/lib" -lsensorsanalytics \
        -Wl,-rpath,"$PREFIX/lib" -o "$PREFIX/example-vg" >"$LOGS/valgrind-user.log" 2>&1 \
    && rm -f "$PREFIX"/vg-events.* \
    && valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible \
        --suppressions="$PREFIX/share/sensorsanalytics/sensorsanalytics.supp" \
        "$PREFIX/example-vg" "$PREFIX/vg-events" >>"$LOGS/valgrind-user.log" 2>&1 \
    && ! grep -Eq "(definitely|indirectly|possibly) lost: [1-9]" "$LOGS/valgrind-user.log"; then
    echo "valgrind --leak-check=full (the installed suppressions only): $(grep -E 'ERROR SUMMARY' "$LOGS/valgrind-user.log" | sed 's/^==[0-9]*== //')"
    pass 1
else
    grep -E "==[0-9]+==" "$LOGS/valgrind-user.log" | tail -n 60
    fail 1 "valgrind with the installed suppressions only: examples/c/example.c against the installed library"
fi

# --- 7. the installed suppression file (sensorsanalytics.supp, for what remains: Rust's thread
# handle when a user's thread wakes the writer, a matter of timing) is there and valgrind
# takes it: a program that waits on the writer five times is clean with it -----------------
# (`make valgrind` above runs the whole C suite with the same file.)
cat >"$PREFIX/flushes.c" <<'C'
#include <stdio.h>
#include <sensorsanalytics.h>
int main(int argc, char **argv) {
    sa_consumer *consumer = NULL;
    sa_client *sa = NULL;
    int round, i, rc = 0;
    (void)argc;
    if (sa_consumer_logging_new(argv[1], 0, "midnight", &consumer) != SA_OK) return 1;
    if (sa_new(consumer, NULL, false, &sa) != SA_OK) return 1;
    sa_consumer_free(consumer);
    /* Each flush waits for the writer thread, busy with 3 000 lines: that wait gives the main
       thread Rust's thread handle (without the suppression file: 48 bytes "possibly lost"). */
    for (round = 0; round < 5; round++) {
        for (i = 0; i < 3000; i++) rc |= sa_track(sa, "u1", "Round", NULL, false);
        rc |= sa_flush(sa);
    }
    rc |= sa_close(sa);
    rc |= sa_free(sa);
    if (rc != SA_OK) fprintf(stderr, "%s\n", sa_last_error_message());
    return rc != SA_OK;
}
C
supp="$PREFIX/share/sensorsanalytics/sensorsanalytics.supp"
if [ -f "$supp" ] \
    && cc -std=c99 -g "$PREFIX/flushes.c" -I"$PREFIX/include" -L"$PREFIX/lib" -lsensorsanalytics \
        -Wl,-rpath,"$PREFIX/lib" -o "$PREFIX/flushes" >"$LOGS/valgrind-supp.log" 2>&1 \
    && valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --suppressions="$supp" "$PREFIX/flushes" "$PREFIX/flushes.log" >>"$LOGS/valgrind-supp.log" 2>&1 \
    && test "$(wc -l <"$PREFIX/flushes.log")" -eq 15000; then
    echo "valgrind with the installed sensorsanalytics.supp, 5 flushes of 3 000 records: $(grep -E 'ERROR SUMMARY' "$LOGS/valgrind-supp.log" | sed 's/^==[0-9]*== //')"
    pass 1
else
    grep -E "==[0-9]+==" "$LOGS/valgrind-supp.log" | tail -n 60
    fail 1 "valgrind with the installed suppression file (share/sensorsanalytics/sensorsanalytics.supp)"
fi

echo "$passed passed, $failed failed"
((failed == 0))
