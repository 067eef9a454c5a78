-- Version 9: the certificate policies of every client certificate seen (space-separated
-- dotted OIDs; NULL for those seen before this version), so that the operator's page shows
-- them and `ricolloca check` can tell which cards `tls.required_policies` would refuse.
-- schema.sql holds the same result for new files; tests/migrations.rs proves the two agree.
ALTER TABLE certificate_seen ADD COLUMN policies TEXT;
