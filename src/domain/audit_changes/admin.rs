//! Typed changes of the Region's registers: providers, their sedi, written communications,
//! operators and the tracking notice.

use serde::Serialize;

use super::{ChangeEvent, Object};
use crate::domain::audit_event::Change;
use crate::domain::ids::{CommunicationId, DocumentId, OperatorId, ProviderId, SedeId};
use crate::domain::provider::Provider;
use crate::domain::sede::{Sede, ValidSede};
use crate::domain::timestamp::Timestamp;

/// Which of the four provider changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStep {
    Create,
    Update,
    Suspend,
    Reactivate,
}

/// A provider as the trail records it before and after a change.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProviderFacts<'a> {
    /// Before a creation: `{}`.
    Nothing {},
    Record(ProviderRecord<'a>),
    Status {
        status: &'static str,
    },
}

/// The provider's registered facts (not its internal codes or times).
#[derive(Debug, Serialize)]
pub struct ProviderRecord<'a> {
    pub name: &'a str,
    pub codice_fiscale: &'a str,
    pub accreditation_code: &'a str,
    pub pec: &'a str,
    pub registered_office: &'a str,
    pub contact_person: &'a str,
    pub status: &'static str,
}

impl<'a> ProviderRecord<'a> {
    pub fn of(p: &'a Provider) -> Self {
        Self {
            name: &p.name,
            codice_fiscale: &p.codice_fiscale,
            accreditation_code: &p.accreditation_code,
            pec: &p.pec,
            registered_office: &p.registered_office,
            contact_person: &p.contact_person,
            status: p.status.code(),
        }
    }
}

/// `provider.create` / `update` / `suspend` / `reactivate`.
#[derive(Debug, Serialize)]
pub struct ProviderChanged<'a> {
    #[serde(skip)]
    pub provider: ProviderId,
    #[serde(skip)]
    pub step: ProviderStep,
    pub before: ProviderFacts<'a>,
    pub after: ProviderFacts<'a>,
    pub reason: &'a str,
}

impl ChangeEvent for ProviderChanged<'_> {
    fn change(&self) -> Change {
        match self.step {
            ProviderStep::Create => Change::ProviderCreate,
            ProviderStep::Update => Change::ProviderUpdate,
            ProviderStep::Suspend => Change::ProviderSuspend,
            ProviderStep::Reactivate => Change::ProviderReactivate,
        }
    }
    fn object(&self) -> Object<'_> {
        Object::Provider(self.provider)
    }
}

/// `sede.create`: a new sede of a provider.
#[derive(Debug, Serialize)]
pub struct SedeCreated<'a> {
    #[serde(skip)]
    pub sede: SedeId,
    pub provider_id: ProviderId,
    pub after: &'a ValidSede,
}

impl ChangeEvent for SedeCreated<'_> {
    fn change(&self) -> Change {
        Change::SedeCreate
    }
    fn object(&self) -> Object<'_> {
        Object::Sede(self.sede)
    }
}

/// `sede.update`: a sede's facts changed.
#[derive(Debug, Serialize)]
pub struct SedeUpdated<'a> {
    #[serde(skip)]
    pub sede: SedeId,
    pub provider_id: ProviderId,
    pub before: &'a Sede,
    pub after: &'a ValidSede,
}

impl ChangeEvent for SedeUpdated<'_> {
    fn change(&self) -> Change {
        Change::SedeUpdate
    }
    fn object(&self) -> Object<'_> {
        Object::Sede(self.sede)
    }
}

/// The file attached to a written communication.
#[derive(Debug, Serialize)]
pub struct AttachedFile<'a> {
    pub id: DocumentId,
    pub sha256: &'a str,
    pub size: usize,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// `communication.create`: a written communication registered with its file.
#[derive(Debug, Serialize)]
pub struct CommunicationRegistered<'a> {
    #[serde(skip)]
    pub communication: CommunicationId,
    pub provider_id: Option<ProviderId>,
    pub received_on: &'a str,
    pub protocol: &'a str,
    pub kind: &'static str,
    pub document: AttachedFile<'a>,
}

impl ChangeEvent for CommunicationRegistered<'_> {
    fn change(&self) -> Change {
        Change::CommunicationCreate
    }
    fn object(&self) -> Object<'_> {
        Object::Communication(self.communication)
    }
}

/// Which of the operator changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorStep {
    Create,
    Update,
    Disable,
    Enable,
    Exemption,
    Review,
}

/// An operator as the trail records it before and after a change: the whole record for an
/// enabling or a variation, only what moved otherwise.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum OperatorFacts<'a> {
    /// Before an enabling: `{}`.
    Nothing {},
    Record(OperatorRecord<'a>),
    State {
        state: &'a str,
    },
    Exemption {
        technical_exemption: bool,
    },
    Review {
        reviewed_at: Option<Timestamp>,
    },
}

/// The operator's record; `sedi` only in a variation (where sedi can change).
#[derive(Debug, Serialize)]
pub struct OperatorRecord<'a> {
    pub codice_fiscale: &'a str,
    pub surname: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub provider_id: Option<ProviderId>,
    pub role_title: &'a str,
    pub state: &'a str,
    pub technical_exemption: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sedi: Option<&'a [SedeId]>,
}

/// `operator.create` / `update` / `disable` / `enable` / `exemption` / `review`.
#[derive(Debug, Serialize)]
pub struct OperatorChanged<'a> {
    #[serde(skip)]
    pub operator: OperatorId,
    #[serde(skip)]
    pub step: OperatorStep,
    pub before: OperatorFacts<'a>,
    pub after: OperatorFacts<'a>,
    pub reason_kind: &'a str,
    pub reason: &'a str,
    pub communication_id: Option<CommunicationId>,
}

impl ChangeEvent for OperatorChanged<'_> {
    fn change(&self) -> Change {
        match self.step {
            OperatorStep::Create => Change::OperatorCreate,
            OperatorStep::Update => Change::OperatorUpdate,
            OperatorStep::Disable => Change::OperatorDisable,
            OperatorStep::Enable => Change::OperatorEnable,
            OperatorStep::Exemption => Change::OperatorExemption,
            OperatorStep::Review => Change::OperatorReview,
        }
    }
    fn object(&self) -> Object<'_> {
        Object::Operator(self.operator)
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
    fn object(&self) -> Object<'_> {
        Object::Operator(self.operator)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::super::tests::{op, text};
    use super::*;
    use crate::domain::audit_event::AuditEvent;

    fn prov(n: i64) -> ProviderId {
        ProviderId::try_from(n).unwrap()
    }

    fn sede(n: i64) -> SedeId {
        SedeId::try_from(n).unwrap()
    }

    fn record() -> ProviderRecord<'static> {
        ProviderRecord {
            name: "Lavoro Srl",
            codice_fiscale: "01234567890",
            accreditation_code: "ACC-1",
            pec: "l@pec.it",
            registered_office: "Roma",
            contact_person: "Rossi",
            status: "active",
        }
    }

    fn valid_sede() -> ValidSede {
        ValidSede {
            address: "Via Roma 1".into(),
            comune: "Roma".into(),
            phone: "06 1".into(),
            opening_hours: "9-13".into(),
            programme_enabled: true,
            temporarily_closed: false,
            closed: false,
        }
    }

    fn operator_record(sedi: Option<&[SedeId]>) -> OperatorRecord<'_> {
        OperatorRecord {
            codice_fiscale: "RSSMRA80A01H501U",
            surname: "Rossi",
            name: "Mario",
            email: "m@x.it",
            role: "operatore",
            provider_id: Some(prov(2)),
            role_title: "orientatore",
            state: "active",
            technical_exemption: false,
            sedi,
        }
    }

    #[test]
    fn provider_created() {
        let e = ProviderChanged {
            provider: prov(4),
            step: ProviderStep::Create,
            before: ProviderFacts::Nothing {},
            after: ProviderFacts::Record(record()),
            reason: "",
        };
        let old = json!({ "before": json!({}), "after": json!({
            "name": "Lavoro Srl", "codice_fiscale": "01234567890", "accreditation_code": "ACC-1",
            "pec": "l@pec.it", "registered_office": "Roma", "contact_person": "Rossi", "status": "active",
        }), "reason": "" });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"after":{"accreditation_code":"ACC-1","codice_fiscale":"01234567890","contact_person":"Rossi","name":"Lavoro Srl","pec":"l@pec.it","registered_office":"Roma","status":"active"},"before":{},"reason":""}"#
        );
        assert_eq!(e.object().to_string(), "provider:4");
        assert_eq!(e.change().action(), "provider.create");
    }

    #[test]
    fn provider_suspended() {
        let e = ProviderChanged {
            provider: prov(4),
            step: ProviderStep::Suspend,
            before: ProviderFacts::Status { status: "active" },
            after: ProviderFacts::Status { status: "suspended" },
            reason: "ispezione",
        };
        assert_eq!(text(&e), r#"{"after":{"status":"suspended"},"before":{"status":"active"},"reason":"ispezione"}"#);
        assert_eq!(e.change().action(), "provider.suspend");
        let reactivated = ProviderChanged { step: ProviderStep::Reactivate, ..e };
        assert_eq!(reactivated.change().action(), "provider.reactivate");
        let updated = ProviderChanged { step: ProviderStep::Update, ..reactivated };
        assert_eq!(updated.change().action(), "provider.update");
    }

    #[test]
    fn sede_created_and_updated() {
        let s = valid_sede();
        let e = SedeCreated { sede: sede(8), provider_id: prov(2), after: &s };
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), json!({ "provider_id": prov(2), "after": s }));
        assert_eq!(
            text(&e),
            r#"{"after":{"address":"Via Roma 1","closed":false,"comune":"Roma","opening_hours":"9-13","phone":"06 1","programme_enabled":true,"temporarily_closed":false},"provider_id":2}"#
        );
        assert_eq!(e.object().to_string(), "sede:8");
        let before = Sede {
            id: sede(8),
            provider: prov(2),
            address: "Via Roma 1".into(),
            comune: "Roma".into(),
            phone: "".into(),
            opening_hours: "".into(),
            programme_enabled: false,
            temporarily_closed: false,
            closed: false,
        };
        let u = SedeUpdated { sede: sede(8), provider_id: prov(2), before: &before, after: &s };
        assert_eq!(
            AuditEvent::of_change(&u).unwrap().detail(),
            json!({ "provider_id": before.provider, "before": before, "after": s })
        );
        assert_eq!(
            text(&u),
            r#"{"after":{"address":"Via Roma 1","closed":false,"comune":"Roma","opening_hours":"9-13","phone":"06 1","programme_enabled":true,"temporarily_closed":false},"before":{"address":"Via Roma 1","closed":false,"comune":"Roma","id":8,"opening_hours":"","phone":"","programme_enabled":false,"provider":2,"temporarily_closed":false},"provider_id":2}"#
        );
        assert_eq!(u.change().action(), "sede.update");
    }

    #[test]
    fn communication_registered() {
        let doc = DocumentId::try_from(6).unwrap();
        let e = CommunicationRegistered {
            communication: CommunicationId::try_from(3).unwrap(),
            provider_id: None,
            received_on: "2026-01-02",
            protocol: "P/1",
            kind: "abilitazione",
            document: AttachedFile { id: doc, sha256: "aa", size: 10, kind: "pdf" },
        };
        let old = json!({
            "provider_id": Option::<ProviderId>::None, "received_on": "2026-01-02", "protocol": "P/1",
            "kind": "abilitazione", "document": { "id": doc, "sha256": "aa", "size": 10usize, "type": "pdf" },
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"document":{"id":6,"sha256":"aa","size":10,"type":"pdf"},"kind":"abilitazione","protocol":"P/1","provider_id":null,"received_on":"2026-01-02"}"#
        );
        assert_eq!(e.object().to_string(), "communication:3");
    }

    #[test]
    fn operator_enabled_and_varied() {
        let comm = CommunicationId::try_from(5).unwrap();
        let sedi = [sede(3), sede(4)];
        let e = OperatorChanged {
            operator: op(9),
            step: OperatorStep::Create,
            before: OperatorFacts::Nothing {},
            after: OperatorFacts::Record(operator_record(None)),
            reason_kind: "",
            reason: "",
            communication_id: Some(comm),
        };
        let snapshot = json!({
            "codice_fiscale": "RSSMRA80A01H501U", "surname": "Rossi", "name": "Mario", "email": "m@x.it",
            "role": "operatore", "provider_id": Some(prov(2)), "role_title": "orientatore", "state": "active",
            "technical_exemption": false,
        });
        let old = json!({
            "before": json!({}), "after": snapshot, "reason_kind": "", "reason": "", "communication_id": Some(comm),
        });
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), old);
        assert_eq!(
            text(&e),
            r#"{"after":{"codice_fiscale":"RSSMRA80A01H501U","email":"m@x.it","name":"Mario","provider_id":2,"role":"operatore","role_title":"orientatore","state":"active","surname":"Rossi","technical_exemption":false},"before":{},"communication_id":5,"reason":"","reason_kind":""}"#
        );
        assert_eq!(e.object().to_string(), "operator:9");
        assert_eq!(e.change().action(), "operator.create");
        let varied = OperatorChanged {
            operator: op(9),
            step: OperatorStep::Update,
            before: OperatorFacts::Record(operator_record(Some(&[]))),
            after: OperatorFacts::Record(operator_record(Some(&sedi))),
            reason_kind: "",
            reason: "",
            communication_id: None,
        };
        let mut with_sedi = snapshot.clone();
        with_sedi["sedi"] = json!([3, 4]);
        assert_eq!(AuditEvent::of_change(&varied).unwrap().detail()["after"], with_sedi);
        assert!(text(&varied).contains(r#""sedi":[],"state""#), "{}", text(&varied));
        assert!(text(&varied).contains(r#""communication_id":null"#));
        assert_eq!(varied.change().action(), "operator.update");
    }

    #[test]
    fn operator_state_exemption_review() {
        let e = OperatorChanged {
            operator: op(9),
            step: OperatorStep::Disable,
            before: OperatorFacts::State { state: "active" },
            after: OperatorFacts::State { state: "disabled" },
            reason_kind: "anomalia",
            reason: "r",
            communication_id: None,
        };
        assert_eq!(
            text(&e),
            r#"{"after":{"state":"disabled"},"before":{"state":"active"},"communication_id":null,"reason":"r","reason_kind":"anomalia"}"#
        );
        assert_eq!(e.change().action(), "operator.disable");
        let x = OperatorChanged {
            step: OperatorStep::Exemption,
            before: OperatorFacts::Exemption { technical_exemption: false },
            after: OperatorFacts::Exemption { technical_exemption: true },
            ..e
        };
        assert_eq!(
            text(&x),
            r#"{"after":{"technical_exemption":true},"before":{"technical_exemption":false},"communication_id":null,"reason":"r","reason_kind":"anomalia"}"#
        );
        assert_eq!(x.change().action(), "operator.exemption");
        let r = OperatorChanged {
            step: OperatorStep::Review,
            before: OperatorFacts::Review { reviewed_at: None },
            after: OperatorFacts::Review { reviewed_at: Some(Timestamp::from_ms(1_700_000_000_000)) },
            reason_kind: "",
            reason: "",
            ..x
        };
        assert_eq!(
            text(&r),
            r#"{"after":{"reviewed_at":1700000000000},"before":{"reviewed_at":null},"communication_id":null,"reason":"","reason_kind":""}"#
        );
        assert_eq!(r.change().action(), "operator.review");
        let en = OperatorChanged { step: OperatorStep::Enable, ..r };
        assert_eq!(en.change().action(), "operator.enable");
    }

    #[test]
    fn notice_acknowledged() {
        let e = NoticeAcknowledged { operator: op(7), sha256: "ab12" };
        assert_eq!(text(&e), r#"{"sha256":"ab12"}"#);
        assert_eq!(AuditEvent::of_change(&e).unwrap().detail(), json!({ "sha256": "ab12" }));
        assert_eq!(e.object().to_string(), "operator:7");
        assert_eq!(e.change().action(), "notice.acknowledge");
    }

    /// One of each change of this area, every field written.
    pub(in super::super) fn samples() -> Vec<AuditEvent> {
        let s = valid_sede();
        let before = Sede {
            id: sede(1),
            provider: prov(1),
            address: String::new(),
            comune: String::new(),
            phone: String::new(),
            opening_hours: String::new(),
            programme_enabled: false,
            temporarily_closed: false,
            closed: false,
        };
        let provider = |step| ProviderChanged {
            provider: prov(1),
            step,
            before: ProviderFacts::Nothing {},
            after: ProviderFacts::Record(record()),
            reason: "",
        };
        let operator = |step| OperatorChanged {
            operator: op(1),
            step,
            before: OperatorFacts::Nothing {},
            after: OperatorFacts::Record(operator_record(None)),
            reason_kind: "",
            reason: "",
            communication_id: None,
        };
        let mut events = vec![
            AuditEvent::of_change(&SedeCreated { sede: sede(1), provider_id: prov(1), after: &s }),
            AuditEvent::of_change(&SedeUpdated { sede: sede(1), provider_id: prov(1), before: &before, after: &s }),
            AuditEvent::of_change(&CommunicationRegistered {
                communication: CommunicationId::try_from(1).unwrap(),
                provider_id: None,
                received_on: "d",
                protocol: "p",
                kind: "k",
                document: AttachedFile { id: DocumentId::try_from(1).unwrap(), sha256: "s", size: 1, kind: "pdf" },
            }),
            AuditEvent::of_change(&NoticeAcknowledged { operator: op(1), sha256: "a" }),
        ];
        for step in [ProviderStep::Create, ProviderStep::Update, ProviderStep::Suspend, ProviderStep::Reactivate] {
            events.push(AuditEvent::of_change(&provider(step)));
        }
        for step in [
            OperatorStep::Create,
            OperatorStep::Update,
            OperatorStep::Disable,
            OperatorStep::Enable,
            OperatorStep::Exemption,
            OperatorStep::Review,
        ] {
            events.push(AuditEvent::of_change(&operator(step)));
        }
        events.into_iter().map(Result::unwrap).collect()
    }
}
