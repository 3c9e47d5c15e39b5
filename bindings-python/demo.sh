#!/usr/bin/env bash
# Builds the module into bindings-python/.venv and runs the e-commerce example through it
# (examples/python/ecommerce.py): 6 records into a local log file, then shows the file.
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"
ensure_venv >&2
build_module >&2
log="${1:-$root/out/ecommerce-python.log}"
rm -f "$log"
"$VENV/bin/python" "$root/examples/python/ecommerce.py" "$log"
echo "log file: $log (first 3 of $(wc -l < "$log") lines)"
head -n 3 "$log"
