#!/usr/bin/env bash
# The one abi3 wheel on every CPython the package declares (3.8 to 3.13, from pyenv): builds
# the wheel once, installs it into a venv per version (with pytest), and runs the whole
# suite on each, two versions at a time. Prints each version's pytest summary line; exits
# non-zero if any version fails or is missing.
#
# Called by ci.sh (after the module is built, so the wheel reuses the release build), and
# runs alone: bash bindings-python/tools/versions.sh [3.8 3.12 ...]. The environment of the
# suite (SA_RECEIVER, SA_REF_PYTHON, ...) is passed through to every run.
set -euo pipefail
source "$(dirname "$0")/env.sh"

VERSIONS=("$@")
((${#VERSIONS[@]})) || VERSIONS=(3.8 3.9 3.10 3.11 3.12 3.13)
WORK="$CARGO_TARGET_DIR/sa-py-versions"
mkdir -p "$WORK/logs"

# pytest as pinned in env.sh where it installs; the last release for older interpreters.
pytest_for() {
    case "$1" in
        3.8) echo "pytest==8.3.5" ;;
        3.9) echo "pytest==8.4.2" ;;
        *) printf '%s\n' "${TOOLS[@]}" | grep '^pytest==' ;;
    esac
}

interpreter() {
    local root latest
    root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    latest="$(ls -d "$root/versions/$1".* 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$latest" ] && [ -x "$latest/bin/python" ] && echo "$latest/bin/python"
}

echo "--- the abi3 wheel (maturin build --release)"
rm -rf "$WORK/dist"
(cd "$here" && "$VENV/bin/maturin" build --release --locked --quiet --out "$WORK/dist")
wheel="$(ls "$WORK/dist"/*.whl)"
echo "$(basename "$wheel")"

# One version: venv, wheel, pytest. Output to its log; the summary line is printed by the caller.
run_version() {
    local v="$1" log="$WORK/logs/$1.log" py venv
    py="$(interpreter "$v")" || { echo "CPython $v not found (pyenv install $v)" >"$log"; return 1; }
    venv="$WORK/venv-$v"
    {
        [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$(pytest_for "$v")"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
        echo "$("$venv/bin/python" --version)"
        # From a directory outside the source tree, so `import sensorsanalytics` is the wheel.
        cd "$WORK" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$here/tests"
    } >"$log" 2>&1
}

failed=()
pids=()
names=()
report() {
    local v="$1" status="$2" log="$WORK/logs/$1.log" summary
    summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed)|^=+ .*(passed|failed|error).* =+$|no tests ran' "$log" | tail -n 1)"
    if [ "$status" -eq 0 ]; then
        echo "CPython $v: ${summary:-?}"
    else
        echo "CPython $v: FAILED: ${summary:-see log}"
        tail -n 30 "$log" | sed "s/^/  [$v] /"
        failed+=("$v")
    fi
}

# Two at a time: the suite is mostly one core's work (subprocesses, the receiver).
for ((i = 0; i < ${#VERSIONS[@]}; i += 2)); do
    pids=()
    names=()
    for v in "${VERSIONS[@]:i:2}"; do
        run_version "$v" &
        pids+=($!)
        names+=("$v")
    done
    for j in "${!pids[@]}"; do
        status=0
        wait "${pids[$j]}" || status=$?
        report "${names[$j]}" "$status"
    done
done

if ((${#failed[@]})); then
    echo "python versions: FAILED on ${failed[*]} (logs in $WORK/logs)"
    exit 1
fi
echo "python versions: the suite passed on CPython ${VERSIONS[*]}"
