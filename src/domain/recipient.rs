//! Recipients of the Assegno di Ricollocazione and their vouchers.

use super::ids::{ProviderId, RecipientId};
use super::italian::Noun;

/// The voucher's life (DOMAIN.md lifecycle). Labels come from the `stato_assegno` code list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherState {
    Issued,
    Signed,
    InProgress,
    Suspended,
    Extended,
    Ended,
    Dropped,
    Lapsed,
    Outcome,
}

impl VoucherState {
    pub const ALL: [VoucherState; 9] = [
        Self::Issued,
        Self::Signed,
        Self::InProgress,
        Self::Suspended,
        Self::Extended,
        Self::Ended,
        Self::Dropped,
        Self::Lapsed,
        Self::Outcome,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Signed => "signed",
            Self::InProgress => "in_progress",
            Self::Suspended => "suspended",
            Self::Extended => "extended",
            Self::Ended => "ended",
            Self::Dropped => "dropped",
            Self::Lapsed => "lapsed",
            Self::Outcome => "outcome",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == s)
    }

    /// The state as it reads after a number of vouchers: "1 rilasciato", "3 rilasciati"
    /// (the same words as the `stato_assegno` labels, agreeing with "assegni").
    pub fn counted(self) -> Noun {
        match self {
            Self::Issued => Noun::new("rilasciato", "rilasciati"),
            Self::Signed => Noun::new("con programma sottoscritto", "con programma sottoscritto"),
            Self::InProgress => Noun::new("in corso", "in corso"),
            Self::Suspended => Noun::new("sospeso", "sospesi"),
            Self::Extended => Noun::new("prorogato", "prorogati"),
            Self::Ended => Noun::new("concluso", "conclusi"),
            Self::Dropped => Noun::new("abbandonato", "abbandonati"),
            Self::Lapsed => Noun::new("decaduto", "decaduti"),
            Self::Outcome => Noun::new("concluso con esito occupazionale", "conclusi con esito occupazionale"),
        }
    }
}

/// One line of the cruscotto.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DashboardRow {
    pub id: RecipientId,
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub voucher_code: String,
    pub state: String,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub sede: Option<String>,
    pub tutor: Option<String>,
    pub chosen_on: String,
    pub programme_start: Option<String>,
    pub programme_end: Option<String>,
    pub extended_until: Option<String>,
    pub last_action: Option<String>,
    pub last_action_on: Option<String>,
    pub has_sap: bool,
    /// The next open appointment (Italian local `yyyy-mm-ddThh:mm`).
    pub next_appointment: Option<String>,
    /// When the signed programme on file was uploaded (UTC ms).
    pub signed_since: Option<i64>,
}

impl DashboardRow {
    /// Days left in the programme (with its extension) from `today`, when it has started.
    pub fn days_left(&self, today: time::Date) -> Option<i64> {
        let end = self.extended_until.as_deref().or(self.programme_end.as_deref())?;
        let end = super::text::parse_date(end)?;
        Some((end - today).whole_days())
    }
}

/// A recipient with the voucher that the viewer may see.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recipient {
    pub id: RecipientId,
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Voucher {
    pub id: i64,
    pub code: String,
    pub issued_on: String,
    pub cpi: String,
    pub profiling_band: String,
    pub provider_id: ProviderId,
    pub provider_name: String,
    pub sede: Option<String>,
    pub chosen_on: String,
    pub state: String,
    pub programme_start: Option<String>,
    pub programme_end: Option<String>,
    pub extended_until: Option<String>,
    pub tutor: Option<String>,
    /// When the signed programme on file was uploaded (UTC ms), if any.
    pub signed_since: Option<i64>,
}
