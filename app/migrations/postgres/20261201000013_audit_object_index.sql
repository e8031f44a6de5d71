-- A request's and a deployment's timeline read the audit rows of one object
-- (`shared::audit::list_for_object`, `WHERE object = $1 ORDER BY id`); without
-- this index each page view scanned the whole trail (issue 13: the request
-- page served 293 req/s on the large fleet with 500 deployments' history).
CREATE INDEX audit_log_object ON audit_log (object, id);
