-- Version 6: imports applied in short slices that become visible together.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.
--
-- A big assignment file is written in many small transactions (the single writer is shared
-- by every audited view: no job may hold it for long), yet readers must see the whole file
-- or nothing of it. Rows an import adds carry its batch number and stay hidden until the
-- import's last transaction moves the horizon past it: `recipient` and `voucher` are views
-- that show only rows at or below the horizon, so every query sees whole imports without
-- knowing about them. Changes to rows readers already see wait in the two *_change tables
-- and are applied in that same last transaction. Writes go to the *_all tables.

CREATE TABLE import_batch (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the horizon only moves up
    kind        TEXT NOT NULL CHECK (kind IN ('assignments')),
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    valid_only  INTEGER NOT NULL DEFAULT 0 CHECK (valid_only IN (0, 1)),
    state       TEXT NOT NULL CHECK (state IN ('validating', 'applying', 'done', 'refused', 'failed', 'abandoned')),
    rows_total  INTEGER NOT NULL DEFAULT 0,         -- valid rows to write (known after validation)
    rows_done   INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    by_label    TEXT NOT NULL,
    report      TEXT                                -- the JSON import report, once finished
) STRICT;
CREATE INDEX import_batch_state ON import_batch(state) WHERE state IN ('validating', 'applying');

-- The last import whose rows readers see (one row).
CREATE TABLE import_horizon (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    visible INTEGER NOT NULL
) STRICT;
INSERT INTO import_horizon (id, visible) VALUES (1, 0);

ALTER TABLE recipient RENAME TO recipient_all;
ALTER TABLE recipient_all ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;  -- 0: not from a sliced import
ALTER TABLE voucher RENAME TO voucher_all;
ALTER TABLE voucher_all ADD COLUMN batch INTEGER NOT NULL DEFAULT 0;

CREATE VIEW recipient AS
SELECT id, codice_fiscale, cognome, nome, birth_date, sex, email, phone, created_at, updated_at
FROM recipient_all WHERE batch <= (SELECT visible FROM import_horizon);

CREATE VIEW voucher AS
SELECT id, recipient_id, code, issued_on, cpi, profiling_band, provider_id, sede_id, chosen_on, state,
       programme_start, programme_end, extended_until, tutor_id, created_at, updated_at, version
FROM voucher_all WHERE batch <= (SELECT visible FROM import_horizon);

-- New values for rows readers already see, applied when the import becomes visible.
CREATE TABLE import_recipient_change (
    batch        INTEGER NOT NULL,
    recipient_id INTEGER NOT NULL,
    cognome      TEXT NOT NULL,
    nome         TEXT NOT NULL,
    birth_date   TEXT,
    sex          TEXT,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    PRIMARY KEY (batch, recipient_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE import_voucher_change (
    batch          INTEGER NOT NULL,
    voucher_id     INTEGER NOT NULL,
    issued_on      TEXT NOT NULL,
    cpi            TEXT NOT NULL,
    profiling_band TEXT NOT NULL,
    chosen_on      TEXT NOT NULL,
    PRIMARY KEY (batch, voucher_id)
) STRICT, WITHOUT ROWID;
