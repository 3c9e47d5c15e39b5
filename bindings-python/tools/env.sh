# Sourced by ci.sh, demo.sh and bench: the venv of this binding (bindings-python/.venv, or
# $SA_PY_VENV) with its build and test tools, and the build of the module into it.
# Needs: python3 (3.8+; 3.11 here), cargo. Honours an exported CARGO_TARGET_DIR.

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
VENV="${SA_PY_VENV:-$here/.venv}"

# Pinned so a fresh machine builds and checks exactly what was tested.
TOOLS=(maturin==1.16.0 pytest==9.2.0 mypy==2.4.1)

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${TOOLS[@]}"
}

# Builds the extension (release) and installs the package into the venv, editable: the
# Python half is read from python/sensorsanalytics/.
build_module() {
    (cd "$here" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" maturin develop --release --locked --quiet)
}
