#!/usr/bin/env bash
# Called by Maven (generate-sources): builds the uniffi cdylib, generates the Kotlin layer
# from it in library mode, and stages the .so as a classpath resource for JNA.
#   build-native.sh PROFILE GENERATED_SOURCES_DIR RESOURCES_DIR
# Honours CARGO_TARGET_DIR (the CI keeps one outside the clone).
set -euo pipefail
profile=$1 gen_dir=$2 res_dir=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
case $profile in dev) out=debug ;; *) out=$profile ;; esac

# sa-receiver: the loopback server the HTTP consumer tests start; sa-kafka-tool: the local
# Kafka broker and its reader, for KafkaConsumerTest.
(cd "$repo" && cargo build --quiet --profile "$profile" -p sensorsanalytics-uniffi -p sa-receiver -p sa-kafka-tool)

lib=$target_dir/$out/libsensorsanalytics_uniffi.so
rm -rf "$gen_dir"
(cd "$repo" && "$target_dir/$out/uniffi-bindgen" generate "$lib" --language kotlin --no-format --out-dir "$gen_dir")

# JNA looks for <os>-<arch>/lib<name>.so on the classpath.
mkdir -p "$res_dir/linux-x86-64" "$here/target/native-bin"
cp "$lib" "$res_dir/linux-x86-64/"
cp "$target_dir/$out/sa-receiver" "$target_dir/$out/sa-kafka-tool" "$here/target/native-bin/"
