#!/usr/bin/env bash
# Fast unit tests of the web client's pure logic (reducers, text formatting): tsc compiles the
# files listed in web/tsconfig.unit.json to web/out-unit/, node's test runner runs web/unit/.
# No browser, no server; a few seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/web"
if [[ ! -d node_modules ]]; then "$root/scripts/web-build.sh" >/dev/null; fi
rm -rf out-unit
npx --no-install tsc -p tsconfig.unit.json
node --test --test-reporter=spec unit/
