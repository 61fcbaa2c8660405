#!/usr/bin/env bash
# Configures and builds one flavour. Usage: scripts/build.sh [release|asan] [targets...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
flavour=${1:-release}; shift || true
case $flavour in
  release) dir=$root/build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=$root/build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DCHAT_SANITIZE=ON -DCHAT_BENCH=OFF) ;;
  *) echo "build.sh: unknown flavour $flavour (release|asan)" >&2; exit 2 ;;
esac
# ccache keyed on paths relative to the checkout, so a fresh clone elsewhere (CI) hits the cache.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S "$root" -B "$dir" -G Ninja "${flags[@]}" "${launcher[@]}"
fi
# Beast translation units need up to 2.3 GB each (ASan); two jobs fit comfortably.
if ! cmake --build "$dir" -j "${CHAT_JOBS:-2}" ${1:+--target "$@"}; then
  # A compiler killed for memory or a full disk prints little; say which, then try once on one job
  # (a real compile error fails again at once).
  echo "build.sh: $flavour build failed; disk and memory now:" >&2
  df -h "$dir" >&2 || true
  free -m >&2 || true
  cmake --build "$dir" -j 1 ${1:+--target "$@"}
fi
