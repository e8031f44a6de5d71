"""Schemathesis against /api/v1/openapi.json, with a token of each role."""

import collections
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

from harness import ROOT, Database, Headroom, Workdir, call, log

ST = os.environ.get("FAULTS_ST", os.path.join(ROOT, "target/faults-venv/bin/st"))
SEED = 20261206
ROLES = ["admin", "approver1", "requester", "operator", "viewer", "prometheus"]
# What the goals count: a server error, or an answer the document does not describe.
# Titles as schemathesis 4 prints them, after their code ("ST103 Undocumented status code").
GOALS = {"Server error": "5xx", "Response violates schema": "schema", "Undocumented status code": "schema",
         "Undocumented Content-Type": "schema", "Missing Content-Type header": "schema",
         "Schema Error": "document", "Runtime Error": "tool"}


def goal_of(title):
    return next((g for t, g in GOALS.items() if t in title), "other")


def fuzz(backend, examples, roles=ROLES):
    with Workdir() as work:
        db = Database(backend, work)
        try:
            hr = Headroom(db.url, work)
            hr.seed_small()
            hr.cli("user", "add", "prometheus", "--role", "monitor", stdin="prometheus-password-1\n")
            tokens = {role: hr.token(role) for role in roles}
            hr.start().wait_ready()
            status, doc, _ = call(hr.base, "GET", "/api/v1/openapi.json", tokens["admin"])
            if status != 200:
                raise SystemExit(f"the OpenAPI document answered {status}")
            spec = os.path.join(work, "openapi.json")
            with open(spec, "w") as f:
                json.dump(doc, f)
            found = collections.Counter()
            samples = []
            cases = 0
            for role in roles:
                junit = os.path.join(work, f"{role}.xml")
                done = subprocess.run(
                    [ST, "run", spec, "--url", hr.base + doc["servers"][0]["url"], "-H", f"Authorization: Bearer {tokens[role]}",
                     "--checks", "all", "--seed", str(SEED), "--max-examples", str(examples),
                     "--request-timeout", "20", "--workers", "2", "--no-color",
                     "--report", "junit", "--report-junit-path", junit],
                    capture_output=True, text=True, cwd=work)  # its example cache stays in `work`
                cases += int(m.group(1)) if (m := re.search(r"(\d+) generated", done.stdout)) else 0
                for kind, text in failures(junit):
                    found[(role, kind)] += 1
                    if len(samples) < 20:
                        samples.append(f"{role}: {kind}: {text[:300]}")
                log(f"fuzz {backend} as {role}: exit {done.returncode}; " +
                    (", ".join(f"{k}: {v}" for (r, k), v in found.items() if r == role) or "no failures"))
            served = call(hr.base, "GET", "/healthz")[0] == 200
            ok, said = hr.check()
            hr.stop()
        finally:
            db.close()
    by_goal = collections.Counter()
    for (_, kind), n in found.items():
        by_goal[goal_of(kind)] += n
    others = sorted({k for (_, k) in found if goal_of(k) == "other"})
    if by_goal["tool"]:
        others.append(f"schemathesis' own runtime errors ({by_goal['tool']}; not Headroom's answers)")
    for s in samples:
        log(f"fuzz {backend}: {s}")
    return [
        (f"fuzzed API ({backend})", "0 server errors (5xx)",
         f"{by_goal['5xx']} across {len(roles)} roles, {examples} examples per operation", by_goal["5xx"] == 0 and served),
        (f"fuzzed API ({backend})", "0 schema violations (answers, and the document itself)",
         f"{by_goal['schema'] + by_goal['document']}" + (f"; other checks' findings ({by_goal['other']}): {', '.join(others)}" if others else ""),
         by_goal["schema"] + by_goal["document"] == 0),
        (f"fuzzed API ({backend})", "the invariant check passes after fuzzing", "ok" if ok else said, ok),
    ]


def failures(junit):
    """(check title, text) of every failure in a schemathesis JUnit report."""
    if not os.path.exists(junit):
        return [("no report", junit)]
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        for bad in list(case.iter("failure")) + list(case.iter("error")):
            text = (bad.get("message") or "") + "\n" + (bad.text or "")
            titles = re.findall(r"^\s*- ([A-Z][^\n]+?)\s*$", text, re.M) or [
                next((line.split(": ", 1)[-1] for line in text.splitlines() if line.strip()), "error")]
            for title in titles:
                out.append((title.strip(), f"{case.get('name')}: {text.strip()}"))
    return out
