//! Typed changes of a person's programme: the Programma, policy actions, the signed programme,
//! appointments and the programme's outcome. Their object is the person (or the meeting), so
//! the subject report finds them.

use serde::Serialize;
use serde_json::Value;

use super::{ChangeEvent, Object};
use crate::domain::audit_event::Change;
use crate::domain::ids::{ActionId, AppointmentId, DocumentId, OperatorId, RecipientId, SedeId};

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
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// A new action's state as recorded.
#[derive(Debug, Serialize)]
pub struct ActionOpened<'a> {
    pub evento: &'a str,
    pub data_evento: &'a str,
    pub data_proposta: &'a str,
    pub data_inizio: Option<&'a str>,
    pub data_fine: Option<&'a str>,
    pub dettagli: &'a Value,
}

/// `action.create`: a policy action recorded for a person.
#[derive(Debug, Serialize)]
pub struct ActionCreated<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub action: ActionId,
    pub identificativo_politica: &'a str,
    pub tipo_attivita: &'a str,
    pub voucher: &'a str,
    pub cf: &'a str,
    pub after: ActionOpened<'a>,
}

impl ChangeEvent for ActionCreated<'_> {
    fn change(&self) -> Change {
        Change::ActionCreate
    }
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// An action's event and dates; `nota` only after the change (the note of the new event).
#[derive(Debug, Serialize)]
pub struct ActionState<'a> {
    pub evento: &'a str,
    pub data_evento: &'a str,
    pub data_inizio: Option<&'a str>,
    pub data_fine: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nota: Option<&'a str>,
}

/// `action.event`: a new event of an action (start, end, interruption…).
#[derive(Debug, Serialize)]
pub struct ActionEventAdded<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub action: ActionId,
    pub identificativo_politica: &'a str,
    pub voucher: &'a str,
    pub cf: &'a str,
    pub before: ActionState<'a>,
    pub after: ActionState<'a>,
}

impl ChangeEvent for ActionEventAdded<'_> {
    fn change(&self) -> Change {
        Change::ActionEvent
    }
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// An action's title and description.
#[derive(Debug, Serialize)]
pub struct ActionText<'a> {
    pub titolo_denominazione: &'a str,
    pub descrizione: &'a str,
}

/// `action.correct`: an action's text rewritten within the national schema's limits.
#[derive(Debug, Serialize)]
pub struct ActionCorrected<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub action: ActionId,
    pub identificativo_politica: &'a str,
    pub before: ActionText<'a>,
    pub after: ActionText<'a>,
}

impl ChangeEvent for ActionCorrected<'_> {
    fn change(&self) -> Change {
        Change::ActionCorrect
    }
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// `document.upload`: the signed programme uploaded, with what its signature check found.
#[derive(Debug, Serialize)]
pub struct DocumentUploaded<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub document: DocumentId,
    pub sha256: &'a str,
    pub kind: &'static str,
    pub size: usize,
    pub action: Option<ActionId>,
    pub voucher: &'a str,
    pub cf: &'a str,
    pub matches_version: Option<i64>,
    /// As the signature report lists them (absent from the report: `null`).
    pub signers: Option<&'a Value>,
    pub flags: Option<&'a Value>,
    /// `signed` when this upload moved the voucher to signed.
    pub voucher_state: Option<&'static str>,
}

impl ChangeEvent for DocumentUploaded<'_> {
    fn change(&self) -> Change {
        Change::DocumentUpload
    }
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

/// `appointment.create`: a meeting fixed in the provider's agenda.
#[derive(Debug, Serialize)]
pub struct AppointmentCreated<'a> {
    #[serde(skip)]
    pub appointment: AppointmentId,
    pub recipient: RecipientId,
    pub cf: &'a str,
    pub voucher: &'a str,
    pub starts_at: &'a str,
    pub kind: &'a str,
    pub sede: Option<SedeId>,
    pub tutor: Option<OperatorId>,
}

impl ChangeEvent for AppointmentCreated<'_> {
    fn change(&self) -> Change {
        Change::AppointmentCreate
    }
    fn object(&self) -> Object<'_> {
        Object::Appointment(self.appointment)
    }
}

/// A meeting's outcome and note.
#[derive(Debug, Serialize)]
pub struct MeetingOutcome<'a> {
    pub outcome: Option<&'a str>,
    pub note: &'a str,
}

/// `appointment.outcome`: how a meeting went (or a correction of it).
#[derive(Debug, Serialize)]
pub struct AppointmentOutcomeRecorded<'a> {
    #[serde(skip)]
    pub appointment: AppointmentId,
    pub recipient: RecipientId,
    pub cf: &'a str,
    pub starts_at: &'a str,
    pub before: MeetingOutcome<'a>,
    pub after: MeetingOutcome<'a>,
    /// The programme start, when this held meeting started it.
    pub programme_start: Option<&'a str>,
}

impl ChangeEvent for AppointmentOutcomeRecorded<'_> {
    fn change(&self) -> Change {
        Change::AppointmentOutcome
    }
    fn object(&self) -> Object<'_> {
        Object::Appointment(self.appointment)
    }
}

/// A voucher's state and programme dates.
#[derive(Debug, Serialize)]
pub struct VoucherTerm<'a> {
    pub state: &'a str,
    pub programme_end: Option<&'a str>,
    pub extended_until: Option<&'a str>,
}

/// `programme.outcome`: how the programme ended or paused.
#[derive(Debug, Serialize)]
pub struct ProgrammeOutcomeRecorded<'a> {
    pub recipient: RecipientId,
    pub cf: &'a str,
    pub voucher: &'a str,
    pub kind: &'static str,
    pub event_date: &'a str,
    pub employer_cf: &'a str,
    pub contract: Option<&'static str>,
    pub contract_months: Option<i64>,
    pub resume_on: Option<&'a str>,
    pub before: VoucherTerm<'a>,
    pub after: VoucherTerm<'a>,
}

impl ChangeEvent for ProgrammeOutcomeRecorded<'_> {
    fn change(&self) -> Change {
        Change::ProgrammeOutcome
    }
    fn object(&self) -> Object<'_> {
        Object::Recipient(self.recipient)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::super::tests::{op, rcp, text};
    use super::*;
    use crate::domain::audit_event::AuditEvent;

    fn action(n: i64) -> ActionId {
        ActionId::try_from(n).unwrap()
    }

    fn appointment(n: i64) -> AppointmentId {
        AppointmentId::try_from(n).unwrap()
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
        assert_eq!(e.object().to_string(), "recipient:3");
        assert_eq!(e.change().action(), "programme.update");
    }

    #[test]
    fn action_created() {
        let dettagli = json!({ "ore": "10" });
        let e = ActionCreated {
            recipient: rcp(3),
            action: action(12),
            identificativo_politica: "ID-1",
            tipo_attivita: "A02",
            voucher: "ADR-1",
            cf: "RSSMRA80A01H501U",
            after: ActionOpened {
                evento: "01",
                data_evento: "2026-02-01",
                data_proposta: "2026-02-01",
                data_inizio: None,
                data_fine: Some("2026-03-01"),
                dettagli: &dettagli,
            },
        };
        let old = json!({
            "action": action(12), "identificativo_politica": "ID-1", "tipo_attivita": "A02", "voucher": "ADR-1",
            "cf": "RSSMRA80A01H501U",
            "after": { "evento": "01", "data_evento": "2026-02-01", "data_proposta": "2026-02-01",
                       "data_inizio": Option::<String>::None, "data_fine": Some("2026-03-01"), "dettagli": dettagli },
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"action":12,"after":{"data_evento":"2026-02-01","data_fine":"2026-03-01","data_inizio":null,"data_proposta":"2026-02-01","dettagli":{"ore":"10"},"evento":"01"},"cf":"RSSMRA80A01H501U","identificativo_politica":"ID-1","tipo_attivita":"A02","voucher":"ADR-1"}"#
        );
        assert_eq!(e.object().to_string(), "recipient:3");
        assert_eq!(e.change().action(), "action.create");
    }

    #[test]
    fn action_event_added() {
        let e = ActionEventAdded {
            recipient: rcp(3),
            action: action(12),
            identificativo_politica: "ID-1",
            voucher: "ADR-1",
            cf: "C",
            before: ActionState {
                evento: "01",
                data_evento: "2026-02-01",
                data_inizio: None,
                data_fine: None,
                nota: None,
            },
            after: ActionState {
                evento: "02",
                data_evento: "2026-02-05",
                data_inizio: Some("2026-02-05"),
                data_fine: None,
                nota: Some(""),
            },
        };
        let old = json!({
            "action": action(12), "identificativo_politica": "ID-1", "voucher": "ADR-1", "cf": "C",
            "before": { "evento": "01", "data_evento": "2026-02-01", "data_inizio": Option::<String>::None,
                        "data_fine": Option::<String>::None },
            "after": { "evento": "02", "data_evento": "2026-02-05", "data_inizio": Some("2026-02-05"),
                       "data_fine": Option::<String>::None, "nota": "" },
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"action":12,"after":{"data_evento":"2026-02-05","data_fine":null,"data_inizio":"2026-02-05","evento":"02","nota":""},"before":{"data_evento":"2026-02-01","data_fine":null,"data_inizio":null,"evento":"01"},"cf":"C","identificativo_politica":"ID-1","voucher":"ADR-1"}"#
        );
        assert_eq!(e.change().action(), "action.event");
    }

    #[test]
    fn action_corrected() {
        let e = ActionCorrected {
            recipient: rcp(3),
            action: action(12),
            identificativo_politica: "ID-1",
            before: ActionText { titolo_denominazione: "lungo", descrizione: "d" },
            after: ActionText { titolo_denominazione: "corto", descrizione: "d" },
        };
        assert_eq!(
            text(&e),
            r#"{"action":12,"after":{"descrizione":"d","titolo_denominazione":"corto"},"before":{"descrizione":"d","titolo_denominazione":"lungo"},"identificativo_politica":"ID-1"}"#
        );
        assert_eq!(e.object().to_string(), "recipient:3");
        assert_eq!(e.change().action(), "action.correct");
    }

    #[test]
    fn document_uploaded() {
        let report = json!({ "signers": ["RSSMRA80A01H501U"] });
        let e = DocumentUploaded {
            recipient: rcp(3),
            document: DocumentId::try_from(40).unwrap(),
            sha256: "ab",
            kind: "pdf",
            size: 1234,
            action: None,
            voucher: "ADR-1",
            cf: "C",
            matches_version: Some(2),
            signers: report.get("signers"),
            flags: report.get("flags"),
            voucher_state: Some("signed"),
        };
        let old = json!({
            "document": 40, "sha256": "ab", "kind": "pdf", "size": 1234usize, "action": Option::<ActionId>::None,
            "voucher": "ADR-1", "cf": "C", "matches_version": Some(2i64), "signers": report.get("signers"),
            "flags": report.get("flags"), "voucher_state": Some("signed"),
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"action":null,"cf":"C","document":40,"flags":null,"kind":"pdf","matches_version":2,"sha256":"ab","signers":["RSSMRA80A01H501U"],"size":1234,"voucher":"ADR-1","voucher_state":"signed"}"#
        );
        assert_eq!(e.object().to_string(), "recipient:3");
        assert_eq!(e.change().action(), "document.upload");
    }

    #[test]
    fn appointment_created() {
        let e = AppointmentCreated {
            appointment: appointment(21),
            recipient: rcp(3),
            cf: "C",
            voucher: "ADR-1",
            starts_at: "2026-02-01T09:00",
            kind: "presenza",
            sede: Some(SedeId::try_from(2).unwrap()),
            tutor: None,
        };
        assert_eq!(
            text(&e),
            r#"{"cf":"C","kind":"presenza","recipient":3,"sede":2,"starts_at":"2026-02-01T09:00","tutor":null,"voucher":"ADR-1"}"#
        );
        assert_eq!(e.object().to_string(), "appointment:21");
        assert_eq!(e.change().action(), "appointment.create");
        let tutored = AppointmentCreated { tutor: Some(op(5)), ..e };
        assert!(text(&tutored).contains(r#""tutor":5"#));
    }

    #[test]
    fn appointment_outcome_recorded() {
        let e = AppointmentOutcomeRecorded {
            appointment: appointment(21),
            recipient: rcp(3),
            cf: "C",
            starts_at: "2026-02-01T09:00",
            before: MeetingOutcome { outcome: None, note: "" },
            after: MeetingOutcome { outcome: Some("held"), note: "ok" },
            programme_start: Some("2026-02-01"),
        };
        assert_eq!(
            text(&e),
            r#"{"after":{"note":"ok","outcome":"held"},"before":{"note":"","outcome":null},"cf":"C","programme_start":"2026-02-01","recipient":3,"starts_at":"2026-02-01T09:00"}"#
        );
        assert_eq!(e.object().to_string(), "appointment:21");
        assert_eq!(e.change().action(), "appointment.outcome");
    }

    #[test]
    fn programme_outcome_recorded() {
        let e = ProgrammeOutcomeRecorded {
            recipient: rcp(3),
            cf: "C",
            voucher: "ADR-1",
            kind: "assunzione",
            event_date: "2026-04-01",
            employer_cf: "01234567890",
            contract: Some("TD"),
            contract_months: Some(6),
            resume_on: None,
            before: VoucherTerm { state: "started", programme_end: Some("2026-08-01"), extended_until: None },
            after: VoucherTerm { state: "closed", programme_end: Some("2026-08-01"), extended_until: None },
        };
        let old = json!({
            "recipient": rcp(3), "cf": "C", "voucher": "ADR-1", "kind": "assunzione", "event_date": "2026-04-01",
            "employer_cf": "01234567890", "contract": Some("TD"), "contract_months": Some(6i64),
            "resume_on": Option::<String>::None,
            "before": { "state": "started", "programme_end": Some("2026-08-01"), "extended_until": Option::<String>::None },
            "after": { "state": "closed", "programme_end": Some("2026-08-01"), "extended_until": Option::<String>::None },
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"after":{"extended_until":null,"programme_end":"2026-08-01","state":"closed"},"before":{"extended_until":null,"programme_end":"2026-08-01","state":"started"},"cf":"C","contract":"TD","contract_months":6,"employer_cf":"01234567890","event_date":"2026-04-01","kind":"assunzione","recipient":3,"resume_on":null,"voucher":"ADR-1"}"#
        );
        assert_eq!(e.object().to_string(), "recipient:3");
        assert_eq!(e.change().action(), "programme.outcome");
    }

    /// One of each change of this area, every field written.
    pub(in super::super) fn samples() -> Vec<AuditEvent> {
        let v = serde_json::Value::Null;
        let state = |nota| ActionState { evento: "e", data_evento: "d", data_inizio: None, data_fine: None, nota };
        let term = || VoucherTerm { state: "s", programme_end: None, extended_until: None };
        [
            AuditEvent::of_change(&ProgrammeSaved {
                recipient: rcp(1),
                voucher: "v",
                version: 1,
                pdf_sha256: "p",
                cf: "c",
            }),
            AuditEvent::of_change(&ActionCreated {
                recipient: rcp(1),
                action: action(1),
                identificativo_politica: "i",
                tipo_attivita: "t",
                voucher: "v",
                cf: "c",
                after: ActionOpened {
                    evento: "e",
                    data_evento: "d",
                    data_proposta: "d",
                    data_inizio: None,
                    data_fine: None,
                    dettagli: &v,
                },
            }),
            AuditEvent::of_change(&ActionEventAdded {
                recipient: rcp(1),
                action: action(1),
                identificativo_politica: "i",
                voucher: "v",
                cf: "c",
                before: state(None),
                after: state(Some("")),
            }),
            AuditEvent::of_change(&ActionCorrected {
                recipient: rcp(1),
                action: action(1),
                identificativo_politica: "i",
                before: ActionText { titolo_denominazione: "t", descrizione: "d" },
                after: ActionText { titolo_denominazione: "t", descrizione: "d" },
            }),
            AuditEvent::of_change(&DocumentUploaded {
                recipient: rcp(1),
                document: DocumentId::try_from(1).unwrap(),
                sha256: "s",
                kind: "pdf",
                size: 1,
                action: None,
                voucher: "v",
                cf: "c",
                matches_version: None,
                signers: None,
                flags: None,
                voucher_state: None,
            }),
            AuditEvent::of_change(&AppointmentCreated {
                appointment: appointment(1),
                recipient: rcp(1),
                cf: "c",
                voucher: "v",
                starts_at: "s",
                kind: "k",
                sede: None,
                tutor: None,
            }),
            AuditEvent::of_change(&AppointmentOutcomeRecorded {
                appointment: appointment(1),
                recipient: rcp(1),
                cf: "c",
                starts_at: "s",
                before: MeetingOutcome { outcome: None, note: "" },
                after: MeetingOutcome { outcome: None, note: "" },
                programme_start: None,
            }),
            AuditEvent::of_change(&ProgrammeOutcomeRecorded {
                recipient: rcp(1),
                cf: "c",
                voucher: "v",
                kind: "k",
                event_date: "d",
                employer_cf: "",
                contract: None,
                contract_months: None,
                resume_on: None,
                before: term(),
                after: term(),
            }),
        ]
        .into_iter()
        .map(Result::unwrap)
        .collect()
    }
}
