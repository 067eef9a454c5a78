//! Typed changes of the appliance itself: anomalies, the trail's retention, backups and the
//! configuration.

use serde::Serialize;

use super::{ChangeEvent, Object};
use crate::domain::audit_event::Change;
use crate::domain::ids::{AnomalyId, ProviderId};

/// `anomaly.detect`: a rule found a new episode.
#[derive(Debug, Serialize)]
pub struct AnomalyDetected<'a> {
    #[serde(skip)]
    pub anomaly: AnomalyId,
    pub rule: &'a str,
    pub actor_cf: &'a str,
    pub provider: Option<ProviderId>,
    pub summary: &'a str,
    /// The audit rows (sequence numbers) that make the episode.
    pub evidence: &'a [i64],
}

impl ChangeEvent for AnomalyDetected<'_> {
    fn change(&self) -> Change {
        Change::AnomalyDetect
    }
    fn object(&self) -> Object<'_> {
        Object::Anomaly(self.anomaly)
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
    fn object(&self) -> Object<'_> {
        Object::Anomaly(self.anomaly)
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
    fn object(&self) -> Object<'_> {
        Object::Named("audit_log")
    }
}

/// `backup.create`: a backup file made (by the command line, the schedule or the screen).
#[derive(Debug, Serialize)]
pub struct BackupCreated<'a> {
    /// The backup's file name (also the object, `backup:<file>`).
    pub file: &'a str,
    pub sha256: &'a str,
    pub size: u64,
    pub encrypted: bool,
    pub sealing: &'a str,
    pub database_sha256: &'a str,
    pub audit_head_seq: i64,
    pub audit_intact: bool,
    pub audit_problem: Option<&'a str>,
}

impl ChangeEvent for BackupCreated<'_> {
    fn change(&self) -> Change {
        Change::BackupCreate
    }
    fn object(&self) -> Object<'_> {
        Object::Backup(self.file)
    }
}

/// `backup.restore`: the data file replaced by a verified backup.
#[derive(Debug, Serialize)]
pub struct BackupRestored<'a> {
    /// The backup's file name, for the object `backup:<name>`.
    #[serde(skip)]
    pub name: &'a str,
    pub checkpoints_dropped: usize,
    /// The backup's path as given.
    pub file: &'a str,
    pub database_sha256: &'a str,
    pub backup_created_at: &'a str,
    pub audit_head_seq: i64,
    pub audit_intact: bool,
    pub signed: bool,
    pub moved_aside: &'a [String],
}

impl ChangeEvent for BackupRestored<'_> {
    fn change(&self) -> Change {
        Change::BackupRestore
    }
    fn object(&self) -> Object<'_> {
        Object::Backup(self.name)
    }
}

/// `config.reload`: the configuration read again (on SIGHUP or from the screen); each part
/// either took effect or says why not.
#[derive(Debug, Serialize)]
pub struct ConfigReloaded<'a> {
    /// `sighup` or `schermata`.
    pub trigger: &'a str,
    pub log_level: Option<&'a str>,
    pub log_level_error: Option<&'a str>,
    /// How many CRLs were read again; `null` with no CRL configured or on error.
    pub crls: Option<usize>,
    pub crl_error: Option<&'a str>,
}

impl ChangeEvent for ConfigReloaded<'_> {
    fn change(&self) -> Change {
        Change::ConfigReload
    }
    fn object(&self) -> Object<'_> {
        Object::Named("config")
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::super::tests::text;
    use super::*;
    use crate::domain::audit_event::AuditEvent;

    #[test]
    fn anomaly_detected() {
        let e = AnomalyDetected {
            anomaly: AnomalyId::try_from(4).unwrap(),
            rule: "night_access",
            actor_cf: "RSSMRA80A01H501U",
            provider: Some(ProviderId::try_from(2).unwrap()),
            summary: "accessi notturni",
            evidence: &[10, 11],
        };
        let old = json!({
            "rule": "night_access", "actor_cf": "RSSMRA80A01H501U", "provider": Some(2i64),
            "summary": "accessi notturni", "evidence": [10, 11],
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"actor_cf":"RSSMRA80A01H501U","evidence":[10,11],"provider":2,"rule":"night_access","summary":"accessi notturni"}"#
        );
        assert_eq!(e.object().to_string(), "anomaly:4");
        assert_eq!(e.change().action(), "anomaly.detect");
        assert!(text(&AnomalyDetected { provider: None, ..e }).contains(r#""provider":null"#));
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
        assert_eq!(archived.object().to_string(), "anomaly:4");
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
        assert_eq!(e.object().to_string(), "audit_log");
    }

    #[test]
    fn backup_created() {
        let e = BackupCreated {
            file: "ricolloca-20261205.bak",
            sha256: "ee",
            size: 4096,
            encrypted: true,
            sealing: "age",
            database_sha256: "dd",
            audit_head_seq: 77,
            audit_intact: true,
            audit_problem: None,
        };
        let old = json!({
            "file": "ricolloca-20261205.bak", "sha256": "ee", "size": 4096u64, "encrypted": true, "sealing": "age",
            "database_sha256": "dd", "audit_head_seq": 77i64, "audit_intact": true,
            "audit_problem": Option::<String>::None,
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"audit_head_seq":77,"audit_intact":true,"audit_problem":null,"database_sha256":"dd","encrypted":true,"file":"ricolloca-20261205.bak","sealing":"age","sha256":"ee","size":4096}"#
        );
        assert_eq!(e.object().to_string(), "backup:ricolloca-20261205.bak");
        assert_eq!(e.change().action(), "backup.create");
    }

    #[test]
    fn backup_restored() {
        let moved = vec!["/data/ricolloca.db.prima".to_owned()];
        let e = BackupRestored {
            name: "b.bak",
            checkpoints_dropped: 1,
            file: "/backup/b.bak",
            database_sha256: "dd",
            backup_created_at: "2026-12-05T10:00:00Z",
            audit_head_seq: 70,
            audit_intact: true,
            signed: false,
            moved_aside: &moved,
        };
        let old = json!({
            "checkpoints_dropped": 1usize, "file": "/backup/b.bak", "database_sha256": "dd",
            "backup_created_at": "2026-12-05T10:00:00Z", "audit_head_seq": 70i64, "audit_intact": true,
            "signed": false, "moved_aside": moved,
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"audit_head_seq":70,"audit_intact":true,"backup_created_at":"2026-12-05T10:00:00Z","checkpoints_dropped":1,"database_sha256":"dd","file":"/backup/b.bak","moved_aside":["/data/ricolloca.db.prima"],"signed":false}"#
        );
        assert_eq!(e.object().to_string(), "backup:b.bak");
        assert_eq!(e.change().action(), "backup.restore");
    }

    #[test]
    fn config_reloaded() {
        let e = ConfigReloaded {
            trigger: "sighup",
            log_level: Some("info"),
            log_level_error: None,
            crls: None,
            crl_error: Some("crl.pem: scaduta"),
        };
        assert_eq!(
            text(&e),
            r#"{"crl_error":"crl.pem: scaduta","crls":null,"log_level":"info","log_level_error":null,"trigger":"sighup"}"#
        );
        assert_eq!(e.object().to_string(), "config");
        assert_eq!(e.change().action(), "config.reload");
        assert!(text(&ConfigReloaded { crls: Some(2), ..e }).contains(r#""crls":2"#));
    }

    /// One of each change of this area, every field written.
    pub(in super::super) fn samples() -> Vec<AuditEvent> {
        let anomaly = AnomalyId::try_from(1).unwrap();
        let decided =
            |suspended| AnomalyDecided { anomaly, suspended, rule: "r", target: "t", reason: "x", evidence: &[] };
        [
            AuditEvent::of_change(&AnomalyDetected {
                anomaly,
                rule: "r",
                actor_cf: "c",
                provider: None,
                summary: "s",
                evidence: &[],
            }),
            AuditEvent::of_change(&decided(true)),
            AuditEvent::of_change(&decided(false)),
            AuditEvent::of_change(&AuditPruned { before: "b", up_to_seq: 1, hash: "h", rows: 1, retention_months: 1 }),
            AuditEvent::of_change(&BackupCreated {
                file: "f",
                sha256: "s",
                size: 0,
                encrypted: false,
                sealing: "s",
                database_sha256: "d",
                audit_head_seq: 0,
                audit_intact: true,
                audit_problem: None,
            }),
            AuditEvent::of_change(&BackupRestored {
                name: "n",
                checkpoints_dropped: 0,
                file: "f",
                database_sha256: "d",
                backup_created_at: "c",
                audit_head_seq: 0,
                audit_intact: true,
                signed: true,
                moved_aside: &[],
            }),
            AuditEvent::of_change(&ConfigReloaded {
                trigger: "t",
                log_level: None,
                log_level_error: None,
                crls: None,
                crl_error: None,
            }),
        ]
        .into_iter()
        .map(Result::unwrap)
        .collect()
    }
}
