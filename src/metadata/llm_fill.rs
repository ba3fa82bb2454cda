//! The LLM's part of metadata: a description of a home video or an unmatched title
//! (`describe`), or only the fields TMDB left empty (`fill_metadata`). What it writes is marked
//! `llm_generated` field by field, with the model's own confidence. Pure: the enrichment job
//! makes the call.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::merge::{flatten, SourceValues};
use crate::domain::field_value::source;
use crate::domain::metadata::Metadata;

/// What is known about a title, for the prompt.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Below the library root.
    pub relative_path: String,
    /// `movie`, `episode`, `home_video`, `series`.
    pub kind: String,
    pub title: Option<String>,
    pub year: Option<i32>,
    pub duration_minutes: Option<i64>,
    /// `1920x1080`.
    pub resolution: Option<String>,
    /// `2023-07-01` for a home video's recording date.
    pub recorded_on: Option<String>,
    /// Camera make and model, when the probe found them.
    pub camera: Option<String>,
    /// Whether the file carries a location (the coordinates themselves are never sent).
    pub has_location: bool,
}

/// The user message of `describe` and `fill_metadata`. With `known`, the model sees what TMDB
/// already said and is asked for the rest.
pub fn prompt_input(facts: &Facts, known: Option<&Metadata>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "file: {}", facts.relative_path);
    let _ = writeln!(s, "kind: {}", facts.kind);
    if let Some(t) = &facts.title {
        let _ = writeln!(s, "title so far: {t}");
    }
    if let Some(y) = facts.year {
        let _ = writeln!(s, "year: {y}");
    }
    let mut video = Vec::new();
    if let Some(m) = facts.duration_minutes {
        video.push(format!("{m} min"));
    }
    if let Some(r) = &facts.resolution {
        video.push(r.clone());
    }
    if let Some(c) = &facts.camera {
        video.push(format!("filmed with {c}"));
    }
    if let Some(d) = &facts.recorded_on {
        video.push(format!("recorded on {d}"));
    }
    if facts.has_location {
        video.push("has a GPS location".into());
    }
    if !video.is_empty() {
        let _ = writeln!(s, "video: {}", video.join(", "));
    }
    if let Some(known) = known {
        let fields = flatten(known);
        let shown: Vec<String> = fields
            .iter()
            .filter(|(k, _)| matches!(k.as_str(), "title" | "year" | "overview" | "genres"))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        if !shown.is_empty() {
            let _ = writeln!(s, "already known: {}", shown.join("; "));
        }
    }
    s
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads a schema-valid `describe` or `fill_metadata` answer. With `only`, fields outside it
/// are dropped (TMDB had them: the LLM fills gaps, it does not second-guess).
pub fn answer_to_source(
    answer: &Value,
    prompt_version: &str,
    only: Option<&[String]>,
) -> SourceValues {
    let get = |k: &str| answer.get(k);
    let mut m = Metadata {
        title: text(get("title")),
        original_title: text(get("original_title")),
        year: get("year")
            .and_then(Value::as_i64)
            .and_then(|y| i32::try_from(y).ok()),
        overview: text(get("overview")),
        tagline: text(get("tagline")),
        genres: strings(get("genres")),
        tags: strings(get("tags")),
        moods: strings(get("moods")),
        family_safety: text(get("family_safety")),
        family_safety_reason: text(get("family_safety_reason")),
        ..Metadata::default()
    };
    if m.family_safety.is_none() {
        m.family_safety_reason = None;
    }
    let mut confidence: BTreeMap<String, f64> = BTreeMap::new();
    if let Some(Value::Object(c)) = get("confidence") {
        for (k, v) in c {
            if let Some(n) = v.as_f64() {
                confidence.insert(k.clone(), n.clamp(0.0, 1.0));
            }
        }
    }
    // The reason rides with the rating.
    if let Some(c) = confidence.get("family_safety").copied() {
        confidence.insert("family_safety_reason".into(), c);
    }
    if let Some(only) = only {
        let mut fields = flatten(&m);
        fields.retain(|k, _| only.iter().any(|o| o == k));
        m = super::merge::unflatten(&fields);
    }
    let mut s = SourceValues::new(source::LLM, m);
    s.llm_generated = true;
    s.prompt_version = Some(prompt_version.to_string());
    s.field_confidence = confidence;
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn the_prompt_has_the_facts_but_no_coordinates() {
        let facts = Facts {
            relative_path: "2023/Beach/IMG_1234.MOV".into(),
            kind: "home_video".into(),
            duration_minutes: Some(2),
            resolution: Some("1920x1080".into()),
            recorded_on: Some("2023-07-01".into()),
            camera: Some("Apple iPhone 12".into()),
            has_location: true,
            ..Facts::default()
        };
        let text = prompt_input(&facts, None);
        for want in [
            "2023/Beach/IMG_1234.MOV",
            "home_video",
            "2 min",
            "iPhone 12",
            "2023-07-01",
            "GPS",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        let known = Metadata {
            title: Some("Heat".into()),
            year: Some(1995),
            ..Metadata::default()
        };
        assert!(prompt_input(&facts, Some(&known))
            .contains("already known: title: \"Heat\"; year: 1995"));
    }

    #[test]
    fn an_answer_is_llm_generated_with_confidence_per_field() {
        let a = json!({
            "title": "A day at the beach", "overview": "Kids play in the waves.",
            "tags": ["beach", "kids"], "genres": ["Family"], "moods": ["cheerful"],
            "family_safety": "all_ages", "family_safety_reason": "children playing",
            "confidence": {"title": 0.6, "overview": 0.5, "tags": 0.8, "genres": 0.7,
                           "moods": 0.6, "family_safety": 0.9}
        });
        let s = answer_to_source(&a, "describe@2", None);
        assert!(s.llm_generated);
        assert_eq!(s.metadata.title.as_deref(), Some("A day at the beach"));
        assert_eq!(s.metadata.family_safety.as_deref(), Some("all_ages"));
        assert_eq!(s.field_confidence["family_safety_reason"], 0.9);
        assert_eq!(s.field_confidence["tags"], 0.8);
    }

    #[test]
    fn only_the_missing_fields_are_taken() {
        let a = json!({"title": "Other", "original_title": null, "year": 1990,
                       "overview": "Filled.", "tagline": null, "genres": ["Drama"],
                       "moods": [], "family_safety": null, "family_safety_reason": "x",
                       "confidence": {}});
        let s = answer_to_source(&a, "fill_metadata@2", Some(&["overview".to_string()]));
        assert_eq!(s.metadata.title, None);
        assert_eq!(s.metadata.year, None);
        assert_eq!(s.metadata.overview.as_deref(), Some("Filled."));
        assert_eq!(s.metadata.family_safety_reason, None);
    }
}
