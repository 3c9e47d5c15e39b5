#!/usr/bin/env bash
# CI for the Python binding, on a clean clone: makes the venv (maturin, pytest, mypy from PyPI)
# and the reference SDK's own venv (scripts/ref-venv.sh), builds the module, type-checks the
# stubs with mypy, then builds the abi3 wheel once and runs every test (shared vectors,
# differential test against the reference, API, signatures, consumers, HTTP against the
# loopback receiver, fork, exit) on each CPython from 3.8 to 3.13 (pyenv), in a venv per
# version (tools/versions.sh). Ends with each version's pytest summary; non-zero if any fails.
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"

echo "--- venv and build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
ensure_venv
build_module

echo "--- loopback receiver for the HTTP tests (tests/receiver)"
(cd "$root" && cargo build --locked --quiet -p sa-receiver)
export SA_RECEIVER="$CARGO_TARGET_DIR/debug/sa-receiver"
export SA_REQUIRE_RECEIVER=1

echo "--- local Kafka broker and its reader for the KafkaConsumer tests (tests/kafka)"
(cd "$root" && cargo build --locked --quiet -p sa-kafka-tool)
export SA_KAFKA_TOOL="$CARGO_TARGET_DIR/debug/sa-kafka-tool"
export SA_REQUIRE_KAFKA=1

echo "--- tinyproxy and ca-certificates for the HTTPS/proxy tests (tests/test_network.py)"
bash "$root/scripts/ensure-apt.sh" tinyproxy update-ca-certificates:ca-certificates
export SA_REQUIRE_PROXY=1

echo "--- reference SDK 1.11.0 in its own venv"
export SA_REF_PYTHON="${SA_REF_PYTHON:-$(bash "$root/scripts/ref-venv.sh")}"
export SA_REQUIRE_REF=1

echo "--- mypy: the package and its stubs, and a program using the whole API"
(cd "$here" && "$VENV/bin/mypy" --strict python/sensorsanalytics tests/typing_usage.py)

echo "--- pytest on CPython 3.8 to 3.13: the abi3 wheel, built once, in a venv per version"
bash "$here/tools/versions.sh"
