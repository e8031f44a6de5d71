"""A load generator of real work: requesters file requests, approvers approve
them, both comment, readers read pages and the API; every answer is counted.

A failure is a 5xx or a connection error: a 4xx (a stale version, a request the
policy already approved, capacity that ran out) is Headroom refusing cleanly,
and is counted apart.
"""

import collections
import threading
import time

from harness import call, request_body

READS = ["/api/v1/fleet/summary", "/api/v1/regions", "/api/v1/requests?limit=20", "/clusters", "/"]


class Load:
    def __init__(self, base, requester, approvers, writers=8, readers=0, timeout=15, marker="faults"):
        self.base = base
        self.requester = requester
        self.approvers = approvers
        self.writers = writers
        self.readers = readers
        self.timeout = timeout
        self.marker = marker
        self.lock = threading.Lock()
        self.answers = collections.Counter()
        self.failures = []  # (when, what, status, body), the first few
        self.failed = 0
        self.written = []  # keys of requests filed with a 201
        self.operations = 0
        self.stopping = threading.Event()
        self.threads = []
        self.started = self.ended = None

    def _count(self, what, status, body):
        with self.lock:
            self.operations += 1
            self.answers[f"{what} {status}"] += 1
            if status is None or status >= 500:
                self.failed += 1
                if len(self.failures) < 10:
                    self.failures.append((round(time.time() - self.started, 2), what, status, str(body)[:200]))

    def _writer(self, n):
        approver = self.approvers[n % len(self.approvers)]
        i = 0
        while not self.stopping.is_set():
            i += 1
            status, r, _ = call(self.base, "POST", "/api/v1/requests", self.requester,
                                request_body(marker=f"{self.marker} w{n} #{i}"), timeout=self.timeout)
            self._count("file", status, r)
            if status != 201:
                continue
            with self.lock:
                self.written.append(r["key"])
            key, version = r["key"], r["version"]
            if r["state"] == "submitted":
                status, a, _ = call(self.base, "POST", f"/api/v1/requests/{key}/approve", approver,
                                    {"version": version}, timeout=self.timeout)
                self._count("approve", status, a)
            status, c, _ = call(self.base, "POST", f"/api/v1/requests/{key}/comments", approver,
                                {"comment": f"looked at by writer {n}"}, timeout=self.timeout)
            self._count("comment", status, c)

    def _reader(self, n):
        i = n
        while not self.stopping.is_set():
            path = READS[i % len(READS)]
            i += 1
            status, body, _ = call(self.base, "GET", path, self.approvers[0], timeout=self.timeout)
            self._count("read", status, body)

    def start(self):
        self.started = time.time()
        self.threads = [threading.Thread(target=self._writer, args=(n,), daemon=True) for n in range(self.writers)]
        self.threads += [threading.Thread(target=self._reader, args=(n,), daemon=True) for n in range(self.readers)]
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join()
        self.ended = time.time()
        return self

    @staticmethod
    def status_of(answer):
        """The status in an `answers` key ("file 201" → 201; a connection error → None)."""
        last = answer.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else None

    def per_second(self):
        return self.operations / max(self.ended - self.started, 1e-9)

    def summary(self):
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.answers.items()))
