#!/usr/bin/env bash
# Makes (once) a venv holding the official reference SDK, SensorsAnalyticsSDK 1.11.0 from
# PyPI, and prints its python's path. Tests compare our output with it; it is never imported
# into our packages. The venv lives in a cache dir outside the clone so CI reuses it.
set -euo pipefail
dir="${SA_REF_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sensorsanalytics/ref-venv-1.11.0}"
if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c 'import sensorsanalytics' 2>/dev/null; then
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check SensorsAnalyticsSDK==1.11.0 >&2
fi
echo "$dir/bin/python"
