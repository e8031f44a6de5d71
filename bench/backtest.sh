#!/usr/bin/env bash
# The forecast's backtest on the demo seed's history (small and medium
# fleets): MAPE of used units 30, 60 and 90 days ahead for each method tried
# (server/src/seed/backtest.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -q -p server --example backtest
