-- Public status notices (incidents and maintenance) that admins publish, the
-- regions each affects, and the timeline of updates shown on /status.
CREATE TABLE status_notices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    resolved_at TEXT,
    version     BIGINT NOT NULL CHECK (version >= 1)
);
CREATE INDEX status_notices_open ON status_notices (resolved_at, id);

CREATE TABLE status_notice_regions (
    notice_id BIGINT NOT NULL REFERENCES status_notices (id),
    region    TEXT NOT NULL REFERENCES regions (code),
    PRIMARY KEY (notice_id, region)
);

CREATE TABLE status_notice_updates (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id BIGINT NOT NULL REFERENCES status_notices (id),
    at        TEXT NOT NULL,
    body      TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX status_notice_updates_notice ON status_notice_updates (notice_id, id);
