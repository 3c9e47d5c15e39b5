#!/usr/bin/env bash
# CI for the Node binding, from a clean clone: install the npm devDependencies, build the
# native module with @napi-rs/cli, check that the checked-in loader and types are what the
# build generates, build the loopback receiver, then run every test (Rust unit tests,
# `npm test`: vectors, API, consumers, exit drain, types) and a short benchmark smoke run.
# Honours an exported CARGO_TARGET_DIR. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$here"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

echo "== npm install (from package-lock.json)"
# Not `npm ci`: @napi-rs/cli's dependency @napi-rs/lzma names optional per-platform packages
# that the registry lacks at that version, which `npm ci` takes for a stale lock file.
npm install --no-audit --no-fund

echo "== native build (napi build --release)"
# The generated files must not change: a stale native.js / native.d.ts fails CI.
saved="$(mktemp -d)"
trap 'rm -rf "$saved"' EXIT
cp native.js native.d.ts "$saved/"
npx napi build --platform --release --js native.js --dts native.d.ts
for f in native.js native.d.ts; do
  if ! cmp -s "$f" "$saved/$f"; then
    echo "error: $f is stale: the build generated something else. Run 'npm run build' and commit it." >&2
    diff -u "$saved/$f" "$f" | head -40 >&2 || true
    exit 1
  fi
done

echo "== sa-receiver (loopback server for the HTTP tests)"
cargo build --release -p sa-receiver --manifest-path "$repo/Cargo.toml"
export SA_RECEIVER="$CARGO_TARGET_DIR/release/sa-receiver"

echo "== sa-kafka-tool (the local Kafka broker and its reader, for test/kafka.test.js)"
cargo build -p sa-kafka-tool --manifest-path "$repo/Cargo.toml"
export SA_KAFKA_TOOL="$CARGO_TARGET_DIR/debug/sa-kafka-tool"
export SA_REQUIRE_KAFKA=1

echo "== Rust unit tests of the binding"
cargo test --release -p sensorsanalytics-node --manifest-path "$repo/Cargo.toml"

echo "== benchmark smoke run (numbers are not checked here)"
node bench/bench.js 20000 1

echo "== npm test (node --test test/*.test.js)"
npm test
