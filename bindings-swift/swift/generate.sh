#!/usr/bin/env bash
# Regenerates the Swift package's generated sources from the uniffi library:
#   Sources/SensorsAnalyticsUniffi/SensorsAnalyticsUniffi.swift
#   Sources/SensorsAnalyticsUniffiFFI/{SensorsAnalyticsUniffiFFI.h,module.modulemap}
# With --check, writes nothing and fails if the checked-in files differ (CI runs this: no
# Swift toolchain here compiles the package, so this keeps it in step with the Rust crate).
# Honours CARGO_TARGET_DIR. The generated text does not depend on the cargo profile.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
profile=${SA_CARGO_PROFILE:-release}
case $profile in dev) out=debug ;; *) out=$profile ;; esac
check=false
[[ ${1:-} == --check ]] && check=true

(cd "$repo" && cargo build --quiet --profile "$profile" -p sensorsanalytics-uniffi)
raw=$(mktemp -d)
staged=$(mktemp -d)
trap 'rm -rf "$raw" "$staged"' EXIT
(cd "$repo" && "$target_dir/$out/uniffi-bindgen" generate "$target_dir/$out/libsensorsanalytics_uniffi.so" \
    --language swift --no-format --out-dir "$raw" >/dev/null)

# uniffi's flat output, laid out as SwiftPM targets.
mkdir -p "$staged/Sources/SensorsAnalyticsUniffi" "$staged/Sources/SensorsAnalyticsUniffiFFI"
cp "$raw/SensorsAnalyticsUniffi.swift" "$staged/Sources/SensorsAnalyticsUniffi/"
cp "$raw/SensorsAnalyticsUniffiFFI.h" "$staged/Sources/SensorsAnalyticsUniffiFFI/"
cp "$raw/SensorsAnalyticsUniffiFFI.modulemap" "$staged/Sources/SensorsAnalyticsUniffiFFI/module.modulemap"

status=0
for f in Sources/SensorsAnalyticsUniffi/SensorsAnalyticsUniffi.swift \
         Sources/SensorsAnalyticsUniffiFFI/SensorsAnalyticsUniffiFFI.h \
         Sources/SensorsAnalyticsUniffiFFI/module.modulemap; do
    if $check; then
        if ! diff -u "$here/$f" "$staged/$f" >/dev/null 2>&1; then
            echo "swift: generated file out of date: bindings-swift/swift/$f (run bindings-swift/swift/generate.sh)" >&2
            status=1
        fi
    else
        mkdir -p "$(dirname "$here/$f")"
        cp "$staged/$f" "$here/$f"
    fi
done
exit $status
