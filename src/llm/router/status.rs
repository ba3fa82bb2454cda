//! What the router tells about its providers: their state for `/api/v1/llm/providers`, and
//! the live check behind `kinora llm test`.

use std::time::Instant;

use serde::Serialize;

use super::{log_cloud_call, Call, Router};
use crate::llm::circuit::CircuitState;
use crate::llm::prompts;
use crate::llm::{DataKind, Task};

/// A provider as `/api/v1/llm/providers` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProviderStatus {
    pub name: String,
    pub kind: &'static str,
    pub model: String,
    pub base_url: String,
    /// `local` or `cloud`.
    pub location: &'static str,
    pub enabled: bool,
    /// `ready`, `circuit_open`, `probing`, `disabled`, `blocked` (privacy.local_only) or
    /// `no_api_key`.
    pub state: &'static str,
    pub detail: Option<String>,
    pub consecutive_failures: u32,
    /// Seconds until the next probe, while the circuit is open.
    pub retry_in_secs: Option<u64>,
    pub last_error: Option<String>,
    pub last_success_at_ms: Option<i64>,
    /// The tasks that route to it.
    pub tasks: Vec<&'static str>,
}

/// One row of `kinora llm test`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub kind: &'static str,
    pub location: &'static str,
    pub model: String,
    /// `ok`, `disabled`, `blocked`, `no_api_key`, `unreachable`, `model_missing`, `bad_answer`.
    pub state: &'static str,
    pub detail: String,
}

impl CheckResult {
    /// Whether this row is a problem: a provider meant to be used that does not work.
    pub fn is_failure(&self) -> bool {
        matches!(
            self.state,
            "no_api_key" | "unreachable" | "model_missing" | "bad_answer"
        )
    }
}

impl Router {
    /// Every configured provider's state, in config order.
    pub fn providers(&self) -> Vec<ProviderStatus> {
        let now = Instant::now();
        self.slots
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let breaker = s.breaker();
                let circuit = breaker.state(now);
                let (state, detail) = match &s.unusable {
                    Some((state, why)) => (*state, Some(why.clone())),
                    None => match circuit {
                        CircuitState::Closed => ("ready", None),
                        CircuitState::Open => ("circuit_open", None),
                        CircuitState::Probing => ("probing", None),
                    },
                };
                let last = s.last();
                ProviderStatus {
                    name: s.cfg.name.clone(),
                    kind: s.cfg.kind.as_str(),
                    model: s.cfg.model.clone(),
                    base_url: crate::config::mask_url_password(&s.cfg.base_url),
                    location: s.location(),
                    enabled: s.unusable.is_none(),
                    state,
                    detail,
                    consecutive_failures: breaker.consecutive_failures(),
                    retry_in_secs: (circuit != CircuitState::Closed)
                        .then(|| breaker.retry_in(now).map(|d| d.as_secs()))
                        .flatten(),
                    last_error: last.error.clone(),
                    last_success_at_ms: last.success_at_ms,
                    tasks: self
                        .routes
                        .iter()
                        .filter(|(_, r)| r.contains(&i))
                        .map(|(t, _)| t.as_str())
                        .collect(),
                }
            })
            .collect()
    }

    /// Checks every provider: reachable (its model list), the model present, and a structured
    /// answer that parses. Providers that may not be called are reported without contacting
    /// them.
    pub async fn check(&self) -> Vec<CheckResult> {
        let mut out = Vec::new();
        for (i, slot) in self.slots.iter().enumerate() {
            let row = |state: &'static str, detail: String| CheckResult {
                name: slot.cfg.name.clone(),
                kind: slot.cfg.kind.as_str(),
                location: slot.location(),
                model: slot.cfg.model.clone(),
                state,
                detail,
            };
            if let Some((state, why)) = &slot.unusable {
                out.push(row(state, why.clone()));
                continue;
            }
            let Some(client) = slot.client.as_deref() else {
                continue;
            };
            log_cloud_call(
                slot,
                &Call {
                    task: Task::Test,
                    input: "",
                    item_id: None,
                    data: &[],
                    images: &[],
                },
                "model list",
            );
            let models = match client.models().await {
                Ok(m) => m,
                Err(e) => {
                    slot.failed(&e);
                    out.push(row("unreachable", e.to_string()));
                    continue;
                }
            };
            if !has_model(&models, &slot.cfg.model) {
                let mut listed: Vec<&str> = models.iter().map(String::as_str).take(8).collect();
                if models.len() > 8 {
                    listed.push("…");
                }
                out.push(row(
                    "model_missing",
                    format!(
                        "{} is not among the server's models: {}",
                        slot.cfg.model,
                        listed.join(", ")
                    ),
                ));
                continue;
            }
            let call = Call {
                task: Task::Test,
                input: prompts::HEALTH_CHECK_INPUT,
                item_id: None,
                data: &[DataKind::Text],
                images: &[],
            };
            let started = Instant::now();
            match self
                .structured_with(&prompts::HEALTH_CHECK, &call, &[i])
                .await
            {
                Ok(answer) => out.push(row(
                    "ok",
                    format!(
                        "model listed; structured answer {} in {:.1} s",
                        answer.value,
                        started.elapsed().as_secs_f64()
                    ),
                )),
                Err(e) => out.push(row("bad_answer", e.to_string())),
            }
        }
        out
    }
}

/// Servers name models loosely: `llama3.2` is `llama3.2:latest` to Ollama, OpenRouter prefixes
/// a vendor (`anthropic/claude-…`).
fn has_model(models: &[String], wanted: &str) -> bool {
    models.iter().any(|m| {
        m == wanted
            || m.strip_suffix(":latest") == Some(wanted)
            || m.rsplit('/').next() == Some(wanted)
    })
}
