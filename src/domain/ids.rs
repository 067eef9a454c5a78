//! Typed row ids, so a provider id can never be passed where an operator id is expected.

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
            /// Only the repository layer (rows read back) and parsers at the edge build ids.
            pub fn from_db(raw: i64) -> Self {
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
