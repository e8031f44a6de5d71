-- The units a cluster had out of service of its own (broken hardware, say)
-- when this target took it out of service (`maintenance`, `decommissioning`).
-- When the target returns the cluster to service those units stay out of
-- service; only the units the deployment parked come back free. Without it a
-- return to service freed every unit not allocated or reserved: capacity
-- from nothing (issue 12).
ALTER TABLE deployment_targets ADD COLUMN kept_out_of_service BIGINT NOT NULL DEFAULT 0;
