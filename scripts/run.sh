#!/usr/bin/env bash
# Builds (once) and starts chatd on the embedded SQLite default. Extra arguments go to chatd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup.sh
scripts/build.sh release chatd
if [[ -x scripts/web-build.sh ]]; then scripts/web-build.sh; fi
exec build/apps/chatd "$@"
