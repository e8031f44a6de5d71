"""Graceful shutdown and kill -9: what a stop does to requests in flight."""

import http.client
import json
import re
import signal
import socket
import subprocess
import threading
import time

from harness import HEADROOM, Database, Headroom, Workdir, call, log, request_body


def graceful(backend="sqlite"):
    """A request whose body is still arriving when SIGTERM comes finishes; a new
    connection after it is refused; the process exits within 10 s."""
    rows = []
    with Workdir() as work:
        db = Database(backend, work)
        try:
            hr = Headroom(db.url, work)
            hr.seed_small()
            token = hr.token("requester")
            hr.start().wait_ready()
            body = json.dumps(request_body(marker="in-flight at SIGTERM")).encode()
            slow = socket.create_connection(("127.0.0.1", hr.port))
            head = (f"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            slow.sendall(head + body[: len(body) // 2])
            time.sleep(0.3)
            signalled = time.time()
            exited = {}
            waiter = threading.Thread(target=lambda: exited.setdefault("s", hr.stop(signal.SIGTERM)))
            waiter.start()
            time.sleep(1.0)
            refused = call(hr.base, "GET", "/healthz", timeout=2)[0] is None
            slow.sendall(body[len(body) // 2:])
            slow.settimeout(10)
            answer = b""
            while True:
                chunk = slow.recv(65536)
                if not chunk:
                    break
                answer += chunk
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
            waiter.join()
            exit_s = exited["s"]
            log(f"graceful: in-flight answered {status}; new connection refused: {refused}; exited in {exit_s:.1f} s")
            rows += [
                (f"graceful shutdown ({backend})", "a request in flight at SIGTERM completes", f"answered {status} {1.0 + 0.3:.1f} s after it began", status == 201),
                (f"graceful shutdown ({backend})", "new connections refused after SIGTERM", "refused" if refused else "accepted", refused),
                (f"graceful shutdown ({backend})", "the process exits within 10 s", f"{exit_s:.1f} s after SIGTERM ({time.time() - signalled:.1f} s in all)", exit_s <= 10),
            ]
        finally:
            db.close()
    return rows


def kill_during_seed(backend="sqlite", after=3.0):
    """kill -9 in the middle of seeding the large fleet: the check passes after."""
    with Workdir() as work:
        db = Database(backend, work)
        try:
            hr = Headroom(db.url, work)
            hr.cli("migrate")
            proc = subprocess.Popen([HEADROOM, "seed", "--demo", "--scale", "large"],
                                    env=hr.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(after)
            still_running = proc.poll() is None
            proc.kill()
            proc.wait()
            ok, said = hr.check()
            log(f"kill -9 during seed ({backend}): still running at kill: {still_running}; check: {said.splitlines()[0] if said else ''}")
            hr.start().wait_ready()
            served = call(hr.base, "GET", "/healthz")[0]
            hr.stop()
            return [(f"kill -9 during a seed ({backend})", "the invariant check passes after restart",
                     f"killed {after:.0f} s in ({'mid-seed' if still_running else 'seed had finished'}); check: {'ok' if ok else said}; serves again: {served == 200}",
                     ok and still_running and served == 200)]
        finally:
            db.close()


def kill_during_bulk_approval(backend="sqlite", requests=200):
    """kill -9 while an approver approves 200 requests at once: every approval is
    whole or absent, and the check passes after restart."""
    with Workdir() as work:
        db = Database(backend, work)
        try:
            hr = Headroom(db.url, work)
            hr.seed_small()
            # The policy would approve small requests by itself; leave them for the approver.
            hr.cli("settings", "set", "requests.policy", "one approver for all | any | 1")
            requester, approver = hr.token("requester"), hr.token("approver1")
            hr.start().wait_ready()
            picks = []
            for i in range(requests):
                status, r, _ = call(hr.base, "POST", "/api/v1/requests", requester, request_body(marker=f"bulk {i}"))
                if status != 201:
                    raise SystemExit(f"filing answered {status}: {r}")
                picks.append((r["key"], r["version"]))
            status, page, _ = call(hr.base, "GET", "/approvals", approver)
            m = re.search(r'action="(/api/decide_requests\d+)"', page if isinstance(page, str) else "")
            if not m:
                raise SystemExit(f"no bulk decision form on /approvals ({status})")
            form = "action=approve" + "".join(f"&pick%5B{k}%5D={v}" for k, v in picks)
            started = time.time()
            answer = {}

            def post():
                conn = http.client.HTTPConnection("127.0.0.1", hr.port, timeout=60)
                try:
                    conn.request("POST", m.group(1), body=form, headers={
                        "Authorization": f"Bearer {approver}",
                        "Content-Type": "application/x-www-form-urlencoded"})
                    answer["status"] = conn.getresponse().status
                except OSError as e:
                    answer["error"] = str(e)

            t = threading.Thread(target=post)
            t.start()
            # Kill once some, not all, have gone through: poll the approved count.
            approved = 0
            while time.time() - started < 30 and t.is_alive():
                listed = call(hr.base, "GET", "/api/v1/requests?state=approved&limit=500", approver)[1]
                approved = len(listed["items"]) if isinstance(listed, dict) else approved
                if approved >= requests // 10:
                    break
                time.sleep(0.02)
            hr.stop(signal.SIGKILL)
            t.join()
            ok, said = hr.check()
            hr.start().wait_ready()
            listed = call(hr.base, "GET", "/api/v1/requests?state=approved&limit=500", approver)[1]
            after = len(listed["items"])
            hr.stop()
            midway = 0 < after < requests
            log(f"kill -9 during bulk approval ({backend}): {after} of {requests} approved; check: {'ok' if ok else said}")
            return [(f"kill -9 during a bulk approval ({backend})", "the invariant check passes after restart",
                     f"killed with {after} of {requests} approved; check: {'ok' if ok else said}", ok and midway)]
        finally:
            db.close()
