#!/usr/bin/env bash
# Fuzzes the protocol parser/serializer round trip for a bounded time under ASan+UBSan.
# Usage: scripts/fuzz.sh [seconds]   (default 60). Exits non-zero on any crash or mismatch.
# Builds only the fuzz target, in its own folder (build-fuzz, clang + libFuzzer).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
dir=$root/build-fuzz
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
export CC=clang CXX=clang++
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f $dir/build.ninja ]]; then
  # Coverage instrumentation and sanitizers on everything we build here; -fsanitize=fuzzer (the
  # libFuzzer main) only on the fuzz target itself.
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DCHAT_FUZZ=ON -DCHAT_BENCH=OFF "${launcher[@]}" \
    "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
fi
cmake --build "$dir" --target protocol_fuzz -j "${CHAT_JOBS:-2}"

# Run on a copy: libFuzzer adds what it finds to the corpus folder it is given.
work=$(mktemp -d "${TMPDIR:-/tmp}/chat-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$dir/artifacts"
cp "$root"/tests/fuzz/corpus/* "$work/corpus/"
echo "fuzz: protocol_fuzz for ${seconds}s (crash inputs go to $dir/artifacts/)"
if ! ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$dir/tests/fuzz/protocol_fuzz" "$work/corpus" \
  -dict="$root/tests/fuzz/protocol.dict" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/"; then
  echo "fuzz: FAILED: crash, sanitizer report or round-trip mismatch; the input is in $dir/artifacts/" >&2
  echo "fuzz: reproduce with $dir/tests/fuzz/protocol_fuzz <artifact>" >&2
  exit 1
fi
echo "fuzz: no crash or round-trip mismatch in ${seconds}s"
