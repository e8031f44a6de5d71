-- Settings get a version of their own (the architecture issue): a settings change
-- bumps it instead of the fleet's, and each replica caches its typed settings
-- under it, so resolving a caller never loads the fleet.
CREATE TABLE settings_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO settings_version (id, version) VALUES (1, 0);
