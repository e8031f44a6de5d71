-- Identity and audit: users with a set of roles, server-side sessions, API
-- Flags are BIGINT 0/1 on both engines: sqlx's Any driver cannot decode SQLite booleans.
-- tokens (stored hashed), failed sign-ins for throttling, and the audit trail.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    roles         TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    demo          BIGINT NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
    created_at    BIGINT NOT NULL
);

-- The session id itself never touches the database: only its SHA-256.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    roles      TEXT,
    created_at BIGINT NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

CREATE TABLE failed_sign_ins (
    key TEXT NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX failed_sign_ins_key_at ON failed_sign_ins (key, at);

-- Append-only: the code has no UPDATE or DELETE path for it.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT,
    action     TEXT NOT NULL,
    object     TEXT,
    before     TEXT,
    after      TEXT,
    source     TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_action ON audit_log (action, id);
