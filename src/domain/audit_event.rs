//! Who did what: the closed list of audited events. Each becomes one `audit_log` row whose
//! `action`, `object`, `outcome` and canonical-JSON `detail` come from here, and nowhere else.

use serde_json::{Value, json};

use super::cns::CertIdentity;
use super::ids::{OperatorId, ProviderId};
use super::operator::Refusal;
use super::role::Role;

/// The person (or the system) an audit row is about, denormalised: the trail outlives users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<OperatorId>,
    /// Codice fiscale, or `SISTEMA` for background jobs, `CLI` for the command line.
    pub cf: String,
    pub role: Option<Role>,
    pub provider: Option<ProviderId>,
    pub cert_sha256: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self { id: None, cf: "SISTEMA".into(), role: None, provider: None, cert_sha256: None, ip: None }
    }

    /// The command line; `os_user` is who ran it, as far as the environment says.
    pub fn cli() -> Self {
        Self { id: None, cf: "CLI".into(), role: None, provider: None, cert_sha256: None, ip: None }
    }

    /// Someone who presented a certificate but is not (or not yet) a known operator.
    pub fn certificate_holder(cert: &CertIdentity, ip: Option<String>) -> Self {
        let cf = match &cert.codice_fiscale {
            Ok(cf) => cf.to_string(),
            Err(_) => "?".into(),
        };
        Self { id: None, cf, role: None, provider: None, cert_sha256: Some(cert.sha256.clone()), ip }
    }
}

/// The certificate facts recorded with logins and refusals.
pub fn cert_summary(cert: &CertIdentity) -> Value {
    json!({
        "sha256": cert.sha256,
        "cn": cert.subject_cn,
        "issuer": cert.issuer,
        "serial": cert.serial_hex,
        "not_before": cert.not_before,
        "not_after": cert.not_after,
    })
}

/// Declares [`Change`] with its action names and the list of every variant, from one table.
macro_rules! changes {
    ($($variant:ident => $name:literal,)*) => {
        /// Changes, by dotted name. A closed list: a new kind of change is a new variant here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Change {
            $($variant,)*
        }

        impl Change {
            pub fn action(self) -> &'static str {
                match self {
                    $(Change::$variant => $name,)*
                }
            }

            /// Every change, for the catalogue of action names.
            pub const ALL: &'static [Change] = &[$(Change::$variant,)*];
        }
    };
}

changes! {
    ProviderCreate => "provider.create",
    ProviderUpdate => "provider.update",
    ProviderSuspend => "provider.suspend",
    ProviderReactivate => "provider.reactivate",
    SedeCreate => "sede.create",
    SedeUpdate => "sede.update",
    CommunicationCreate => "communication.create",
    OperatorCreate => "operator.create",
    OperatorUpdate => "operator.update",
    OperatorDisable => "operator.disable",
    OperatorEnable => "operator.enable",
    OperatorExemption => "operator.exemption",
    OperatorReview => "operator.review",
    ImportAssignments => "import.assignments",
    ImportSap => "import.sap",
    ProgrammeUpdate => "programme.update",
    CodesImport => "codes.import",
    ActionCreate => "action.create",
    ActionEvent => "action.event",
    ActionCorrect => "action.correct",
    DocumentUpload => "document.upload",
    IdolExport => "idol.export",
    AppointmentCreate => "appointment.create",
    AppointmentOutcome => "appointment.outcome",
    ProgrammeOutcome => "programme.outcome",
    BackupCreate => "backup.create",
    BackupRestore => "backup.restore",
    AnomalyDetect => "anomaly.detect",
    AnomalySuspend => "anomaly.suspend",
    AnomalyArchive => "anomaly.archive",
    NoticeAcknowledge => "notice.acknowledge",
    AuditPrune => "audit.prune",
    ConfigReload => "config.reload",
    SapRemap => "sap.remap",
    IdentificativoResync => "identificativo.resync",
}

/// Declares [`View`] with its action names and the list of every variant, from one table, so
/// that no read can be missing from [`View::ALL`].
macro_rules! views {
    ($($variant:ident => $name:literal,)*) => {
        /// Reads of personal data, by dotted name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum View {
            $($variant,)*
        }

        impl View {
            pub fn action(self) -> &'static str {
                match self {
                    $(View::$variant => $name,)*
                }
            }

            /// Every read, for reports that tell reads from changes by action name.
            pub const ALL: &'static [View] = &[$(View::$variant,)*];
        }
    };
}

views! {
    ProviderList => "provider.list",
    ProviderView => "provider.view",
    OperatorList => "operator.list",
    OperatorView => "operator.view",
    InactivityReport => "inactivity.view",
    ReviewReport => "review.view",
    ReviewExport => "review.export",
    DocumentDownload => "document.download",
    CommunicationList => "communication.list",
    RecipientList => "recipient.list",
    RecipientView => "recipient.view",
    SapView => "sap.view",
    ProgrammeView => "programme.view",
    ActionView => "action.view",
    ActionList => "action.list",
    IdolExports => "idol.list",
    IdolDownload => "idol.download",
    AgendaView => "agenda.view",
    RefusalReport => "agenda.report",
    OutcomeView => "outcome.view",
    OutcomeReport => "outcome.report",
    BackupDownload => "backup.download",
    AuditSearch => "audit.search",
    AuditExport => "audit.export",
    SubjectReport => "audit.subject_report",
    SubjectExport => "audit.subject_export",
    ActivityReport => "audit.activity",
    ActivityExport => "audit.activity_export",
    AnomalyList => "anomaly.list",
}

/// The actions written by events that are neither a [`Change`] nor a [`View`].
pub const OTHER_ACTIONS: [&str; 3] = ["access.login", "access.denied", "operator.deactivate_idle"];

/// Every action name an audit row can carry: the catalogue labels must cover.
pub fn all_actions() -> Vec<&'static str> {
    OTHER_ACTIONS
        .into_iter()
        .chain(Change::ALL.iter().map(|c| c.action()))
        .chain(View::ALL.iter().map(|v| v.action()))
        .collect()
}

/// A change as its audit row records it. Its fields are private and its constructor is
/// visible only inside `domain`, where [`AuditEvent::of_change`] fills it from a typed event
/// of `domain::audit_changes`: a call site cannot write a `json!` detail for a change.
///
/// ```
/// use ricolloca::domain::audit_changes::CodesImported;
/// use ricolloca::domain::audit_event::{AuditEvent, Change, ChangeRecord};
///
/// let event = AuditEvent::of_change(&CodesImported { file: "codici.csv", codes: 3 }).unwrap();
/// assert_eq!(event.detail(), serde_json::json!({ "file": "codici.csv", "codes": 3 }));
/// let AuditEvent::Change(record) = &event else { unreachable!() };
/// let record: &ChangeRecord = record;
/// assert_eq!(record.change(), Change::CodesImport);
/// ```
///
/// Only the construction differs in these two, which do not compile:
///
/// ```compile_fail,E0451
/// use ricolloca::domain::audit_event::{AuditEvent, Change, ChangeRecord};
///
/// let detail = serde_json::json!({ "file": "codici.csv", "codez": 3 });
/// // error[E0451]: fields `change`, `object` and `detail` of struct `ChangeRecord` are private
/// let _ = AuditEvent::Change(ChangeRecord { change: Change::CodesImport, object: "code_list".into(), detail });
/// ```
///
/// ```compile_fail,E0624
/// use ricolloca::domain::audit_event::{AuditEvent, Change, ChangeRecord};
///
/// let detail = serde_json::json!({ "file": "codici.csv", "codez": 3 });
/// // error[E0624]: associated function `new` is private
/// let _ = AuditEvent::Change(ChangeRecord::new(Change::CodesImport, "code_list".into(), detail));
/// ```
#[derive(Debug, Clone)]
pub struct ChangeRecord {
    change: Change,
    object: String,
    detail: Value,
}

impl ChangeRecord {
    pub(in crate::domain) fn new(change: Change, object: String, detail: Value) -> Self {
        Self { change, object, detail }
    }

    pub fn change(&self) -> Change {
        self.change
    }
}

/// A read of personal data as its audit row records it. Like [`ChangeRecord`], its fields are
/// private and its constructor is visible only inside `domain`, where [`AuditEvent::of_view`]
/// fills it from a typed event of `domain::audit_views` (and [`AuditEvent::of_list`] adds the
/// people a list showed): a call site cannot write a `json!` detail for a read.
///
/// ```
/// use ricolloca::domain::audit_event::{AuditEvent, View, ViewRecord};
/// use ricolloca::domain::audit_views::SapViewed;
/// use ricolloca::domain::ids::RecipientId;
///
/// let recipient = RecipientId::try_from(7).unwrap();
/// let event = AuditEvent::of_view(&SapViewed { recipient, cf: "RSSMRA85T10A562S", version: Some(2) }).unwrap();
/// assert_eq!(event.detail(), serde_json::json!({ "cf": "RSSMRA85T10A562S", "version": 2 }));
/// assert_eq!(event.object().as_deref(), Some("recipient:7"));
/// let AuditEvent::View(record) = &event else { unreachable!() };
/// let record: &ViewRecord = record;
/// assert_eq!(record.view(), View::SapView);
/// ```
///
/// Only the construction differs in these three, which do not compile:
///
/// ```compile_fail,E0451
/// use ricolloca::domain::audit_event::{AuditEvent, View, ViewRecord};
///
/// let detail = serde_json::json!({ "cf": "RSSMRA85T10A562S", "versione": 2 });
/// // error[E0451]: fields `view`, `object` and `detail` of struct `ViewRecord` are private
/// let _ = AuditEvent::View(ViewRecord { view: View::SapView, object: Some("recipient:7".into()), detail });
/// ```
///
/// ```compile_fail,E0624
/// use ricolloca::domain::audit_event::{AuditEvent, View, ViewRecord};
///
/// let detail = serde_json::json!({ "cf": "RSSMRA85T10A562S", "versione": 2 });
/// // error[E0624]: associated function `new` is private
/// let _ = AuditEvent::View(ViewRecord::new(View::SapView, Some("recipient:7".into()), detail));
/// ```
///
/// ```compile_fail,E0624
/// use ricolloca::domain::audit_event::{AuditEvent, ViewRecord};
/// use ricolloca::domain::audit_views::SapViewed;
/// use ricolloca::domain::ids::RecipientId;
///
/// let recipient = RecipientId::try_from(7).unwrap();
/// let event = AuditEvent::of_view(&SapViewed { recipient, cf: "RSSMRA85T10A562S", version: None }).unwrap();
/// let AuditEvent::View(record) = event else { unreachable!() };
/// // error[E0624]: method `with_shown` is private (lists go through `AuditEvent::of_list`)
/// let _ = AuditEvent::View(record.with_shown(vec![1, 2]));
/// ```
#[derive(Debug, Clone)]
pub struct ViewRecord {
    view: View,
    object: Option<String>,
    detail: Value,
}

impl ViewRecord {
    pub(in crate::domain) fn new(view: View, object: Option<String>, detail: Value) -> Self {
        Self { view, object, detail }
    }

    /// The same read, naming the recipients it showed under `shown` (a list view).
    pub(in crate::domain) fn with_shown(mut self, shown: Vec<i64>) -> Self {
        if let Value::Object(map) = &mut self.detail {
            map.insert(super::audit_subjects::SHOWN.into(), Value::from(shown));
        }
        self
    }

    pub fn view(&self) -> View {
        self.view
    }
}

#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// First request of the day, or first with a new card.
    Login { cert: Value },
    /// A refused request: certificate, operator state, role, cross-site, another provider's data.
    Denied { reason: &'static str, method: String, path: String, cert: Option<Value> },
    /// The six-month rule switched an operator off.
    OperatorIdleDeactivated { operator: OperatorId, idle_since_ms: i64, inactivity_months: u32 },
    /// A change, built from its typed event (`AuditEvent::of_change`): the detail holds
    /// before/after, reason, communication, as relevant.
    Change(ChangeRecord),
    /// A read of personal data, built from its typed event (`AuditEvent::of_view`, or
    /// `AuditEvent::of_list` for lists): the detail holds the filters or what was shown.
    View(ViewRecord),
}

impl AuditEvent {
    pub fn denied(refusal: Refusal, method: &str, path: &str, cert: Option<&CertIdentity>) -> Self {
        AuditEvent::Denied {
            reason: refusal.code(),
            method: method.to_owned(),
            path: path.to_owned(),
            cert: cert.map(cert_summary),
        }
    }

    pub fn action(&self) -> &'static str {
        match self {
            AuditEvent::Login { .. } => "access.login",
            AuditEvent::Denied { .. } => "access.denied",
            AuditEvent::OperatorIdleDeactivated { .. } => "operator.deactivate_idle",
            AuditEvent::Change(c) => c.change.action(),
            AuditEvent::View(v) => v.view.action(),
        }
    }

    pub fn object(&self) -> Option<String> {
        match self {
            AuditEvent::Login { .. } | AuditEvent::Denied { .. } => None,
            AuditEvent::OperatorIdleDeactivated { operator, .. } => Some(format!("operator:{operator}")),
            AuditEvent::Change(c) => Some(c.object.clone()),
            AuditEvent::View(v) => v.object.clone(),
        }
    }

    pub fn outcome(&self) -> &'static str {
        match self {
            AuditEvent::Denied { .. } => "denied",
            _ => "ok",
        }
    }

    /// The detail as JSON; serde_json's map is sorted, which makes the text canonical.
    pub fn detail(&self) -> Value {
        match self {
            AuditEvent::Login { cert } => json!({ "cert": cert }),
            AuditEvent::Denied { reason, method, path, cert } => {
                json!({ "reason": reason, "method": method, "path": path, "cert": cert })
            }
            AuditEvent::OperatorIdleDeactivated { idle_since_ms, inactivity_months, .. } => json!({
                "before": { "state": "active" },
                "after": { "state": "idle_deactivated" },
                "idle_since": idle_since_ms,
                "inactivity_months": inactivity_months,
            }),
            AuditEvent::Change(c) => c.detail.clone(),
            AuditEvent::View(v) => v.detail.clone(),
        }
    }
}
