//! The "Programma di ricerca intensiva": what the provider and the person agree.

use super::text::{FieldErrors, optional, required};
use crate::domain::field_error::FieldError;

/// The person's duties (condizionalità), prefilled; the provider may adapt the text.
pub const DEFAULT_DUTIES: &str = "La persona si impegna a partecipare alle attività concordate e agli incontri fissati con il tutor, \
a comunicare tempestivamente ogni assenza e il motivo, a svolgere la ricerca attiva di lavoro concordata e ad accettare \
le offerte di lavoro congrue. Il soggetto accreditato comunica al Centro per l'Impiego il rifiuto ingiustificato di \
partecipare alle attività o di un'offerta di lavoro congrua.";

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProgrammeFields {
    /// Figure professionali obiettivo.
    #[serde(default)]
    pub target_jobs: String,
    /// Area territoriale della ricerca.
    #[serde(default)]
    pub search_area: String,
    /// Attività concordate (una per riga).
    #[serde(default)]
    pub activities: String,
    /// Calendario degli incontri e delle attività.
    #[serde(default)]
    pub calendar: String,
    /// Impegni della persona (condizionalità).
    #[serde(default)]
    pub duties: String,
    #[serde(default)]
    pub notes: String,
}

impl ProgrammeFields {
    pub fn validate(&self) -> Result<ProgrammeFields, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let out = ProgrammeFields {
            target_jobs: required(&mut e, "target_jobs", &self.target_jobs, 1000),
            search_area: required(&mut e, "search_area", &self.search_area, 500),
            activities: multiline(&mut e, "activities", &self.activities, 4000, true),
            calendar: multiline(&mut e, "calendar", &self.calendar, 4000, false),
            duties: multiline(&mut e, "duties", &self.duties, 4000, true),
            notes: optional(&mut e, "notes", &self.notes, 2000),
        };
        e.finish(out)
    }
}

fn multiline(e: &mut FieldErrors, field: &str, value: &str, max: usize, needed: bool) -> String {
    let v = value.replace("\r\n", "\n").trim().to_owned();
    if needed && v.is_empty() {
        e.add(field, "campo obbligatorio");
    } else if v.chars().count() > max {
        e.add(field, format!("al massimo {max} caratteri"));
    } else if crate::domain::text::has_bidi_control(&v) {
        e.add(field, crate::domain::text::BIDI_MESSAGE);
    } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        e.add(field, "contiene caratteri non ammessi");
    }
    v
}

/// Who and what the printed module shows besides the fields.
#[derive(Debug, Clone)]
pub struct ProgrammeHeader {
    pub region: String,
    pub recipient: String,
    pub codice_fiscale: String,
    pub voucher: String,
    pub provider: String,
    pub sede: String,
    pub tutor: String,
    pub period: String,
    pub version: i64,
    pub saved_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_fields_are_named() {
        let fields: Vec<String> =
            ProgrammeFields::default().validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["target_jobs", "search_area", "activities", "duties"]);
        let ok = ProgrammeFields {
            target_jobs: "Magazziniere".into(),
            search_area: "Firenze e provincia".into(),
            activities: "Colloquio\r\nBilancio di competenze".into(),
            duties: DEFAULT_DUTIES.into(),
            ..Default::default()
        };
        assert_eq!(ok.validate().unwrap().activities, "Colloquio\nBilancio di competenze");
    }
}
