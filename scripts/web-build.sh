#!/usr/bin/env bash
# Builds the web client into web/dist/chatd-web/browser (serve it with chatd --web-root <that dir>).
# Idempotent: `npm ci` only when node_modules is missing or package-lock.json changed; `ng build`
# only when a source changed; then .gz and .br siblings for precompressed serving (node's zlib).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web
out=$web/dist/chatd-web/browser
cd "$web"
command -v node >/dev/null || { echo "web-build: node is missing (scripts/setup.sh installs it)" >&2; exit 1; }

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || "$(cat node_modules/.chatd-lock-sum 2>/dev/null)" != "$lock_sum" ]]; then
  echo "web-build: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.chatd-lock-sum
fi

# Everything that shapes the output: sources, static assets, configs, the lock file.
src_sum=$( (find src public -type f -print0 | sort -z | xargs -0 sha256sum; \
  sha256sum angular.json tsconfig.json tsconfig.app.json package-lock.json) | sha256sum | cut -d' ' -f1)
if [[ -f $out/index.html && "$(cat "$web/dist/.chatd-src-sum" 2>/dev/null)" == "$src_sum" ]]; then
  echo "web-build: up to date ($out)"
else
  echo "web-build: ng build"
  NG_CLI_ANALYTICS=false npx --no-install ng build --configuration production
  echo "$src_sum" > "$web/dist/.chatd-src-sum"
fi
node tools/compress.mjs "$out"
echo "web-build: output in $out"
