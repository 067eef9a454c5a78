-- Version 12: one index fewer on the audit append path. `audit_log_object` (object) served the
-- registro's search for a person before version 4 indexed the people each row concerns
-- (`audit_subject`, `audit_list_subject`); no query has used it since (the search over rows
-- not yet indexed scans their seq range). A view's object (`recipient:<id>`) is a random key,
-- so every audited view dirtied a random page of it: dropping it took the append from 119 to
-- 79 µs of CPU per row on 5M rows (`cargo bench --bench audit_indexes`).
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

DROP INDEX audit_log_object;
