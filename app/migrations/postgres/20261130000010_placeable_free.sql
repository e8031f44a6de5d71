-- One definition of free (issue 14): a cluster that is not in service keeps its
-- unallocated, unreserved units out of service, so `free` is always placeable.
UPDATE clusters SET out_of_service = total - allocated - reserved WHERE lifecycle <> 'in_service';
-- Every rollup recomputed from its clusters.
DELETE FROM region_sku_ledger;
INSERT INTO region_sku_ledger (region, sku, clusters, total, allocated, reserved, out_of_service)
SELECT region, sku, COUNT(*), CAST(SUM(total) AS BIGINT), CAST(SUM(allocated) AS BIGINT),
       CAST(SUM(reserved) AS BIGINT), CAST(SUM(out_of_service) AS BIGINT)
FROM clusters GROUP BY region, sku;
UPDATE fleet_version SET version = version + 1 WHERE id = 1;
ALTER TABLE clusters ADD CONSTRAINT clusters_free_is_placeable
    CHECK (lifecycle = 'in_service' OR total = allocated + reserved + out_of_service);
