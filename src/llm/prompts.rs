//! Every prompt Kinora sends, in one place, each with its version and the JSON schema of its
//! answer. Bump `version` whenever a prompt or its schema changes: results carry
//! `task@version`, so the items a change affects can be found and asked again.
//!
//! Prompts are short on purpose: small local models (a 135M-parameter model in the tests) have
//! small context windows and read slowly on a CPU.

use serde_json::{json, Value};

use super::Task;

pub struct Prompt {
    pub task: Task,
    pub version: u32,
    pub system: &'static str,
    /// Name of the answer's schema (also the Anthropic tool's name).
    pub schema_name: &'static str,
    pub schema_description: &'static str,
    pub schema: fn() -> Value,
    pub max_tokens: u32,
}

impl Prompt {
    /// `classify@1`: recorded with every result and ledger row.
    pub fn version_tag(&self) -> String {
        format!("{}@{}", self.task.as_str(), self.version)
    }
}

pub const CLASSIFY: Prompt = Prompt {
    task: Task::Classify,
    // 2: season and episode in the answer; "other" dropped (every file is one of four kinds).
    version: 2,
    system: "You sort the video files of a home media library. Given a file's path and facts, \
             say what it is: a movie, a TV episode (give the series title, season and episode), \
             a home video (camera or phone footage) or an extra (trailer, featurette). Use null \
             for what you do not know. Answer with a JSON object only.",
    schema_name: "classification",
    schema_description: "What the video file is",
    schema: classify_schema,
    max_tokens: 120,
};

fn classify_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["movie", "episode", "home_video", "extra"]},
            "title": {"type": "string", "maxLength": 200},
            "year": {"type": ["integer", "null"], "minimum": 1880, "maximum": 2100},
            "season": {"type": ["integer", "null"], "minimum": 0, "maximum": 3000},
            "episode": {"type": ["integer", "null"], "minimum": 0, "maximum": 10000},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1}
        },
        "required": ["kind", "title", "year", "season", "episode", "confidence"],
        "additionalProperties": false
    })
}

/// TMDB's movie genre list (`/3/genre/movie/list`): LLM genres are chosen from it so they
/// sit beside TMDB's in filters.
pub const TMDB_GENRES: &[&str] = &[
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "History",
    "Horror",
    "Music",
    "Mystery",
    "Romance",
    "Science Fiction",
    "TV Movie",
    "Thriller",
    "War",
    "Western",
];

/// Family-safety ratings, mildest first.
pub const FAMILY_SAFETY: &[&str] = &["all_ages", "teen", "adult"];

pub const DESCRIBE: Prompt = Prompt {
    task: Task::Describe,
    // 2: title, tags, genres, moods and a family-safety rating, each with a confidence.
    version: 2,
    system: "You describe a video of a media library (often a home video) from the facts \
             given: a short title, a factual overview, tags, genres, moods and whether it suits \
             all ages, teens or adults only, with a reason. Do not invent events the facts do \
             not suggest. Rate your confidence in each from 0 to 1. Answer with a JSON object \
             only.",
    schema_name: "description",
    schema_description: "What the video is about",
    schema: describe_schema,
    max_tokens: 400,
};

/// The line added below the facts when frames go along with them (vision providers only, so
/// the prompt itself and its version stay the same for every model).
pub fn frames_note(count: usize) -> String {
    format!(
        "Attached: {count} frame(s) taken from the video, in order. Describe what they show \
         when it fits the facts; do not guess names of people or places from them."
    )
}

/// Confidence per answered field.
fn confidences(fields: &[&str]) -> Value {
    let props: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| {
            (
                (*f).to_string(),
                json!({"type": "number", "minimum": 0, "maximum": 1}),
            )
        })
        .collect();
    json!({
        "type": "object",
        "properties": props,
        "required": fields,
        "additionalProperties": false
    })
}

fn genres_schema() -> Value {
    json!({"type": "array", "items": {"type": "string", "enum": TMDB_GENRES}, "maxItems": 3})
}

fn words_schema(max: usize) -> Value {
    json!({"type": "array", "items": {"type": "string", "maxLength": 30}, "maxItems": max})
}

fn family_safety_schema() -> Value {
    json!({"type": ["string", "null"], "enum": ["all_ages", "teen", "adult", null]})
}

fn describe_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 120},
            "overview": {"type": "string", "maxLength": 800},
            "tags": words_schema(8),
            "genres": genres_schema(),
            "moods": words_schema(4),
            "family_safety": family_safety_schema(),
            "family_safety_reason": {"type": ["string", "null"], "maxLength": 200},
            "confidence": confidences(&["title", "overview", "tags", "genres", "moods", "family_safety"])
        },
        "required": ["title", "overview", "tags", "genres", "moods", "family_safety",
                     "family_safety_reason", "confidence"],
        "additionalProperties": false
    })
}

pub const FILL_METADATA: Prompt = Prompt {
    task: Task::FillMetadata,
    // 2: genres from TMDB's list, moods, family safety, tagline, a confidence per field.
    version: 2,
    system: "You fill in missing metadata of a movie or show from what is known about it. Use \
             null (or an empty list) where you are not sure. Rate your confidence in each field \
             from 0 to 1. Answer with a JSON object only.",
    schema_name: "metadata",
    schema_description: "Metadata fields that were missing",
    schema: fill_metadata_schema,
    max_tokens: 400,
};

fn fill_metadata_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "title": {"type": ["string", "null"], "maxLength": 200},
            "original_title": {"type": ["string", "null"], "maxLength": 200},
            "year": {"type": ["integer", "null"], "minimum": 1880, "maximum": 2100},
            "overview": {"type": ["string", "null"], "maxLength": 800},
            "tagline": {"type": ["string", "null"], "maxLength": 120},
            "genres": genres_schema(),
            "moods": words_schema(4),
            "family_safety": family_safety_schema(),
            "family_safety_reason": {"type": ["string", "null"], "maxLength": 200},
            "confidence": confidences(&["title", "original_title", "year", "overview", "tagline",
                                         "genres", "moods", "family_safety"])
        },
        "required": ["title", "original_title", "year", "overview", "tagline", "genres", "moods",
                     "family_safety", "family_safety_reason", "confidence"],
        "additionalProperties": false
    })
}

pub const SEARCH_QUERY: Prompt = Prompt {
    task: Task::SearchQuery,
    version: 1,
    system: "You turn a search typed by a user of a media library into filters. Keep the words \
             that are not filters in text. Answer with a JSON object only.",
    schema_name: "search_filters",
    schema_description: "Structured filters for a library search",
    schema: search_query_schema,
    max_tokens: 200,
};

fn search_query_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "text": {"type": "string", "maxLength": 200},
            "kinds": {
                "type": "array",
                "items": {"type": "string", "enum": ["movie", "series", "episode", "home_video"]},
                "maxItems": 4
            },
            "year_min": {"type": ["integer", "null"], "minimum": 1880, "maximum": 2100},
            "year_max": {"type": ["integer", "null"], "minimum": 1880, "maximum": 2100},
            "genres": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 5},
            "unwatched_only": {"type": "boolean"}
        },
        "required": ["text", "kinds", "year_min", "year_max", "genres", "unwatched_only"],
        "additionalProperties": false
    })
}

/// Used by `kinora llm test`: the smallest structured answer there is.
pub const HEALTH_CHECK: Prompt = Prompt {
    task: Task::Test,
    version: 1,
    system: "Answer with a JSON object only.",
    schema_name: "health_check",
    schema_description: "Whether the model can answer",
    schema: health_check_schema,
    max_tokens: 20,
};

fn health_check_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": false
    })
}

pub const HEALTH_CHECK_INPUT: &str = "Reply with {\"ok\": true}.";

pub const ALL: &[&Prompt] = &[
    &CLASSIFY,
    &DESCRIBE,
    &FILL_METADATA,
    &SEARCH_QUERY,
    &HEALTH_CHECK,
];

/// The prompt of a structured task; `None` for embeddings.
pub fn for_task(task: Task) -> Option<&'static Prompt> {
    ALL.iter().copied().find(|p| p.task == task)
}

/// What the model is told after a broken answer.
pub fn repair(problem: &str) -> String {
    format!(
        "Your answer was not valid: {problem}. Answer again with only a JSON object that \
         matches the schema."
    )
}
