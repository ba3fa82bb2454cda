//! The LLM layer. Every LLM use in Kinora (classification, descriptions, missing metadata,
//! natural-language search, embeddings) goes through [`Router`]: local first, cloud opt-in,
//! fallback along a per-task provider list, a circuit breaker per provider, structured answers
//! validated against their schema, and every call, its tokens and its cost on the ledger.
//!
//! - `provider`: the trait and the HTTP plumbing the clients share;
//! - `ollama`, `openai`, `anthropic`: the three clients;
//! - `router`: fallback, circuit breaking (`circuit`), budget, privacy, repairs;
//! - `schema`: JSON parsing and schema validation; `prompts`: every prompt, versioned;
//! - `ledger`: the catalog's record of calls.

pub mod anthropic;
pub mod circuit;
pub mod ledger;
pub mod ollama;
pub mod openai;
pub mod prompts;
pub mod provider;
pub mod router;
pub mod schema;

use serde::Serialize;

pub use provider::{Provider, ProviderError};
pub use router::{Answer, Attempt, Call, CheckResult, Embedded, ProviderStatus, Router};

/// What Kinora asks an LLM for. The names are the keys of `[llm.tasks]` and are stored in the
/// ledger: renaming one breaks both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classify,
    Describe,
    FillMetadata,
    SearchQuery,
    Embed,
    /// `kinora llm test`'s health check; routed to one provider at a time, never by config.
    Test,
}

impl Task {
    /// The tasks `[llm.tasks]` routes.
    pub const ROUTED: [Task; 5] = [
        Task::Classify,
        Task::Describe,
        Task::FillMetadata,
        Task::SearchQuery,
        Task::Embed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classify => "classify",
            Task::Describe => "describe",
            Task::FillMetadata => "fill_metadata",
            Task::SearchQuery => "search_query",
            Task::Embed => "embed",
            Task::Test => "test",
        }
    }

    /// A routed task by its config name.
    pub fn parse(name: &str) -> Option<Task> {
        Task::ROUTED.into_iter().find(|t| t.as_str() == name)
    }
}

/// Kinds of data a call may carry; what left the machine is logged for every cloud call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    /// File and folder names.
    Paths,
    /// ffprobe facts: duration, resolution, codecs, creation time.
    ProbeFacts,
    /// Images taken from the video.
    Frames,
    /// Titles, years, overviews already in the catalog.
    Metadata,
    /// Text a user typed (a search, `kinora llm ask`).
    Text,
}

impl DataKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Paths => "file paths",
            DataKind::ProbeFacts => "probe facts",
            DataKind::Frames => "video frames",
            DataKind::Metadata => "catalog metadata",
            DataKind::Text => "user text",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    #[error("no LLM provider is configured for {}", .0.as_str())]
    NotConfigured(Task),
    #[error("{} has no structured prompt", .0.as_str())]
    NotStructured(Task),
    #[error("no LLM provider could answer {}: {}", .task.as_str(), list(.tried))]
    Unavailable { task: Task, tried: Vec<Attempt> },
    #[error("the models' answers to {} kept failing their schema: {}", .task.as_str(), list(.tried))]
    InvalidOutput { task: Task, tried: Vec<Attempt> },
    #[error("broken prompt: {0}")]
    Prompt(String),
}

fn list(tried: &[Attempt]) -> String {
    tried
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl LlmError {
    /// Builds the error for a route where nobody answered: when every provider that was asked
    /// answered but never validly, the model is the problem (retrying will not help);
    /// otherwise some provider was down, busy or skipped and a later try may work.
    fn from_attempts(task: Task, tried: Vec<Attempt>) -> LlmError {
        if !tried.is_empty() && tried.iter().all(|a| a.outcome == "invalid_output") {
            LlmError::InvalidOutput { task, tried }
        } else {
            LlmError::Unavailable { task, tried }
        }
    }

    /// Whether the same request may succeed later (a job should wait and retry).
    pub fn is_retryable(&self) -> bool {
        matches!(self, LlmError::Unavailable { .. })
    }

    /// The providers tried, in order.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            LlmError::Unavailable { tried, .. } | LlmError::InvalidOutput { tried, .. } => tried,
            _ => &[],
        }
    }
}

/// LLM jobs: nobody reachable → retried with the queue's backoff; a model that keeps failing
/// the schema → failed with its reason.
impl From<LlmError> for crate::jobs::JobError {
    fn from(e: LlmError) -> crate::jobs::JobError {
        if e.is_retryable() {
            crate::jobs::JobError::retry(e.to_string())
        } else {
            crate::jobs::JobError::permanent(e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_errors_follow_the_cause() {
        let down = LlmError::Unavailable {
            task: Task::Classify,
            tried: vec![Attempt {
                provider: "local".into(),
                outcome: "failed",
                detail: "unreachable".into(),
            }],
        };
        let j: crate::jobs::JobError = down.into();
        assert!(j.retryable);
        assert!(j.message.contains("local failed"), "{}", j.message);
        let broken = LlmError::from_attempts(
            Task::Classify,
            vec![Attempt {
                provider: "local".into(),
                outcome: "invalid_output",
                detail: "x".into(),
            }],
        );
        assert!(matches!(broken, LlmError::InvalidOutput { .. }));
        assert!(!crate::jobs::JobError::from(broken).retryable);
    }

    #[test]
    fn task_names_match_the_config_keys() {
        let tasks = crate::config::LlmTasksConfig::default();
        let keys: Vec<&str> = tasks.entries().iter().map(|(k, _)| *k).collect();
        let names: Vec<&str> = Task::ROUTED.iter().map(|t| t.as_str()).collect();
        assert_eq!(keys, names);
        assert_eq!(Task::parse("fill_metadata"), Some(Task::FillMetadata));
        assert_eq!(Task::parse("test"), None);
    }
}
