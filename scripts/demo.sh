#!/usr/bin/env bash
# The main job on an embedded default: the e-commerce example (ViewProduct, track_signup,
# PaidOrder, profile_set, profile_append, item_set) through the Python module, written to a
# local log file (out/ecommerce-python.log). The first run builds the module into
# bindings-python/.venv (a few minutes); `--rust` runs the same example from Rust instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
if [ "${1:-}" = "--rust" ]; then
    exec cargo run --quiet -p sensorsanalytics-core --example ecommerce -- out/ecommerce.log
fi
exec bash bindings-python/demo.sh "$@"
