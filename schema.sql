-- Ricolloca: the whole schema of the data file (version 11).
-- Embedded in the binary with include_str!; PRAGMA user_version holds the version.
-- Times are UTC milliseconds since the Unix epoch (INTEGER); dates are ISO text (yyyy-mm-dd).
-- Older files are brought here by the numbered steps in src/repo/migrations/ (see migrate.rs).

-- Key/value settings that belong to the data file (e.g. the form-token secret).
CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Soggetti accreditati (providers). Never deleted; suspension keeps every row.
CREATE TABLE provider (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    codice_fiscale     TEXT NOT NULL UNIQUE,   -- partita IVA (11 digits) or codice fiscale
    accreditation_code TEXT NOT NULL UNIQUE,
    pec                TEXT NOT NULL DEFAULT '',
    registered_office  TEXT NOT NULL DEFAULT '',
    contact_person     TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,  -- optimistic concurrency for edits
    -- The 11-character code under which IDOL knows the provider: codice ente promotore of its
    -- actions and part of their identificativo's check letter. Set by the Region; by default
    -- the partita IVA or numeric codice fiscale.
    codice_ente_promotore TEXT NOT NULL DEFAULT ''
) STRICT;

-- Sedi operative of a provider. A closed sede leaves new choices but keeps its history.
CREATE TABLE sede (
    id                INTEGER PRIMARY KEY,
    provider_id       INTEGER NOT NULL REFERENCES provider(id),
    address           TEXT NOT NULL,
    comune            TEXT NOT NULL,
    phone             TEXT NOT NULL DEFAULT '',
    opening_hours     TEXT NOT NULL DEFAULT '',
    programme_enabled INTEGER NOT NULL DEFAULT 1 CHECK (programme_enabled IN (0, 1)),
    temporarily_closed INTEGER NOT NULL DEFAULT 0 CHECK (temporarily_closed IN (0, 1)),
    closed            INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    created_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX sede_provider ON sede(provider_id);

-- Uploaded files, inside the data file so that it really is the whole state.
CREATE TABLE document (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('pdf', 'p7m')),   -- decided from the content
    file_name   TEXT NOT NULL,                                  -- sanitised, for downloads
    content     BLOB NOT NULL,
    uploaded_by INTEGER,                                        -- operator id
    uploaded_at INTEGER NOT NULL
) STRICT;

-- Written communications from a provider: the basis of every enabling, variation, revocation.
CREATE TABLE communication (
    id            INTEGER PRIMARY KEY,
    provider_id   INTEGER REFERENCES provider(id),   -- NULL: internal act for regional staff
    received_on   TEXT NOT NULL,                     -- yyyy-mm-dd
    protocol      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('abilitazione', 'variazione', 'revoca')),
    document_id   INTEGER NOT NULL REFERENCES document(id),
    note          TEXT NOT NULL DEFAULT '',
    registered_by INTEGER NOT NULL,
    registered_at INTEGER NOT NULL
) STRICT;
CREATE INDEX communication_provider ON communication(provider_id);

-- Everyone who may log in: provider operators and regional staff.
-- A codice fiscale is never reassigned (Allegato B p.6): the UNIQUE constraint keeps it so,
-- because rows are never deleted.
CREATE TABLE operator (
    id                  INTEGER PRIMARY KEY,
    codice_fiscale      TEXT NOT NULL UNIQUE,
    surname             TEXT NOT NULL,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('operatore', 'regione', 'revisore', 'tecnico')),
    provider_id         INTEGER REFERENCES provider(id),
    role_title          TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'active'
                        CHECK (state IN ('active', 'disabled', 'idle_deactivated')),
    technical_exemption INTEGER NOT NULL DEFAULT 0 CHECK (technical_exemption IN (0, 1)),
    enabled_at          INTEGER NOT NULL,             -- last granted (enabling or re-enabling)
    last_access_at      INTEGER,
    last_cert_sha256    TEXT,
    exemption_reason    TEXT NOT NULL DEFAULT '',
    reviewed_at         INTEGER,                      -- last annual review (Allegato B p.14)
    version             INTEGER NOT NULL DEFAULT 1,   -- optimistic concurrency for edits
    CHECK ((role = 'operatore') = (provider_id IS NOT NULL)),
    CHECK (technical_exemption = 0 OR role = 'tecnico')
) STRICT;
CREATE INDEX operator_provider ON operator(provider_id);

CREATE TABLE operator_sede (
    operator_id INTEGER NOT NULL REFERENCES operator(id),
    sede_id     INTEGER NOT NULL REFERENCES sede(id),
    PRIMARY KEY (operator_id, sede_id)
) STRICT;

-- The history of an operator's authorisation, for people (the audit trail has it too, for
-- auditors). before/after are JSON.
CREATE TABLE operator_event (
    id               INTEGER PRIMARY KEY,
    operator_id      INTEGER NOT NULL REFERENCES operator(id),
    at               INTEGER NOT NULL,
    kind             TEXT NOT NULL,      -- enabled, variation, disabled, reenabled, idle_deactivated,
                                         -- exemption_granted, exemption_revoked, reviewed
    reason_kind      TEXT NOT NULL DEFAULT '',  -- anomaly, uncontactable, role_lost, other
    reason           TEXT NOT NULL DEFAULT '',
    communication_id INTEGER REFERENCES communication(id),
    by_operator_id   INTEGER,            -- NULL: the system or the command line
    by_label         TEXT NOT NULL,      -- who, as shown to people
    before           TEXT NOT NULL DEFAULT '{}',
    after            TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX operator_event_operator ON operator_event(operator_id, at);

CREATE TABLE provider_event (
    id             INTEGER PRIMARY KEY,
    provider_id    INTEGER NOT NULL REFERENCES provider(id),
    at             INTEGER NOT NULL,
    kind           TEXT NOT NULL,        -- created, updated, suspended, reactivated
    reason         TEXT NOT NULL DEFAULT '',
    by_operator_id INTEGER,
    by_label       TEXT NOT NULL,
    before         TEXT NOT NULL DEFAULT '{}',
    after          TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX provider_event_provider ON provider_event(provider_id, at);

-- Every client certificate an operator logged in with (issue, audit, card renewals).
CREATE TABLE certificate_seen (
    sha256      TEXT PRIMARY KEY,                 -- hex fingerprint of the DER certificate
    operator_id INTEGER REFERENCES operator(id),
    subject_cn  TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    serial      TEXT NOT NULL,                    -- hex, as on the certificate
    not_before  INTEGER NOT NULL,
    not_after   INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    policies    TEXT                              -- certificate policy OIDs, space-separated (NULL: seen before v9)
) STRICT;
CREATE INDEX certificate_seen_operator ON certificate_seen(operator_id);

-- The tamper-evident trail. No foreign keys: the trail outlives what it names.
-- hash = SHA-256(tag || prev_hash || canonical encoding of the row), see src/infra/audit.rs.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,             -- 1, 2, 3 ... without gaps
    ts           INTEGER NOT NULL,                -- UTC ms
    actor_id     INTEGER,                         -- operator id, NULL for the system
    actor_cf     TEXT NOT NULL,                   -- codice fiscale, or 'SISTEMA' / 'CLI'
    actor_role   TEXT,
    provider_id  INTEGER,
    cert_sha256  TEXT,
    client_ip    TEXT,
    action       TEXT NOT NULL,                   -- dotted name: access.login, sap.view ...
    object       TEXT,                            -- e.g. operator:42
    outcome      TEXT NOT NULL,                   -- ok | denied | error
    detail       TEXT NOT NULL,                   -- canonical JSON (sorted keys)
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL UNIQUE
) STRICT;
CREATE INDEX audit_log_actor ON audit_log(actor_id, ts);
-- By time: audit_log_month below (version 10 dropped audit_log_ts, a prefix of it).

-- They catch bugs, not attackers: tampering is caught by the chain and the signed checkpoints.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Signed checkpoints (seq, hash, ts) written by the oversight features; here so the shape is fixed.
CREATE TABLE audit_checkpoint (
    seq        INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL,
    ts         INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    signature  BLOB NOT NULL
) STRICT;

-- Code lists (tipo attività, eventi, tipologia durata, titolo progetto, stato voucher ...):
-- data, seeded from assets/codes/*.csv and replaceable by import, never Rust enums of labels.
CREATE TABLE code_list (
    list  TEXT NOT NULL,
    code  TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (list, code)
) STRICT, WITHOUT ROWID;

-- People holding (or about to hold) a voucher. Known from the CPI's assignment CSV, from a
-- SAP, or both. Read through the view `recipient` (version 4, at the end): rows of an import
-- still being written are hidden.
CREATE TABLE recipient_all (
    id             INTEGER PRIMARY KEY,
    codice_fiscale TEXT NOT NULL UNIQUE,
    cognome        TEXT NOT NULL,
    nome           TEXT NOT NULL,
    birth_date     TEXT,                      -- yyyy-mm-dd
    sex            TEXT CHECK (sex IN ('M', 'F')),
    email          TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    batch          INTEGER NOT NULL DEFAULT 0     -- the import that added it (0: none)
) STRICT;

-- The assegno: who issued it, which provider (and sede) the person chose, where the
-- programme stands. A provider sees a recipient only through a voucher naming it.
-- Read through the view `voucher` (version 4, at the end).
CREATE TABLE voucher_all (
    id              INTEGER PRIMARY KEY,
    recipient_id    INTEGER NOT NULL REFERENCES recipient_all(id),
    code            TEXT NOT NULL UNIQUE,
    issued_on       TEXT NOT NULL,            -- yyyy-mm-dd
    cpi             TEXT NOT NULL,            -- issuing Centro per l'Impiego
    profiling_band  TEXT NOT NULL,
    provider_id     INTEGER NOT NULL REFERENCES provider(id),
    sede_id         INTEGER REFERENCES sede(id),
    chosen_on       TEXT NOT NULL,            -- yyyy-mm-dd
    state           TEXT NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'signed', 'in_progress',
                        'suspended', 'extended', 'ended', 'dropped', 'lapsed', 'outcome')),
    programme_start TEXT,                     -- 6 months ...
    programme_end   TEXT,
    extended_until  TEXT,                     -- ... plus a possible 6-month extension
    tutor_id        INTEGER REFERENCES operator(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    batch           INTEGER NOT NULL DEFAULT 0    -- the import that added it (0: none)
) STRICT;
CREATE INDEX voucher_provider ON voucher_all(provider_id, state);
CREATE INDEX voucher_recipient ON voucher_all(recipient_id);

-- Every SAP received, kept whole: a newer SAP for the same person is a new version.
CREATE TABLE sap_version (
    id           INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipient_all(id),
    version      INTEGER NOT NULL,
    sap_code     TEXT NOT NULL DEFAULT '',
    updated_on   TEXT NOT NULL DEFAULT '',    -- section 0: last update at the source
    imported_at  INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    encoding     TEXT NOT NULL,
    original     BLOB NOT NULL,               -- the XML exactly as received
    sha256       TEXT NOT NULL,               -- of `original`
    sections     TEXT NOT NULL,               -- sections 0-5 as typed JSON
    -- What the file carried that the schema does not allow (JSON array of {path, count,
    -- reason}), and the version of the element mapping the sections were read with: a newer
    -- program re-reads the stored original (service::sap_remap).
    findings     TEXT NOT NULL DEFAULT '[]',
    mapping      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (recipient_id, version)
) STRICT;
CREATE INDEX sap_version_mapping ON sap_version(mapping, id);

-- Section VI: one row per active policy. Imported rows belong to a SAP version; the
-- provider's own actions (origin 'provider') are written by the actions feature.
CREATE TABLE policy (
    id                             INTEGER PRIMARY KEY,
    recipient_id                   INTEGER NOT NULL REFERENCES recipient_all(id),
    origin                         TEXT NOT NULL CHECK (origin IN ('sap', 'provider')),
    sap_version_id                 INTEGER REFERENCES sap_version(id),
    provider_id                    INTEGER REFERENCES provider(id),
    tipo_attivita                  TEXT NOT NULL,
    titolo_denominazione           TEXT NOT NULL DEFAULT '',
    data_proposta                  TEXT,
    data_inizio                    TEXT,
    data_fine                      TEXT,
    durata                         INTEGER,
    tipologia_durata               TEXT,
    descrizione                    TEXT NOT NULL DEFAULT '',
    titolo_progetto                TEXT NOT NULL DEFAULT '',
    codice_ente_promotore          TEXT NOT NULL DEFAULT '',
    identificativo_politica        TEXT,
    indice_profiling               TEXT NOT NULL DEFAULT '',
    identificativo_presa_in_carico TEXT NOT NULL DEFAULT '',
    ultimo_evento                  TEXT,
    data_evento                    TEXT,
    created_at                     INTEGER NOT NULL,
    updated_at                     INTEGER NOT NULL,
    version                        INTEGER NOT NULL DEFAULT 1,
    voucher_id                     INTEGER REFERENCES voucher_all(id),   -- provider actions: under which voucher
    dettagli                       TEXT NOT NULL DEFAULT '{}',       -- type-specific fields (JSON)
    created_by                     INTEGER,                          -- operator id
    descrizione_evento             TEXT NOT NULL DEFAULT ''          -- ultimo_evento/descrizione_evento
) STRICT;
CREATE INDEX policy_recipient ON policy(recipient_id, sap_version_id);
CREATE UNIQUE INDEX policy_identificativo ON policy(identificativo_politica) WHERE origin = 'provider';
CREATE INDEX policy_changed ON policy(updated_at) WHERE origin = 'provider';

-- The Programma di ricerca intensiva: every save is a new version, with the PDF generated
-- from it (kept with its sha256: a signed upload can then be compared byte for byte).
CREATE TABLE programme_version (
    id         INTEGER PRIMARY KEY,
    voucher_id INTEGER NOT NULL REFERENCES voucher_all(id),
    version    INTEGER NOT NULL,
    fields     TEXT NOT NULL,                 -- JSON of the module's fields
    saved_at   INTEGER NOT NULL,
    saved_by   INTEGER NOT NULL,              -- operator id
    pdf        BLOB NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    UNIQUE (voucher_id, version)
) STRICT;

-- Named sequences (e.g. the 8-hex-digit part of the identificativo politica).
CREATE TABLE counter (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT;

-- Every event of a provider's action, in order: the policy row holds the latest.
CREATE TABLE policy_event (
    id             INTEGER PRIMARY KEY,
    policy_id      INTEGER NOT NULL REFERENCES policy(id),
    evento         TEXT NOT NULL,
    data_evento    TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    at             INTEGER NOT NULL,
    by_operator_id INTEGER,
    by_label       TEXT NOT NULL
) STRICT;
CREATE INDEX policy_event_policy ON policy_event(policy_id, id);

-- The provider's agenda: meetings with a recipient and how they went.
CREATE TABLE appointment (
    id           INTEGER PRIMARY KEY,
    voucher_id   INTEGER NOT NULL REFERENCES voucher_all(id),
    recipient_id INTEGER NOT NULL REFERENCES recipient_all(id),
    provider_id  INTEGER NOT NULL REFERENCES provider(id),
    sede_id      INTEGER REFERENCES sede(id),
    tutor_id     INTEGER REFERENCES operator(id),
    starts_at    TEXT NOT NULL,               -- Italian local time, yyyy-mm-ddThh:mm
    kind         TEXT NOT NULL,               -- code list tipo_appuntamento
    outcome      TEXT CHECK (outcome IN ('held', 'absent_justified', 'absent_unjustified', 'refused', 'cancelled')),
    outcome_note TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE UNIQUE INDEX appointment_slot ON appointment(recipient_id, starts_at) WHERE outcome IS NOT 'cancelled';
CREATE INDEX appointment_provider ON appointment(provider_id, starts_at);
CREATE INDEX appointment_voucher ON appointment(voucher_id, starts_at);

-- How a programme ends or pauses, as the provider records it; the voucher state follows.
CREATE TABLE programme_outcome (
    id              INTEGER PRIMARY KEY,
    voucher_id      INTEGER NOT NULL REFERENCES voucher_all(id),
    kind            TEXT NOT NULL CHECK (kind IN ('hired', 'ended', 'dropped', 'lapsed', 'suspended', 'resumed')),
    event_date      TEXT NOT NULL,
    employer_cf     TEXT NOT NULL DEFAULT '',
    employer_name   TEXT NOT NULL DEFAULT '',
    contract        TEXT CHECK (contract IN ('permanent', 'apprenticeship', 'fixed_term', 'agency')),
    contract_months INTEGER,
    resume_on       TEXT,
    note            TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    by_operator_id  INTEGER,
    by_label        TEXT NOT NULL
) STRICT;
CREATE INDEX programme_outcome_voucher ON programme_outcome(voucher_id, id);
CREATE INDEX programme_outcome_at ON programme_outcome(at);

-- Signed programmes: the newest upload for a voucher is the one on file; none is deleted.
CREATE TABLE signed_programme (
    id              INTEGER PRIMARY KEY,
    voucher_id      INTEGER NOT NULL REFERENCES voucher_all(id),
    document_id     INTEGER NOT NULL REFERENCES document(id),
    policy_id       INTEGER REFERENCES policy(id),  -- the action it came with, if any
    matches_version INTEGER,                        -- programme version with byte-identical PDF
    signature       TEXT NOT NULL DEFAULT '{}',     -- JSON: signers, verification, flags
    uploaded_at     INTEGER NOT NULL,
    uploaded_by     INTEGER NOT NULL
) STRICT;
CREATE INDEX signed_programme_voucher ON signed_programme(voucher_id, id);

-- Each feed to IDOL, so that the next one starts where this one ended.
CREATE TABLE idol_export (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    by_label   TEXT NOT NULL,
    since_ms   INTEGER NOT NULL,
    until_ms   INTEGER NOT NULL,
    workers    INTEGER NOT NULL,
    policies   INTEGER NOT NULL,
    outcomes   INTEGER NOT NULL,
    sha256     TEXT NOT NULL
) STRICT;

-- The zip of each export (version 11), apart so that listing exports never reads the bytes;
-- exports made before version 11 have none.
CREATE TABLE idol_export_file (
    export_id  INTEGER PRIMARY KEY REFERENCES idol_export(id),
    zip        BLOB NOT NULL
) STRICT;

-- Version 3 (oversight): see src/repo/migrations/0003_oversight.sql.

-- Registro accessi: each filter walks its own index backwards in seq order (the rowid is
-- the last column of every index), so a page of 50 costs 50 index steps, not a scan.
CREATE INDEX audit_log_actor_cf ON audit_log(actor_cf);
CREATE INDEX audit_log_provider ON audit_log(provider_id);
-- By object: none since version 12 (src/repo/migrations/0012_audit_object_index.sql).
CREATE INDEX audit_log_action ON audit_log(action);
-- Attività periodica: one month of rows by time, without visiting the table.
CREATE INDEX audit_log_month ON audit_log(ts, provider_id, actor_id, action, outcome);

-- Version 4: the people each audit row concerns (src/repo/migrations/0004_audit_subjects.sql),
-- written in the same transaction as the row, for the data-subject report and the registro.
CREATE TABLE audit_subject (
    cf   TEXT NOT NULL,                           -- the person's codice fiscale
    seq  INTEGER NOT NULL,                        -- audit_log.seq
    PRIMARY KEY (cf, seq)
) STRICT, WITHOUT ROWID;
-- A person shown in a list: the first list of each day and viewer that showed them.
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
-- Rows below `below_seq` are not indexed yet (a file upgraded to version 4); empty: all are.
CREATE TABLE audit_subject_backfill (
    below_seq INTEGER NOT NULL
) STRICT;

-- One row per hit of an anomaly rule; `evidence` is the JSON array of the audit seqs.
CREATE TABLE anomaly (
    id          INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    dedup_key   TEXT NOT NULL UNIQUE,           -- rule + who + window: one hit per episode
    actor_id    INTEGER,
    actor_cf    TEXT NOT NULL,
    provider_id INTEGER,
    summary     TEXT NOT NULL,                  -- Italian, for the Region
    evidence    TEXT NOT NULL,                  -- JSON array of audit_log seqs
    first_ts    INTEGER NOT NULL,
    last_ts     INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'suspended', 'archived')),
    auto_action TEXT,                           -- what auto_suspend did, if anything
    closed_at   INTEGER,
    closed_by   TEXT,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX anomaly_state ON anomaly(state, id);

-- The last audit seq the anomaly watch has evaluated (one row).
CREATE TABLE anomaly_cursor (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
) STRICT;

-- Which text of the tracking notice each person acknowledged (sha256 of the text).
CREATE TABLE notice_ack (
    operator_id     INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    acknowledged_at INTEGER NOT NULL,
    PRIMARY KEY (operator_id, sha256)
) STRICT;

-- Each prune of old audit rows: the chain now starts after `up_to_seq`, whose hash a
-- signed checkpoint (in audit_checkpoint and the checkpoint file) vouches for.
CREATE TABLE audit_prune (
    up_to_seq  INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL,
    before_ts  INTEGER NOT NULL,
    rows       INTEGER NOT NULL,
    pruned_at  INTEGER NOT NULL,
    signature  BLOB NOT NULL                   -- Ed25519 over the prune (see infra/checkpoint.rs)
) STRICT;

-- Version 5 (national formats): see src/repo/migrations/0005_national_formats.sql; the new
-- columns are in the tables above.

-- People an IDOL export could not send (their SAP lacks what the schema requires, or stored
-- data breaks it): the next export tries them again from `since_ms`, until they go out.
CREATE TABLE idol_pending (
    recipient_id INTEGER PRIMARY KEY REFERENCES recipient_all(id),
    since_ms     INTEGER NOT NULL,
    reasons      TEXT NOT NULL,                -- JSON array of Italian sentences
    checked_at   INTEGER NOT NULL
) STRICT;

-- Version 6 (src/repo/migrations/0006_import_batches.sql): imports applied in short slices
-- that become visible together. Rows an import adds carry its batch number and stay hidden
-- until its last transaction moves the horizon past it: `recipient` and `voucher` are views
-- showing only rows at or below the horizon, so every query sees whole imports. Changes to
-- rows readers already see wait in the *_change tables and are applied in that same last
-- transaction. Writes go to the *_all tables.
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

-- Version 7 (src/repo/migrations/0007_access_epoch.sql): a counter moved by every change the
-- per-request access check depends on (operators, their providers), whoever writes it; the
-- server keeps operators in memory and drops them when it moves.
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

-- Version 8 (src/repo/migrations/0008_dashboard_row.sql): the cruscotto's projection, the
-- columns it filters and sorts on clustered by provider and name, kept exact by triggers.
CREATE TABLE dashboard_row (
    provider_id    INTEGER NOT NULL,
    cognome        TEXT NOT NULL COLLATE NOCASE,
    nome           TEXT NOT NULL COLLATE NOCASE,
    voucher_id     INTEGER NOT NULL,
    recipient_id   INTEGER NOT NULL,
    codice_fiscale TEXT NOT NULL,
    state          TEXT NOT NULL,
    sede_id        INTEGER,
    tutor_id       INTEGER,
    chosen_on      TEXT NOT NULL,
    deadline       TEXT,               -- coalesce(extended_until, programme_end)
    batch          INTEGER NOT NULL,   -- the later of the voucher's and the person's (see version 6)
    PRIMARY KEY (provider_id, cognome, nome, voucher_id)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX dashboard_row_voucher ON dashboard_row(voucher_id);
CREATE INDEX dashboard_row_recipient ON dashboard_row(recipient_id);
-- The Region's cruscotto over every provider, in name order.
CREATE INDEX dashboard_row_name ON dashboard_row(cognome, nome, voucher_id);

CREATE TRIGGER voucher_inserted_dashboard AFTER INSERT ON voucher_all
BEGIN
    INSERT INTO dashboard_row
    SELECT NEW.provider_id, r.cognome, r.nome, NEW.id, r.id, r.codice_fiscale, NEW.state, NEW.sede_id, NEW.tutor_id,
           NEW.chosen_on, coalesce(NEW.extended_until, NEW.programme_end), max(NEW.batch, r.batch)
    FROM recipient_all r WHERE r.id = NEW.recipient_id;
END;
CREATE TRIGGER voucher_updated_dashboard
AFTER UPDATE OF recipient_id, provider_id, state, sede_id, tutor_id, chosen_on, programme_end, extended_until, batch
ON voucher_all
BEGIN
    DELETE FROM dashboard_row WHERE voucher_id = OLD.id;
    INSERT INTO dashboard_row
    SELECT NEW.provider_id, r.cognome, r.nome, NEW.id, r.id, r.codice_fiscale, NEW.state, NEW.sede_id, NEW.tutor_id,
           NEW.chosen_on, coalesce(NEW.extended_until, NEW.programme_end), max(NEW.batch, r.batch)
    FROM recipient_all r WHERE r.id = NEW.recipient_id;
END;
CREATE TRIGGER voucher_deleted_dashboard AFTER DELETE ON voucher_all
BEGIN
    DELETE FROM dashboard_row WHERE voucher_id = OLD.id;
END;
CREATE TRIGGER recipient_updated_dashboard AFTER UPDATE OF cognome, nome, codice_fiscale, batch ON recipient_all
BEGIN
    DELETE FROM dashboard_row WHERE recipient_id = OLD.id;
    INSERT INTO dashboard_row
    SELECT v.provider_id, NEW.cognome, NEW.nome, v.id, NEW.id, NEW.codice_fiscale, v.state, v.sede_id, v.tutor_id,
           v.chosen_on, coalesce(v.extended_until, v.programme_end), max(v.batch, NEW.batch)
    FROM voucher_all v WHERE v.recipient_id = NEW.id;
END;
