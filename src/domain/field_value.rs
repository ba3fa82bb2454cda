//! One source's value of one field of an item (DESIGN.md, "Metadata priority"): what a
//! filename, the probe, an LLM, a person (and later TMDB and NFO files) said, kept side by side.

use serde_json::Value;

/// Where a value came from.
pub mod source {
    pub const FILENAME: &str = "filename";
    pub const PROBE: &str = "probe";
    pub const LLM: &str = "llm";
    pub const USER: &str = "user";
}

/// One field's value from one source.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    pub field: String,
    pub source: String,
    pub value: Value,
    pub confidence: Option<f64>,
    pub llm_generated: bool,
    pub prompt_version: Option<String>,
    /// Digest of the input the value was derived from.
    pub basis: Option<String>,
    pub updated_at: i64,
}

impl FieldValue {
    pub fn new(field: &str, source: &str, value: Value) -> FieldValue {
        FieldValue {
            field: field.to_string(),
            source: source.to_string(),
            value,
            confidence: None,
            llm_generated: false,
            prompt_version: None,
            basis: None,
            updated_at: 0,
        }
    }
}
