//! Operators (everyone who logs in) and the rules that decide whether they may come in.

use super::codice_fiscale::CodiceFiscale;

use super::ids::{OperatorId, ProviderId};
use super::inactivity::InactivityRule;
use super::role::Role;
use super::timestamp::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorState {
    Active,
    /// Switched off by the Region (anomaly, role lost, uncontactable ...).
    Disabled,
    /// Switched off by the six-month rule (Allegato B p.7).
    IdleDeactivated,
}

impl OperatorState {
    pub fn code(self) -> &'static str {
        match self {
            OperatorState::Active => "active",
            OperatorState::Disabled => "disabled",
            OperatorState::IdleDeactivated => "idle_deactivated",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Active, Self::Disabled, Self::IdleDeactivated].into_iter().find(|s| s.code() == code)
    }
    pub fn label(self) -> &'static str {
        match self {
            OperatorState::Active => "attivo",
            OperatorState::Disabled => "disabilitato",
            OperatorState::IdleDeactivated => "disattivato per inattività",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderRef {
    pub id: ProviderId,
    pub name: String,
    #[serde(skip)]
    pub active: bool,
}

/// An operator as the access check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: OperatorId,
    pub codice_fiscale: CodiceFiscale,
    pub surname: String,
    pub name: String,
    pub role: Role,
    pub provider: Option<ProviderRef>,
    pub state: OperatorState,
    pub technical_exemption: bool,
    pub enabled_at: Timestamp,
    pub last_access_at: Option<Timestamp>,
    pub last_cert_sha256: Option<String>,
}

/// Why someone with a valid certificate is not let in. The Italian text is shown on the 403
/// page; the code goes into the `access.denied` audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    CertificateNotValidNow,
    CertificateRevoked,
    /// `tls.without_crl = "refuse"` and no CRL of the issuing CA is loaded.
    CertificateWithoutCrl,
    /// The certificate carries none of `tls.required_policies` (by default the CNS
    /// authentication policy): issued under the trusted CA, but not for this use.
    CertificatePolicy,
    InvalidCodiceFiscale,
    UnknownOperator,
    OperatorDisabled,
    OperatorIdle,
    ProviderSuspended,
    WrongRole,
    /// A state-changing request from another site (the card is sent like a cookie).
    CrossSite,
    /// A form whose token is ours but of an earlier day: left open too long.
    FormExpired,
    /// An id that does not exist or belongs to another provider: answered 404, audited.
    ForeignObject,
    /// A backup file that is not encrypted: it never leaves the server through the web.
    PlainBackup,
}

impl Refusal {
    pub const ALL: [Refusal; 14] = [
        Refusal::CertificateNotValidNow,
        Refusal::CertificateRevoked,
        Refusal::CertificateWithoutCrl,
        Refusal::CertificatePolicy,
        Refusal::InvalidCodiceFiscale,
        Refusal::UnknownOperator,
        Refusal::OperatorDisabled,
        Refusal::OperatorIdle,
        Refusal::ProviderSuspended,
        Refusal::WrongRole,
        Refusal::CrossSite,
        Refusal::FormExpired,
        Refusal::ForeignObject,
        Refusal::PlainBackup,
    ];

    /// The refusal a stored reason code names.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The reason in a few words, for the registro and the anomaly summaries.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::CertificateNotValidNow => "certificato scaduto o non ancora valido",
            Refusal::CertificateRevoked => "certificato revocato",
            Refusal::CertificateWithoutCrl => "manca l'elenco dei certificati revocati dell'ente emittente",
            Refusal::CertificatePolicy => "certificato non di autenticazione CNS (policy mancante)",
            Refusal::InvalidCodiceFiscale => "certificato senza un codice fiscale valido",
            Refusal::UnknownOperator => "codice fiscale non abilitato",
            Refusal::OperatorDisabled => "utenza disabilitata",
            Refusal::OperatorIdle => "utenza disattivata per inattività",
            Refusal::ProviderSuspended => "soggetto accreditato sospeso",
            Refusal::WrongRole => "funzione non prevista per il profilo",
            Refusal::CrossSite => "richiesta proveniente da un altro sito",
            Refusal::FormExpired => "modulo scaduto (aperto da un giorno precedente)",
            Refusal::ForeignObject => "dati non accessibili (di un altro soggetto o inesistenti)",
            Refusal::PlainBackup => "download di un backup non cifrato",
        }
    }

    /// Whether the refusal is about the card itself (its certificate, or who it names), so
    /// that the smartcard help is what helps.
    pub fn concerns_the_card(self) -> bool {
        matches!(
            self,
            Refusal::CertificateNotValidNow
                | Refusal::CertificateRevoked
                | Refusal::CertificateWithoutCrl
                | Refusal::CertificatePolicy
                | Refusal::InvalidCodiceFiscale
                | Refusal::UnknownOperator
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            Refusal::CertificateNotValidNow => "certificate_not_valid_now",
            Refusal::CertificateRevoked => "certificate_revoked",
            Refusal::CertificateWithoutCrl => "certificate_without_crl",
            Refusal::CertificatePolicy => "certificate_policy",
            Refusal::InvalidCodiceFiscale => "invalid_codice_fiscale",
            Refusal::UnknownOperator => "unknown_operator",
            Refusal::OperatorDisabled => "operator_disabled",
            Refusal::OperatorIdle => "operator_idle",
            Refusal::ProviderSuspended => "provider_suspended",
            Refusal::WrongRole => "wrong_role",
            Refusal::CrossSite => "cross_site",
            Refusal::FormExpired => "form_expired",
            Refusal::ForeignObject => "foreign_or_unknown_object",
            Refusal::PlainBackup => "plain_backup",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::CertificateNotValidNow => {
                "Il certificato della carta è scaduto o non ancora valido. Rinnovare la CNS presso l'ente che l'ha rilasciata."
            }
            Refusal::CertificateRevoked => {
                "Il certificato della carta risulta revocato. Rivolgersi all'ente che ha rilasciato la CNS."
            }
            Refusal::CertificateWithoutCrl => {
                "Non è disponibile l'elenco dei certificati revocati (CRL) dell'ente che ha rilasciato la carta: l'accesso è bloccato finché la Regione non lo installa."
            }
            Refusal::CertificatePolicy => {
                "Il certificato presentato non è un certificato di autenticazione della Carta Nazionale dei Servizi (non riporta la policy CNS richiesta). Accedere con la CNS o la TS-CNS; se il problema persiste rivolgersi alla Regione."
            }
            Refusal::InvalidCodiceFiscale => {
                "Il certificato presentato non contiene un codice fiscale valido: non è un certificato CNS di autenticazione."
            }
            Refusal::UnknownOperator => {
                "Il codice fiscale della carta non risulta abilitato. L'abilitazione avviene su comunicazione scritta del soggetto accreditato alla Regione."
            }
            Refusal::OperatorDisabled => {
                "L'utenza è stata disabilitata dalla Regione. Per informazioni rivolgersi all'ufficio regionale competente."
            }
            Refusal::OperatorIdle => {
                "L'utenza è stata disattivata perché non utilizzata da oltre sei mesi. Il soggetto accreditato può chiederne la riattivazione alla Regione con comunicazione scritta."
            }
            Refusal::ProviderSuspended => {
                "Il soggetto accreditato a cui appartiene l'utenza è sospeso: l'accesso è temporaneamente bloccato."
            }
            Refusal::WrongRole => "Questa funzione non è disponibile per il proprio profilo di accesso.",
            Refusal::ForeignObject => {
                "La pagina o l'elemento richiesto non esiste, oppure non è tra quelli a cui si ha accesso."
            }
            Refusal::CrossSite => {
                "La richiesta proviene da un'altra pagina o da un altro sito ed è stata bloccata per sicurezza. Ripetere l'operazione dalle pagine di Ricolloca."
            }
            Refusal::PlainBackup => {
                "Backup non cifrato: non si scarica dal web. Impostare backup.recipients con la chiave pubblica della Regione e fare un nuovo backup."
            }
            Refusal::FormExpired => {
                "Il modulo è rimasto aperto troppo a lungo ed è scaduto per sicurezza: nulla è stato salvato. Ricaricare la pagina e ripetere l'operazione."
            }
        }
    }
}

impl Operator {
    /// The moment idleness counts from: the last access or the last (re-)enabling, whichever
    /// is later (who never came in counts from the enabling).
    pub fn idle_reference(&self) -> Timestamp {
        self.last_access_at.unwrap_or(self.enabled_at).max(self.enabled_at)
    }

    /// True when the six-month rule must switch this active operator off now.
    pub fn is_idle_beyond(&self, now: Timestamp, rule: InactivityRule) -> bool {
        self.state == OperatorState::Active && !self.technical_exemption && rule.is_idle(self.idle_reference(), now)
    }

    /// The operator's own state (not the certificate's) allows access?
    pub fn refusal(&self, now: Timestamp, rule: InactivityRule) -> Option<Refusal> {
        match self.state {
            OperatorState::Disabled => return Some(Refusal::OperatorDisabled),
            OperatorState::IdleDeactivated => return Some(Refusal::OperatorIdle),
            OperatorState::Active => {}
        }
        if self.is_idle_beyond(now, rule) {
            return Some(Refusal::OperatorIdle);
        }
        if self.provider.as_ref().is_some_and(|p| !p.active) {
            return Some(Refusal::ProviderSuspended);
        }
        None
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.name, self.surname)
    }
}

/// Why the Region switches someone off (Allegato 4; Allegato B p.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisableReason {
    /// Anomalies in use.
    Anomaly,
    /// The people in charge cannot be reached.
    Uncontactable,
    /// The person lost the role that gave access (Allegato B p.8).
    RoleLost,
    Other,
}

impl DisableReason {
    pub const ALL: [DisableReason; 4] = [Self::Anomaly, Self::Uncontactable, Self::RoleLost, Self::Other];
    pub fn code(self) -> &'static str {
        match self {
            Self::Anomaly => "anomaly",
            Self::Uncontactable => "uncontactable",
            Self::RoleLost => "role_lost",
            Self::Other => "other",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Anomaly => "anomalie nell'utilizzo",
            Self::Uncontactable => "referenti non raggiungibili",
            Self::RoleLost => "perdita del ruolo (Allegato B, punto 8)",
            Self::Other => "altro",
        }
    }
}

/// What a person typed to enable someone (form or JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OperatorDraft {
    #[serde(default)]
    pub provider_id: Option<ProviderId>,
    #[serde(default)]
    pub codice_fiscale: String,
    #[serde(default)]
    pub surname: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub role_title: String,
    #[serde(default)]
    pub communication_id: Option<super::ids::CommunicationId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOperator {
    pub provider: Option<ProviderId>,
    pub codice_fiscale: CodiceFiscale,
    pub surname: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub role_title: String,
    pub communication: Option<super::ids::CommunicationId>,
}

impl OperatorDraft {
    pub fn validate(&self) -> Result<ValidOperator, Vec<crate::domain::field_error::FieldError>> {
        use super::text::{FieldErrors, email, required};
        let mut e = FieldErrors::default();
        let cf = CodiceFiscale::parse(&self.codice_fiscale);
        if let Err(err) = &cf {
            e.add("codice_fiscale", err.to_string());
        }
        let surname = required(&mut e, "surname", &self.surname, 100);
        let name = required(&mut e, "name", &self.name, 100);
        let mail = email(&mut e, "email", &self.email, true);
        let role = self.role.parse::<Role>();
        if let Err(err) = &role {
            e.add("role", err.to_string());
        }
        // The provider's written list gives each operator's "ruolo ricoperto" (Allegato 4).
        let role_title = required(&mut e, "role_title", &self.role_title, 100);
        let provider = self.provider_id;
        match (&role, provider) {
            (Ok(Role::Operatore), None) => e.add("provider_id", "scegliere il soggetto accreditato"),
            (Ok(r), Some(_)) if *r != Role::Operatore => {
                e.add("provider_id", "solo gli operatori appartengono a un soggetto accreditato")
            }
            _ => {}
        }
        let communication = self.communication_id;
        match (cf, role) {
            (Ok(codice_fiscale), Ok(role)) if e.is_empty() => Ok(ValidOperator {
                provider,
                codice_fiscale,
                surname,
                name,
                email: mail,
                role,
                role_title,
                communication,
            }),
            _ => Err(e.into_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::infra::clock::local_date_start;
    use time::macros::date;

    const SIX: InactivityRule = InactivityRule::TEXT;

    /// Today is 5 December 2026, 10:00 Italian time.
    fn operator(last_access_days_ago: Option<i64>, enabled_days_ago: i64) -> (Operator, Timestamp) {
        let now = local_date_start(date!(2026 - 12 - 05)).plus_ms(10 * 3_600_000);
        let op = Operator {
            id: OperatorId::try_from(1).unwrap(),
            codice_fiscale: CodiceFiscale::parse("RSSMRA85T10A562S").unwrap(),
            surname: "Rossi".into(),
            name: "Mario".into(),
            role: Role::Operatore,
            provider: Some(ProviderRef { id: ProviderId::try_from(1).unwrap(), name: "Ente".into(), active: true }),
            state: OperatorState::Active,
            technical_exemption: false,
            enabled_at: now.plus_days(-enabled_days_ago),
            last_access_at: last_access_days_ago.map(|d| now.plus_days(-d)),
            last_cert_sha256: None,
        };
        (op, now)
    }

    #[test]
    fn idle_counts_from_last_access_or_enabling() {
        // 6 December 2026 - 183 days = 6 June: still in (the 180-day count refused it).
        let (op, now) = operator(Some(182), 400);
        assert_eq!(op.refusal(now, SIX), None, "last access 6 June is still allowed on 5 December");
        let (op, now) = operator(Some(183), 400);
        assert_eq!(op.refusal(now, SIX), Some(Refusal::OperatorIdle), "last access 5 June: off from 5 December");
        let (op, now) = operator(None, 183);
        assert_eq!(op.refusal(now, SIX), Some(Refusal::OperatorIdle), "never came in");
        let (op, now) = operator(Some(183), 10);
        assert_eq!(op.refusal(now, SIX), None, "re-enabled since");
        let (op, now) = operator(None, 10);
        assert_eq!(op.refusal(now, SIX), None);
    }

    #[test]
    fn technical_exemption_skips_the_idle_rule_only() {
        let (mut op, now) = operator(Some(400), 500);
        op.role = Role::Tecnico;
        op.provider = None;
        op.technical_exemption = true;
        assert_eq!(op.refusal(now, SIX), None);
        op.state = OperatorState::Disabled;
        assert_eq!(op.refusal(now, SIX), Some(Refusal::OperatorDisabled));
    }

    #[test]
    fn a_suspended_provider_locks_its_operators() {
        let (mut op, now) = operator(Some(1), 10);
        if let Some(p) = op.provider.as_mut() {
            p.active = false;
        }
        assert_eq!(op.refusal(now, SIX), Some(Refusal::ProviderSuspended));
    }
}
