#!/usr/bin/env bash
# The fault suite (issue 17): installs its tools (schemathesis into a virtualenv,
# HAProxy and PostgreSQL's server from Debian when missing), builds the release
# server unless told not to, and runs faults/run.py.
#   faults/run.sh                 full run; writes faults/results/<date>.md
#   faults/run.sh --fast          the CI subset (scripts/test.sh runs it)
#   faults/run.sh --no-build ...  use target/release/headroom as it is
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=1
args=()
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then build=0; else args+=("$a"); fi
done

need=()
command -v haproxy >/dev/null || need+=(haproxy)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v psql >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "==> installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

venv=$root/target/faults-venv
if ! cmp -s faults/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  echo "==> installing schemathesis into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r faults/requirements.txt
  cp faults/requirements.txt "$venv/requirements.txt"
fi

if [ "$build" = 1 ]; then
  scripts/install-tools.sh
  export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  cargo leptos build --release --precompress --split
fi
exec python3 faults/run.py ${args[@]+"${args[@]}"}
