//! Typed changes that bring data in or send it out: SAP files, assignment files, code lists,
//! the re-reading of stored SAPs, the IDOL feed and the identificativo counter.

use serde::Serialize;

use super::{ChangeEvent, Object};
use crate::domain::audit_event::Change;
use crate::domain::ids::{IdolExportId, RecipientId};
use crate::domain::timestamp::Timestamp;

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
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// `import.assignments`: a CPI assignment file applied (audited only when it changed rows).
#[derive(Debug, Serialize)]
pub struct AssignmentsImported<'a> {
    pub file: &'a str,
    pub sha256: &'a str,
    pub imported: usize,
    pub updated: usize,
    pub refused: usize,
    pub valid_only: bool,
    /// The import batch (`import_batch` row).
    pub batch: i64,
}

impl ChangeEvent for AssignmentsImported<'_> {
    fn change(&self) -> Change {
        Change::ImportAssignments
    }
    fn object(&self) -> Object<'_> {
        Object::File(self.file)
    }
}

/// `codes.import`: code-list labels replaced or added from a file.
#[derive(Debug, Serialize)]
pub struct CodesImported<'a> {
    pub file: &'a str,
    pub codes: usize,
}

impl ChangeEvent for CodesImported<'_> {
    fn change(&self) -> Change {
        Change::CodesImport
    }
    fn object(&self) -> Object<'_> {
        Object::Named("code_list")
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
    fn object(&self) -> Object<'_> {
        Object::Named("sap_version")
    }
}

/// `idol.export`: a feed file for IDOL was made.
#[derive(Debug, Serialize)]
pub struct IdolExported<'a> {
    #[serde(skip)]
    pub export: IdolExportId,
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
    fn object(&self) -> Object<'_> {
        Object::IdolExport(self.export)
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
    fn object(&self) -> Object<'_> {
        Object::Named(self.sequence)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::super::tests::{rcp, text};
    use super::*;
    use crate::domain::audit_event::AuditEvent;

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
        assert_eq!(e.object().to_string(), "recipient:9");
    }

    #[test]
    fn assignments_imported() {
        let e = AssignmentsImported {
            file: "assegnazioni.csv",
            sha256: "dd",
            imported: 3,
            updated: 1,
            refused: 2,
            valid_only: true,
            batch: 7,
        };
        let old = json!({
            "file": "assegnazioni.csv", "sha256": "dd", "imported": 3usize, "updated": 1usize, "refused": 2usize,
            "valid_only": true, "batch": 7i64,
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"batch":7,"file":"assegnazioni.csv","imported":3,"refused":2,"sha256":"dd","updated":1,"valid_only":true}"#
        );
        assert_eq!(e.object().to_string(), "file:assegnazioni.csv");
        assert_eq!(e.change().action(), "import.assignments");
    }

    #[test]
    fn codes_imported() {
        let e = CodesImported { file: "/tmp/codici.csv", codes: 12 };
        assert_eq!(text(&e), r#"{"codes":12,"file":"/tmp/codici.csv"}"#);
        assert_eq!(e.object().to_string(), "code_list");
        assert_eq!(e.change().action(), "codes.import");
    }

    #[test]
    fn sap_remapped() {
        let e = SapRemapped { mapping: 1, versions: 10, with_findings: 1, unreadable: 0 };
        assert_eq!(text(&e), r#"{"mapping":1,"unreadable":0,"versions":10,"with_findings":1}"#);
        assert_eq!(e.object().to_string(), "sap_version");
    }

    #[test]
    fn idol_exported() {
        let e = IdolExported {
            export: IdolExportId::try_from(5).unwrap(),
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
        assert_eq!(e.object().to_string(), "idol_export:5");
    }

    #[test]
    fn identificativo_resynced() {
        let e = IdentificativoResynced { sequence: "identificativo", data_file: None, high_water: Some(41), now: 41 };
        assert_eq!(text(&e), r#"{"data_file":null,"high_water":41,"now":41}"#);
        assert_eq!(e.object().to_string(), "identificativo");
    }

    /// One of each change of this area, every field written.
    pub(in super::super) fn samples() -> Vec<AuditEvent> {
        let warnings = vec!["w".to_owned()];
        let t = Timestamp::from_ms(0);
        [
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
            AuditEvent::of_change(&AssignmentsImported {
                file: "f",
                sha256: "s",
                imported: 0,
                updated: 0,
                refused: 0,
                valid_only: false,
                batch: 1,
            }),
            AuditEvent::of_change(&CodesImported { file: "f", codes: 0 }),
            AuditEvent::of_change(&SapRemapped { mapping: 1, versions: 0, with_findings: 0, unreadable: 0 }),
            AuditEvent::of_change(&IdolExported {
                export: IdolExportId::try_from(1).unwrap(),
                since: t,
                until: t,
                workers: 0,
                policies: 0,
                outcomes: 0,
                not_exportable: 0,
                sha256: "s",
            }),
            AuditEvent::of_change(&IdentificativoResynced { sequence: "s", data_file: None, high_water: None, now: 1 }),
        ]
        .into_iter()
        .map(Result::unwrap)
        .collect()
    }
}
