#!/usr/bin/env bash
# The benchmark: builds release, seeds the large demo fleet into a fresh SQLite
# file and a fresh PostgreSQL database, drives every target with wrk at 64
# connections, measures the floor, and writes a markdown table to bench/results/.
#   bench/run.sh                 (BENCH_SECONDS=10 BENCH_WARMUP=3 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-tools.sh
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"

cargo leptos build --release --precompress --split
cargo build --release -p bench
exec python3 bench/run.py "$@"
