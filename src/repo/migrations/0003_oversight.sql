-- Version 3: oversight. Indexes for the auditor's searches over millions of audit rows,
-- the anomaly watch, the acknowledged tracking notice and the record of audit pruning.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

-- Registro accessi: each filter walks its own index backwards in seq order (the rowid is
-- the last column of every index), so a page of 50 costs 50 index steps, not a scan.
CREATE INDEX audit_log_actor_cf ON audit_log(actor_cf);
CREATE INDEX audit_log_provider ON audit_log(provider_id);
CREATE INDEX audit_log_object ON audit_log(object) WHERE object IS NOT NULL;
CREATE INDEX audit_log_action ON audit_log(action);
-- Attività periodica: one month of rows by time, without visiting the table.
CREATE INDEX audit_log_month ON audit_log(ts, provider_id, actor_id, action, outcome);

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
