#!/usr/bin/env bash
# The forecast's cost on the large demo fleet (issue 15: "the large fleet's
# whole forecast within 1 s on 2 cores"): serves the large fleet from SQLite,
# warms the fleet snapshot, then times `GET /api/v1/forecast` for every region
# × SKU — first once cold (the trends fitted on 90 days of history, then
# projected) and then warm (kept trends, projected again) — and the
# `/forecast` page. Uses the release binary `scripts/run.sh` or `bench/run.sh`
# built; seeds once into FORECAST_DB and reuses it.
#   bench/forecast.sh            (FORECAST_DB=/tmp/headroom-profile.db)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
db=${FORECAST_DB:-/tmp/headroom-profile.db}
port=${FORECAST_PORT:-3401}
user=viewer
. bench/serve-large.sh

get() { curl -fs -o "${2:-/dev/null}" -w '%{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1"; }
get /api/v1/fleet/summary >/dev/null
cold=$(get /api/v1/forecast /tmp/forecast-large.json)
pairs=$(python3 -c 'import json; print(len(json.load(open("/tmp/forecast-large.json"))["items"]))')
warm=$(for _ in $(seq 1 10); do get /api/v1/forecast; echo; done | sort -n | sed -n 5p)
what_if=$(for _ in $(seq 1 10); do get '/api/v1/forecast?include_pending=true&growth=1.5&demand_units=500'; echo; done | sort -n | sed -n 5p)
page=$(for _ in $(seq 1 10); do get '/forecast'; echo; done | sort -n | sed -n 5p)
# One region: its pairs carry a year of history, read once per fleet version.
region_cold=$(get '/api/v1/forecast?region=westus2')
region_warm=$(for _ in $(seq 1 10); do get '/api/v1/forecast?region=westus2'; echo; done | sort -n | sed -n 5p)
printf '| figure | seconds |\n| --- | ---: |\n'
printf '| whole forecast, cold (fit %s region × SKU trends + project) | %s |\n' "$pairs" "$cold"
printf '| whole forecast, warm (median of 10) | %s |\n' "$warm"
printf '| whole forecast, a what-if (median of 10) | %s |\n' "$what_if"
printf '| the /forecast page, all pairs (median of 10) | %s |\n' "$page"
printf '| one region (westus2), its year of history read first | %s |\n' "$region_cold"
printf '| one region, warm (median of 10) | %s |\n' "$region_warm"
