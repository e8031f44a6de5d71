#!/usr/bin/env bash
# The CSV import on the large demo fleet (issue 16: "100,000 rows within 60 s
# on SQLite", and the round trip): exports the large fleet, imports the file
# into an empty SQLite database (and an empty PostgreSQL one when
# HEADROOM_TEST_PG_URL or a local server is reachable), times each, exports
# again and compares byte for byte, and runs `headroom check` on the result.
# Uses the release binary that `scripts/run.sh` or `bench/run.sh` built; seeds
# the large fleet once into IMPORT_DB and reuses it.
#   bench/import.sh            (IMPORT_DB=/tmp/headroom-profile.db)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
db=${IMPORT_DB:-/tmp/headroom-profile.db}
port=${IMPORT_PORT:-3402}
user=viewer
. bench/serve-large.sh

work=$(mktemp -d)
cleanup_work() { rm -rf "$work"; }
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; cleanup_work' EXIT
export_from() { curl -fs -H "Authorization: Bearer $2" "http://127.0.0.1:$1/clusters.csv"; }
export_from "$port" "$token" > "$work/large.csv"
rows=$(( $(wc -l < "$work/large.csv") - 1 ))
bytes=$(stat -c %s "$work/large.csv")
kill $server; wait $server 2>/dev/null || true

# Imports the export into the empty database at $1 (a DATABASE_URL); prints
# "seconds identical check" for the table.
round_trip() {
  local url=$1 port2=$((port + 1))
  DATABASE_URL=$url "$bin" migrate >/dev/null
  local started ended
  started=$(date +%s.%N)
  DATABASE_URL=$url "$bin" import clusters "$work/large.csv" >"$work/import.log"
  ended=$(date +%s.%N)
  printf 'a-long-enough-password\n' | DATABASE_URL=$url "$bin" user add bench-reader --role viewer >/dev/null 2>&1
  local tok
  tok=$(DATABASE_URL=$url "$bin" token create --user bench-reader --name round-trip)
  DATABASE_URL=$url LEPTOS_SITE_ADDR=127.0.0.1:$port2 "$bin" serve >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port2/healthz" >/dev/null && break; sleep 0.2; done
  export_from "$port2" "$tok" > "$work/again.csv"
  kill $pid; wait $pid 2>/dev/null || true
  local same=no
  cmp -s "$work/large.csv" "$work/again.csv" && same=yes
  local check
  check=$(DATABASE_URL=$url "$bin" check 2>&1 | head -1)
  printf '%.1f | %s | %s' "$(echo "$ended - $started" | bc)" "$same" "$check"
}

printf '| database | rows | file | import (s) | export again identical | headroom check |\n| --- | ---: | ---: | ---: | --- | --- |\n'
printf '| SQLite | %s | %s MB | %s |\n' "$rows" "$((bytes / 1000000))" "$(round_trip "sqlite://$work/imported.db")"
pg=${HEADROOM_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
name="headroom_import_$$"
if psql "$pg" -qc "CREATE DATABASE $name" >/dev/null 2>&1; then
  printf '| PostgreSQL | %s | %s MB | %s |\n' "$rows" "$((bytes / 1000000))" "$(round_trip "${pg%/*}/$name")"
  psql "$pg" -qc "DROP DATABASE $name" >/dev/null 2>&1 || true
fi
