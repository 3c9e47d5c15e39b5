#!/usr/bin/env bash
# Fuzzes the boundaries where bytes come in from outside: every cargo-fuzz target in fuzz/
# (record writer + validation, wire encoder, the receiver's answer handling, the spool reader) and atheris on the
# Python binding's conversion of nested objects (fuzz/python/fuzz_convert.py).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     each target for SECONDS (default 30)
#
# Targets: record wire_encode http_answer spool_reader python (default: all). Each starts from its corpus
# (fuzz/corpus/<target>, seeds committed) and leaves what it found there. A crash, a timeout
# (10 s an input) or an out-of-memory (3 GB) fails the script; the input is kept in
# fuzz/artifacts/<target>/ for `scripts/fuzz.sh`'s reproduction hint.
#
# Engines (SA_FUZZ_ENGINE):
#   cargo-fuzz  libFuzzer + AddressSanitizer through `cargo +nightly fuzz` (installs cargo-fuzz
#               if missing). Default when a nightly toolchain is installed.
#   sancov      libFuzzer with the same coverage instrumentation, built by the stable
#               toolchain (no sanitizer, no cargo-fuzz to install): what CI uses, since it
#               builds in a few minutes. Default when there is no nightly.
# SA_FUZZ_PYTHON=0 skips the atheris target (it needs the binding's venv: bindings-python/ci.sh
# or tools/env.sh build it; atheris is pip-installed into it).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(record wire_encode http_answer spool_reader python)
fuzz="$root/fuzz"
export CARGO_TERM_COLOR=never

engine="${SA_FUZZ_ENGINE:-}"
if [ -z "$engine" ]; then
    if rustup run nightly rustc --version >/dev/null 2>&1; then engine=cargo-fuzz; else engine=sancov; fi
fi
triple="$(rustc -vV | sed -n 's/^host: //p')"
# Kept apart from the workspace's build: the instrumentation changes every crate.
fuzz_target_dir="${SA_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$root/target}/fuzz-$engine}"

libfuzzer_flags=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1)

rust_targets=()
for t in "${targets[@]}"; do [ "$t" != python ] && rust_targets+=("$t"); done

status=0
summary=()

if [ ${#rust_targets[@]} -gt 0 ]; then
    echo "--- building fuzz targets ($engine) into $fuzz_target_dir"
    started=$SECONDS
    case "$engine" in
        cargo-fuzz)
            if ! command -v cargo-fuzz >/dev/null 2>&1; then
                cargo +nightly install cargo-fuzz --locked --version 0.13.2
            fi
            (cd "$fuzz" && CARGO_TARGET_DIR="$fuzz_target_dir" cargo +nightly fuzz build -O)
            bin_dir="$fuzz_target_dir/$triple/release"
            ;;
        sancov)
            # cargo-fuzz's instrumentation flags, minus the sanitizer (which needs nightly).
            flags="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
            flags+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
            flags+=" -Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
            # Profile fuzz-ci (fuzz/Cargo.toml): opt-level 1, many codegen units, no debug
            # info, to keep CI's build short; SA_FUZZ_PROFILE=release for speed of execution.
            profile="${SA_FUZZ_PROFILE:-fuzz-ci}"
            (cd "$fuzz" && CARGO_TARGET_DIR="$fuzz_target_dir" RUSTFLAGS="$flags" \
                cargo build --profile "$profile" --target "$triple" --bins)
            bin_dir="$fuzz_target_dir/$triple/$profile"
            ;;
        *) echo "unknown SA_FUZZ_ENGINE=$engine"; exit 2 ;;
    esac
    echo "--- built in $((SECONDS - started)) s"
fi

run_one() {
    local name="$1"
    shift
    mkdir -p "$fuzz/corpus/$name" "$fuzz/artifacts/$name"
    local log="$fuzz/artifacts/$name/last-run.log"
    echo "--- $name: ${secs}s"
    if "$@" "$fuzz/corpus/$name" "${libfuzzer_flags[@]}" -artifact_prefix="$fuzz/artifacts/$name/" >"$log" 2>&1; then
        local stats
        stats="$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | sed -E 's/ +/ /g')"
        local execs
        execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
        summary+=("$name: ok, ${execs:-?} executions; last: ${stats:-?}")
    else
        status=1
        summary+=("$name: FAILED (see $log and fuzz/artifacts/$name/)")
        grep -E 'panicked|ERROR|SUMMARY|Traceback|Error|assert' "$log" | head -20 || true
    fi
}

for t in "${rust_targets[@]}"; do
    run_one "$t" "$bin_dir/$t"
done

for t in "${targets[@]}"; do
    [ "$t" = python ] || continue
    [ "${SA_FUZZ_PYTHON:-1}" = 0 ] && { summary+=("python: skipped (SA_FUZZ_PYTHON=0)"); continue; }
    venv="${SA_PY_VENV:-$root/bindings-python/.venv}"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sensorsanalytics' 2>/dev/null; then
        echo "--- python: building the binding's venv (bindings-python/tools/env.sh)"
        # shellcheck source=/dev/null
        (source "$root/bindings-python/tools/env.sh" && ensure_venv && build_module)
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check atheris==2.3.0
    run_one python "$venv/bin/python" "$fuzz/python/fuzz_convert.py"
done

echo
printf 'fuzz: %s\n' "${summary[@]}"
exit $status
