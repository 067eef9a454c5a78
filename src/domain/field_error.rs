//! A field-level validation message: what the rules of this layer answer for bad input.

/// A field-level validation message (Italian), named by the form/JSON field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Why a rule refused a value, in Italian for the person who can fix it. The rule does not
/// know under which name the value arrived: the caller names the field ([`Reason::on`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub fn new(text: impl Into<String>) -> Self {
        Reason(text.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The message on the field the value came in.
    pub fn on(self, field: &str) -> FieldError {
        FieldError { field: field.into(), message: self.0 }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reason {}

impl From<&str> for Reason {
    fn from(text: &str) -> Self {
        Reason(text.to_owned())
    }
}

impl From<String> for Reason {
    fn from(text: String) -> Self {
        Reason(text)
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> Self {
        r.0
    }
}
