#!/usr/bin/env bash
# The test OpenID Connect provider (tests/oidc: npm oidc-provider on 127.0.0.1).
#   scripts/oidc-provider.sh setup              npm ci into tests/oidc (skipped when up to date)
#   scripts/oidc-provider.sh start DIR URI...   start it in the background for manual use; writes
#                                               DIR/issuer and DIR/pid, prints the issuer
#   scripts/oidc-provider.sh stop DIR           stop the one started with DIR
# auth_tests starts and stops its own provider (it only needs `setup` first); export
# CHAT_REQUIRE_OIDC=1 to make those tests fail instead of skip when node or the packages are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/tests/oidc
cmd=${1:-}; shift || true
case $cmd in
  setup)
    command -v node >/dev/null || { echo "oidc-provider.sh: node is not installed" >&2; exit 1; }
    stamp=$dir/node_modules/.chatd-lock-sha
    want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
    if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $dir/node_modules/oidc-provider ]]; then
      echo "oidc-provider.sh: tests/oidc/node_modules up to date"
      exit 0
    fi
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$stamp"
    ;;
  start)
    state=${1:?usage: start DIR REDIRECT_URI...}; shift
    (( $# > 0 )) || { echo "usage: start DIR REDIRECT_URI..." >&2; exit 2; }
    mkdir -p "$state"
    args=(); for u in "$@"; do args+=(--redirect-uri "$u"); done
    # stdin from a FIFO-like sleeper would end it; for manual use keep stdin open with tail.
    nohup bash -c "tail -f /dev/null | node '$dir/provider.mjs' ${args[*]@Q} > '$state/out' 2> '$state/log'" \
      >/dev/null 2>&1 &
    echo $! > "$state/pid"
    for _ in $(seq 50); do
      [[ -s $state/out ]] && break
      sleep 0.1
    done
    [[ -s $state/out ]] || { echo "oidc-provider.sh: provider did not start, see $state/log" >&2; exit 1; }
    head -1 "$state/out" | sed -E 's/.*"issuer":"([^"]*)".*/\1/' | tee "$state/issuer"
    ;;
  stop)
    state=${1:?usage: stop DIR}
    if [[ -f $state/pid ]]; then
      pkill -P "$(cat "$state/pid")" 2>/dev/null || true
      kill "$(cat "$state/pid")" 2>/dev/null || true
      rm -f "$state/pid"
    fi
    ;;
  *)
    echo "usage: $0 setup | start DIR REDIRECT_URI... | stop DIR" >&2; exit 2 ;;
esac
