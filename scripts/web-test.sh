#!/usr/bin/env bash
# Browser tests of the web client against a real chatd: playwright-core drives Debian's Chromium
# headless (never `playwright install`), then selenium-webdriver drives WebKitGTK (Debian's
# WebKitWebDriver) at a phone viewport in a private Xvfb. Screenshots go to build/web-screenshots/.
# Needs build/apps/chatd (built here when missing), chromium, webkit2gtk-driver, xvfb and
# gir1.2-webkit2-4.1 (scripts/setup.sh installs them).
# Env: CHATD_BIN (default build/apps/chatd), CHATD_E2E_DEBUG=1 (a screenshot per step).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
t0=$SECONDS
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $chromium ]]; then
  echo "web-test: $chromium missing: run scripts/setup.sh (apt-get install chromium)" >&2
  exit 1
fi
for f in /usr/bin/WebKitWebDriver /usr/bin/Xvfb /usr/lib/x86_64-linux-gnu/girepository-1.0/WebKit2-4.1.typelib; do
  if [[ ! -e $f ]]; then
    echo "web-test: $f missing: run scripts/setup.sh (webkit2gtk-driver, xvfb, gir1.2-webkit2-4.1)" >&2
    exit 1
  fi
done
export CHATD_BIN=${CHATD_BIN:-$root/build/apps/chatd}
if [[ ! -x $CHATD_BIN ]]; then
  echo "web-test: building chatd"
  scripts/build.sh release chatd
fi
scripts/web-build.sh
# The test OpenID Connect provider (tests/oidc) lets the tests sign in through a real OIDC flow.
if [[ -x scripts/oidc-provider.sh ]]; then
  scripts/oidc-provider.sh setup || echo "web-test: WARNING: OIDC provider setup failed; the OIDC test is skipped" >&2
fi
export CHATD_WEB_ROOT=$root/web/dist/chatd-web/browser
export CHATD_SCREENSHOT_DIR=$root/build/web-screenshots
mkdir -p "$CHATD_SCREENSHOT_DIR"
cd web
# node's own test runner: standard "# pass N / # fail N" summary; non-zero exit on any failure.
status=0
t1=$SECONDS
echo "=== web-test: chromium"
timeout -k 10 1000 node --test --test-concurrency=1 e2e/chat.test.mjs e2e/everyday.test.mjs e2e/messages.test.mjs e2e/attachments.test.mjs e2e/avatars.test.mjs || status=$?
echo "=== web-test: chromium took $((SECONDS - t1)) s"
t1=$SECONDS
echo "=== web-test: webkit (phone)"
timeout -k 10 300 node --test --test-concurrency=1 e2e/webkit.test.mjs || status=$?
echo "=== web-test: webkit took $((SECONDS - t1)) s"
echo "web-test: $((SECONDS - t0)) s; screenshots in $CHATD_SCREENSHOT_DIR"
exit $status
