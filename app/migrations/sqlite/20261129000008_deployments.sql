-- Deployments (issue 12): staged buildouts, decommissions and rollouts, ring by
-- ring. A target's cluster may leave the ledger (a decommission), so targets keep
-- its id and name without a foreign key.
CREATE TABLE deployments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ('buildout', 'decommission', 'rollout')),
    title          TEXT NOT NULL,
    region         TEXT NOT NULL REFERENCES regions (code),
    sku            TEXT NOT NULL REFERENCES skus (code),
    owner_id       BIGINT NOT NULL REFERENCES users (id),
    state          TEXT NOT NULL CHECK (state IN ('planned', 'in_progress', 'paused', 'completed', 'failed', 'rolling_back', 'rolled_back', 'cancelled')),
    version        BIGINT NOT NULL CHECK (version >= 1),
    -- The version at which the state last changed: a target report carrying an
    -- older version is stale only if the state (or its own target) moved since.
    state_version  BIGINT NOT NULL,
    public_summary TEXT,
    note           TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    completed_at   TEXT
);
CREATE INDEX deployments_state ON deployments (state, id);
CREATE INDEX deployments_region ON deployments (region, id);

CREATE TABLE deployment_rings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    deployment_id BIGINT NOT NULL REFERENCES deployments (id),
    position      BIGINT NOT NULL,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'baking', 'succeeded', 'failed', 'rolling_back', 'rolled_back')),
    bake_minutes  BIGINT NOT NULL CHECK (bake_minutes >= 0),
    bake_ends_at  TEXT,
    UNIQUE (deployment_id, position)
);

CREATE TABLE deployment_targets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    deployment_id   BIGINT NOT NULL REFERENCES deployments (id),
    ring_id         BIGINT NOT NULL REFERENCES deployment_rings (id),
    position        BIGINT NOT NULL,
    cluster_id      BIGINT,
    cluster_name    TEXT,
    zone            BIGINT NOT NULL CHECK (zone BETWEEN 1 AND 3),
    units           BIGINT NOT NULL CHECK (units >= 0),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'succeeded', 'failed', 'rolling_back', 'rolled_back')),
    progress        BIGINT NOT NULL CHECK (progress BETWEEN 0 AND 100),
    message         TEXT NOT NULL,
    -- The deployment's version when this target last changed.
    changed_version BIGINT NOT NULL,
    -- The last report taken ("state|progress|message"): a retried report is answered, not applied twice.
    last_report     TEXT,
    started_at      TEXT,
    finished_at     TEXT
);
CREATE INDEX deployment_targets_deployment ON deployment_targets (deployment_id, ring_id, position);
CREATE INDEX deployment_targets_cluster ON deployment_targets (cluster_id);

CREATE TABLE deployment_requests (
    deployment_id BIGINT NOT NULL REFERENCES deployments (id),
    request_id    BIGINT NOT NULL REFERENCES capacity_requests (id),
    PRIMARY KEY (deployment_id, request_id)
);
CREATE INDEX deployment_requests_request ON deployment_requests (request_id);

-- Idempotency-Key headers of target reports already taken.
CREATE TABLE deployment_report_keys (
    idem_key      TEXT PRIMARY KEY,
    deployment_id BIGINT NOT NULL REFERENCES deployments (id),
    target_id     BIGINT NOT NULL,
    created_at    TEXT NOT NULL
);
