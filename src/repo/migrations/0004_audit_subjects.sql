-- Version 4: the people each audit row concerns, so that the data-subject report and the
-- registro's search by codice fiscale read an index instead of the whole trail. Written in
-- the same transaction as the row (src/repo/audit_subjects.rs); rows older than this
-- version are indexed in the background, newest first, in short slices.

-- Rows about one person: their scheda, SAP, programme, documents, changes to their data,
-- refused attempts at their pages, searches for their codice fiscale.
CREATE TABLE audit_subject (
    cf   TEXT NOT NULL,                           -- the person's codice fiscale
    seq  INTEGER NOT NULL,                        -- audit_log.seq
    PRIMARY KEY (cf, seq)
) STRICT, WITHOUT ROWID;

-- A person shown in a list (cruscotto, API list, agenda): the first list of each day and
-- viewer that showed them (every list row records all the ids it showed in its detail).
CREATE TABLE audit_list_subject (
    recipient_id INTEGER NOT NULL,
    day          INTEGER NOT NULL,                -- Italian local day, days since 1970-01-01
    actor_id     INTEGER NOT NULL,
    seq          INTEGER NOT NULL,                -- the first such list row that day
    PRIMARY KEY (recipient_id, day, actor_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER audit_subject_no_update BEFORE UPDATE ON audit_subject
BEGIN SELECT RAISE(ABORT, 'audit_subject is append-only'); END;
CREATE TRIGGER audit_list_subject_no_update BEFORE UPDATE ON audit_list_subject
BEGIN SELECT RAISE(ABORT, 'audit_list_subject is append-only'); END;

-- Rows below `below_seq` are not indexed yet (the background backfill moves it down and
-- deletes the row when done). Empty: every row is indexed.
CREATE TABLE audit_subject_backfill (
    below_seq INTEGER NOT NULL
) STRICT;
INSERT INTO audit_subject_backfill (below_seq) SELECT max(seq) + 1 FROM audit_log HAVING count(*) > 0;
