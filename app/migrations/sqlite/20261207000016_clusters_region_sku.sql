-- Placement and its preview read one region × SKU's clusters
-- (`ledger_sql::placement_candidates` / `allocation_candidates`,
-- `store::zone_frees`: `WHERE region = $1 AND sku = $2 [AND zone = $3]`).
-- Without this index SQLite took the SKU's clusters in every region
-- (`clusters_sku_name`, ~7,000 rows on the large fleet, 8 ms) for the ~200 it
-- wanted: issue 13, a request page an approver opens served 330 req/s.
CREATE INDEX clusters_region_sku_zone ON clusters (region, sku, zone, id);
