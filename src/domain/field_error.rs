//! A field-level validation message: what the rules of this layer answer for bad input.

/// A field-level validation message (Italian), named by the form/JSON field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}
