//! Errors of validation: one field, the value it had, and what is allowed.

/// A value the user, a file or a peer gave that the data model does not allow.
///
/// Displays as one line naming the field, the value and what is allowed, so the CLI can print it
/// as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} '{value}': {allowed}")]
pub struct FieldError {
    /// The field, as the CLI and the JSON shape name it (`country`, `planned.end`, ...).
    pub field: String,
    /// The offending value, as given.
    pub value: String,
    /// What would have been accepted.
    pub allowed: String,
}

impl FieldError {
    /// A new error for `field` holding `value`, explaining what is `allowed`.
    pub fn new(field: impl Into<String>, value: impl ToString, allowed: impl Into<String>) -> Self {
        Self { field: field.into(), value: value.to_string(), allowed: allowed.into() }
    }

    /// The same error, for a field nested under `prefix` (`sites[2]` + `country`).
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}
