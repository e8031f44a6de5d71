-- Capacity requests, their approvals, and the reservations that back approved ones.
CREATE TABLE capacity_requests (
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
    state            TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'fulfilled', 'rejected', 'cancelled', 'expired')),
    version          BIGINT NOT NULL CHECK (version >= 1),
    hold_until       TEXT,
    policy_rule      TEXT,
    approvals_needed BIGINT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX capacity_requests_state ON capacity_requests (state, id);
CREATE INDEX capacity_requests_region_sku ON capacity_requests (region, sku, id);

-- One row per distinct approver: the primary key forbids approving twice.
CREATE TABLE request_approvals (
    request_id  BIGINT NOT NULL REFERENCES capacity_requests (id),
    approver_id BIGINT NOT NULL REFERENCES users (id),
    at          TEXT NOT NULL,
    PRIMARY KEY (request_id, approver_id)
);

-- Which clusters hold how many units for an approved provision request.
CREATE TABLE reservations (
    request_id BIGINT NOT NULL REFERENCES capacity_requests (id),
    cluster_id BIGINT NOT NULL REFERENCES clusters (id),
    units      BIGINT NOT NULL CHECK (units > 0),
    PRIMARY KEY (request_id, cluster_id)
);
CREATE INDEX reservations_cluster ON reservations (cluster_id);

CREATE TABLE request_comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES capacity_requests (id),
    author_id  BIGINT NOT NULL REFERENCES users (id),
    at         TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX request_comments_request ON request_comments (request_id, id);
INSERT INTO sqlite_sequence (name, seq) VALUES ('capacity_requests', 999);
