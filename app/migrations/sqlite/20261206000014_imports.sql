-- Fleet imports from CSV (issue 16). Each applied import is a record; reserved
-- units it brought that no request's reservation holds are held by it, per
-- cluster, until an operator releases them. `headroom check` counts these
-- holds with the reservations: a cluster's reserved units are what both hold.
CREATE TABLE fleet_imports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    file_name  TEXT NOT NULL,
    rows_read  BIGINT NOT NULL CHECK (rows_read >= 0),
    created    BIGINT NOT NULL CHECK (created >= 0),
    changed    BIGINT NOT NULL CHECK (changed >= 0),
    held_units BIGINT NOT NULL CHECK (held_units >= 0)
);

CREATE TABLE import_holds (
    import_id  BIGINT NOT NULL REFERENCES fleet_imports (id),
    cluster_id BIGINT NOT NULL REFERENCES clusters (id),
    units      BIGINT NOT NULL CHECK (units > 0),
    PRIMARY KEY (import_id, cluster_id)
);
CREATE INDEX import_holds_cluster ON import_holds (cluster_id);
