-- A counter bumped by every transaction that changes what the fleet pages show
-- (ledgers, rollups, history, health thresholds). Each replica caches its fleet
-- snapshot under the version it read and rebuilds when the version moves.
CREATE TABLE fleet_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO fleet_version (id, version) VALUES (1, 0);
