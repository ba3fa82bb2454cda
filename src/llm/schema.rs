//! Structured output: the answer's text parsed as JSON and validated against the task's JSON
//! schema. The error text is written for the model: it is sent back in the repair round.

use serde_json::Value;

/// A compiled schema.
pub struct Schema {
    validator: jsonschema::Validator,
}

impl Schema {
    /// Compiles a schema; a broken one is a bug in `prompts`, reported with its reason.
    pub fn compile(schema: &Value) -> Result<Schema, String> {
        jsonschema::validator_for(schema)
            .map(|validator| Schema { validator })
            .map_err(|e| format!("invalid JSON schema: {e}"))
    }

    /// The answer as a JSON value that satisfies the schema, or what is wrong with it.
    pub fn check(&self, text: &str) -> Result<Value, String> {
        let value = parse_json(text)?;
        let problems: Vec<String> = self
            .validator
            .iter_errors(&value)
            .take(5)
            .map(|e| {
                let at = e.instance_path().to_string();
                if at.is_empty() {
                    e.to_string()
                } else {
                    format!("at {at}: {e}")
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(value)
        } else {
            Err(format!(
                "the JSON does not match the schema: {}",
                problems.join("; ")
            ))
        }
    }
}

/// Parses the answer as JSON, tolerating what models wrap around it: Markdown code fences and
/// prose before or after one object.
pub fn parse_json(text: &str) -> Result<Value, String> {
    let trimmed = text.trim();
    if let Ok(v) = serde_json::from_str(trimmed) {
        return Ok(v);
    }
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|t| t.trim_end().strip_suffix("```"))
        .map(str::trim);
    if let Some(inner) = unfenced {
        if let Ok(v) = serde_json::from_str(inner) {
            return Ok(v);
        }
    }
    if let (Some(start), Some(end)) = (trimmed.find('{'), trimmed.rfind('}')) {
        if start < end {
            if let Ok(v) = serde_json::from_str(&trimmed[start..=end]) {
                return Ok(v);
            }
        }
    }
    let err = serde_json::from_str::<Value>(trimmed)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let start: String = trimmed.chars().take(60).collect();
    Err(format!(
        "the answer is not a JSON document ({err}); it began {start:?}"
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        Schema::compile(&json!({
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["movie", "episode"]},
                "year": {"type": ["integer", "null"], "minimum": 1880}
            },
            "required": ["kind", "year"],
            "additionalProperties": false
        }))
        .unwrap()
    }

    #[test]
    fn valid_answers_in_their_wrappings() {
        let s = schema();
        for text in [
            r#"{"kind": "movie", "year": 1999}"#,
            "```json\n{\"kind\": \"movie\", \"year\": null}\n```",
            "Sure! Here it is: {\"kind\": \"episode\", \"year\": 2001} Hope this helps.",
        ] {
            assert!(s.check(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn broken_answers_say_what_is_wrong() {
        let s = schema();
        let err = s.check(r#"{"kind": "film", "year": 1999}"#).unwrap_err();
        assert!(err.contains("/kind"), "{err}");
        let err = s.check(r#"{"kind": "movie"}"#).unwrap_err();
        assert!(err.contains("year"), "{err}");
        let err = s
            .check(r#"{"kind": "movie", "year": 1700, "extra": 1}"#)
            .unwrap_err();
        assert!(err.contains("1700") && err.contains("extra"), "{err}");
        let err = s.check("I think it is a movie.").unwrap_err();
        assert!(err.contains("not a JSON document"), "{err}");
    }

    #[test]
    fn every_prompt_schema_compiles() {
        for p in crate::llm::prompts::ALL {
            Schema::compile(&(p.schema)()).unwrap();
        }
    }
}
