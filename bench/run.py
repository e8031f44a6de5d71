#!/usr/bin/env python3
"""Drives Headroom and the floor server with wrk and reports one markdown table.

Run through bench/run.sh, which builds first. Environment:
  BENCH_SECONDS (10)  measured seconds per target
  BENCH_WARMUP (3)    warm-up seconds per target
  BENCH_CONNECTIONS (64)
  BENCH_STATUS_CONNECTIONS (256)  for the public status routes, fetched anonymously
  HEADROOM_TEST_PG_URL (postgres://postgres@127.0.0.1:5432/postgres): where the
      PostgreSQL database is created and dropped
  BENCH_DATABASES ("sqlite,postgres")
  BENCH_DEPLOYMENTS (500)  deployments of 40 targets each seeded beside the fleet

Pages are fetched as approver1 (an approver sees every page a viewer does, and
the approvals inbox). Each database's ratio is against a floor serving the bytes
captured in that database's run. A missed goal is named in the summary line.
"""

import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADROOM = os.path.join(ROOT, "target/release/headroom")
FLOOR = os.path.join(ROOT, "target/release/floor")
SITE = os.path.join(ROOT, "target/site")
LUA = os.path.join(ROOT, "bench/wrk-report.lua")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
STATUS_CONNECTIONS = int(os.environ.get("BENCH_STATUS_CONNECTIONS", "256"))
PG_ADMIN = os.environ.get("HEADROOM_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",")
DEPLOYMENTS = int(os.environ.get("BENCH_DEPLOYMENTS", "500"))
PORT, FLOOR_PORT = 3210, 3211

GOALS = {"p99_ms": 50, "ratio": 0.2, "first_visit_kb": 400, "deep_over_first": 1.5, "wasm_br_kb": 350, "rss_mb": 150, "seed_s": 60,
         "status_p99_ms": 50, "status_kb": 30}

# The public status routes, fetched anonymously as a crowd's browsers would (compressed).
STATUS_TARGETS = [
    ("status page `/status`", "/status"),
    ("`/status.json`", "/status.json"),
    ("`/status/feed.atom`", "/status/feed.atom"),
    ("badge `/status/badge/westus2.svg`", "/status/badge/westus2.svg"),
]
ACCEPT_ENCODING = "br, gzip"

# Issue 13's goals for a page's raw HTML (bytes), by target label.
HTML_GOALS = {"overview `/`": 60_000, "region `/regions/westus2`": 60_000, "clusters, first page": 50_000}


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


# Every target needs a signed-in caller: an approver's API token, made after the seed.
TOKEN = {"value": None}


def get(url, anonymous=False, encoding=None, raw=False):
    """(status, content type, body as sent: still compressed when `encoding` was
    accepted); with `raw`, the status and the body decoded, as a dict."""
    req = urllib.request.Request(url)
    if TOKEN["value"] and not anonymous:
        req.add_header("Authorization", f"Bearer {TOKEN['value']}")
    if encoding:
        req.add_header("Accept-Encoding", encoding)
    with urllib.request.urlopen(req, timeout=30) as r:
        status, ctype, body = r.status, r.headers.get("content-type", ""), r.read()
        if not raw:
            return status, ctype, body
        coding = r.headers.get("content-encoding", "")
    if coding == "gzip":
        body = gzip.decompress(body)
    elif coding == "br":
        body = subprocess.run(["node", "-e", "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"],
                              input=body, capture_output=True, check=True).stdout
    return {"status": status, "body": body}


def wait_ready(base, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            if get(base + "/readyz")[0] == 200:
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def targets(base):
    """The measured targets: (label, path), with a deep cursor ≥ 1,000 rows in."""
    cursor = None
    for _ in range(3):  # 3 pages of 500: the cursor sits 1,500 rows in
        q = "/api/v1/clusters?limit=500" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        cursor = json.loads(get(base + q)[2])["next_cursor"]
    running = json.loads(get(base + "/api/v1/deployments?state=in_progress&kind=rollout&limit=1")[2])["items"][0]
    targets_n = sum(len(r["targets"]) for r in running["rings"])
    request = json.loads(get(base + "/api/v1/requests?state=submitted&limit=1")[2])["items"][0]["key"]
    return [
        ("overview `/`", "/"),
        ("region `/regions/westus2`", "/regions/westus2"),
        ("clusters, first page", "/clusters"),
        ("clusters, deep page (1,500 in)", f"/clusters?cursor={urllib.parse.quote(cursor)}"),
        ("clusters, two filters", "/clusters?region=eastus&family=general"),
        ("API fleet summary", "/api/v1/fleet/summary"),
        ("API clusters limit=50", "/api/v1/clusters?limit=50"),
        ("deployments `/deployments`", "/deployments"),
        (f"a deployment ({targets_n} targets)", f"/deployments/{running['key']}"),
        ("API deployments limit=50", "/api/v1/deployments?limit=50"),
        ("requests `/requests`", "/requests"),
        ("approvals inbox `/approvals`", "/approvals"),
        ("a request page", f"/requests/{request}"),
    ]


def first_visit(base):
    """Bytes on the wire for a first visit to `/`, as a browser asks (`Accept-Encoding:
    br, gzip`, empty cache): the page, then every stylesheet, module and WASM it links
    or its hydration script imports (every quoted `/pkg/…` name)."""
    _, _, html = get(base + "/", encoding=ACCEPT_ENCODING)
    page = get(base + "/", encoding=ACCEPT_ENCODING, raw=True)
    assets = sorted(set(re.findall(rb'"(/pkg/[^"]+)"', page["body"])))
    sizes = {"/": len(html)}
    for a in assets:
        sizes[a.decode()] = len(get(base + a.decode(), anonymous=True, encoding=ACCEPT_ENCODING)[2])
    return sizes


def wrk(url, seconds, public=False):
    if public:
        headers, connections = ["-H", f"Accept-Encoding: {ACCEPT_ENCODING}"], STATUS_CONNECTIONS
    else:
        headers, connections = ["-H", f"Authorization: Bearer {TOKEN['value']}"] if TOKEN["value"] else [], CONNECTIONS
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", LUA, *headers, url],
        capture_output=True, text=True, check=True,
    ).stdout
    m = re.search(r"WRK-JSON (\{.*\})", out)
    if not m:
        raise SystemExit(f"wrk printed no report:\n{out}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def drive(base, paths, public=False):
    results = {}
    for label, path in paths:
        wrk(base + path, WARMUP, public)
        results[label] = wrk(base + path, SECONDS, public)
        r = results[label]
        log(f"{label}: {r['rps']:.0f} req/s, p99 {r['p99_us']/1000:.1f} ms, errors {r['errors']}")
    return results


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pg_admin(sql):
    subprocess.run(["psql", PG_ADMIN, "-qc", sql], check=True, capture_output=True)


def run_database(kind, work):
    env = dict(os.environ, LEPTOS_SITE_ROOT=SITE, LEPTOS_SITE_ADDR=f"127.0.0.1:{PORT}", RUST_LOG="warn")
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite://{work}/bench.db"
    else:
        name = "headroom_bench"
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    log(f"{kind}: seeding the large fleet and {DEPLOYMENTS} deployments")
    out = subprocess.run([HEADROOM, "seed", "--demo", "--scale", "large", "--deployments", str(DEPLOYMENTS)],
                         env=env, check=True, capture_output=True, text=True).stdout
    # The fleet's own seed time (the demo requests and deployments come after it).
    seed_s = float(re.search(r"history rows in ([\d.]+) s", out).group(1))
    deployments = re.search(r"(\d+) more deployments with (\d+) targets in ([\d.]+) s", out)
    if deployments:
        log(f"{kind}: {deployments.group(1)} deployments, {deployments.group(2)} targets in {deployments.group(3)} s")
    TOKEN["value"] = subprocess.run(
        [HEADROOM, "token", "create", "--user", "approver1", "--name", "bench"],
        env=env, check=True, capture_output=True, text=True).stdout.strip()
    proc = subprocess.Popen([HEADROOM, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{PORT}"
    try:
        wait_ready(base, proc)
        paths = targets(base)
        captured = []
        for label, path in paths:
            status, ctype, body = get(base + path)
            assert status == 200, f"{path}: {status}"
            # wrk counts only non-2xx/3xx as errors; a redirect to /login would pass silently.
            assert b"Sign in to Headroom" not in body, f"{path}: not signed in"
            captured.append((label, path, ctype, body))
        results = drive(base, paths)
        status_sizes = {}
        for label, path in STATUS_TARGETS:
            status, ctype, raw = get(base + path, anonymous=True)
            assert status == 200, f"{path}: {status}"
            assert b"CR-" not in raw, f"{path}: a request key on a public route"
            status_sizes[label] = {
                "raw": len(raw),
                "gzip": len(get(base + path, anonymous=True, encoding="gzip")[2]),
                "br": len(get(base + path, anonymous=True, encoding="br")[2]),
            }
        css_href = re.search(rb'rel="stylesheet" href="([^"]+)"', get(base + "/status", anonymous=True)[2]).group(1)
        css = get(base + css_href.decode(), anonymous=True)[2]
        status_sizes["css_gzip"] = len(gzip.compress(css, 9))
        log(f"{kind}: the status routes at {STATUS_CONNECTIONS} connections, anonymous")
        status_results = drive(base, STATUS_TARGETS, public=True)
        visit = first_visit(base)
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if kind == "postgres":
            pg_admin("DROP DATABASE IF EXISTS headroom_bench WITH (FORCE)")
    # The floor runs once this database's server has stopped, so they share no CPU.
    return {"seed_s": seed_s, "results": results, "rss_mb": rss, "captured": captured, "paths": paths,
            "status": status_results, "status_sizes": status_sizes, "first_visit": visit,
            "floor": run_floor(captured, work, kind)}


def run_floor(captured, work, kind):
    floor_dir = os.path.join(work, f"floor-{kind}")
    os.makedirs(floor_dir, exist_ok=True)
    manifest = []
    for i, (_, path, ctype, body) in enumerate(captured):
        with open(os.path.join(floor_dir, f"{i}.bin"), "wb") as f:
            f.write(body)
        manifest.append({"target": path, "file": f"{i}.bin", "content_type": ctype})
    with open(os.path.join(floor_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    proc = subprocess.Popen([FLOOR, floor_dir, f"127.0.0.1:{FLOOR_PORT}"], stdout=subprocess.DEVNULL)
    # The floor ignores the Authorization header wrk sends; the bytes are the signed-in page's.
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise SystemExit(f"the floor server exited ({proc.returncode}); is port {FLOOR_PORT} taken?")
        log(f"floor ({kind}): the same bytes from memory")
        return drive(f"http://127.0.0.1:{FLOOR_PORT}", [(label, path) for label, path, _, _ in captured])
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def brotli_size(path):
    return int(subprocess.run(
        ["node", "-e", "const z=require('zlib');const b=require('fs').readFileSync(process.argv[1]);"
         "console.log(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)", path],
        capture_output=True, text=True, check=True).stdout.strip())


def wasm_sizes():
    """(raw, gzip, brotli) of the main bundle, and (count, brotli) of the lazily
    loaded chunks `cargo leptos build --split` made beside it."""
    pkg = os.path.join(SITE, "pkg")
    wasm = [f for f in os.listdir(pkg) if f.endswith(".wasm")]
    main_name = [f for f in wasm if f.startswith("headroom")][0]
    raw = open(os.path.join(pkg, main_name), "rb").read()
    gz = len(gzip.compress(raw, 9))
    br = brotli_size(os.path.join(pkg, main_name))
    chunks = [f for f in wasm if f != main_name]
    chunks_br = sum(brotli_size(os.path.join(pkg, f)) for f in chunks)
    return len(raw), gz, br, len(chunks), chunks_br


def mark(ok):
    return "✅" if ok else "❌"


def main():
    work = tempfile.mkdtemp(prefix="headroom-bench-")
    try:
        runs = {kind: run_database(kind, work) for kind in DATABASES}
        first = runs[DATABASES[0]]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raw, gz, br, chunks, chunks_br = wasm_sizes()
    now = datetime.datetime.now(datetime.timezone.utc)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Benchmark {now:%Y-%m-%d %H:%M} UTC (commit {commit})",
        "",
        f"Large demo fleet with {DEPLOYMENTS} more deployments of 40 targets; wrk, {CONNECTIONS} connections, {WARMUP} s warm-up then {SECONDS} s per target; "
        f"{os.cpu_count()} cores. Ratio = throughput ÷ the floor's (the same bytes served from memory).",
        "",
        "| database | target | req/s | p50 ms | p99 ms | max ms | errors | ÷ floor | bytes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    sizes = {label: len(body) for label, _, _, body in first["captured"]}
    missed = []
    for kind, run in runs.items():
        for label, r in run["results"].items():
            ratio = r["rps"] / run["floor"][label]["rps"]
            # No request answered within the run is a miss, not a p99 of 0.
            p99_ok = r["requests"] > 0 and r["p99_us"] <= GOALS["p99_ms"] * 1000
            if not p99_ok:
                missed.append(f"{kind} {label} p99")
            if ratio < GOALS["ratio"]:
                missed.append(f"{kind} {label} ÷ floor")
            # A page with an HTML goal is marked against it (and missed only once, in the first run).
            goal = HTML_GOALS.get(label)
            html = f"{mark(sizes[label] <= goal)} " if goal else ""
            if goal and sizes[label] > goal and kind == DATABASES[0]:
                missed.append(f"{label} HTML {sizes[label]/1000:.0f} KB (goal {goal//1000} KB)")
            lines.append(
                f"| {kind} | {label} | {r['rps']:.0f} | {r['p50_us']/1000:.1f} | "
                f"{mark(p99_ok)} {r['p99_us']/1000:.1f} | {r['max_us']/1000:.1f} | "
                f"{mark(r['errors'] == 0)} {r['errors']} | {mark(ratio >= GOALS['ratio'])} {ratio:.2f} | {html}{sizes[label]:,} |")
    for label, r in first["floor"].items():
        lines.append(f"| floor ({DATABASES[0]}) | {label} | {r['rps']:.0f} | {r['p50_us']/1000:.1f} | {r['p99_us']/1000:.1f} | "
                     f"{r['max_us']/1000:.1f} | {r['errors']} | 1.00 | {sizes[label]:,} |")
    lines += ["", f"Public status routes: anonymous, `Accept-Encoding: {ACCEPT_ENCODING}`, {STATUS_CONNECTIONS} connections "
                  f"(goal for `/status`: p99 ≤ {GOALS['status_p99_ms']} ms; page ≤ {GOALS['status_kb']} KB compressed).", "",
              "| database | target | req/s | p50 ms | p99 ms | max ms | errors | bytes raw | gzip | brotli |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for kind, run in runs.items():
        for label, r in run["status"].items():
            size = run["status_sizes"][label]
            page = label.startswith("status page")
            p99 = f"{mark(r['p99_us'] <= GOALS['status_p99_ms']*1000)} " if page else ""
            br_mark = f"{mark(size['br'] <= GOALS['status_kb']*1000)} " if page else ""
            lines.append(
                f"| {kind} | {label} | {r['rps']:.0f} | {r['p50_us']/1000:.1f} | {p99}{r['p99_us']/1000:.1f} | "
                f"{r['max_us']/1000:.1f} | {mark(r['errors'] == 0)} {r['errors']} | {size['raw']:,} | {size['gzip']:,} | {br_mark}{size['br']:,} |")
    page = first["status_sizes"]["status page `/status`"]
    whole = page["gzip"] + first["status_sizes"]["css_gzip"]
    lines += ["", f"Whole status page, HTML + its stylesheet, gzip: {mark(whole <= GOALS['status_kb']*1000)} {whole/1000:.1f} KB "
                  f"(HTML {page['gzip']/1000:.1f} KB + CSS {first['status_sizes']['css_gzip']/1000:.1f} KB; "
                  f"the stylesheet is shared with the app and cached)."]
    lines += ["", "| figure | goal | " + " | ".join(runs) + " |", "| --- | --- | " + " | ".join("---:" for _ in runs) + " |"]
    deep = [k for k in first["results"] if k.startswith("clusters, deep")][0]
    firstp = [k for k in first["results"] if k.startswith("clusters, first")][0]
    row = lambda name, goal, vals: lines.append(f"| {name} | {goal} | " + " | ".join(vals) + " |")
    row("deep page p99 ÷ first page p99", f"≤ {GOALS['deep_over_first']}",
        [f"{mark(v <= GOALS['deep_over_first'])} {v:.2f}" for v in
         (r["results"][deep]["p99_us"] / max(1, r["results"][firstp]["p99_us"]) for r in runs.values())])
    row("server peak RSS (MB)", f"≤ {GOALS['rss_mb']}", [f"{mark(r['rss_mb'] <= GOALS['rss_mb'])} {r['rss_mb']:.0f}" for r in runs.values()])
    missed += [f"{k} peak RSS {r['rss_mb']:.0f} MB" for k, r in runs.items() if r["rss_mb"] > GOALS["rss_mb"]]
    missed += [f"{k} deep page ÷ first page p99" for k, r in runs.items()
               if r["results"][deep]["p99_us"] / max(1, r["results"][firstp]["p99_us"]) > GOALS["deep_over_first"]]
    missed += ["sqlite large seed" for k, r in runs.items() if k == "sqlite" and r["seed_s"] > GOALS["seed_s"]]
    row("`large` seed (s)", f"≤ {GOALS['seed_s']} (SQLite)", [f"{mark(k != 'sqlite' or r['seed_s'] <= GOALS['seed_s'])} {r['seed_s']:.1f}" for k, r in runs.items()])
    lines += ["", f"WASM main bundle: {raw/1024:.0f} KB raw, {gz/1024:.0f} KB gzip, "
                  f"{mark(br/1000 <= GOALS['wasm_br_kb'])} {br/1000:.0f} KB brotli (goal ≤ {GOALS['wasm_br_kb']} KB); "
                  f"{chunks} lazily loaded chunks (a page's code, fetched when it is first shown), "
                  f"{chunks_br/1000:.0f} KB brotli together."]
    if br / 1000 > GOALS["wasm_br_kb"]:
        missed.append("WASM brotli")
    visit = first["first_visit"]
    total = sum(visit.values())
    if total / 1000 > GOALS["first_visit_kb"]:
        missed.append("first visit bytes")
    lines += ["", f"First visit to `/` (signed in, `Accept-Encoding: {ACCEPT_ENCODING}`, empty cache): "
                  f"{mark(total/1000 <= GOALS['first_visit_kb'])} {total/1000:.0f} KB on the wire "
                  f"(goal ≤ {GOALS['first_visit_kb']} KB): " + ", ".join(f"`{k}` {v/1000:.1f} KB" for k, v in visit.items()) + ".",
              "", (f"Summary: {len(missed)} goal(s) missed: " + "; ".join(missed) + ".") if missed else "Summary: every goal met.", ""]
    table = "\n".join(lines)
    print(table)
    out = os.path.join(ROOT, "bench/results", f"{now:%Y-%m-%d-%H%M}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(table)
    log(f"written to {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
