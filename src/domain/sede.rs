//! Sedi operative: the offices where a provider receives people.

use super::ids::{ProviderId, SedeId};
use super::text::{FieldErrors, optional, required};
use crate::domain::field_error::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sede {
    pub id: SedeId,
    pub provider: ProviderId,
    pub address: String,
    pub comune: String,
    pub phone: String,
    pub opening_hours: String,
    pub programme_enabled: bool,
    pub temporarily_closed: bool,
    /// Closed for good: gone from new choices, kept for history.
    pub closed: bool,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SedeDraft {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub comune: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub opening_hours: String,
    #[serde(default)]
    pub programme_enabled: bool,
    #[serde(default)]
    pub temporarily_closed: bool,
    #[serde(default)]
    pub closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidSede {
    pub address: String,
    pub comune: String,
    pub phone: String,
    pub opening_hours: String,
    pub programme_enabled: bool,
    pub temporarily_closed: bool,
    pub closed: bool,
}

impl SedeDraft {
    pub fn validate(&self) -> Result<ValidSede, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let address = required(&mut e, "address", &self.address, 200);
        let comune = required(&mut e, "comune", &self.comune, 100);
        let phone = optional(&mut e, "phone", &self.phone, 40);
        if !phone.chars().all(|c| c.is_ascii_digit() || " +./-()".contains(c)) {
            e.add("phone", "numero di telefono non valido");
        }
        let opening_hours = optional(&mut e, "opening_hours", &self.opening_hours, 300);
        e.finish(ValidSede {
            address,
            comune,
            phone,
            opening_hours,
            programme_enabled: self.programme_enabled,
            temporarily_closed: self.temporarily_closed,
            closed: self.closed,
        })
    }
}
