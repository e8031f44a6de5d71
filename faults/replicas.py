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
HAPROXY_CFG = """
global
    maxconn 2048
defaults
    mode http
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
"""


def rolling_restart(settle=3.0):
    if not shutil.which("haproxy"):
        raise SystemExit("the rolling restart needs HAProxy (Debian: haproxy)")
    with Workdir() as work:
        db = Database("postgres", work)
        try:
            a, b = Headroom(db.url, work, "a"), Headroom(db.url, work, "b")
            a.seed_small()
            requester, approver1, approver2 = a.token("requester"), a.token("approver1"), a.token("approver2")
            a.start().wait_ready()
            b.start().wait_ready()
            proxy_port = free_port()
            cfg = os.path.join(work, "haproxy.cfg")
            with open(cfg, "w") as f:
                f.write(HAPROXY_CFG.format(proxy=proxy_port, a=a.port, b=b.port))
            proxy = subprocess.Popen(["haproxy", "-f", cfg, "-db"], stdout=open(os.path.join(work, "haproxy.log"), "ab"),
                                     stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{proxy_port}"
            for _ in range(100):
                if call(base, "GET", "/readyz")[0] == 200:
                    break
                time.sleep(0.1)
            before = len(all_requests(base, approver1))
            load = Load(base, requester, [approver1, approver2], writers=6, readers=4, marker="rolling").start()
            drains = {}
            time.sleep(settle)
            for replica in (a, b):
                drains[replica.name] = replica.stop(signal.SIGTERM)
                log(f"rolling restart: replica {replica.name} stopped in {drains[replica.name]:.2f} s; starting it again")
                replica.start().wait_ready()
                time.sleep(settle)
            load.stop()
            present = set(all_requests(a.base, approver1))
            ok, said = a.check()
            proxy.terminate()
            proxy.wait()
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
    return [
        ("rolling restart", "0 failed requests while both replicas restart under load",
         f"{load.failed} failed of {load.operations} ({load.per_second():.0f}/s through HAProxy)", load.failed == 0),
        ("rolling restart", "each replica drains within 10 s",
         ", ".join(f"{k}: {v:.2f} s" for k, v in drains.items()), all(v <= 10 for v in drains.values())),
        ("rolling restart", "no write lost or doubled; the check passes",
         f"{len(written)} filed with 201, {len(lost)} missing, {extra} unexpected; check: {'ok' if ok else said}",
         not lost and extra == 0 and ok),
    ]
