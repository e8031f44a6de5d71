#!/usr/bin/env bash
# What a browser sees (issue 13): time to interactive in Chromium with a cold
# cache and the CPU slowed 4× (bench/browser.mjs), and Lighthouse 12 with its
# mobile defaults (simulated slow 4G, 4× CPU), on `/` and `/clusters` signed in
# and on the public `/status`. Serves the large demo fleet from SQLite with the
# release binary (bench/serve-large.sh; build first with bench/run.sh or
# scripts/run.sh). Lighthouse is installed from npm into target/lighthouse on
# first use (not a dependency of the build or the tests). Writes
# bench/results/<date>-browser.md and prints it.
#   bench/browser.sh        (BROWSER_DB=/tmp/headroom-profile.db, BROWSER_PORT=3405)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
db=${BROWSER_DB:-/tmp/headroom-profile.db}
port=${BROWSER_PORT:-3405}
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "error: needs Chromium (Debian: chromium)" >&2; exit 1; }
lh=$root/target/lighthouse
if [ ! -x "$lh/node_modules/.bin/lighthouse" ]; then
  echo "==> installing Lighthouse 12 into $lh" >&2
  mkdir -p "$lh"
  (cd "$lh" && [ -f package.json ] || echo '{"private": true}' >package.json)
  npm install --prefix "$lh" --no-audit --no-fund --silent lighthouse@12 >&2
fi
user=approver1
. bench/serve-large.sh
base="http://127.0.0.1:$port"
out=$(mktemp -d /tmp/headroom-browser.XXXXXX)

# The browser's cache is cold; the server's is not (as for any visitor but the first).
for path in / /clusters /status; do
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base$path"
done
echo "==> time to interactive (CPU 4×, cold cache)" >&2
node bench/browser.mjs "$base" "$token" / /clusters /status >"$out/tti.jsonl"

for path in / /clusters /status; do
  name=$(echo "$path" | tr -c 'a-z\n' '_')
  echo "==> Lighthouse $path" >&2
  headers="{\"Authorization\": \"Bearer $token\"}"
  [ "$path" = /status ] && headers='{}'
  CHROME_PATH=$chromium "$lh/node_modules/.bin/lighthouse" "$base$path" --quiet \
    --only-categories=performance --output=json --output-path="$out/lh$name.json" \
    --extra-headers="$headers" --chrome-flags="--headless=new --no-sandbox" >&2 || true
done

commit=$(git rev-parse --short HEAD)
results=bench/results/$(date +%Y-%m-%d-%H%M)-browser.md
python3 - "$out" "$commit" >"$results" <<'EOF'
import json, os, sys
out, commit = sys.argv[1], sys.argv[2]
print("# What a browser sees, large fleet (SQLite)\n")
print(f"Commit `{commit}`, `bench/browser.sh`, Chromium on this machine (2 cores).\n")
print("## Time to interactive (cold cache, CPU 4× slower, no network throttling)\n")
print("Interactive = the WASM app has hydrated the page (`body[data-hydrated]`), from navigation start; "
      "`/status` has no app, so its load event. The server is warmed first (one request per page).\n")
print("| page | interactive | goal | LCP | DOMContentLoaded | load | bytes on the wire |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for line in open(os.path.join(out, "tti.jsonl")):
    r = json.loads(line)
    goal = "≤ 2,000 ms" if r["path"] == "/" else ""
    met = ("✅ " if r["interactive_ms"] <= 2000 else "❌ ") if goal else ""
    print(f"| `{r['path']}` | {met}{r['interactive_ms']:,} ms | {goal} | {r['lcp_ms']:,} ms | "
          f"{r['dom_content_loaded_ms']:,} ms | {r['load_ms']:,} ms | {r['bytes']/1000:,.1f} KB |")
print("\n## Lighthouse 12, mobile defaults (simulated slow 4G, 4× CPU)\n")
print("| page | performance | goal | LCP | FCP | TBT | speed index | total bytes |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for path in ["/", "/clusters", "/status"]:
    name = "".join(c if c.isalpha() or c == "\n" else "_" for c in path)
    f = os.path.join(out, f"lh{name}.json")
    if not os.path.exists(f):
        print(f"| `{path}` | not measured (Lighthouse failed) | | | | | | |")
        continue
    lh = json.load(open(f))
    a = lh["audits"]
    score = round((lh["categories"]["performance"]["score"] or 0) * 100)
    goal = "≥ 95, LCP ≤ 2.5 s" if path != "/status" else ""
    lcp = a["largest-contentful-paint"]["numericValue"]
    met = ("✅ " if score >= 95 and lcp <= 2500 else "❌ ") if goal else ""
    print(f"| `{path}` | {met}{score} | {goal} | {lcp/1000:.1f} s | "
          f"{a['first-contentful-paint']['numericValue']/1000:.1f} s | {a['total-blocking-time']['numericValue']:.0f} ms | "
          f"{a['speed-index']['numericValue']/1000:.1f} s | {a['total-byte-weight']['numericValue']/1000:,.0f} KB |")
EOF
cat "$results"
echo "==> wrote $results" >&2
