#!/usr/bin/env bash
# Installs Debian packages that tests need, when their command is missing:
#   scripts/ensure-apt.sh COMMAND[:PACKAGE] ...     e.g. tinyproxy update-ca-certificates:ca-certificates
# Needs root (CI runs as root) or sudo; with neither it says so and fails.
set -euo pipefail
missing=()
for spec in "$@"; do
    cmd="${spec%%:*}"
    pkg="${spec#*:}"
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/usr/bin/$cmd" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-apt: cannot install ${missing[*]}: no apt-get" >&2
    exit 1
fi
echo "ensure-apt: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
