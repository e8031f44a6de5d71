-- A request approved "with buildout" waits for its capacity (issue 12).
ALTER TABLE capacity_requests DROP CONSTRAINT capacity_requests_state_check;
ALTER TABLE capacity_requests ADD CONSTRAINT capacity_requests_state_check
    CHECK (state IN ('draft', 'submitted', 'awaiting_capacity', 'approved', 'fulfilled', 'rejected', 'cancelled', 'expired'));
