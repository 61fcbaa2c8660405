#!/usr/bin/env bash
# chat-bench smoke (CI): every scenario in its seconds-long form against chatd, fan-out, storm and
# DM also against the reference servers (Node ws, Boost.Beast chat-multi built from Debian's
# Boost docs). Checks that each run completes and that its JSON lines and the plot exist and
# parse; no timing is asserted. Usage: scripts/bench-smoke.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bench=$build/bench/chat/chat-bench
out=$build/bench-smoke  # keeps the built Beast example between runs
rm -f "$out/results.jsonl"
(cd "$root/bench/reference" && npm ci --no-audit --no-fund --silent)
for s in fanout burst storm dm; do "$bench" "$s" --smoke --servers chatd,node,beast --out "$out"; done
for s in durable sync day; do "$bench" "$s" --smoke --out "$out"; done
if [[ -n ${CHAT_TEST_MYSQL_URL:-} ]]; then
  "$bench" durable --smoke --db "$CHAT_TEST_MYSQL_URL" --out "$out"
fi
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
runs = [json.loads(line) for line in open(os.path.join(out, "results.jsonl"))]
want = {("fanout", s) for s in ("chatd", "node-ws", "beast-chat")}
want |= {(x, s) for x in ("burst", "storm", "dm") for s in ("chatd", "node-ws", "beast-chat")}
want |= {(x, "chatd") for x in ("durable", "sync", "day")}
seen = {(r["scenario"], r["server"]) for r in runs}
missing = want - seen
bad = [r for r in runs if not r["figures"] or r["note"]]
assert not missing, f"runs missing: {sorted(missing)}"
assert not bad, f"incomplete runs: {bad}"
png = os.path.join(out, "fanout-latency.png")
assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", "no fan-out plot"
print(f"bench smoke: {len(runs)} runs parsed, plot {png}")
PY
