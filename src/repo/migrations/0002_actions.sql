-- Version 2: the providers' policy actions and their events, appointments, programme
-- outcomes, signed programme uploads and the IDOL feed. schema.sql holds the same result
-- for new files; tests/migrations.rs proves the two agree.

-- The voucher an action was recorded under, its type-specific fields (JSON), who created it.
ALTER TABLE policy ADD COLUMN voucher_id INTEGER REFERENCES voucher(id);
ALTER TABLE policy ADD COLUMN dettagli TEXT NOT NULL DEFAULT '{}';
ALTER TABLE policy ADD COLUMN created_by INTEGER;
CREATE UNIQUE INDEX policy_identificativo ON policy(identificativo_politica) WHERE origin = 'provider';
CREATE INDEX policy_changed ON policy(updated_at) WHERE origin = 'provider';

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
    voucher_id   INTEGER NOT NULL REFERENCES voucher(id),
    recipient_id INTEGER NOT NULL REFERENCES recipient(id),
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
    voucher_id      INTEGER NOT NULL REFERENCES voucher(id),
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
    voucher_id      INTEGER NOT NULL REFERENCES voucher(id),
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
