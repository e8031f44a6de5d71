"""What every fault scenario shares: Headroom processes, databases, HTTP calls.

Each scenario starts its own processes on its own ports over its own database
(a SQLite file in a temporary directory, or a PostgreSQL database created for it
and dropped after), so one scenario's faults never reach another.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADROOM = os.path.join(ROOT, "target/release/headroom")
SITE = os.path.join(ROOT, "target/site")
PG_ADMIN = os.environ.get("HEADROOM_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def log(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(admin_url, sql):
    subprocess.run(["psql", admin_url, "-qAtc", sql], check=True, capture_output=True, text=True)


class Database:
    """A fresh database: a SQLite file, or a PostgreSQL database dropped on close."""

    def __init__(self, backend, work, admin_url=PG_ADMIN):
        self.backend = backend
        self.admin_url = admin_url
        if backend == "sqlite":
            self.url = f"sqlite://{work}/headroom.db"
            self.name = None
        else:
            self.name = "headroom_faults_" + uuid.uuid4().hex[:10]
            psql(admin_url, f"CREATE DATABASE {self.name}")
            self.url = admin_url.rsplit("/", 1)[0] + "/" + self.name

    def close(self):
        if self.name:
            try:
                psql(self.admin_url, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            except subprocess.CalledProcessError as e:
                log(f"could not drop {self.name}: {e.stderr.strip()}")


class Headroom:
    """One `headroom` process (or CLI call) over one database, on its own port."""

    def __init__(self, db_url, work, name="headroom", port=None, env=None):
        self.db_url = db_url
        self.extra_env = dict(env or {})
        self.work = work
        self.name = name
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def env(self):
        return dict(os.environ, DATABASE_URL=self.db_url, LEPTOS_SITE_ROOT=SITE,
                    LEPTOS_SITE_ADDR=f"127.0.0.1:{self.port}", RUST_LOG="warn", **self.extra_env)

    def cli(self, *args, stdin=None, check=True):
        done = subprocess.run([HEADROOM, *args], env=self.env(), input=stdin,
                              capture_output=True, text=True)
        if check and done.returncode != 0:
            raise SystemExit(f"headroom {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
        return done

    def seed_small(self):
        self.cli("seed", "--demo", "--scale", "small")

    def token(self, user):
        return self.cli("token", "create", "--user", user, "--name", f"faults-{uuid.uuid4().hex[:6]}").stdout.strip()

    def check(self):
        """`headroom check`: (passed, what it printed)."""
        done = self.cli("check", check=False)
        return done.returncode == 0, (done.stdout + done.stderr).strip()

    def start(self):
        out = open(os.path.join(self.work, f"{self.name}.log"), "ab")
        self.proc = subprocess.Popen([HEADROOM, "serve"], env=self.env(), stdout=out, stderr=out)
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited early with {self.proc.returncode}; see {self.work}/{self.name}.log")
            if call(self.base, "GET", "/readyz", timeout=2)[0] == 200:
                return self
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not become ready within {timeout} s")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Signals the process and waits; returns the seconds it took to exit."""
        if not self.proc or self.proc.poll() is not None:
            return 0.0
        started = time.time()
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return float("inf")
        return time.time() - started


def call(base, method, path, token=None, body=None, timeout=10, headers=None):
    """One HTTP call on a fresh connection: (status or None, parsed body or error
    text, seconds). A connection error is status None, never an exception."""
    host, port = base.removeprefix("http://").split(":")
    started = time.time()
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        status = resp.status
        ctype = resp.getheader("content-type", "")
    except (OSError, http.client.HTTPException) as e:
        return None, f"{type(e).__name__}: {e}", time.time() - started
    finally:
        conn.close()
    if ctype.startswith("application/json"):
        try:
            return status, json.loads(raw), time.time() - started
        except ValueError:
            pass
    return status, raw.decode("utf-8", "replace"), time.time() - started


def need_by(days=30):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + days * 86400))


def request_body(quantity=1, marker="faults", submit=True, region="westus2", sku="Dv5"):
    return {"kind": "provision", "region": region, "sku": sku, "quantity": quantity,
            "need_by": need_by(), "service": "fault-suite", "justification": marker,
            "priority": "P3", "draft": not submit}


def all_requests(base, token):
    """Every request's key, through the API's cursor."""
    keys, cursor = [], None
    while True:
        path = "/api/v1/requests?limit=500" + (f"&cursor={cursor}" if cursor else "")
        status, body, _ = call(base, "GET", path, token, timeout=30)
        if status != 200:
            raise SystemExit(f"listing requests answered {status}: {body}")
        keys += [r["key"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return keys


class Workdir:
    """A temporary directory kept when KEEP_FAULTS=1 (for reading logs)."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="headroom-faults-")
        return self.path

    def __exit__(self, *exc):
        if os.environ.get("KEEP_FAULTS") == "1" or exc[0] is not None:
            log(f"kept {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)
