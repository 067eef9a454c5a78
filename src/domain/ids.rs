//! Typed row ids, so a provider id can never be passed where an operator id is expected.
//! An id is minted in two places only: by the repository when it reads a row back
//! (`from_db`, crate-private; `repo/sql_types.rs` reads them from columns) and by parsing at
//! the edge (`FromStr`: URL segments, form and JSON values), which accepts any positive number
//! but proves nothing. What may be done with a person's data is decided by the proof values
//! of `repo::scoped`, which only scoped lookups build.

/// A path or form value that is not a row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("identificativo non valido")]
pub struct InvalidId;

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// A row id read back from the data file. Crate-private, and called only in
            /// `repo` (a test keeps it so): everywhere else an id is parsed at the edge.
            pub(crate) fn from_db(raw: i64) -> Self {
                Self(raw)
            }
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            /// A number in a JSON body: positive, or the body is refused (see `TryFrom`).
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = i64::deserialize(d)?;
                Self::try_from(raw).map_err(|_| serde::de::Error::custom("identificativo non valido"))
            }
        }

        impl TryFrom<i64> for $name {
            type Error = InvalidId;
            /// A number from a form or a JSON body: positive, or no id at all. Like `FromStr`,
            /// this proves nothing about who may see the row.
            fn try_from(raw: i64) -> Result<Self, Self::Error> {
                if raw > 0 { Ok(Self(raw)) } else { Err(InvalidId) }
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            /// Row ids are positive integers; anything else is "no such row" (404 on the web).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.parse::<i64>() {
                    Ok(n) if n > 0 => Ok(Self(n)),
                    _ => Err(InvalidId),
                }
            }
        }
    };
}

row_id!(
    /// A soggetto accreditato.
    ProviderId
);
row_id!(
    /// Anyone who can log in (provider operator or regional staff).
    OperatorId
);
row_id!(
    /// A sede operativa of a provider.
    SedeId
);
row_id!(
    /// A meeting in a provider's agenda.
    AppointmentId
);
row_id!(
    /// A written communication from a provider.
    CommunicationId
);
row_id!(
    /// An uploaded file.
    DocumentId
);
row_id!(
    /// A person holding (or about to hold) a voucher.
    RecipientId
);
row_id!(
    /// An Assegno di Ricollocazione: one recipient, one provider.
    VoucherId
);
row_id!(
    /// A provider's policy action (a section VI row with origin `provider`).
    ActionId
);
row_id!(
    /// A recorded programme outcome.
    OutcomeId
);
row_id!(
    /// A detected anomaly.
    AnomalyId
);
row_id!(
    /// A feed file made for IDOL (its record and its kept zip).
    IdolExportId
);

#[cfg(test)]
mod tests {
    /// Reads back from a row (`from_db`) only in `repo`: everywhere else an id is parsed at the
    /// edge, and what may be done with it is decided by the proofs of `repo::scoped`.
    #[test]
    fn only_the_repository_mints_ids_from_rows() {
        let offenders: Vec<String> = crate::shape_tests::all_sources(&[""])
            .into_iter()
            .filter(|(rel, _)| !rel.starts_with("repo/") && rel != "domain/ids.rs")
            .filter(|(_, text)| text.contains("from_db(") || text.contains("::from_db)"))
            .map(|(rel, _)| rel)
            .collect();
        assert!(offenders.is_empty(), "ids minted from rows outside repo/: {offenders:?}");
    }
}
