-- Version 5: the national formats. SAPs read element by element as the national schema
-- (revision 009) defines them, what a file carried outside the schema, the description of a
-- policy's last event, the code by which IDOL knows each provider, and the people an IDOL
-- feed could not send yet. schema.sql holds the same result for new files;
-- tests/migrations.rs proves the two agree.

-- What the file carried that the schema does not allow (JSON array of {path, count, reason}),
-- and the version of the element mapping its sections were read with: a newer program
-- re-reads the stored original (see service::sap_remap), so people imported before gain the
-- fields it reads.
ALTER TABLE sap_version ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sap_version ADD COLUMN mapping INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sap_version_mapping ON sap_version(mapping, id);

-- ultimo_evento/descrizione_evento of section VI.
ALTER TABLE policy ADD COLUMN descrizione_evento TEXT NOT NULL DEFAULT '';

-- The code (11 characters) under which IDOL knows the provider: the codice ente promotore of
-- its actions and part of their identificativo's check letter. Set by the Region; by default
-- the provider's partita IVA or numeric codice fiscale.
ALTER TABLE provider ADD COLUMN codice_ente_promotore TEXT NOT NULL DEFAULT '';
UPDATE provider SET codice_ente_promotore = codice_fiscale WHERE length(codice_fiscale) = 11;

-- People an IDOL export could not send (their SAP lacks what the schema requires, or stored
-- data breaks it): the next export tries them again from `since_ms`, until they go out.
CREATE TABLE idol_pending (
    recipient_id INTEGER PRIMARY KEY REFERENCES recipient(id),
    since_ms     INTEGER NOT NULL,
    reasons      TEXT NOT NULL,                -- JSON array of Italian sentences
    checked_at   INTEGER NOT NULL
) STRICT;
