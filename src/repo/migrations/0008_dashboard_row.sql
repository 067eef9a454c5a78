-- Version 8: the cruscotto's projection. A provider's page of the cruscotto filtered and
-- sorted its vouchers and their people, which lie scattered over the whole recipient and
-- voucher tables (one page each: ~670 pages read per view at 200k people). Here the columns
-- it filters and sorts on live together, clustered by provider and name, so a page is a
-- short walk of a few pages. Triggers keep it exact on every write, whoever writes.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.

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

INSERT INTO dashboard_row
SELECT v.provider_id, r.cognome, r.nome, v.id, r.id, r.codice_fiscale, v.state, v.sede_id, v.tutor_id, v.chosen_on,
       coalesce(v.extended_until, v.programme_end), max(v.batch, r.batch)
FROM voucher_all v JOIN recipient_all r ON r.id = v.recipient_id;

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
