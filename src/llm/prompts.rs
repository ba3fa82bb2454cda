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

pub const DESCRIBE: Prompt = Prompt {
    task: Task::Describe,
    version: 1,
    system: "You write a short, factual overview of a video for a media library, from the facts \
             given. Do not invent plot details. Answer with a JSON object only.",
    schema_name: "description",
    schema_description: "A short overview of the video",
    schema: describe_schema,
    max_tokens: 300,
};

fn describe_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "overview": {"type": "string", "maxLength": 800},
            "tagline": {"type": ["string", "null"], "maxLength": 120}
        },
        "required": ["overview", "tagline"],
        "additionalProperties": false
    })
}

pub const FILL_METADATA: Prompt = Prompt {
    task: Task::FillMetadata,
    version: 1,
    system: "You fill in missing metadata of a movie or show from what is known about it. Use \
             null where you are not sure. Answer with a JSON object only.",
    schema_name: "metadata",
    schema_description: "Metadata fields that were missing",
    schema: fill_metadata_schema,
    max_tokens: 300,
};

fn fill_metadata_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "title": {"type": ["string", "null"], "maxLength": 200},
            "original_title": {"type": ["string", "null"], "maxLength": 200},
            "year": {"type": ["integer", "null"], "minimum": 1880, "maximum": 2100},
            "genres": {"type": "array", "items": {"type": "string", "maxLength": 40}, "maxItems": 5},
            "overview": {"type": ["string", "null"], "maxLength": 800}
        },
        "required": ["title", "original_title", "year", "genres", "overview"],
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
