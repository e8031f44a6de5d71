-- Security hardening (issue 10).

-- Sign-in attempts are counted atomically before a password is checked: one
-- counter per key ('account:NAME' or 'address:IP') over a window that starts
-- with its first attempt. Replaces the per-failure rows.
DROP TABLE failed_sign_ins;
CREATE TABLE signin_counters (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL CHECK (attempts >= 0)
);
CREATE INDEX signin_counters_window ON signin_counters (window_start);

-- When the policy approved a request by itself: automatic approvals per
-- requester per day are limited (requests.auto_approvals_per_day).
ALTER TABLE capacity_requests ADD COLUMN auto_approved_at TEXT;
CREATE INDEX capacity_requests_auto ON capacity_requests (requester_id, auto_approved_at);

-- Sessions are purged by their age.
CREATE INDEX sessions_last_seen ON sessions (last_seen);


