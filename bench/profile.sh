#!/usr/bin/env bash
# Where a page's time goes: serves the large demo fleet from SQLite, drives one
# target with wrk (64 connections, signed in with a token as the benchmark is)
# while `perf record -g` samples the server, then prints the share of samples
# by area (kernel, allocator, SQLite, Leptos/tachys, Headroom, …) and the
# hottest functions. Uses the release binary `bench/run.sh` or `scripts/run.sh`
# built; seeds once into PROFILE_DB and reuses it.
#   bench/profile.sh /approvals            (PROFILE_SECONDS=10 by default)
#   PROFILE_DB=/tmp/x.db bench/profile.sh /regions/westus2
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${1:?usage: bench/profile.sh PATH}
seconds=${PROFILE_SECONDS:-10}
db=${PROFILE_DB:-/tmp/headroom-profile.db}
port=${PROFILE_PORT:-3400}
out=$(mktemp -d /tmp/headroom-profile.XXXXXX)

command -v wrk >/dev/null && command -v perf >/dev/null \
  || { echo "error: needs wrk and perf (Debian: wrk, linux-perf)" >&2; exit 1; }
user=approver1
. bench/serve-large.sh

url="http://127.0.0.1:$port$target"
wrk -t2 -c64 -d2s -H "Authorization: Bearer $token" "$url" >/dev/null
wrk -t2 -c64 -d"${seconds}s" -H "Authorization: Bearer $token" "$url" >"$out/wrk.txt" &
load=$!
perf record -F 499 -g -p "$server" -o "$out/perf.data" -- sleep "$((seconds - 1))" 2>/dev/null
wait $load
grep -E "Requests/sec|Latency|requests in" "$out/wrk.txt"

perf report -i "$out/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
  | grep -E '^ +[0-9.]+%' >"$out/flat.txt"
python3 - "$out/flat.txt" <<'EOF'
import re, sys
areas = [
    ("kernel (scheduler, futex, network)", lambda d, s: "kernel" in d),
    ("allocator (malloc/free/memmove)", lambda d, s: re.search(r"mi_|malloc|free|realloc|memmove|memcpy|memset", s)),
    ("SQLite", lambda d, s: "sqlite3" in s.lower()),
    ("sqlx", lambda d, s: "sqlx" in s),
    ("Leptos / tachys (rendering, hydration data)", lambda d, s: re.search(r"leptos|tachys|reactive_graph|hydration_context|server_fn", s)),
    ("Headroom (app::, server::)", lambda d, s: re.search(r"\bapp::|\bserver::", s)),
    ("tokio / hyper / axum / tower", lambda d, s: re.search(r"tokio|hyper|axum|tower|h2::", s)),
    ("serde / formatting", lambda d, s: re.search(r"serde|core::fmt|alloc::fmt", s)),
]
totals = {name: 0.0 for name, _ in areas}
totals["other"] = 0.0
rows = []
for line in open(sys.argv[1]):
    m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[[^\]]+\]\s+(.*)", line)
    if not m:
        continue
    pct, dso, sym = float(m.group(1)), m.group(2), m.group(3).strip()
    rows.append((pct, dso, sym))
    for name, test in areas:
        if test(dso, sym):
            totals[name] += pct
            break
    else:
        totals["other"] += pct
print("\nShare of samples by area:")
for name, pct in sorted(totals.items(), key=lambda kv: -kv[1]):
    print(f"  {pct:5.1f} %  {name}")
print("\nHottest functions (self time):")
for pct, dso, sym in rows[:25]:
    print(f"  {pct:5.1f} %  {sym[:110]}  [{dso}]")
EOF
echo "(perf data: $out/perf.data)" >&2
