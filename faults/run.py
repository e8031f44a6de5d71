#!/usr/bin/env python3
"""The fault suite: each of Headroom's promises under faults, proved with a number.

Run through faults/run.sh, which installs the tools and builds first.
  faults/run.py            the full run; writes faults/results/<date>.md
  faults/run.py --fast     the CI subset (fewer examples, shorter storms); prints
                           the table and writes nothing under faults/results/
  faults/run.py --only outage,graceful   some scenarios only
Exits non-zero when any goal is missed. KEEP_FAULTS=1 keeps each scenario's
directory (server logs, HAProxy's configuration, schemathesis' reports).
"""

import argparse
import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from database import outage, write_storm  # noqa: E402
from fuzz import ROLES, fuzz  # noqa: E402
from harness import ROOT, log  # noqa: E402
from replicas import rolling_restart  # noqa: E402
from shutdown import graceful, kill_during_bulk_approval, kill_during_seed  # noqa: E402

# The CI subset fuzzes as the roles that write most, and one that only reads.
FAST_ROLES = ["admin", "requester", "operator", "viewer"]

def scenarios(fast):
    """(name, run) in order; each run returns rows (test, goal, measured, met)."""
    return [
        ("graceful", lambda: graceful("sqlite") + graceful("postgres")),
        ("kill", lambda: kill_during_seed("sqlite") + kill_during_bulk_approval("sqlite")
         + kill_during_bulk_approval("postgres")),
        ("storm", lambda: write_storm(seconds=int(os.environ.get("FAULTS_STORM_SECONDS", 10 if fast else 60)))),
        ("outage", lambda: outage(down_seconds=5 if fast else 8, up_seconds=10 if fast else 12)),
        ("rolling", lambda: rolling_restart(settle=2 if fast else 5)),
        ("fuzz", lambda: fuzz("sqlite", 10 if fast else 200, FAST_ROLES if fast else ROLES)
         + fuzz("postgres", 10 if fast else 200, FAST_ROLES if fast else ROLES)),
    ]

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    only = {s for s in args.only.split(",") if s}
    rows, timings = [], []
    for name, run in scenarios(args.fast):
        if only and name not in only:
            continue
        log(f"scenario: {name}")
        started = time.time()
        rows += run()
        timings.append((name, time.time() - started))
    table = render(rows, timings, args.fast)
    print(table)
    if not args.fast and not only:
        os.makedirs(os.path.join(ROOT, "faults/results"), exist_ok=True)
        path = os.path.join(ROOT, "faults/results", datetime.datetime.now().strftime("%Y-%m-%d-%H%M") + ".md")
        with open(path, "w") as f:
            f.write(table)
        log(f"wrote {os.path.relpath(path, ROOT)}")
    missed = [r for r in rows if not r[3]]
    for r in missed:
        log(f"MISSED: {r[0]}: {r[1]} — {r[2]}")
    sys.exit(1 if missed else 0)

def render(rows, timings, fast):
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Fault suite, {datetime.datetime.now():%Y-%m-%d %H:%M} ({'fast subset' if fast else 'full run'})",
        "",
        f"Commit `{commit}`, release build, on {os.cpu_count()} cores. `faults/run.sh` "
        "(see faults/run.py for what each scenario does).",
        "",
        "| test | goal | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {t} | {g} | {m} | {'yes' if ok else '**no**'} |" for t, g, m, ok in rows]
    lines += ["", "Time per scenario: " + ", ".join(f"{n} {s:.0f} s" for n, s in timings), ""]
    return "\n".join(lines)

if __name__ == "__main__":
    main()
