#!/usr/bin/env bash
# Builds the Kotlin client library and its terminal client and runs their tests (JUnit 5 under
# Maven) against the release build's chatd. Maven keeps downloads in ~/.m2, so a second run is
# offline in effect. Usage: scripts/kotlin-test.sh (after scripts/build.sh release chatd)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
chatd=$root/build/apps/chatd
[[ -x $chatd ]] || { echo "kotlin-test: no $chatd; run scripts/build.sh release chatd first" >&2; exit 1; }
command -v mvn >/dev/null || { echo "kotlin-test: mvn missing; run scripts/setup.sh" >&2; exit 1; }
cd "$root/clients/kotlin"
# install (not just verify): puts dev.chatd:chatd-client into ~/.m2 as an Android app would use it.
mvn -B -q -Dstyle.color=never -Dchatd.binary="$chatd" install
# Surefire/failsafe print only failures under -q: say what ran.
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
t = f = e = s = 0
for path in glob.glob('*/target/surefire-reports/TEST-*.xml') + glob.glob('*/target/failsafe-reports/TEST-*.xml'):
    r = ET.parse(path).getroot()
    t += int(r.get('tests')); f += int(r.get('failures')); e += int(r.get('errors')); s += int(r.get('skipped'))
print(f"kotlin: {t - f - e - s} passed, {f + e} failed, {s} skipped")
PY
