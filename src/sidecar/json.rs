//! The JSON sidecar: Kinora's full record of an item (every field with its sources and
//! `llm_generated` flags), as the caller assembles it.

use serde_json::{Map, Value};

/// Pretty JSON with keys sorted at every level and a final newline, so the same record always
/// renders to the same bytes (the writer skips unchanged files by comparing them).
pub fn render(record: &Value) -> String {
    let mut out = serde_json::to_string_pretty(&sorted(record)).unwrap_or_default();
    out.push('\n');
    out
}

/// A copy with object keys in order whether or not serde_json keeps insertion order (its
/// `preserve_order` feature may be on through another crate).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level_and_output_is_stable() {
        let a = json!({"title": {"value": "X", "source": "tmdb"}, "ids": [{"z": 1, "a": 2}]});
        let b = json!({"ids": [{"a": 2, "z": 1}], "title": {"source": "tmdb", "value": "X"}});
        let out = render(&a);
        assert_eq!(out, render(&b));
        assert!(out.ends_with("}\n"));
        let ids = out.find("\"ids\"").unwrap();
        let title = out.find("\"title\"").unwrap();
        assert!(ids < title, "{out}");
        assert!(out.find("\"source\"").unwrap() < out.find("\"value\"").unwrap());
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), a);
    }
}
