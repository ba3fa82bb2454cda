//! What the `classify` LLM task is told about a doubtful file, and how its answer is read.
//!
//! The facts are short (small local models have small contexts) and leave out what a person
//! would not want to leave the machine: a location tag is mentioned as present, never sent.

use std::fmt::Write as _;

use serde_json::Value;

use super::decide::{as_kind, Verdict};
use super::kind_name;
use crate::config::LibraryKind;
use crate::domain::field_value::source;
use crate::domain::{MediaInfo, StreamKind};
use crate::naming::ParsedKind;

/// Ceiling on an LLM's self-reported confidence: a model's certainty is not a person's.
const MAX_LLM_CONFIDENCE: f32 = 0.95;

fn library_name(kind: LibraryKind) -> &'static str {
    match kind {
        LibraryKind::Movies => "movies",
        LibraryKind::Tv => "tv shows",
        LibraryKind::Home => "home videos",
        LibraryKind::Mixed => "mixed",
    }
}

/// The user message of the `classify` task.
pub fn prompt_input(
    relative_path: &str,
    library: LibraryKind,
    heuristic: &Verdict,
    info: Option<&MediaInfo>,
    footage_score: f32,
) -> String {
    let id = &heuristic.identity;
    let mut s = String::new();
    let _ = writeln!(s, "file: {relative_path}");
    let _ = writeln!(s, "library: {}", library_name(library));
    let title = match id.kind {
        ParsedKind::Episode => id.series.as_deref().unwrap_or(&id.title),
        _ => &id.title,
    };
    let _ = write!(s, "name says: {} \"{}\"", kind_name(id.kind), title);
    if let Some(y) = id.year.or(id.series_year) {
        let _ = write!(s, ", year {y}");
    }
    if let (Some(season), Some(ep)) = (id.season, id.episode) {
        let _ = write!(s, ", season {season} episode {ep}");
    }
    let _ = writeln!(s, " (confidence {:.2})", heuristic.confidence);
    if let Some(info) = info {
        let mut facts = Vec::new();
        if let Some(ms) = info.duration_ms {
            facts.push(format!("{} min", (ms + 30_000) / 60_000));
        }
        if let Some(v) = info
            .streams
            .iter()
            .find(|s| s.kind == Some(StreamKind::Video))
        {
            if let (Some(w), Some(h)) = (v.width, v.height) {
                facts.push(format!("{w}x{h}"));
            }
            if let Some(fps) = v.frame_rate {
                facts.push(format!("{fps:.2} fps"));
            }
        }
        if let Some(r) = info.rotation.filter(|r| *r != 0) {
            facts.push(format!("rotated {r}"));
        }
        let camera: Vec<&str> = [info.camera_make.as_deref(), info.camera_model.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        if !camera.is_empty() {
            facts.push(format!("camera {}", camera.join(" ")));
        }
        if info.creation_time.is_some() {
            facts.push("has a recording date".into());
        }
        if !facts.is_empty() {
            let _ = writeln!(s, "video: {}", facts.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "looks like camera footage: {:.0}%",
        footage_score * 100.0
    );
    s
}

/// Reads a schema-valid answer into a verdict. `None` when the answer cannot be used: no kind
/// it knows, or a kind the library's type rules out (a movies library holds movies; a person
/// settles such a conflict, not a model).
pub fn from_answer(
    answer: &Value,
    heuristic: &Verdict,
    library: LibraryKind,
    model: &str,
) -> Option<Verdict> {
    let kind = super::parse_kind(answer.get("kind")?.as_str()?)?;
    let current = heuristic.identity.kind;
    if library != LibraryKind::Mixed && kind != current {
        return None;
    }
    if kind == ParsedKind::Extra && current != ParsedKind::Extra {
        // Extras are known by their folder or suffix; a model guessing one would orphan it.
        return None;
    }
    let int = |key: &str| {
        answer
            .get(key)
            .and_then(Value::as_i64)
            .and_then(|n| i32::try_from(n).ok())
    };
    let mut identity = as_kind(&heuristic.identity, kind);
    let title = answer
        .get("title")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match kind {
        ParsedKind::Episode => {
            if let Some(t) = title {
                identity.series = Some(t.to_string());
            }
            identity.series_year = int("year").or(identity.series_year);
            identity.season = int("season").or(identity.season);
            identity.episode = int("episode").or(identity.episode);
        }
        _ => {
            if let Some(t) = title {
                identity.title = t.to_string();
            }
            identity.year = int("year").or(identity.year);
        }
    }
    let confidence = answer
        .get("confidence")
        .and_then(Value::as_f64)
        .map(|c| (c as f32).clamp(0.0, MAX_LLM_CONFIDENCE))?;
    let mut reasons = heuristic.reasons.clone();
    reasons.push(format!(
        "the LLM ({model}) says {} \"{}\" (confidence {confidence:.2})",
        kind_name(kind),
        title.unwrap_or(&identity.title)
    ));
    Some(Verdict {
        identity,
        confidence,
        source: source::LLM,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::naming::parse_path;
    use serde_json::json;
    use std::path::Path;

    fn heuristic(path: &str, lib: LibraryKind) -> Verdict {
        Verdict {
            identity: parse_path(Path::new(path), lib),
            confidence: 0.45,
            source: "filename",
            reasons: vec!["the name says little".into()],
        }
    }

    #[test]
    fn the_prompt_carries_path_guess_and_probe_facts_but_no_location() {
        let info = MediaInfo {
            duration_ms: Some(95_000),
            rotation: Some(90),
            camera_make: Some("Apple".into()),
            camera_model: Some("iPhone 12".into()),
            creation_time: Some("2023-07-01T10:00:00Z".into()),
            ..MediaInfo::default()
        };
        let text = prompt_input(
            "Phone/clip.mov",
            LibraryKind::Mixed,
            &heuristic("Phone/clip.mov", LibraryKind::Mixed),
            Some(&info),
            0.97,
        );
        assert!(text.contains("file: Phone/clip.mov"), "{text}");
        assert!(text.contains("library: mixed"), "{text}");
        assert!(text.contains("camera Apple iPhone 12"), "{text}");
        assert!(text.contains("rotated 90"), "{text}");
        assert!(text.contains("2 min"), "{text}");
        assert!(text.contains("97%"), "{text}");
        assert!(!text.contains("2023-07-01"), "dates stay generic: {text}");
    }

    #[test]
    fn an_answer_becomes_a_verdict() {
        let h = heuristic("holiday.mp4", LibraryKind::Mixed);
        let a = json!({"kind": "episode", "title": "Some Show", "year": null,
                       "season": 2, "episode": 7, "confidence": 0.99});
        let v = from_answer(&a, &h, LibraryKind::Mixed, "smollm2").unwrap();
        assert_eq!(v.identity.kind, ParsedKind::Episode);
        assert_eq!(v.identity.series.as_deref(), Some("Some Show"));
        assert_eq!((v.identity.season, v.identity.episode), (Some(2), Some(7)));
        assert_eq!(v.confidence, MAX_LLM_CONFIDENCE);
        assert_eq!(v.source, "llm");
        assert!(v.reasons.last().unwrap().contains("smollm2"));
    }

    #[test]
    fn the_library_kind_and_extras_are_not_the_models_to_change() {
        let h = heuristic("holiday.mp4", LibraryKind::Movies);
        let a = json!({"kind": "home_video", "title": "x", "year": null, "season": null,
                       "episode": null, "confidence": 0.9});
        assert!(from_answer(&a, &h, LibraryKind::Movies, "m").is_none());
        let h = heuristic("holiday.mp4", LibraryKind::Mixed);
        let a = json!({"kind": "extra", "title": "x", "year": null, "season": null,
                       "episode": null, "confidence": 0.9});
        assert!(from_answer(&a, &h, LibraryKind::Mixed, "m").is_none());
        // An empty title keeps the heuristic's.
        let a = json!({"kind": "movie", "title": " ", "year": 1999, "season": null,
                       "episode": null, "confidence": 0.7});
        let v = from_answer(&a, &h, LibraryKind::Mixed, "m").unwrap();
        assert_eq!(v.identity.title, h.identity.title);
        assert_eq!(v.identity.year, Some(1999));
    }
}
