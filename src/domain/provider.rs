//! Soggetti accreditati: what a provider is, and the checks on what people type for one.

use super::codice_fiscale::CodiceFiscale;
use super::ids::ProviderId;
use super::partita_iva;
use super::text::{FieldErrors, email, required};
use crate::domain::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStatus {
    Active,
    Suspended,
}

impl ProviderStatus {
    pub fn code(self) -> &'static str {
        match self {
            ProviderStatus::Active => "active",
            ProviderStatus::Suspended => "suspended",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ProviderStatus::Active => "attivo",
            ProviderStatus::Suspended => "sospeso",
        }
    }
}

/// A provider as the screens show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Provider {
    pub id: ProviderId,
    pub name: String,
    pub codice_fiscale: String,
    pub accreditation_code: String,
    pub pec: String,
    pub registered_office: String,
    pub contact_person: String,
    #[serde(serialize_with = "status_code")]
    pub status: ProviderStatus,
    pub created_at: i64,
    pub version: i64,
    /// The 11-character code by which IDOL knows the provider (codice ente promotore of its
    /// actions, part of their identificativo's check letter); empty until the Region sets one
    /// for a provider without a partita IVA.
    pub codice_ente_promotore: String,
    pub active_operators: i64,
    /// People whose voucher names this provider.
    pub recipients: i64,
}

fn status_code<S: serde::Serializer>(s: &ProviderStatus, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.code())
}

/// What a person typed (form or JSON), before any check.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProviderDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub codice_fiscale: String,
    #[serde(default)]
    pub accreditation_code: String,
    #[serde(default)]
    pub pec: String,
    #[serde(default)]
    pub registered_office: String,
    #[serde(default)]
    pub contact_person: String,
    /// Empty: the partita IVA (or numeric codice fiscale) when it has 11 characters.
    #[serde(default)]
    pub codice_ente_promotore: String,
}

/// A checked provider, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidProvider {
    pub name: String,
    pub codice_fiscale: String,
    pub accreditation_code: String,
    pub pec: String,
    pub registered_office: String,
    pub contact_person: String,
    pub codice_ente_promotore: String,
}

/// The organisation's number: an 11-digit partita IVA, or a 16-character codice fiscale.
pub fn organisation_number(input: &str) -> Option<String> {
    partita_iva::parse(input).or_else(|| CodiceFiscale::parse(input).ok().map(|c| c.to_string()))
}

impl ProviderDraft {
    pub fn validate(&self) -> Result<ValidProvider, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let name = required(&mut errors, "name", &self.name, 200);
        let codice_fiscale = match organisation_number(&self.codice_fiscale) {
            Some(n) => n,
            None => {
                errors.add(
                    "codice_fiscale",
                    "indicare una partita IVA di 11 cifre o un codice fiscale valido (il carattere di controllo non torna o il formato è errato)",
                );
                String::new()
            }
        };
        let accreditation_code =
            required(&mut errors, "accreditation_code", &self.accreditation_code, 50).to_uppercase();
        let pec = email(&mut errors, "pec", &self.pec, true);
        let registered_office = super::text::optional(&mut errors, "registered_office", &self.registered_office, 300);
        let contact_person = super::text::optional(&mut errors, "contact_person", &self.contact_person, 200);
        let ente = self.codice_ente_promotore.trim().to_ascii_uppercase();
        let codice_ente_promotore = if ente.is_empty() {
            // The schema's codice ente promotore has 11 characters: a partita IVA fits, a
            // personal codice fiscale does not and waits for the Region's code.
            if codice_fiscale.len() == 11 { codice_fiscale.clone() } else { String::new() }
        } else if ente.len() == 11 && ente.bytes().all(|b| b.is_ascii_alphanumeric()) {
            ente
        } else {
            errors.add(
                "codice_ente_promotore",
                "indicare 11 caratteri, lettere e cifre (il codice con cui IDOL conosce il soggetto)",
            );
            String::new()
        };
        errors.finish(ValidProvider {
            name,
            codice_fiscale,
            accreditation_code,
            pec,
            registered_office,
            contact_person,
            codice_ente_promotore,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ProviderDraft {
        ProviderDraft {
            name: " Lavoro Futuro ".into(),
            codice_fiscale: "06363391001".into(),
            accreditation_code: "acc-1".into(),
            pec: "lf@pec.example.it".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_draft_is_normalised() {
        let p = draft().validate().unwrap();
        assert_eq!(p.name, "Lavoro Futuro");
        assert_eq!(p.accreditation_code, "ACC-1");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ProviderDraft {
            name: " ".into(),
            codice_fiscale: "06363391002".into(),
            accreditation_code: "".into(),
            pec: "x".into(),
            ..Default::default()
        };
        let fields: Vec<String> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "codice_fiscale", "accreditation_code", "pec"]);
        let person = ProviderDraft { codice_fiscale: "RSSMRA85T10A562S".into(), ..draft() };
        assert_eq!(person.validate().unwrap().codice_ente_promotore, "", "16 characters do not fit");
    }

    #[test]
    fn the_codice_ente_promotore_defaults_to_the_partita_iva() {
        assert_eq!(draft().validate().unwrap().codice_ente_promotore, "06363391001");
        let set = ProviderDraft { codice_ente_promotore: " g702s001234 ".into(), ..draft() };
        assert_eq!(set.validate().unwrap().codice_ente_promotore, "G702S001234");
        for bad in ["G702S00123", "G702S0012345", "G702S00123-"] {
            let e = ProviderDraft { codice_ente_promotore: bad.into(), ..draft() }.validate().unwrap_err();
            assert_eq!(e[0].field, "codice_ente_promotore", "{bad}");
        }
    }
}
