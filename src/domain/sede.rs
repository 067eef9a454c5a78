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

/// The sedi chosen for an operator (form values, or a JSON body's numbers as text): each one
/// a sede id, or the whole choice is refused on `sedi`, never a value dropped in silence.
/// Whether each sede exists and is the operator's provider's is the variation's own check.
pub fn chosen_sedi<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Vec<SedeId>, FieldError> {
    values
        .into_iter()
        .map(|v| {
            v.trim().parse::<SedeId>().map_err(|_| FieldError {
                field: "sedi".into(),
                message: "valore non valido: scegliere le sedi tra quelle del soggetto accreditato".into(),
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_sedi_are_ids_or_the_choice_is_refused_on_sedi() {
        let ids = chosen_sedi(["3", " 7 "]).unwrap();
        assert_eq!(ids.iter().map(|s| s.get()).collect::<Vec<_>>(), [3, 7]);
        assert!(chosen_sedi([]).unwrap().is_empty());
        for bad in ["0", "-2", "tre", "", "3.0"] {
            let e = chosen_sedi(["3", bad]).unwrap_err();
            assert_eq!(e.field, "sedi", "{bad}");
        }
    }
}
