#!/usr/bin/env bash
# Builds (once) and starts chatd on the embedded SQLite default. Extra arguments go to chatd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/build.sh release chatd
scripts/web-build.sh
# The web client is served from its build output; a --web-root given by the caller comes later and wins.
exec build/apps/chatd --web-root "$root/web/dist/chatd-web/browser" "$@"
