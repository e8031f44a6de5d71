"""Rolling restart: two replicas on PostgreSQL behind HAProxy, restarted one by
one under a load of reads and writes."""

import os
import shutil
import signal
import subprocess
import time

from harness import Database, Headroom, Workdir, all_requests, call, free_port, log
from load import Load

# Passive health checks (`observe layer4`: a refused connection marks a replica
# down at once) beside an active one on /readyz; a request whose connection
# failed, or that got no answer at all, is sent to the other replica. Only
# those: a timeout after a request was sent is not retried (it may have run).
# Every request is logged (`option httplog`) so that a failure can be told apart:
# HAProxy's own 503 (no replica up), a 502 after the retries ran out, or a 5xx
# that a replica answered.
HAPROXY_CFG = """
global
    maxconn 2048
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
frontend headroom
    bind 127.0.0.1:{proxy}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server check inter 500ms fall 1 rise 2 observe layer4 error-limit 1 on-error mark-down
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
frontend stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


def rolling_restart(settle=3.0):
    if not shutil.which("haproxy"):
        raise SystemExit("the rolling restart needs HAProxy (Debian: haproxy)")
    with Workdir() as work:
        db = Database("postgres", work)
        try:
            # Each replica drains for 1 s after SIGTERM (`/readyz` 503 while it
            # still serves): longer than HAProxy needs to see it (a check every
            # 0.5 s, down after one failure), so nothing is queued on it when
            # its listener closes.
            drain = {"HEADROOM_SHUTDOWN_DRAIN": "1"}
            a, b = Headroom(db.url, work, "a", env=drain), Headroom(db.url, work, "b", env=drain)
            a.seed_small()
            requester, approver1, approver2 = a.token("requester"), a.token("approver1"), a.token("approver2")
            a.start().wait_ready()
            b.start().wait_ready()
            proxy_port, stats_port = free_port(), free_port()
            cfg = os.path.join(work, "haproxy.cfg")
            with open(cfg, "w") as f:
                f.write(HAPROXY_CFG.format(proxy=proxy_port, a=a.port, b=b.port, stats=stats_port))
            proxy_log = os.path.join(work, "haproxy.log")
            proxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=open(proxy_log, "ab"),
                                     stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{proxy_port}"
            for _ in range(100):
                if call(base, "GET", "/readyz")[0] == 200:
                    break
                time.sleep(0.1)
            stats = f"http://127.0.0.1:{stats_port}"
            wait_until_up(stats, ["a", "b"])
            before = len(all_requests(base, approver1))
            load = Load(base, requester, [approver1, approver2], writers=6, readers=4, marker="rolling").start()
            drains = {}
            time.sleep(settle)
            for replica in (a, b):
                drains[replica.name] = replica.stop(signal.SIGTERM)
                log(f"rolling restart: replica {replica.name} stopped in {drains[replica.name]:.2f} s; starting it again")
                replica.start().wait_ready()
                # As a rolling restart does: the next replica goes only once the
                # balancer routes to this one again (its checks passed `rise` times).
                wait_until_up(stats, ["a", "b"])
                time.sleep(settle)
            load.stop()
            present = set(all_requests(a.base, approver1))
            ok, said = a.check()
            proxy.terminate()
            proxy.wait()
            retried, proxy_failures = read_proxy_log(proxy_log)
            a.stop()
            b.stop()
        finally:
            db.close()
    written = set(load.written)
    lost = written - present
    extra = len(present) - before - len(written)
    log("rolling restart: " + load.summary())
    for failure in load.failures:
        log(f"rolling restart failure: {failure}")
    for line in proxy_failures:
        log(f"rolling restart, HAProxy: {line}")
    measured = f"{load.failed} failed of {load.operations} ({load.per_second():.0f}/s through HAProxy; {retried} retried)"
    if load.failures:
        when, what, status, body = load.failures[0]
        measured += f"; first: {what} {status} at {when} s: {body[:80]}"
    if proxy_failures:
        measured += f"; HAProxy: {proxy_failures[0][:160]}"
    return [
        ("rolling restart", "0 failed requests while both replicas restart under load", measured, load.failed == 0),
        ("rolling restart", "each replica drains within 10 s",
         ", ".join(f"{k}: {v:.2f} s" for k, v in drains.items()), all(v <= 10 for v in drains.values())),
        ("rolling restart", "no write lost or doubled; the check passes",
         f"{len(written)} filed with 201, {len(lost)} missing, {extra} unexpected; check: {'ok' if ok else said}",
         not lost and extra == 0 and ok),
    ]


def wait_until_up(stats, servers, timeout=30):
    """Waits until HAProxy's stats report each of `servers` UP (a replica that
    is rising reads `DOWN 1/2` until its second good check)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body, _ = call(stats, "GET", "/stats;csv", timeout=2)
        if status == 200:
            text = body if isinstance(body, str) else str(body)
            lines = [line.split(",") for line in text.splitlines()]
            up = {f[1] for f in lines if len(f) > 17 and f[0] == "replicas" and f[17] == "UP"}
            if all(s in up for s in servers):
                return
        time.sleep(0.1)
    raise SystemExit(f"HAProxy did not see {servers} up within {timeout} s")


def read_proxy_log(path):
    """(requests HAProxy retried, its log lines for answers that failed). A line
    of `option httplog` reads `client [date] frontend backend/server
    Tq/Tw/Tc/Tr/Ta status bytes - - flags conns retries{...} "request"`; the
    retries field is the fifth of the five conns counters."""
    retried, failed = 0, []
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Server ") or "no server available" in line:
                log(f"rolling restart, HAProxy: {line.strip()}")
                continue
            fields = line.split()
            if len(fields) < 10 or "/" not in fields[3]:
                continue
            status, counters = fields[5], fields[10].split("/")
            if len(counters) == 5 and counters[4].lstrip("+").isdigit() and int(counters[4].lstrip("+")) > 0:
                retried += 1
            if not status.isdigit() or int(status) >= 500:
                failed.append(line.strip())
    return retried, failed
