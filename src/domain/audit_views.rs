//! Typed view events: one serialisable type per kind of read, whose fields are the audit
//! row's `detail` (field names are the JSON keys; serde_json sorts them) and whose `object`
//! says what was read. A kind read from several places (a screen, its print, the API) is an
//! untagged enum with one variant per shape, so each place writes exactly the fields it always
//! wrote. `via: "api"` marks a read through `/api/v1`.
//!
//! The JSON of each is pinned by a golden test below: it is the legal record, byte for byte
//! what the hand-written `json!` wrote before except where the read itself changed (the IDOL
//! exports over the API: `pending` gave way to paging, `GET /idol/pending` lists those
//! workers; the agenda's `sede=0` is now `null`), and old rows still verify in the chain. List
//! views also get `shown` (the people the list showed), added by `AuditEvent::of_list` for
//! `AccessControl::audit_list`.

use serde::Serialize;

use super::audit_event::{AuditEvent, View, ViewRecord};
use super::ids::{
    ActionId, AnomalyId, AppointmentId, CommunicationId, DocumentId, IdolExportId, OperatorId, ProviderId, RecipientId,
    SedeId,
};

/// A read with its detail: how an [`AuditEvent::View`] is built.
pub trait ViewEvent: Serialize {
    fn view(&self) -> View;
    fn object(&self) -> Option<String>;
}

impl AuditEvent {
    /// The audit event of a typed read.
    pub fn of_view(event: &impl ViewEvent) -> Result<AuditEvent, serde_json::Error> {
        Ok(AuditEvent::View(ViewRecord::new(event.view(), event.object(), serde_json::to_value(event)?)))
    }

    /// The audit event of a typed list read that showed the recipients `shown` (by id): they
    /// go into the detail under `shown`, which the data-subject report reads.
    pub fn of_list(event: &impl ViewEvent, shown: Vec<i64>) -> Result<AuditEvent, serde_json::Error> {
        Ok(AuditEvent::View(
            ViewRecord::new(event.view(), event.object(), serde_json::to_value(event)?).with_shown(shown),
        ))
    }
}

/// Marks a read through the JSON API: `"via": "api"`.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum Via {
    #[serde(rename = "api")]
    Api,
}

fn recipient(id: RecipientId) -> Option<String> {
    Some(format!("recipient:{id}"))
}

fn provider(id: Option<ProviderId>) -> Option<String> {
    id.map(|p| format!("provider:{p}"))
}

/// `provider.list`: the list of providers.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProvidersListed<'a> {
    Screen { q: &'a str, page: i64 },
    Api { via: Via },
}

impl ViewEvent for ProvidersListed<'_> {
    fn view(&self) -> View {
        View::ProviderList
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `provider.view`: one provider's page (or, over the API, one of its sedi).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProviderViewed {
    Screen {
        #[serde(skip)]
        provider: ProviderId,
    },
    Api {
        #[serde(skip)]
        provider: ProviderId,
        via: Via,
    },
    ApiSede {
        #[serde(skip)]
        sede: SedeId,
        via: Via,
    },
}

impl ViewEvent for ProviderViewed {
    fn view(&self) -> View {
        View::ProviderView
    }
    fn object(&self) -> Option<String> {
        match self {
            ProviderViewed::Screen { provider } | ProviderViewed::Api { provider, .. } => {
                Some(format!("provider:{provider}"))
            }
            ProviderViewed::ApiSede { sede, .. } => Some(format!("sede:{sede}")),
        }
    }
}

/// `operator.list`: the list of operators, with the screen's filters.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum OperatorsListed<'a> {
    Screen { q: &'a str, role: &'a str, state: &'a str, page: i64 },
    Api { via: Via },
}

impl ViewEvent for OperatorsListed<'_> {
    fn view(&self) -> View {
        View::OperatorList
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `operator.view`: one operator's page.
#[derive(Debug, Serialize)]
pub struct OperatorViewed {
    #[serde(skip)]
    pub operator: OperatorId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl ViewEvent for OperatorViewed {
    fn view(&self) -> View {
        View::OperatorView
    }
    fn object(&self) -> Option<String> {
        Some(format!("operator:{}", self.operator))
    }
}

/// `inactivity.view`: the idle accounts.
#[derive(Debug, Serialize)]
pub struct InactivityViewed {}

impl ViewEvent for InactivityViewed {
    fn view(&self) -> View {
        View::InactivityReport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `review.view`: the yearly review of authorisations.
#[derive(Debug, Serialize)]
pub struct ReviewViewed {
    pub rows: usize,
}

impl ViewEvent for ReviewViewed {
    fn view(&self) -> View {
        View::ReviewReport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `review.export`: the yearly review as CSV, or as a zip with its communications.
#[derive(Debug, Serialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum ReviewExported {
    Csv { rows: usize },
    Zip { rows: usize, communications: usize },
}

impl ViewEvent for ReviewExported {
    fn view(&self) -> View {
        View::ReviewExport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `document.download`: a stored file left the server.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum DocumentDownloaded<'a> {
    /// A signed programme uploaded for a person.
    Signed {
        #[serde(skip)]
        recipient: RecipientId,
        document: DocumentId,
        sha256: &'a str,
        cf: &'a str,
    },
    /// The PDF of a programme version.
    ProgrammePdf {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        programme_version: i64,
        sha256: &'a str,
    },
    /// A written communication's document.
    Communication { communication_id: CommunicationId, sha256: &'a str },
}

impl ViewEvent for DocumentDownloaded<'_> {
    fn view(&self) -> View {
        View::DocumentDownload
    }
    fn object(&self) -> Option<String> {
        match self {
            DocumentDownloaded::Signed { recipient: r, .. } | DocumentDownloaded::ProgrammePdf { recipient: r, .. } => {
                recipient(*r)
            }
            DocumentDownloaded::Communication { communication_id, .. } => {
                Some(format!("communication:{communication_id}"))
            }
        }
    }
}

/// `communication.list`: written communications, a provider's (or the Region's own) or one.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CommunicationsViewed {
    List {
        #[serde(skip)]
        provider: Option<ProviderId>,
        page: i64,
        via: Via,
    },
    One {
        #[serde(skip)]
        communication: CommunicationId,
        via: Via,
    },
}

impl ViewEvent for CommunicationsViewed {
    fn view(&self) -> View {
        View::CommunicationList
    }
    fn object(&self) -> Option<String> {
        match self {
            CommunicationsViewed::List { provider: p, .. } => provider(*p),
            CommunicationsViewed::One { communication, .. } => Some(format!("communication:{communication}")),
        }
    }
}

/// `recipient.list`: the cruscotto (screen or API) or the people without a voucher.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum RecipientsListed<'a> {
    Screen {
        /// The provider the list is limited to by the person's scope (the object).
        #[serde(skip)]
        scope: Option<ProviderId>,
        q: &'a str,
        state: &'a str,
        provider: Option<ProviderId>,
        page: i64,
        rows: usize,
    },
    Api {
        #[serde(skip)]
        scope: Option<ProviderId>,
        q: &'a str,
        state: &'a str,
        page: i64,
        per_page: i64,
        rows: usize,
        via: Via,
    },
    WithoutVoucher {
        without_voucher: bool,
        page: i64,
    },
}

impl ViewEvent for RecipientsListed<'_> {
    fn view(&self) -> View {
        View::RecipientList
    }
    fn object(&self) -> Option<String> {
        match self {
            RecipientsListed::Screen { scope, .. } | RecipientsListed::Api { scope, .. } => provider(*scope),
            RecipientsListed::WithoutVoucher { .. } => None,
        }
    }
}

/// `recipient.view`: a person's page.
#[derive(Debug, Serialize)]
pub struct RecipientViewed<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub cf: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl ViewEvent for RecipientViewed<'_> {
    fn view(&self) -> View {
        View::RecipientView
    }
    fn object(&self) -> Option<String> {
        recipient(self.recipient)
    }
}

/// `sap.view`: a person's SAP (`version` null when none has arrived).
#[derive(Debug, Serialize)]
pub struct SapViewed<'a> {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub cf: &'a str,
    pub version: Option<i64>,
}

impl ViewEvent for SapViewed<'_> {
    fn view(&self) -> View {
        View::SapView
    }
    fn object(&self) -> Option<String> {
        recipient(self.recipient)
    }
}

/// `programme.view`: a person's programme, on the screen, printed, or over the API.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ProgrammeViewed<'a> {
    Screen {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        version: Option<i64>,
    },
    Print {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        print: bool,
    },
    Api {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        via: Via,
    },
}

impl ViewEvent for ProgrammeViewed<'_> {
    fn view(&self) -> View {
        View::ProgrammeView
    }
    fn object(&self) -> Option<String> {
        match self {
            ProgrammeViewed::Screen { recipient: r, .. }
            | ProgrammeViewed::Print { recipient: r, .. }
            | ProgrammeViewed::Api { recipient: r, .. } => recipient(*r),
        }
    }
}

/// `action.view`: a person's action, or an action form (shown anew after a refused write).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ActionViewed<'a> {
    Action {
        #[serde(skip)]
        recipient: RecipientId,
        action: ActionId,
        identificativo_politica: &'a str,
    },
    Form {
        #[serde(skip)]
        recipient: RecipientId,
        form: Option<&'a str>,
    },
    RefusedForm {
        #[serde(skip)]
        recipient: RecipientId,
        form: &'a str,
        refused: usize,
    },
    RefusedEvent {
        #[serde(skip)]
        recipient: RecipientId,
        action: ActionId,
        refused: usize,
    },
}

impl ViewEvent for ActionViewed<'_> {
    fn view(&self) -> View {
        View::ActionView
    }
    fn object(&self) -> Option<String> {
        match self {
            ActionViewed::Action { recipient: r, .. }
            | ActionViewed::Form { recipient: r, .. }
            | ActionViewed::RefusedForm { recipient: r, .. }
            | ActionViewed::RefusedEvent { recipient: r, .. } => recipient(*r),
        }
    }
}

/// `action.list`: a person's actions over the API.
#[derive(Debug, Serialize)]
pub struct ActionsListed {
    #[serde(skip)]
    pub recipient: RecipientId,
    pub rows: usize,
    pub page: i64,
    pub via: Via,
}

impl ViewEvent for ActionsListed {
    fn view(&self) -> View {
        View::ActionList
    }
    fn object(&self) -> Option<String> {
        recipient(self.recipient)
    }
}

/// `idol.list`: the IDOL exports (the screen counts the pending workers too and, as a list,
/// names them under `shown`; the API lists the exports and the pending workers apart).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum IdolExportsViewed {
    Screen {
        rows: usize,
        pending: usize,
    },
    /// `rows`: the exports on the page, as every paged read records.
    Api {
        rows: usize,
        page: i64,
        via: Via,
    },
    ApiPending {
        list: IdolList,
        total: i64,
        page: i64,
        per_page: i64,
        rows: usize,
        via: Via,
    },
}

/// Which IDOL list an API read showed: `"list": "pending"`, the workers not sent yet (the
/// exports' own list carries no `list`).
#[derive(Debug, Clone, Copy, Serialize)]
pub enum IdolList {
    #[serde(rename = "pending")]
    Pending,
}

impl ViewEvent for IdolExportsViewed {
    fn view(&self) -> View {
        View::IdolExports
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `idol.download`: a past export's zip downloaded again.
#[derive(Debug, Serialize)]
pub struct IdolExportDownloaded<'a> {
    pub export: IdolExportId,
    pub sha256: &'a str,
    pub size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl ViewEvent for IdolExportDownloaded<'_> {
    fn view(&self) -> View {
        View::IdolDownload
    }
    fn object(&self) -> Option<String> {
        Some(format!("idol_export:{}", self.export))
    }
}

/// `agenda.view`: a person's appointments (API), or a provider's agenda (screen and API).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AgendaViewed<'a> {
    Recipient {
        #[serde(skip)]
        recipient: RecipientId,
        rows: usize,
        page: i64,
        via: Via,
    },
    Provider {
        #[serde(skip)]
        provider: ProviderId,
        from: &'a str,
        until: &'a str,
        sede: Option<SedeId>,
        tutor: Option<OperatorId>,
        rows: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<Via>,
    },
    /// An appointment's outcome form shown again after a refused write (it names the person).
    RefusedOutcome {
        #[serde(skip)]
        recipient: RecipientId,
        appointment: AppointmentId,
        refused: bool,
    },
}

impl ViewEvent for AgendaViewed<'_> {
    fn view(&self) -> View {
        View::AgendaView
    }
    fn object(&self) -> Option<String> {
        match self {
            AgendaViewed::Recipient { recipient: r, .. } | AgendaViewed::RefusedOutcome { recipient: r, .. } => {
                recipient(*r)
            }
            AgendaViewed::Provider { provider: p, .. } => provider(Some(*p)),
        }
    }
}

/// `agenda.report`: the month's report to the CPI, in a format (`html`, `csv`, `json`).
#[derive(Debug, Serialize)]
pub struct RefusalsReported<'a> {
    #[serde(skip)]
    pub provider: ProviderId,
    pub month: &'a str,
    pub rows: usize,
    pub dropped: usize,
    pub format: &'a str,
}

impl ViewEvent for RefusalsReported<'_> {
    fn view(&self) -> View {
        View::RefusalReport
    }
    fn object(&self) -> Option<String> {
        provider(Some(self.provider))
    }
}

/// `outcome.view`: a person's programme outcome.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum OutcomeViewed<'a> {
    Screen {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        state: &'a str,
        rows: usize,
    },
    Api {
        #[serde(skip)]
        recipient: RecipientId,
        cf: &'a str,
        state: &'a str,
        via: Via,
    },
}

impl ViewEvent for OutcomeViewed<'_> {
    fn view(&self) -> View {
        View::OutcomeView
    }
    fn object(&self) -> Option<String> {
        match self {
            OutcomeViewed::Screen { recipient: r, .. } | OutcomeViewed::Api { recipient: r, .. } => recipient(*r),
        }
    }
}

/// `outcome.report`: the outcomes per provider over a period.
#[derive(Debug, Serialize)]
pub struct OutcomesReported<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub format: &'a str,
    pub providers: usize,
}

impl ViewEvent for OutcomesReported<'_> {
    fn view(&self) -> View {
        View::OutcomeReport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `backup.download`: an encrypted backup left the server.
#[derive(Debug, Serialize)]
pub struct BackupDownloaded<'a> {
    pub file: &'a str,
    pub sha256: Option<&'a str>,
}

impl ViewEvent for BackupDownloaded<'_> {
    fn view(&self) -> View {
        View::BackupDownload
    }
    fn object(&self) -> Option<String> {
        Some(format!("backup:{}", self.file))
    }
}

/// `audit.search`: a search of the trail (`search` is the query as given).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AuditSearched<'a, S: Serialize> {
    Screen { search: &'a S, before: Option<i64>, rows: usize },
    Api { search: &'a S, before: Option<i64>, page: Option<i64>, rows: usize, via: Via },
}

impl<S: Serialize> ViewEvent for AuditSearched<'_, S> {
    fn view(&self) -> View {
        View::AuditSearch
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `audit.export`: a search of the trail as CSV.
#[derive(Debug, Serialize)]
pub struct AuditExported<'a, S: Serialize> {
    pub search: &'a S,
    pub rows: usize,
    pub truncated: bool,
    pub format: &'a str,
}

impl<S: Serialize> ViewEvent for AuditExported<'_, S> {
    fn view(&self) -> View {
        View::AuditExport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `audit.subject_report`: who read a person's data, and the lists they appeared in.
#[derive(Debug, Serialize)]
pub struct SubjectReported<'a> {
    pub cf: &'a str,
    pub rows: usize,
    pub lists: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl ViewEvent for SubjectReported<'_> {
    fn view(&self) -> View {
        View::SubjectReport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `audit.subject_export`: the same as CSV.
#[derive(Debug, Serialize)]
pub struct SubjectExported<'a> {
    pub cf: &'a str,
    pub rows: usize,
    pub format: &'a str,
}

impl ViewEvent for SubjectExported<'_> {
    fn view(&self) -> View {
        View::SubjectExport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `audit.activity`: the month's activity per operator.
#[derive(Debug, Serialize)]
pub struct ActivityReported<'a> {
    pub mese: &'a str,
    pub rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl ViewEvent for ActivityReported<'_> {
    fn view(&self) -> View {
        View::ActivityReport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `audit.activity_export`: the same as CSV.
#[derive(Debug, Serialize)]
pub struct ActivityExported<'a> {
    pub mese: &'a str,
    pub rows: usize,
    pub format: &'a str,
}

impl ViewEvent for ActivityExported<'_> {
    fn view(&self) -> View {
        View::ActivityExport
    }
    fn object(&self) -> Option<String> {
        None
    }
}

/// `anomaly.list`: the anomalies (or one, whose decision was refused and is shown again).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum AnomaliesViewed {
    Screen { all: bool, rows: usize },
    Api { all: bool, page: i64, rows: usize, via: Via },
    Refused { anomaly: AnomalyId, refused: bool },
}

impl ViewEvent for AnomaliesViewed {
    fn view(&self) -> View {
        View::AnomalyList
    }
    fn object(&self) -> Option<String> {
        match self {
            AnomaliesViewed::Refused { anomaly, .. } => Some(format!("anomaly:{anomaly}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The row's detail as the chain hashes it (serde_json's sorted map, compact).
    fn text(e: &impl ViewEvent) -> String {
        AuditEvent::of_view(e).unwrap().detail().to_string()
    }

    fn rcp(n: i64) -> RecipientId {
        RecipientId::try_from(n).unwrap()
    }

    fn prov(n: i64) -> ProviderId {
        ProviderId::try_from(n).unwrap()
    }

    #[test]
    fn providers_listed() {
        let e = ProvidersListed::Screen { q: "ente", page: 2 };
        assert_eq!(text(&e), r#"{"page":2,"q":"ente"}"#);
        assert_eq!(AuditEvent::of_view(&e).unwrap().detail(), json!({ "q": "ente", "page": 2 }));
        assert_eq!(text(&ProvidersListed::Api { via: Via::Api }), r#"{"via":"api"}"#);
        assert_eq!(e.object(), None);
        assert_eq!(e.view().action(), "provider.list");
    }

    #[test]
    fn provider_viewed() {
        let e = ProviderViewed::Screen { provider: prov(4) };
        assert_eq!((text(&e), e.object()), ("{}".into(), Some("provider:4".into())));
        let e = ProviderViewed::Api { provider: prov(4), via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"via":"api"}"#.into(), Some("provider:4".into())));
        let e = ProviderViewed::ApiSede { sede: SedeId::try_from(5).unwrap(), via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"via":"api"}"#.into(), Some("sede:5".into())));
        assert_eq!(e.view().action(), "provider.view");
    }

    #[test]
    fn operators_listed() {
        let e = OperatorsListed::Screen { q: "", role: "operatore", state: "", page: 0 };
        assert_eq!(text(&e), r#"{"page":0,"q":"","role":"operatore","state":""}"#);
        assert_eq!(text(&OperatorsListed::Api { via: Via::Api }), r#"{"via":"api"}"#);
        assert_eq!(e.view().action(), "operator.list");
    }

    #[test]
    fn operator_viewed() {
        let e = OperatorViewed { operator: OperatorId::try_from(7).unwrap(), via: None };
        assert_eq!((text(&e), e.object()), ("{}".into(), Some("operator:7".into())));
        let e = OperatorViewed { via: Some(Via::Api), ..e };
        assert_eq!(text(&e), r#"{"via":"api"}"#);
        assert_eq!(e.view().action(), "operator.view");
    }

    #[test]
    fn inactivity_and_review() {
        assert_eq!((text(&InactivityViewed {}), InactivityViewed {}.object()), ("{}".into(), None));
        assert_eq!(InactivityViewed {}.view().action(), "inactivity.view");
        assert_eq!(text(&ReviewViewed { rows: 3 }), r#"{"rows":3}"#);
        assert_eq!(ReviewViewed { rows: 3 }.view().action(), "review.view");
        assert_eq!(text(&ReviewExported::Csv { rows: 3 }), r#"{"format":"csv","rows":3}"#);
        let zip = ReviewExported::Zip { rows: 3, communications: 2 };
        assert_eq!(text(&zip), r#"{"communications":2,"format":"zip","rows":3}"#);
        assert_eq!(zip.view().action(), "review.export");
    }

    #[test]
    fn document_downloaded() {
        let document = DocumentId::try_from(9).unwrap();
        let e = DocumentDownloaded::Signed { recipient: rcp(3), document, sha256: "ab", cf: "RSSMRA80A01H501U" };
        assert_eq!(text(&e), r#"{"cf":"RSSMRA80A01H501U","document":9,"sha256":"ab"}"#);
        assert_eq!(e.object(), Some("recipient:3".into()));
        let e = DocumentDownloaded::ProgrammePdf { recipient: rcp(3), cf: "C", programme_version: 2, sha256: "ab" };
        assert_eq!(text(&e), r#"{"cf":"C","programme_version":2,"sha256":"ab"}"#);
        let communication_id = CommunicationId::try_from(5).unwrap();
        let e = DocumentDownloaded::Communication { communication_id, sha256: "ab" };
        assert_eq!(text(&e), r#"{"communication_id":5,"sha256":"ab"}"#);
        assert_eq!(e.object(), Some("communication:5".into()));
        assert_eq!(e.view().action(), "document.download");
    }

    #[test]
    fn communications_viewed() {
        let e = CommunicationsViewed::List { provider: Some(prov(4)), page: 1, via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"page":1,"via":"api"}"#.into(), Some("provider:4".into())));
        let e = CommunicationsViewed::List { provider: None, page: 1, via: Via::Api };
        assert_eq!(e.object(), None);
        let e = CommunicationsViewed::One { communication: CommunicationId::try_from(5).unwrap(), via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"via":"api"}"#.into(), Some("communication:5".into())));
        assert_eq!(e.view().action(), "communication.list");
    }

    #[test]
    fn recipients_listed() {
        let e = RecipientsListed::Screen { scope: Some(prov(4)), q: "", state: "", provider: None, page: 0, rows: 2 };
        assert_eq!(text(&e), r#"{"page":0,"provider":null,"q":"","rows":2,"state":""}"#);
        assert_eq!(e.object(), Some("provider:4".into()));
        let e = RecipientsListed::Api { scope: None, q: "x", state: "", page: 1, per_page: 25, rows: 2, via: Via::Api };
        assert_eq!(text(&e), r#"{"page":1,"per_page":25,"q":"x","rows":2,"state":"","via":"api"}"#);
        assert_eq!(e.object(), None);
        let e = RecipientsListed::WithoutVoucher { without_voucher: true, page: 0 };
        assert_eq!(text(&e), r#"{"page":0,"without_voucher":true}"#);
        assert_eq!(e.view().action(), "recipient.list");
    }

    #[test]
    fn recipient_sap_programme_viewed() {
        let e = RecipientViewed { recipient: rcp(3), cf: "C", via: None };
        assert_eq!((text(&e), e.object()), (r#"{"cf":"C"}"#.into(), Some("recipient:3".into())));
        assert_eq!(text(&RecipientViewed { via: Some(Via::Api), ..e }), r#"{"cf":"C","via":"api"}"#);
        assert_eq!(e.view().action(), "recipient.view");
        let e = SapViewed { recipient: rcp(3), cf: "C", version: None };
        assert_eq!((text(&e), e.object()), (r#"{"cf":"C","version":null}"#.into(), Some("recipient:3".into())));
        assert_eq!(e.view().action(), "sap.view");
        let e = ProgrammeViewed::Screen { recipient: rcp(3), cf: "C", version: Some(1) };
        assert_eq!((text(&e), e.object()), (r#"{"cf":"C","version":1}"#.into(), Some("recipient:3".into())));
        let e = ProgrammeViewed::Print { recipient: rcp(3), cf: "C", print: true };
        assert_eq!(text(&e), r#"{"cf":"C","print":true}"#);
        let e = ProgrammeViewed::Api { recipient: rcp(3), cf: "C", via: Via::Api };
        assert_eq!(text(&e), r#"{"cf":"C","via":"api"}"#);
        assert_eq!(e.view().action(), "programme.view");
    }

    #[test]
    fn action_viewed_and_listed() {
        let action = ActionId::try_from(8).unwrap();
        let e = ActionViewed::Action { recipient: rcp(3), action, identificativo_politica: "X" };
        assert_eq!(
            (text(&e), e.object()),
            (r#"{"action":8,"identificativo_politica":"X"}"#.into(), Some("recipient:3".into()))
        );
        assert_eq!(text(&ActionViewed::Form { recipient: rcp(3), form: None }), r#"{"form":null}"#);
        assert_eq!(text(&ActionViewed::Form { recipient: rcp(3), form: Some("A06") }), r#"{"form":"A06"}"#);
        let e = ActionViewed::RefusedForm { recipient: rcp(3), form: "A06", refused: 2 };
        assert_eq!(text(&e), r#"{"form":"A06","refused":2}"#);
        let e = ActionViewed::RefusedEvent { recipient: rcp(3), action, refused: 1 };
        assert_eq!(text(&e), r#"{"action":8,"refused":1}"#);
        assert_eq!(e.view().action(), "action.view");
        let e = ActionsListed { recipient: rcp(3), rows: 3, page: 1, via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"page":1,"rows":3,"via":"api"}"#.into(), Some("recipient:3".into())));
        assert_eq!(e.view().action(), "action.list");
    }

    #[test]
    fn idol_viewed() {
        let e = IdolExportsViewed::Screen { rows: 2, pending: 1 };
        assert_eq!(
            AuditEvent::of_list(&e, vec![9]).unwrap().detail().to_string(),
            r#"{"pending":1,"rows":2,"shown":[9]}"#
        );
        // A second page holding the one export past the first 25.
        let e = IdolExportsViewed::Api { rows: 1, page: 2, via: Via::Api };
        assert_eq!(text(&e), r#"{"page":2,"rows":1,"via":"api"}"#);
        let e = IdolExportsViewed::ApiPending {
            list: IdolList::Pending,
            total: 7,
            page: 1,
            per_page: 25,
            rows: 2,
            via: Via::Api,
        };
        assert_eq!(text(&e), r#"{"list":"pending","page":1,"per_page":25,"rows":2,"total":7,"via":"api"}"#);
        assert_eq!((e.object(), e.view().action()), (None, "idol.list"));
        let e = IdolExportDownloaded { export: IdolExportId::try_from(5).unwrap(), sha256: "ab", size: 10, via: None };
        assert_eq!(
            (text(&e), e.object()),
            (r#"{"export":5,"sha256":"ab","size":10}"#.into(), Some("idol_export:5".into()))
        );
        let e = IdolExportDownloaded { via: Some(Via::Api), ..e };
        assert_eq!(text(&e), r#"{"export":5,"sha256":"ab","size":10,"via":"api"}"#);
        assert_eq!(e.view().action(), "idol.download");
    }

    #[test]
    fn agenda_viewed_and_reported() {
        let e = AgendaViewed::Recipient { recipient: rcp(3), rows: 2, page: 1, via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"page":1,"rows":2,"via":"api"}"#.into(), Some("recipient:3".into())));
        let e = AgendaViewed::Provider {
            provider: prov(4),
            from: "2026-01-01",
            until: "2026-02-01",
            sede: None,
            tutor: Some(OperatorId::try_from(4).unwrap()),
            rows: 2,
            via: None,
        };
        assert_eq!(text(&e), r#"{"from":"2026-01-01","rows":2,"sede":null,"tutor":4,"until":"2026-02-01"}"#);
        assert_eq!(
            AuditEvent::of_view(&e).unwrap().detail(),
            json!({ "from": "2026-01-01", "until": "2026-02-01", "sede": None::<i64>, "tutor": Some(4), "rows": 2 })
        );
        assert_eq!(e.object(), Some("provider:4".into()));
        assert_eq!(e.view().action(), "agenda.view");
        let e = AgendaViewed::RefusedOutcome {
            recipient: rcp(3),
            appointment: AppointmentId::try_from(8).unwrap(),
            refused: true,
        };
        assert_eq!((text(&e), e.object()), (r#"{"appointment":8,"refused":true}"#.into(), Some("recipient:3".into())));
        assert_eq!(e.view().action(), "agenda.view");
        let e = RefusalsReported { provider: prov(4), month: "2026-01-01", rows: 2, dropped: 1, format: "csv" };
        assert_eq!(text(&e), r#"{"dropped":1,"format":"csv","month":"2026-01-01","rows":2}"#);
        assert_eq!((e.object(), e.view().action()), (Some("provider:4".into()), "agenda.report"));
    }

    #[test]
    fn outcomes_viewed_and_reported() {
        let e = OutcomeViewed::Screen { recipient: rcp(3), cf: "C", state: "attivo", rows: 1 };
        assert_eq!(
            (text(&e), e.object()),
            (r#"{"cf":"C","rows":1,"state":"attivo"}"#.into(), Some("recipient:3".into()))
        );
        let e = OutcomeViewed::Api { recipient: rcp(3), cf: "C", state: "attivo", via: Via::Api };
        assert_eq!(text(&e), r#"{"cf":"C","state":"attivo","via":"api"}"#);
        assert_eq!(e.view().action(), "outcome.view");
        let e = OutcomesReported { from: "2026-01-01", to: "2026-01-31", format: "html", providers: 3 };
        assert_eq!(text(&e), r#"{"format":"html","from":"2026-01-01","providers":3,"to":"2026-01-31"}"#);
        assert_eq!((e.object(), e.view().action()), (None, "outcome.report"));
    }

    #[test]
    fn backup_downloaded() {
        let e = BackupDownloaded { file: "ricolloca-1.age", sha256: None };
        assert_eq!(text(&e), r#"{"file":"ricolloca-1.age","sha256":null}"#);
        assert_eq!((e.object(), e.view().action()), (Some("backup:ricolloca-1.age".into()), "backup.download"));
    }

    #[test]
    fn audit_reads() {
        let search = json!({ "azione": "recipient.view" });
        let e = AuditSearched::Screen { search: &search, before: None, rows: 0 };
        assert_eq!(text(&e), r#"{"before":null,"rows":0,"search":{"azione":"recipient.view"}}"#);
        let e = AuditSearched::Api { search: &search, before: Some(10), page: None, rows: 0, via: Via::Api };
        assert_eq!(text(&e), r#"{"before":10,"page":null,"rows":0,"search":{"azione":"recipient.view"},"via":"api"}"#);
        assert_eq!((e.object(), e.view().action()), (None, "audit.search"));
        let e = AuditExported { search: &search, rows: 1, truncated: false, format: "csv" };
        assert_eq!(text(&e), r#"{"format":"csv","rows":1,"search":{"azione":"recipient.view"},"truncated":false}"#);
        assert_eq!(e.view().action(), "audit.export");
        let e = SubjectReported { cf: "C", rows: 2, lists: 1, via: None };
        assert_eq!(text(&e), r#"{"cf":"C","lists":1,"rows":2}"#);
        assert_eq!(text(&SubjectReported { via: Some(Via::Api), ..e }), r#"{"cf":"C","lists":1,"rows":2,"via":"api"}"#);
        assert_eq!(e.view().action(), "audit.subject_report");
        let e = SubjectExported { cf: "C", rows: 2, format: "csv" };
        assert_eq!(
            (text(&e), e.view().action()),
            (r#"{"cf":"C","format":"csv","rows":2}"#.into(), "audit.subject_export")
        );
        let e = ActivityReported { mese: "2026-01", rows: 2, via: None };
        assert_eq!(text(&e), r#"{"mese":"2026-01","rows":2}"#);
        assert_eq!(text(&ActivityReported { via: Some(Via::Api), ..e }), r#"{"mese":"2026-01","rows":2,"via":"api"}"#);
        assert_eq!(e.view().action(), "audit.activity");
        let e = ActivityExported { mese: "2026-01", rows: 2, format: "csv" };
        assert_eq!(
            (text(&e), e.view().action()),
            (r#"{"format":"csv","mese":"2026-01","rows":2}"#.into(), "audit.activity_export")
        );
    }

    #[test]
    fn anomalies_viewed() {
        assert_eq!(text(&AnomaliesViewed::Screen { all: false, rows: 2 }), r#"{"all":false,"rows":2}"#);
        let e = AnomaliesViewed::Api { all: true, page: 1, rows: 2, via: Via::Api };
        assert_eq!((text(&e), e.object()), (r#"{"all":true,"page":1,"rows":2,"via":"api"}"#.into(), None));
        let e = AnomaliesViewed::Refused { anomaly: AnomalyId::try_from(6).unwrap(), refused: true };
        assert_eq!((text(&e), e.object()), (r#"{"anomaly":6,"refused":true}"#.into(), Some("anomaly:6".into())));
        assert_eq!(e.view().action(), "anomaly.list");
    }

    /// A list's row carries the people it showed under `shown`, as `audit_list` always wrote.
    #[test]
    fn lists_add_the_people_they_showed() {
        let e = RecipientsListed::WithoutVoucher { without_voucher: true, page: 0 };
        let listed = AuditEvent::of_list(&e, vec![3, 1]).unwrap();
        assert_eq!(listed.detail().to_string(), r#"{"page":0,"shown":[3,1],"without_voucher":true}"#);
        assert_eq!((listed.action(), listed.object()), ("recipient.list", None));
        let AuditEvent::View(record) = &listed else { panic!("not a view") };
        assert_eq!(record.view(), View::RecipientList);
        assert_eq!(
            AuditEvent::of_list(&e, vec![]).unwrap().detail().to_string(),
            r#"{"page":0,"shown":[],"without_voucher":true}"#
        );
    }

    /// One sample per shape of every kind, and whether it is audited as a list of people
    /// (`shown` added by `AccessControl::audit_list`).
    fn samples() -> Vec<(AuditEvent, bool)> {
        let search = json!({});
        let (r, p) = (rcp(1), prov(1));
        let action = ActionId::try_from(1).unwrap();
        let communication = CommunicationId::try_from(1).unwrap();
        let one = |e: Result<AuditEvent, serde_json::Error>| (e.unwrap(), false);
        let list = |e: Result<AuditEvent, serde_json::Error>| (e.unwrap(), true);
        vec![
            one(AuditEvent::of_view(&ProvidersListed::Screen { q: "", page: 0 })),
            one(AuditEvent::of_view(&ProvidersListed::Api { via: Via::Api })),
            one(AuditEvent::of_view(&ProviderViewed::Api { provider: p, via: Via::Api })),
            one(AuditEvent::of_view(&OperatorsListed::Screen { q: "", role: "", state: "", page: 0 })),
            one(AuditEvent::of_view(&OperatorViewed {
                operator: OperatorId::try_from(1).unwrap(),
                via: Some(Via::Api),
            })),
            one(AuditEvent::of_view(&InactivityViewed {})),
            one(AuditEvent::of_view(&ReviewViewed { rows: 0 })),
            one(AuditEvent::of_view(&ReviewExported::Zip { rows: 0, communications: 0 })),
            one(AuditEvent::of_view(&DocumentDownloaded::Signed {
                recipient: r,
                document: DocumentId::try_from(1).unwrap(),
                sha256: "",
                cf: "",
            })),
            one(AuditEvent::of_view(&DocumentDownloaded::ProgrammePdf {
                recipient: r,
                cf: "",
                programme_version: 1,
                sha256: "",
            })),
            one(AuditEvent::of_view(&DocumentDownloaded::Communication {
                communication_id: communication,
                sha256: "",
            })),
            one(AuditEvent::of_view(&CommunicationsViewed::List { provider: None, page: 1, via: Via::Api })),
            list(AuditEvent::of_view(&RecipientsListed::Screen {
                scope: None,
                q: "",
                state: "",
                provider: None,
                page: 0,
                rows: 0,
            })),
            list(AuditEvent::of_view(&RecipientsListed::Api {
                scope: None,
                q: "",
                state: "",
                page: 1,
                per_page: 1,
                rows: 0,
                via: Via::Api,
            })),
            list(AuditEvent::of_view(&RecipientsListed::WithoutVoucher { without_voucher: true, page: 0 })),
            one(AuditEvent::of_view(&RecipientViewed { recipient: r, cf: "", via: Some(Via::Api) })),
            one(AuditEvent::of_view(&SapViewed { recipient: r, cf: "", version: None })),
            one(AuditEvent::of_view(&ProgrammeViewed::Screen { recipient: r, cf: "", version: None })),
            one(AuditEvent::of_view(&ProgrammeViewed::Print { recipient: r, cf: "", print: true })),
            one(AuditEvent::of_view(&ProgrammeViewed::Api { recipient: r, cf: "", via: Via::Api })),
            one(AuditEvent::of_view(&ActionViewed::Action { recipient: r, action, identificativo_politica: "" })),
            one(AuditEvent::of_view(&ActionViewed::RefusedForm { recipient: r, form: "", refused: 1 })),
            one(AuditEvent::of_view(&ActionsListed { recipient: r, rows: 0, page: 1, via: Via::Api })),
            list(AuditEvent::of_view(&IdolExportsViewed::Screen { rows: 0, pending: 0 })),
            list(AuditEvent::of_view(&IdolExportsViewed::ApiPending {
                list: IdolList::Pending,
                total: 0,
                page: 1,
                per_page: 1,
                rows: 0,
                via: Via::Api,
            })),
            one(AuditEvent::of_view(&IdolExportDownloaded {
                export: IdolExportId::try_from(1).unwrap(),
                sha256: "",
                size: 0,
                via: Some(Via::Api),
            })),
            one(AuditEvent::of_view(&AgendaViewed::Recipient { recipient: r, rows: 0, page: 1, via: Via::Api })),
            one(AuditEvent::of_view(&AgendaViewed::RefusedOutcome {
                recipient: r,
                appointment: AppointmentId::try_from(1).unwrap(),
                refused: true,
            })),
            list(AuditEvent::of_view(&AgendaViewed::Provider {
                provider: p,
                from: "",
                until: "",
                sede: None,
                tutor: None,
                rows: 0,
                via: Some(Via::Api),
            })),
            list(AuditEvent::of_view(&RefusalsReported { provider: p, month: "", rows: 0, dropped: 0, format: "" })),
            one(AuditEvent::of_view(&OutcomeViewed::Screen { recipient: r, cf: "", state: "", rows: 0 })),
            one(AuditEvent::of_view(&OutcomeViewed::Api { recipient: r, cf: "", state: "", via: Via::Api })),
            one(AuditEvent::of_view(&OutcomesReported { from: "", to: "", format: "", providers: 0 })),
            one(AuditEvent::of_view(&BackupDownloaded { file: "", sha256: None })),
            one(AuditEvent::of_view(&AuditSearched::Api {
                search: &search,
                before: None,
                page: None,
                rows: 0,
                via: Via::Api,
            })),
            one(AuditEvent::of_view(&AuditExported { search: &search, rows: 0, truncated: false, format: "" })),
            one(AuditEvent::of_view(&SubjectReported { cf: "", rows: 0, lists: 0, via: Some(Via::Api) })),
            one(AuditEvent::of_view(&SubjectExported { cf: "", rows: 0, format: "" })),
            one(AuditEvent::of_view(&ActivityReported { mese: "", rows: 0, via: Some(Via::Api) })),
            one(AuditEvent::of_view(&ActivityExported { mese: "", rows: 0, format: "" })),
            one(AuditEvent::of_view(&AnomaliesViewed::Api { all: true, page: 1, rows: 0, via: Via::Api })),
            one(AuditEvent::of_view(&AnomaliesViewed::Refused {
                anomaly: AnomalyId::try_from(1).unwrap(),
                refused: true,
            })),
        ]
    }

    /// Every kind of read has a type, and the manual lists each kind's fields: the union of
    /// its shapes' fields, and `shown` where it lists people.
    #[test]
    fn the_manual_lists_each_view_with_its_fields() {
        use std::collections::{BTreeMap, BTreeSet};
        let mut fields: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        for (event, lists_people) in samples() {
            let serde_json::Value::Object(detail) = event.detail() else { panic!("detail not an object") };
            let keys = fields.entry(event.action()).or_default();
            keys.extend(detail.keys().cloned());
            if lists_people {
                keys.insert(crate::domain::audit_subjects::SHOWN.to_owned());
            }
        }
        let kinds: BTreeSet<&str> = View::ALL.iter().map(|v| v.action()).collect();
        assert_eq!(fields.keys().copied().collect::<BTreeSet<_>>(), kinds, "a kind of read has no typed sample");
        let manual =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/manual/60-registro.md")).unwrap();
        for (action, keys) in fields {
            let head = format!("| `{action}` |");
            let row = manual.lines().find(|l| l.starts_with(&head)).unwrap_or_else(|| panic!("{head} missing"));
            assert!(row.contains("(tipizzato)"), "{row}");
            for key in &keys {
                assert!(row.contains(&format!("`{key}`")), "{action} lacks field {key}: {row}");
            }
            let listed = row.matches('`').count() / 2 - 1;
            assert_eq!(listed, keys.len(), "{row} lists fields the event does not write");
        }
    }
}
