-- Version 10: one index fewer on the audit append path. `audit_log_ts` (ts) is a prefix of
-- `audit_log_month` (ts, provider_id, actor_id, action, outcome), which serves every query by
-- time as well ("the first row at or after a time" walks it and sorts only the rows of that
-- one millisecond by seq). Every audited view paid for both.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

DROP INDEX audit_log_ts;
