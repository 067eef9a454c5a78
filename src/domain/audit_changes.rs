//! Typed change events: one serialisable struct per kind of change, whose fields are the
//! audit row's `detail` (field names are the JSON keys; serde_json sorts them, which keeps the
//! text canonical) and whose `object` and `change` say where the row points. A call site fills
//! a struct instead of writing `json!` by hand, so a mistyped key cannot reach the trail.
//!
//! The JSON of each is pinned by a golden test below: it is the legal record, byte for byte
//! what the hand-written `json!` wrote before, and old rows still verify in the chain.

use serde::Serialize;

use super::audit_event::{AuditEvent, Change};
use super::ids::{AnomalyId, OperatorId, RecipientId};
use super::timestamp::Timestamp;

/// A change with its detail: how an [`AuditEvent::Change`] is built (the call sites not yet
/// typed are listed in ARCHITECTURE.md).
pub trait ChangeEvent: Serialize {
    fn change(&self) -> Change;
    fn object(&self) -> String;
}

impl AuditEvent {
    /// The audit event of a typed change.
    pub fn of_change(event: &impl ChangeEvent) -> Result<AuditEvent, serde_json::Error> {
        Ok(AuditEvent::Change { change: event.change(), object: event.object(), detail: serde_json::to_value(event)? })
    }
}

/// `notice.acknowledge`: a person confirmed reading this version of the tracking notice.
#[derive(Debug, Serialize)]
pub struct NoticeAcknowledged<'a> {
    #[serde(skip)]
    pub operator: OperatorId,
    pub sha256: &'a str,
}

impl ChangeEvent for NoticeAcknowledged<'_> {
    fn change(&self) -> Change {
        Change::NoticeAcknowledge
    }
    fn object(&self) -> String {
        format!("operator:{}", self.operator)
    }
}

/// `programme.update`: a new version of the Programma di ricerca intensiva (and its PDF).
#[derive(Debug, Serialize)]
pub struct ProgrammeSaved<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub voucher: &'a str,
    pub version: i64,
    pub pdf_sha256: &'a str,
    pub cf: &'a str,
}

impl ChangeEvent for ProgrammeSaved<'_> {
    fn change(&self) -> Change {
        Change::ProgrammeUpdate
    }
    fn object(&self) -> String {
        format!("recipient:{}", self.recipient)
    }
}

/// `identificativo.resync`: at start the identificativo counter moved up to the high-water
/// mark (a restored backup was behind the numbers already issued).
#[derive(Debug, Serialize)]
pub struct IdentificativoResynced<'a> {
    #[serde(skip)]
    pub sequence: &'a str,
    pub data_file: Option<u32>,
    pub high_water: Option<u32>,
    pub now: u32,
}

impl ChangeEvent for IdentificativoResynced<'_> {
    fn change(&self) -> Change {
        Change::IdentificativoResync
    }
    fn object(&self) -> String {
        self.sequence.to_owned()
    }
}

/// `idol.export`: a feed file for IDOL was made.
#[derive(Debug, Serialize)]
pub struct IdolExported<'a> {
    #[serde(skip)]
    pub export: i64,
    pub since: Timestamp,
    pub until: Timestamp,
    pub workers: usize,
    pub policies: usize,
    pub outcomes: usize,
    pub not_exportable: usize,
    pub sha256: &'a str,
}

impl ChangeEvent for IdolExported<'_> {
    fn change(&self) -> Change {
        Change::IdolExport
    }
    fn object(&self) -> String {
        format!("idol_export:{}", self.export)
    }
}

/// `import.sap`: a SAP file stored as a new version of a person's SAP.
#[derive(Debug, Serialize)]
pub struct SapImported<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub file: &'a str,
    pub sha256: &'a str,
    pub cf: &'a str,
    pub version: i64,
    pub policies: usize,
    pub warnings: &'a [String],
    pub findings: usize,
}

impl ChangeEvent for SapImported<'_> {
    fn change(&self) -> Change {
        Change::ImportSap
    }
    fn object(&self) -> String {
        format!("recipient:{}", self.recipient)
    }
}

/// `anomaly.suspend` / `anomaly.archive`: the Region's decision on an anomaly.
#[derive(Debug, Serialize)]
pub struct AnomalyDecided<'a> {
    #[serde(skip)]
    pub anomaly: AnomalyId,
    #[serde(skip)]
    pub suspended: bool,
    pub rule: &'a str,
    /// `operatore`, `soggetto` or `nessuno`.
    pub target: &'a str,
    pub reason: &'a str,
    pub evidence: &'a [i64],
}

impl ChangeEvent for AnomalyDecided<'_> {
    fn change(&self) -> Change {
        if self.suspended { Change::AnomalySuspend } else { Change::AnomalyArchive }
    }
    fn object(&self) -> String {
        format!("anomaly:{}", self.anomaly)
    }
}

/// `audit.prune`: rows older than the retention left the trail, anchored by a checkpoint.
#[derive(Debug, Serialize)]
pub struct AuditPruned<'a> {
    /// The first moment kept, ISO 8601.
    pub before: &'a str,
    pub up_to_seq: i64,
    pub hash: &'a str,
    pub rows: i64,
    pub retention_months: u32,
}

impl ChangeEvent for AuditPruned<'_> {
    fn change(&self) -> Change {
        Change::AuditPrune
    }
    fn object(&self) -> String {
        "audit_log".into()
    }
}

/// `sap.remap`: stored SAPs read again with a new mapping of the national schema.
#[derive(Debug, Serialize)]
pub struct SapRemapped {
    pub mapping: i64,
    pub versions: u64,
    pub with_findings: u64,
    pub unreadable: u64,
}

impl ChangeEvent for SapRemapped {
    fn change(&self) -> Change {
        Change::SapRemap
    }
    fn object(&self) -> String {
        "sap_version".into()
    }
}

/// The catalogue: every typed change's action name, for the manual's audit chapter (a test
/// there checks each is listed).
pub const TYPED: [Change; 9] = [
    Change::NoticeAcknowledge,
    Change::ProgrammeUpdate,
    Change::IdentificativoResync,
    Change::IdolExport,
    Change::ImportSap,
    Change::AnomalySuspend,
    Change::AnomalyArchive,
    Change::AuditPrune,
    Change::SapRemap,
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The row's detail as the chain hashes it (serde_json's sorted map, compact).
    fn text(e: &impl ChangeEvent) -> String {
        AuditEvent::of_change(e).unwrap().detail().to_string()
    }

    fn op(n: i64) -> OperatorId {
        OperatorId::try_from(n).unwrap()
    }

    fn rcp(n: i64) -> RecipientId {
        RecipientId::try_from(n).unwrap()
    }

    #[test]
    fn notice_acknowledged() {
        let e = NoticeAcknowledged { operator: op(7), sha256: "ab12" };
        assert_eq!(text(&e), r#"{"sha256":"ab12"}"#);
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), json!({ "sha256": "ab12" }));
        assert_eq!(e.object(), "operator:7");
        assert_eq!(e.change().action(), "notice.acknowledge");
    }

    #[test]
    fn programme_saved() {
        let e = ProgrammeSaved {
            recipient: rcp(3),
            voucher: "ADR-1",
            version: 2,
            pdf_sha256: "ff",
            cf: "RSSMRA80A01H501U",
        };
        assert_eq!(text(&e), r#"{"cf":"RSSMRA80A01H501U","pdf_sha256":"ff","version":2,"voucher":"ADR-1"}"#);
        assert_eq!(e.object(), "recipient:3");
        assert_eq!(e.change().action(), "programme.update");
    }

    #[test]
    fn identificativo_resynced() {
        let e = IdentificativoResynced { sequence: "identificativo", data_file: None, high_water: Some(41), now: 41 };
        assert_eq!(text(&e), r#"{"data_file":null,"high_water":41,"now":41}"#);
        assert_eq!(e.object(), "identificativo");
    }

    #[test]
    fn idol_exported() {
        let e = IdolExported {
            export: 5,
            since: Timestamp::from_ms(1_690_000_000_000),
            until: Timestamp::from_ms(1_700_000_000_000),
            workers: 2,
            policies: 3,
            outcomes: 1,
            not_exportable: 0,
            sha256: "aa",
        };
        assert_eq!(
            text(&e),
            r#"{"not_exportable":0,"outcomes":1,"policies":3,"sha256":"aa","since":1690000000000,"until":1700000000000,"workers":2}"#
        );
        assert_eq!(e.object(), "idol_export:5");
    }

    #[test]
    fn sap_imported() {
        let warnings = vec!["campo ignorato".to_owned()];
        let e = SapImported {
            recipient: rcp(9),
            file: "sap.xml",
            sha256: "cc",
            cf: "RSSMRA80A01H501U",
            version: 1,
            policies: 4,
            warnings: &warnings,
            findings: 0,
        };
        assert_eq!(
            text(&e),
            r#"{"cf":"RSSMRA80A01H501U","file":"sap.xml","findings":0,"policies":4,"sha256":"cc","version":1,"warnings":["campo ignorato"]}"#
        );
        assert_eq!(e.object(), "recipient:9");
    }

    #[test]
    fn anomaly_decided() {
        let e = AnomalyDecided {
            anomaly: AnomalyId::try_from(4).unwrap(),
            suspended: true,
            rule: "night_access",
            target: "operatore",
            reason: "r",
            evidence: &[10, 11],
        };
        assert_eq!(text(&e), r#"{"evidence":[10,11],"reason":"r","rule":"night_access","target":"operatore"}"#);
        assert_eq!(e.change().action(), "anomaly.suspend");
        let archived = AnomalyDecided { suspended: false, target: "nessuno", ..e };
        assert_eq!(archived.change().action(), "anomaly.archive");
        assert_eq!(archived.object(), "anomaly:4");
    }

    #[test]
    fn audit_pruned() {
        let e = AuditPruned {
            before: "2025-01-01T00:00:00Z",
            up_to_seq: 100,
            hash: "00ff",
            rows: 99,
            retention_months: 24,
        };
        assert_eq!(
            text(&e),
            r#"{"before":"2025-01-01T00:00:00Z","hash":"00ff","retention_months":24,"rows":99,"up_to_seq":100}"#
        );
        assert_eq!(e.object(), "audit_log");
    }

    /// One of each typed change, as the tests above pin them.
    fn samples() -> Vec<AuditEvent> {
        let warnings = vec!["w".to_owned()];
        let t = Timestamp::from_ms(0);
        let anomaly = AnomalyId::try_from(1).unwrap();
        let decided =
            |suspended| AnomalyDecided { anomaly, suspended, rule: "r", target: "t", reason: "x", evidence: &[] };
        [
            AuditEvent::of_change(&NoticeAcknowledged { operator: op(1), sha256: "a" }),
            AuditEvent::of_change(&ProgrammeSaved {
                recipient: rcp(1),
                voucher: "v",
                version: 1,
                pdf_sha256: "p",
                cf: "c",
            }),
            AuditEvent::of_change(&IdentificativoResynced { sequence: "s", data_file: None, high_water: None, now: 1 }),
            AuditEvent::of_change(&IdolExported {
                export: 1,
                since: t,
                until: t,
                workers: 0,
                policies: 0,
                outcomes: 0,
                not_exportable: 0,
                sha256: "s",
            }),
            AuditEvent::of_change(&SapImported {
                recipient: rcp(1),
                file: "f",
                sha256: "s",
                cf: "c",
                version: 1,
                policies: 0,
                warnings: &warnings,
                findings: 0,
            }),
            AuditEvent::of_change(&decided(true)),
            AuditEvent::of_change(&decided(false)),
            AuditEvent::of_change(&AuditPruned { before: "b", up_to_seq: 1, hash: "h", rows: 1, retention_months: 1 }),
            AuditEvent::of_change(&SapRemapped { mapping: 1, versions: 0, with_findings: 0, unreadable: 0 }),
        ]
        .into_iter()
        .map(Result::unwrap)
        .collect()
    }

    #[test]
    fn the_catalogue_lists_every_typed_change() {
        let actions: Vec<&str> = samples().iter().map(AuditEvent::action).collect();
        let typed: Vec<&str> = TYPED.iter().map(|c| c.action()).collect();
        assert_eq!(actions, typed, "TYPED and the samples disagree");
    }

    #[test]
    fn the_manual_lists_each_typed_change_with_its_fields() {
        let manual =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/manual/60-registro.md")).unwrap();
        for event in samples() {
            let head = format!("| `{}` |", event.action());
            let row = manual.lines().find(|l| l.starts_with(&head)).unwrap_or_else(|| panic!("{head} missing"));
            assert!(row.contains("(tipizzato)"), "{row}");
            let serde_json::Value::Object(detail) = event.detail() else { panic!("detail not an object") };
            for key in detail.keys() {
                assert!(row.contains(&format!("`{key}`")), "{} lacks field {key}: {row}", event.action());
            }
            let listed = row.matches('`').count() / 2 - 1;
            assert_eq!(listed, detail.len(), "{row} lists fields the event does not write");
        }
    }

    #[test]
    fn sap_remapped() {
        let e = SapRemapped { mapping: 1, versions: 10, with_findings: 1, unreadable: 0 };
        assert_eq!(text(&e), r#"{"mapping":1,"unreadable":0,"versions":10,"with_findings":1}"#);
        assert_eq!(e.object(), "sap_version");
    }
}
