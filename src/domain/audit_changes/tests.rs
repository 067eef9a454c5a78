//! What holds for every typed change: each kind of change has one, and the manual's catalogue
//! lists each with exactly the fields it writes. The golden tests of each event's JSON sit
//! beside its type.

use std::collections::BTreeSet;

use super::*;
use crate::domain::ids::{OperatorId, RecipientId};

/// The row's detail as the chain hashes it (serde_json's sorted map, compact).
pub(super) fn text(e: &impl ChangeEvent) -> String {
    AuditEvent::of_change(e).unwrap().detail().to_string()
}

pub(super) fn op(n: i64) -> OperatorId {
    OperatorId::try_from(n).unwrap()
}

pub(super) fn rcp(n: i64) -> RecipientId {
    RecipientId::try_from(n).unwrap()
}

/// One event of each typed change, every optional field filled.
fn samples() -> Vec<AuditEvent> {
    [admin::tests::samples(), people::tests::samples(), imports::tests::samples(), system::tests::samples()].concat()
}

#[test]
fn every_change_has_its_type() {
    let typed: BTreeSet<&str> = samples().iter().map(AuditEvent::action).collect();
    let all: BTreeSet<&str> = Change::ALL.iter().map(|c| c.action()).collect();
    assert_eq!(typed, all, "a change without a typed event (or a sample missing)");
}

#[test]
fn the_manual_lists_each_typed_change_with_its_fields() {
    let manual = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/manual/60-registro.md")).unwrap();
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

/// `ChangeRecord::new` is visible in all of `domain`; only `of_change` calls it (the doc
/// tests of `ChangeRecord` show nothing outside `domain` can).
#[test]
fn only_of_change_builds_a_change_record() {
    let mut calls = Vec::new();
    for (rel, text) in crate::shape_tests::all_sources(&[""]) {
        let lines = text.lines().filter(|l| l.contains("ChangeRecord::new(") && !l.trim_start().starts_with("///"));
        calls.extend(lines.map(|l| format!("{rel}: {}", l.trim())));
    }
    calls.retain(|c| !c.contains("audit_changes/tests.rs"));
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(calls[0].contains("audit_changes/mod.rs"), "{calls:#?}");
}
