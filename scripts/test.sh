#!/usr/bin/env bash
# The whole test suite: set-up, two build flavours (release, ASan+UBSan), a private MariaDB, every
# ctest suite in both flavours, the fuzzer for a bounded time, and the browser tests when present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$SECONDS
# Free disk is printed with each stage: two build flavours take ~4 GB, and a full disk fails quietly.
stage() { echo; echo "=== $* ($((SECONDS - t0)) s elapsed, $(df -h --output=avail . | tail -1 | tr -d ' ') free)"; }

stage setup
scripts/setup.sh
stage "web unit tests"
scripts/web-unit.sh
stage "build release"
scripts/build.sh release
stage "build asan"
scripts/build.sh asan

stage "start mariadb"
source scripts/mariadb.sh "$root/build/mariadb"
# MySQL test cases fail (never skip) when the database is missing in this run.
export CHAT_REQUIRE_MYSQL=1

stage "oidc provider packages"
# auth_tests start a real OpenID Connect provider (npm oidc-provider) themselves; never skip in CI.
scripts/oidc-provider.sh setup
export CHAT_REQUIRE_OIDC=1

stage "ctest release"
ctest --test-dir build --output-on-failure -j 2 --timeout 300
stage "kotlin client"
scripts/kotlin-test.sh
stage "ctest asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j 2 --timeout 600

stage "fault suite (short form)"
# SIGKILL, MariaDB outages, full disk, login flood, stuck readers, fd limit, mass reconnect.
scripts/faults.sh short

stage "bench smoke"
# Every chat-bench scenario in its seconds-long form (completion and output only, no timing).
scripts/bench-smoke.sh "$root/build"

if [[ -x scripts/fuzz.sh ]]; then
  stage "fuzz"
  scripts/fuzz.sh "${CHAT_FUZZ_SECONDS:-60}"
fi
if [[ -x scripts/web-test.sh ]]; then
  stage "browser tests"
  scripts/web-test.sh
fi
stage "all tests passed"
