#!/usr/bin/env python3
"""Webhook delivery latency under no load (issue 16's closing note).

Starts `headroom serve` over an empty SQLite database (and PostgreSQL when
HEADROOM_TEST_PG_URL / a local server is reachable, in a database of its own),
a receiver on a loopback port, subscribes it to `webhook.test`'s subscription
(allowing private destinations), then sends N test events one after another and
measures, for each, the time from the API's answer (the event committed) to the
receiver holding the request. Prints a Markdown table of p50 / p90 / p99 / max.

    bench/webhooks.py [--events 200] [--bin target/release/headroom]
"""
import argparse
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

arrived = {}
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        at = time.monotonic()
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        sub = json.loads(body)["data"]
        with lock:
            arrived[self.headers["webhook-id"]] = (at, sub)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, stdin=None):
    return subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=True).stdout.strip()


def api(base, token, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body or {}).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def measure(binary, url, events, receiver_url):
    env = dict(os.environ, DATABASE_URL=url, RUST_LOG="error")
    run([binary, "migrate"], env)
    run([binary, "user", "add", "bench-admin", "--role", "admin"], env, stdin="a-long-enough-password\n")
    token = run([binary, "token", "create", "--user", "bench-admin", "--name", "bench"], env)
    run([binary, "settings", "set", "webhooks.allow_private", "on"], env)
    port = free_port()
    server = subprocess.Popen([binary, "serve"], env=dict(env, LEPTOS_SITE_ADDR=f"127.0.0.1:{port}"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/readyz")
                break
            except Exception:
                time.sleep(0.1)
        sub = api(base, token, "POST", "/api/v1/webhooks", {"url": receiver_url, "events": ["notice.*"]})
        sid = sub["subscription"]["id"]
        latencies = []
        for _ in range(events):
            d = api(base, token, "POST", f"/api/v1/webhooks/{sid}/test")
            committed = time.monotonic()
            deadline = committed + 10
            while time.monotonic() < deadline:
                with lock:
                    got = arrived.get(d["message_id"])
                if got:
                    latencies.append((got[0] - committed) * 1000)
                    break
                time.sleep(0.001)
            else:
                sys.exit(f"{d['message_id']} not delivered within 10 s")
        return sorted(latencies)
    finally:
        server.terminate()
        server.wait()


def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--bin", default="target/release/headroom")
    args = ap.parse_args()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    receiver_url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite", measure(args.bin, f"sqlite://{tmp}/bench.db", args.events, receiver_url)))
    pg = os.environ.get("HEADROOM_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"headroom_webhook_bench_{os.getpid()}"
    admin = pg.rsplit("/", 1)[0]
    if subprocess.run(["psql", pg, "-qc", f"CREATE DATABASE {name}"], capture_output=True).returncode == 0:
        try:
            rows.append(("PostgreSQL", measure(args.bin, f"{admin}/{name}", args.events, receiver_url)))
        finally:
            subprocess.run(["psql", pg, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
    print(f"Webhook delivery latency, no load: {args.events} test events one after another; "
          "from the API's answer (committed) to the receiver holding the request, ms.\n")
    print("| database | events | p50 | p90 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for db, xs in rows:
        print(f"| {db} | {len(xs)} | {pct(xs, 50):.1f} | {pct(xs, 90):.1f} | {pct(xs, 99):.1f} | {xs[-1]:.1f} |")


if __name__ == "__main__":
    main()
