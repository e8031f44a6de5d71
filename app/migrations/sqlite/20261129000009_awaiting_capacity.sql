-- A request approved "with buildout" waits for its capacity (issue 12). SQLite
-- cannot change a CHECK constraint, so the table is rebuilt, keeping ids, the key
-- sequence and the indexes. Db::migrate turns foreign keys off around the
-- migrations and checks them after, as SQLite's own procedure for this says.
CREATE TABLE capacity_requests_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL CHECK (kind IN ('provision', 'deprovision')),
    region           TEXT NOT NULL REFERENCES regions (code),
    zone             BIGINT CHECK (zone BETWEEN 1 AND 3),
    sku              TEXT NOT NULL REFERENCES skus (code),
    quantity         BIGINT NOT NULL CHECK (quantity > 0),
    need_by          TEXT NOT NULL,
    service          TEXT NOT NULL,
    justification    TEXT NOT NULL,
    priority         TEXT NOT NULL CHECK (priority IN ('P0', 'P1', 'P2', 'P3')),
    requester_id     BIGINT NOT NULL REFERENCES users (id),
    state            TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'awaiting_capacity', 'approved', 'fulfilled', 'rejected', 'cancelled', 'expired')),
    version          BIGINT NOT NULL CHECK (version >= 1),
    hold_until       TEXT,
    policy_rule      TEXT,
    approvals_needed BIGINT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    auto_approved_at TEXT
);
INSERT INTO capacity_requests_new (id, kind, region, zone, sku, quantity, need_by, service, justification,
    priority, requester_id, state, version, hold_until, policy_rule, approvals_needed, created_at, updated_at,
    auto_approved_at)
SELECT id, kind, region, zone, sku, quantity, need_by, service, justification, priority, requester_id, state,
    version, hold_until, policy_rule, approvals_needed, created_at, updated_at, auto_approved_at
FROM capacity_requests;
INSERT OR REPLACE INTO sqlite_sequence (name, seq)
    SELECT 'capacity_requests_new', seq FROM sqlite_sequence WHERE name = 'capacity_requests';
DROP TABLE capacity_requests;
ALTER TABLE capacity_requests_new RENAME TO capacity_requests;
CREATE INDEX capacity_requests_state ON capacity_requests (state, id);
CREATE INDEX capacity_requests_region_sku ON capacity_requests (region, sku, id);
CREATE INDEX capacity_requests_auto ON capacity_requests (requester_id, auto_approved_at);
