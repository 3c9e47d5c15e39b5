#!/usr/bin/env bash
# The main job on an embedded default: the e-commerce example (ViewProduct, track_signup,
# PaidOrder, profile_set, profile_append, item_set) written to a local log file, out/ecommerce.log.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo run --quiet --locked -p sensorsanalytics-core --example ecommerce -- out/ecommerce.log
