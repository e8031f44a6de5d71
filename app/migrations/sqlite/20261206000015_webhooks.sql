-- Webhooks (issue 16). Admins subscribe URLs to events; every event writes one
-- delivery row per subscription in the transaction that made the event (a
-- transactional outbox: an event that rolls back leaves no delivery, one that
-- commits cannot lose its delivery). A worker on every replica claims due
-- deliveries (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: a conditional
-- update) and records each attempt; an attempt's number is unique per delivery.
-- Instants the worker compares are epoch milliseconds (ordered as numbers).
CREATE TABLE webhook_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    -- Event types, separated by single spaces.
    events          TEXT NOT NULL,
    -- whsec_<base64>: the signing secret; after a rotation the previous one
    -- also signs until previous_until_ms.
    secret          TEXT NOT NULL,
    previous_secret TEXT,
    previous_until_ms BIGINT,
    enabled         BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason TEXT,
    version         BIGINT NOT NULL CHECK (version >= 1),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- The webhook-id header: the same on every attempt and on a replay.
    message_id      TEXT NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivering', 'succeeded', 'failed')),
    attempts        BIGINT NOT NULL CHECK (attempts >= 0),
    next_attempt_ms BIGINT NOT NULL,
    claimed_until_ms BIGINT,
    claimed_by      TEXT,
    last_status     BIGINT,
    last_error      TEXT,
    last_latency_ms BIGINT,
    replay_of       BIGINT REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_ms);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL CHECK (attempt >= 1),
    started_at  TEXT NOT NULL,
    status      BIGINT,
    error       TEXT,
    latency_ms  BIGINT NOT NULL,
    replica     TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
