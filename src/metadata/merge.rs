//! Per-field merge of what every source says about a title (DESIGN.md, "Metadata priority"):
//! a person's edit > a user's own NFO > TMDB > the LLM > probe and filename facts. Every
//! source's values are kept as field values (so an override can be removed and one source
//! re-run exactly); the winners make the item's metadata. Pure.
//!
//! Fields are the keys of [`Metadata`]'s JSON form, with the provider ids flattened
//! (`ids.tmdb`, `ids.imdb`, `ids.tvdb`), so a field added to `Metadata` is merged without a
//! change here. A field a source leaves empty (null, empty list) is not that source's say.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::domain::field_value::{source, FieldValue};
use crate::domain::metadata::Metadata;

/// Sources from strongest to weakest.
pub const PRIORITY: &[&str] = &[
    source::USER,
    "nfo",
    "tmdb",
    source::LLM,
    source::PROBE,
    source::FILENAME,
];

fn rank(source: &str) -> usize {
    PRIORITY
        .iter()
        .position(|s| *s == source)
        .unwrap_or(PRIORITY.len())
}

/// What one source said, with how much it is trusted and whether an LLM wrote it.
#[derive(Debug, Clone)]
pub struct SourceValues {
    pub source: String,
    pub metadata: Metadata,
    pub confidence: Option<f64>,
    pub llm_generated: bool,
    pub prompt_version: Option<String>,
    /// Per-field confidence overriding `confidence` (an LLM rates each field it fills).
    pub field_confidence: BTreeMap<String, f64>,
    /// Digest of the question an LLM answered, stored with its values so an unchanged
    /// question is not asked again.
    pub basis: Option<String>,
}

impl SourceValues {
    pub fn new(source: &str, metadata: Metadata) -> SourceValues {
        SourceValues {
            source: source.to_string(),
            metadata,
            confidence: None,
            llm_generated: false,
            prompt_version: None,
            field_confidence: BTreeMap::new(),
            basis: None,
        }
    }
}

/// The outcome: winners, who won each field, and every source's values.
#[derive(Debug, Clone, Default)]
pub struct Merged {
    pub winners: Metadata,
    /// Field → winning source.
    pub won_by: BTreeMap<String, String>,
    /// Every source's given fields, for `item_field_sources`.
    pub values: Vec<FieldValue>,
    /// Fields an LLM wrote that won (they say so in the API and the sidecars).
    pub llm_fields: Vec<String>,
}

impl Merged {
    /// The source that won the most fields (ties go to the stronger source): the item's
    /// `metadata_source`.
    pub fn main_source(&self) -> Option<String> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in self.won_by.values() {
            *counts.entry(s.as_str()).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(rank(b.0).cmp(&rank(a.0))))
            .map(|(s, _)| s.to_string())
    }
}

/// Every field a metadata source can give (the flat keys of [`Metadata`], `ids.tmdb` and
/// `collection.name` included).
pub fn field_names() -> Vec<String> {
    let sample = Metadata {
        collection: Some(Default::default()),
        ..Metadata::default()
    };
    let Ok(Value::Object(obj)) = serde_json::to_value(&sample) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in obj {
        match v {
            Value::Object(inner) => out.extend(inner.keys().map(|ik| format!("{k}.{ik}"))),
            _ => out.push(k),
        }
    }
    out
}

/// `Metadata` as flat fields: `ids` becomes `ids.tmdb`…; empty values left out.
pub fn flatten(m: &Metadata) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let Ok(Value::Object(obj)) = serde_json::to_value(m) else {
        return out;
    };
    for (k, v) in obj {
        match v {
            Value::Object(inner) => {
                for (ik, iv) in inner {
                    if given(&iv) {
                        out.insert(format!("{k}.{ik}"), iv);
                    }
                }
            }
            v if given(&v) => {
                out.insert(k, v);
            }
            _ => {}
        }
    }
    out
}

fn given(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.trim().is_empty(),
        _ => true,
    }
}

/// Rebuilds `Metadata` from flat fields (the inverse of [`flatten`]).
pub fn unflatten(fields: &BTreeMap<String, Value>) -> Metadata {
    if let Ok(m) = serde_json::from_value(nest(fields)) {
        return m;
    }
    // A value of the wrong shape (hand-edited) loses only its own field.
    let kept: BTreeMap<String, Value> = fields
        .iter()
        .filter(|(k, v)| {
            let one: BTreeMap<String, Value> =
                std::iter::once(((*k).clone(), (*v).clone())).collect();
            serde_json::from_value::<Metadata>(nest(&one)).is_ok()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_json::from_value(nest(&kept)).unwrap_or_default()
}

/// Flat `a.b` keys back into nested objects.
fn nest(fields: &BTreeMap<String, Value>) -> Value {
    let mut obj = Map::new();
    for (k, v) in fields {
        match k.split_once('.') {
            Some((outer, inner)) => {
                if let Value::Object(m) = obj
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    m.insert(inner.to_string(), v.clone());
                }
            }
            None => {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(obj)
}

/// Merges the sources field by field.
pub fn merge(sources: &[SourceValues]) -> Merged {
    let mut ordered: Vec<&SourceValues> = sources.iter().collect();
    ordered.sort_by_key(|s| rank(&s.source));
    let mut merged = Merged::default();
    let mut winners: BTreeMap<String, Value> = BTreeMap::new();
    for s in ordered {
        for (field, value) in flatten(&s.metadata) {
            let confidence = s.field_confidence.get(&field).copied().or(s.confidence);
            merged.values.push(FieldValue {
                confidence,
                llm_generated: s.llm_generated,
                prompt_version: s.prompt_version.clone(),
                basis: s.basis.clone(),
                ..FieldValue::new(&field, &s.source, value.clone())
            });
            if !winners.contains_key(&field) {
                winners.insert(field.clone(), value);
                merged.won_by.insert(field.clone(), s.source.clone());
                if s.llm_generated {
                    merged.llm_fields.push(field);
                }
            }
        }
    }
    merged.winners = unflatten(&winners);
    merged
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::domain::metadata::{Person, PersonKind, ProviderIds};

    fn tmdb() -> SourceValues {
        let mut s = SourceValues::new(
            "tmdb",
            Metadata {
                title: Some("Fight Club".into()),
                year: Some(1999),
                overview: Some("A ticking-time-bomb insomniac…".into()),
                genres: vec!["Drama".into()],
                ids: ProviderIds {
                    tmdb: Some("550".into()),
                    imdb: Some("tt0137523".into()),
                    tvdb: None,
                },
                people: vec![Person {
                    name: "Edward Norton".into(),
                    kind: PersonKind::Actor,
                    role: Some("The Narrator".into()),
                    order: Some(0),
                    ..Person::default()
                }],
                ..Metadata::default()
            },
        );
        s.confidence = Some(0.95);
        s
    }

    #[test]
    fn stronger_sources_win_field_by_field_and_every_value_is_kept() {
        let nfo = SourceValues::new(
            "nfo",
            Metadata {
                title: Some("Fight Club (Director's Cut)".into()),
                genres: vec![],
                ..Metadata::default()
            },
        );
        let mut llm = SourceValues::new(
            "llm",
            Metadata {
                overview: Some("invented".into()),
                tags: vec!["dark".into(), "satire".into()],
                ..Metadata::default()
            },
        );
        llm.llm_generated = true;
        llm.prompt_version = Some("fill_metadata@1".into());
        llm.field_confidence.insert("tags".into(), 0.7);
        let m = merge(&[llm, tmdb(), nfo]);
        assert_eq!(
            m.winners.title.as_deref(),
            Some("Fight Club (Director's Cut)")
        );
        assert_eq!(m.won_by["title"], "nfo");
        // An empty list is no say: TMDB's genres stand.
        assert_eq!(m.winners.genres, vec!["Drama"]);
        assert_eq!(m.won_by["genres"], "tmdb");
        assert_eq!(
            m.winners.overview.as_deref(),
            Some("A ticking-time-bomb insomniac…")
        );
        assert_eq!(m.winners.ids.imdb.as_deref(), Some("tt0137523"));
        assert_eq!(m.won_by["ids.tmdb"], "tmdb");
        assert_eq!(m.winners.people[0].role.as_deref(), Some("The Narrator"));
        // The LLM fills only the gap, and says so.
        assert_eq!(m.winners.tags, vec!["dark", "satire"]);
        assert_eq!(m.llm_fields, vec!["tags"]);
        let tags = m.values.iter().find(|v| v.field == "tags").unwrap();
        assert!(tags.llm_generated);
        assert_eq!(tags.confidence, Some(0.7));
        // The losers are kept.
        assert!(m
            .values
            .iter()
            .any(|v| v.source == "llm" && v.field == "overview" && v.value == "invented"));
        assert!(m
            .values
            .iter()
            .any(|v| v.source == "tmdb" && v.field == "title"));
        assert_eq!(m.main_source().as_deref(), Some("tmdb"));
    }

    #[test]
    fn a_person_beats_everything_and_removing_them_restores_the_rest() {
        let user = SourceValues::new(
            source::USER,
            Metadata {
                title: Some("My Title".into()),
                ..Metadata::default()
            },
        );
        let with = merge(&[tmdb(), user]);
        assert_eq!(with.winners.title.as_deref(), Some("My Title"));
        let without = merge(&[tmdb()]);
        assert_eq!(without.winners.title.as_deref(), Some("Fight Club"));
    }

    #[test]
    fn a_hand_edited_value_of_the_wrong_shape_loses_only_itself() {
        let mut f = flatten(&tmdb().metadata);
        f.insert("year".into(), Value::String("nineteen".into()));
        let m = unflatten(&f);
        assert_eq!(m.year, None);
        assert_eq!(m.title.as_deref(), Some("Fight Club"));
    }

    #[test]
    fn flatten_and_unflatten_round_trip() {
        let m = tmdb().metadata;
        assert_eq!(unflatten(&flatten(&m)), m);
        let f = flatten(&m);
        assert!(f.contains_key("ids.imdb") && !f.contains_key("ids.tvdb"));
        assert!(!f.contains_key("tagline"));
    }
}
