-- Version 11: each IDOL export keeps its zip, so that a past export can be downloaded again.
-- A table of its own keyed by the export, so that listing exports never reads the bytes.
-- Exports made before this version have no row here: their file was not kept.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

CREATE TABLE idol_export_file (
    export_id  INTEGER PRIMARY KEY REFERENCES idol_export(id),
    zip        BLOB NOT NULL
) STRICT;
