-- The fleet: regions, SKUs, clusters and their capacity ledgers.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    geography TEXT NOT NULL,
    lifecycle TEXT NOT NULL CHECK (lifecycle IN ('building', 'active', 'retiring'))
);

CREATE TABLE skus (
    code   TEXT PRIMARY KEY,
    family TEXT NOT NULL CHECK (family IN ('general', 'compute', 'memory', 'storage', 'gpu')),
    unit   TEXT NOT NULL CHECK (unit IN ('vCPU', 'GPU', 'TiB'))
);

CREATE TABLE clusters (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    region         TEXT NOT NULL REFERENCES regions (code),
    zone           INTEGER NOT NULL CHECK (zone BETWEEN 1 AND 3),
    sku            TEXT NOT NULL REFERENCES skus (code),
    lifecycle      TEXT NOT NULL CHECK (lifecycle IN ('buildout', 'in_service', 'maintenance', 'decommissioning')),
    total          INTEGER NOT NULL CHECK (total >= 0),
    allocated      INTEGER NOT NULL CHECK (allocated >= 0),
    reserved       INTEGER NOT NULL CHECK (reserved >= 0),
    out_of_service INTEGER NOT NULL CHECK (out_of_service >= 0),
    free           INTEGER GENERATED ALWAYS AS (total - allocated - reserved - out_of_service) STORED,
    util_bp        INTEGER GENERATED ALWAYS AS (
        CASE WHEN total > out_of_service THEN (allocated + reserved) * 10000 / (total - out_of_service) ELSE 0 END
    ) STORED,
    CONSTRAINT clusters_ledger_fits CHECK (allocated + reserved + out_of_service <= total)
);
CREATE INDEX clusters_region_name ON clusters (region, name);
CREATE INDEX clusters_region_zone_sku ON clusters (region, zone, sku);
CREATE INDEX clusters_sku_name ON clusters (sku, name);
CREATE INDEX clusters_free ON clusters (free, id);
CREATE INDEX clusters_util ON clusters (util_bp, id);

-- Sums of the cluster ledgers per region × SKU, maintained by every write to clusters
-- (in the same transaction) so that overview pages never scan the clusters.
CREATE TABLE region_sku_ledger (
    region         TEXT NOT NULL REFERENCES regions (code),
    sku            TEXT NOT NULL REFERENCES skus (code),
    clusters       INTEGER NOT NULL CHECK (clusters >= 0),
    total          INTEGER NOT NULL CHECK (total >= 0),
    allocated      INTEGER NOT NULL CHECK (allocated >= 0),
    reserved       INTEGER NOT NULL CHECK (reserved >= 0),
    out_of_service INTEGER NOT NULL CHECK (out_of_service >= 0),
    PRIMARY KEY (region, sku),
    CONSTRAINT region_sku_ledger_fits CHECK (allocated + reserved + out_of_service <= total)
);

-- One sample a day per region × SKU, for trend charts.
CREATE TABLE ledger_history (
    region         TEXT NOT NULL REFERENCES regions (code),
    sku            TEXT NOT NULL REFERENCES skus (code),
    day            TEXT NOT NULL,
    total          INTEGER NOT NULL CHECK (total >= 0),
    allocated      INTEGER NOT NULL CHECK (allocated >= 0),
    reserved       INTEGER NOT NULL CHECK (reserved >= 0),
    out_of_service INTEGER NOT NULL CHECK (out_of_service >= 0),
    PRIMARY KEY (region, sku, day),
    CONSTRAINT ledger_history_fits CHECK (allocated + reserved + out_of_service <= total)
);
