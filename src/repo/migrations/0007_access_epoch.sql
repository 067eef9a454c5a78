-- Version 7: a counter that every change the per-request access check depends on moves
-- (operators, their providers), whoever writes it: this server, or the command line beside
-- it. The server keeps operators in memory and drops them when the counter moves, instead
-- of reading the operator row on every request.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

CREATE TABLE access_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;
INSERT INTO access_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER operator_inserted_access AFTER INSERT ON operator
BEGIN UPDATE access_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER operator_updated_access AFTER UPDATE ON operator
BEGIN UPDATE access_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER provider_updated_access AFTER UPDATE ON provider
BEGIN UPDATE access_epoch SET n = n + 1 WHERE id = 1; END;
