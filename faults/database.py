"""The database under stress: a PostgreSQL outage, and a SQLite write storm."""

import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time

from harness import Database, Headroom, Workdir, call, free_port, log, all_requests
from load import Load


class PgInstance:
    """A PostgreSQL server of the suite's own, in a temporary directory on its own
    port, so stopping it disturbs nothing else on the machine."""

    def __init__(self):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if not versions:
            raise SystemExit("the outage test needs PostgreSQL's server binaries (Debian: postgresql)")
        self.bin = os.path.dirname(versions[-1])
        self.dir = tempfile.mkdtemp(prefix="headroom-faults-pg-")
        self.port = free_port()
        self.admin_url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool, *args):
        subprocess.run([*self.as_user, f"{self.bin}/{tool}", *args], check=True, capture_output=True)

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-o", opts, "-l", f"{self.dir}/log", "-w", "start")
        return self

    def stop(self):
        self._run("pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "-w", "stop")

    def close(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Probe:
    """Asks one path every `every` seconds on its own thread; keeps (start, end, status, body)."""

    def __init__(self, base, path, token=None, every=0.25, askers=1):
        self.base, self.path, self.token, self.every = base, path, token, every
        self.seen = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n * every / askers,), daemon=True)
                        for n in range(askers)]

    def _run(self, offset):
        time.sleep(offset)
        while not self.stopping.is_set():
            began = time.time()
            status, body, _ = call(self.base, "GET", self.path, self.token, timeout=40)
            self.seen.append((began, time.time(), status, body))
            time.sleep(max(0.0, self.every - (time.time() - began)))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()
        self.seen.sort()

    def between(self, a, b):
        """Answers to calls made and answered between `a` and `b`."""
        return [s for s in self.seen if a <= s[0] and s[1] <= b]

    def first(self, after, status):
        """Seconds from `after` until an answer with `status` came back (asked after `after`)."""
        for began, ended, st, _ in self.seen:
            if began >= after and st == status:
                return ended - after
        return float("inf")

    def settled(self, after, status=200):
        """Seconds from `after` until answers are `status` from then on."""
        last_bad = after
        for began, ended, st, _ in self.seen:
            if began >= after and st != status:
                last_bad = ended
        following = [e for b, e, st, _ in self.seen if b >= last_bad and st == status]
        return (following[0] - after) if following else float("inf")


def outage(down_seconds=8, up_seconds=12):
    """PostgreSQL stops under load and comes back: probes, pages and the API
    answer promptly and honestly throughout, and everything recovers unaided."""
    pg = PgInstance().start()
    try:
        with Workdir() as work:
            db = Database("postgres", work, admin_url=pg.admin_url)
            hr = Headroom(db.url, work)
            hr.seed_small()
            requester, approver1, approver2 = hr.token("requester"), hr.token("approver1"), hr.token("approver2")
            hr.start().wait_ready()
            before = len(all_requests(hr.base, approver1))
            # Six askers per path, so answers that take seconds still come often.
            probes = {p: Probe(hr.base, p, approver1, askers=6).start()
                      for p in ["/healthz", "/readyz", "/clusters", "/api/v1/regions", "/status"]}
            load = Load(hr.base, requester, [approver1, approver2], writers=4, readers=0, marker="outage").start()
            time.sleep(2)
            pg.stop()
            # The outage is measured from when the database is gone.
            down = time.time()
            log(f"outage: PostgreSQL stopped; waiting {down_seconds} s")
            time.sleep(down_seconds)
            restarting = time.time()
            pg.start()
            up = time.time()
            log(f"outage: PostgreSQL is back; watching {up_seconds} s")
            time.sleep(up_seconds)
            load.stop()
            for p in probes.values():
                p.stop()
            written = set(load.written)
            present = set(all_requests(hr.base, approver1))
            after = len(present)
            ok, said = hr.check()
            hr.stop()
            db.close()
    finally:
        pg.close()

    rows = []
    ready_503 = probes["/readyz"].first(down, 503)
    rows.append(("database outage", "`/readyz` answers 503 within 2 s", f"{ready_503:.2f} s", ready_503 <= 2))
    health = probes["/healthz"].between(down, restarting)
    health_ok = all(s[2] == 200 for s in health)
    health_slowest = max((s[1] - s[0] for s in health), default=0)
    rows.append(("database outage", "`/healthz` stays 200 and touches no database",
                 f"{sum(s[2] == 200 for s in health)} of {len(health)} answers 200, slowest {health_slowest * 1000:.0f} ms", health_ok))
    for path, kind in [("/clusters", "page"), ("/api/v1/regions", "API")]:
        # Calls made and answered while the database was down.
        seen = probes[path].between(down, restarting)
        unavailable = [s for s in seen if s[2] == 503 and
                       (("cannot reach its database" in s[3]) if kind == "page" else (s[3]["error"]["code"] == "unavailable"))]
        slowest = max((s[1] - s[0] for s in seen), default=0)
        others = sorted({str(s[2]) for s in seen if s not in unavailable})
        for s in seen:
            if s not in unavailable:
                log(f"outage: {path} answered {s[2]} after {s[1] - s[0]:.2f} s: {str(s[3])[:300]}")
        good = len(unavailable) == len(seen) and slowest <= 5
        rows.append(("database outage", f"{kind} answers 503 `unavailable` within 5 s",
                     f"{len(unavailable)} of {len(seen)} so{' (others: ' + ', '.join(others) + ')' if others else ''}, slowest {slowest:.2f} s", good))
    status = probes["/status"].between(down, restarting)
    rows.append(("database outage", "the cached `/status` keeps serving",
                 f"{sum(s[2] == 200 for s in status)} of {len(status)} answers 200", all(s[2] == 200 for s in status)))
    recovery = max(probes[p].settled(up) for p in ["/readyz", "/clusters", "/api/v1/regions"])
    rows.append(("database outage", "everything recovers within 10 s of the database's return, no restart",
                 f"{recovery:.2f} s", recovery <= 10))
    bad = [k for k in load.answers if load.status_of(k) is None or (load.status_of(k) >= 500 and load.status_of(k) != 503)]
    lost = written - present
    rows.append(("database outage", "writes in flight are committed or cleanly refused (503); the check passes",
                 f"{len(written)} filed with 201, {len(lost)} of them missing, {after - before - len(written)} unexpected; "
                 f"other failures: {', '.join(bad) or 'none'}; check: {'ok' if ok else said}",
                 ok and not lost and after - before == len(written) and not bad))
    log("outage: load answers: " + load.summary())
    return rows


def write_storm(seconds=60, writers=50):
    """50 writers file, approve and comment against one SQLite server."""
    with Workdir() as work:
        db = Database("sqlite", work)
        hr = Headroom(db.url, work)
        hr.seed_small()
        requester, approver1, approver2 = hr.token("requester"), hr.token("approver1"), hr.token("approver2")
        hr.start().wait_ready()
        load = Load(hr.base, requester, [approver1, approver2], writers=writers, marker="storm").start()
        time.sleep(seconds)
        load.stop()
        ok, said = hr.check()
        log_path = os.path.join(work, f"{hr.name}.log")
        hr.stop()
        locked = sum(line.count("database is locked") + line.count("busy") for line in open(log_path, errors="replace"))
    log("write storm: " + load.summary())
    for failure in load.failures:
        log(f"write storm failure: {failure}")
    refused = sum(v for k, v in load.answers.items() if 400 <= (load.status_of(k) or 0) < 500)
    return [("SQLite write storm", f"{writers} writers for {seconds} s: 0 `database is locked`/busy errors",
             f"{load.failed} failed (5xx or connection), {locked} busy/locked lines logged; "
             f"{load.per_second():.0f} writes/s ({load.operations} in all, {refused} refused with a 4xx); check: {'ok' if ok else said}",
             load.failed == 0 and locked == 0 and ok)]
