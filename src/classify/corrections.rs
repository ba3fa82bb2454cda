//! A person's word over any verdict: corrections (`source = user` field values) replace what
//! the heuristic or the LLM said, field by field, and make the item certain.

use serde_json::Value;

use super::decide::{as_kind, Verdict};
use crate::domain::field_value::{source, FieldValue};
use crate::naming::ParsedKind;

/// Fields a person can correct through the review API.
pub const FIELDS: &[&str] = &[
    "kind",
    "title",
    "year",
    "season",
    "episode",
    "episode_end",
    "tmdb_id",
];

/// Applies the user's field values to `verdict`; returns whether there were any.
pub fn apply(verdict: &mut Verdict, user: &[FieldValue]) -> bool {
    let get = |field: &str| user.iter().find(|v| v.field == field).map(|v| &v.value);
    if user.is_empty() {
        return false;
    }
    if let Some(kind) = get("kind")
        .and_then(Value::as_str)
        .and_then(super::parse_kind)
    {
        verdict.identity = as_kind(&verdict.identity, kind);
    }
    let id = &mut verdict.identity;
    let int = |v: &Value| v.as_i64().and_then(|n| i32::try_from(n).ok());
    if let Some(title) = get("title").and_then(Value::as_str) {
        // For an episode the title a person gives is the series'.
        if id.kind == ParsedKind::Episode {
            id.series = Some(title.to_string());
        } else {
            id.title = title.to_string();
        }
    }
    if let Some(year) = get("year") {
        if id.kind == ParsedKind::Episode {
            id.series_year = int(year);
        } else {
            id.year = int(year);
        }
    }
    if id.kind == ParsedKind::Episode {
        if let Some(season) = get("season") {
            id.season = int(season).or(Some(1));
        }
        if let Some(episode) = get("episode") {
            id.episode = int(episode);
        }
        if let Some(end) = get("episode_end") {
            id.episode_end = int(end);
        }
    }
    verdict.confidence = 1.0;
    verdict.source = source::USER;
    verdict.reasons.clear();
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::config::LibraryKind;
    use crate::naming::parse_path;
    use serde_json::json;
    use std::path::Path;

    fn verdict(path: &str) -> Verdict {
        Verdict {
            identity: parse_path(Path::new(path), LibraryKind::Mixed),
            confidence: 0.4,
            source: "filename",
            reasons: vec!["unsure".into()],
        }
    }

    fn user(pairs: &[(&str, Value)]) -> Vec<FieldValue> {
        pairs
            .iter()
            .map(|(f, v)| FieldValue::new(f, source::USER, v.clone()))
            .collect()
    }

    #[test]
    fn a_correction_wins_field_by_field() {
        let mut v = verdict("holiday.mp4");
        assert!(apply(
            &mut v,
            &user(&[
                ("kind", json!("movie")),
                ("title", json!("The Clip")),
                ("year", json!(2001))
            ])
        ));
        assert_eq!(v.identity.kind, ParsedKind::Movie);
        assert_eq!(v.identity.title, "The Clip");
        assert_eq!(v.identity.year, Some(2001));
        assert_eq!((v.confidence, v.source), (1.0, "user"));
        assert!(v.reasons.is_empty());
    }

    #[test]
    fn a_movie_corrected_to_an_episode_gets_a_series() {
        let mut v = verdict("Some Thing (2010).mkv");
        apply(
            &mut v,
            &user(&[
                ("kind", json!("episode")),
                ("title", json!("Some Show")),
                ("season", json!(2)),
                ("episode", json!(5)),
            ]),
        );
        assert_eq!(v.identity.kind, ParsedKind::Episode);
        assert_eq!(v.identity.series.as_deref(), Some("Some Show"));
        assert_eq!((v.identity.season, v.identity.episode), (Some(2), Some(5)));
    }

    #[test]
    fn nothing_from_the_user_changes_nothing() {
        let mut v = verdict("holiday.mp4");
        let before = v.clone();
        assert!(!apply(&mut v, &[]));
        assert_eq!(v, before);
    }
}
