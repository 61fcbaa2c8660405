#!/usr/bin/env bash
# The fault suite (tests/faults): chatd under load while something breaks.
#   scripts/faults.sh          short form (what scripts/test.sh runs; a few minutes)
#   scripts/faults.sh long     long form: bigger loads, longer outages, 2,000 reconnecting clients
# Needs a release build (scripts/build.sh release fault_tests) and, for the MariaDB cases, a
# database (this script starts a private one). Root is needed for the full-disk case (tmpfs mount).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
form=${1:-short}
case $form in
  short) export CHAT_FAULTS_LONG=0 ;;
  long) export CHAT_FAULTS_LONG=1 ;;
  *) echo "faults.sh: unknown form $form (short|long)" >&2; exit 2 ;;
esac
bin=$root/build/tests/faults/fault_tests
[[ -x $bin ]] || scripts/build.sh release fault_tests
if [[ -z ${CHAT_TEST_MYSQL_URL:-} ]]; then
  source scripts/mariadb.sh "$root/build/mariadb-faults"
fi
export CHAT_REQUIRE_MYSQL=${CHAT_REQUIRE_MYSQL:-1}
# Figures (acked messages, p99 latencies, resync times) are printed as Catch warnings.
"$bin" "[faults]" --durations yes
