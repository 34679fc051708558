//! Secrets (tokens, keys): a wrapper whose Debug and Display never show the value.
//! (Placeholder: replaced by the full module with the redactor.)

/// A secret value; `expose` is the only way to read it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
