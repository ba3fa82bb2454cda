//! The router: per task an ordered list of providers, tried in turn. A provider is skipped when
//! it cannot be used (disabled, blocked by `privacy.local_only`, no API key), when it is a
//! cloud provider and today's cloud budget is spent, or when its circuit is open; on an error
//! or a timeout the next one is asked. Structured answers are validated against the task's
//! schema, and a broken one is sent back to the model with its error a bounded number of
//! times. Every call lands in the ledger.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::config::{Config, LlmConfig, LlmProviderConfig, PrivacyConfig, ProviderKind};
use crate::db::llm_ledger::{LedgerEntry, Usage as LedgerUsage};
use crate::db::{now_ms, Catalog, CatalogError};

use super::anthropic::Anthropic;
use super::circuit::{Admit, Breaker, CircuitState};
use super::ledger::{cost_micro_usd, Ledger};
use super::ollama::Ollama;
use super::openai::OpenAi;
use super::prompts::{self, Prompt};
use super::provider::{
    ApiKey, ChatRequest, EmbedRequest, Message, OutputSchema, Provider, ProviderError, Usage,
};
use super::schema::Schema;
use super::{DataKind, LlmError, Task};

mod status;

pub use status::{CheckResult, ProviderStatus};

/// One request through the router.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub task: Task,
    /// The user message: the facts the prompt works on.
    pub input: &'a str,
    /// The item the call is about, for the ledger and the cloud log.
    pub item_id: Option<&'a str>,
    /// What kinds of data `input` carries, logged when it leaves the machine.
    pub data: &'a [DataKind],
    /// JPEG frames of the video. Only providers with `vision = true` receive them; the others
    /// get `input` alone, so a route may mix vision and text models.
    pub images: &'a [Vec<u8>],
}

impl Call<'_> {
    /// Whether `slot` is sent the images.
    fn images_for(&self, slot: &Slot) -> bool {
        slot.cfg.vision && !self.images.is_empty()
    }

    /// The kinds of data the request to `slot` carries: frames only when they go along.
    fn data_for(&self, slot: &Slot) -> Vec<DataKind> {
        let mut data: Vec<DataKind> = self
            .data
            .iter()
            .copied()
            .filter(|d| *d != DataKind::Frames)
            .collect();
        if self.images_for(slot) {
            data.push(DataKind::Frames);
        }
        data
    }
}

/// A provider that was passed over or failed before the answer came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub provider: String,
    /// `skipped`, `failed` or `invalid_output`.
    pub outcome: &'static str,
    pub detail: String,
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({})", self.provider, self.outcome, self.detail)
    }
}

/// A validated structured answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub value: Value,
    pub provider: String,
    pub model: String,
    pub prompt_version: String,
    /// Providers tried before this one, in order.
    pub fallbacks: Vec<Attempt>,
    /// Repair rounds the answering model needed.
    pub repairs: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone)]
pub struct Embedded {
    pub vectors: Vec<Vec<f32>>,
    pub provider: String,
    pub model: String,
    pub fallbacks: Vec<Attempt>,
}

#[derive(Default)]
struct LastSeen {
    error: Option<String>,
    success_at_ms: Option<i64>,
}

struct Slot {
    cfg: LlmProviderConfig,
    cloud: bool,
    /// Built only for a provider that may be called: a blocked cloud provider has no client.
    client: Option<Box<dyn Provider>>,
    /// (state, why) when the provider cannot be used at all.
    unusable: Option<(&'static str, String)>,
    limit: tokio::sync::Semaphore,
    breaker: Mutex<Breaker>,
    last: Mutex<LastSeen>,
}

impl Slot {
    fn location(&self) -> &'static str {
        if self.cloud {
            "cloud"
        } else {
            "local"
        }
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn last(&self) -> std::sync::MutexGuard<'_, LastSeen> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the provider could be called now.
    fn usable(&self, now: Instant) -> bool {
        let breaker = self.breaker();
        // An open circuit whose wait is over counts: the next call is its probe.
        self.unusable.is_none()
            && (breaker.state(now) == CircuitState::Closed
                || breaker.retry_in(now) == Some(Duration::ZERO))
    }

    fn succeeded(&self) {
        self.breaker().success();
        self.last().success_at_ms = Some(now_ms());
    }

    fn failed(&self, e: &ProviderError) {
        // A refusal of a request or an unsupported call says nothing about the server's health;
        // everything else (down, slow, overloaded, rate limited, broken) counts.
        if !matches!(e, ProviderError::Unsupported(_)) {
            self.breaker().failure(Instant::now(), e.retry_after());
        }
        self.last().error = Some(e.to_string());
    }
}

enum Tried {
    Answered(Answer),
    Passed(Attempt),
}

pub struct Router {
    slots: Vec<Slot>,
    /// Per task, indexes into `slots`.
    routes: Vec<(Task, Vec<usize>)>,
    max_repairs: u32,
    budget_micro_usd: Option<i64>,
    ledger: Ledger,
}

impl Router {
    /// The router for a configuration, API keys read from the environment variables it names.
    pub fn new(config: &Config, catalog: Option<Catalog>) -> Router {
        Router::build(
            &config.llm,
            &config.privacy,
            |name| std::env::var(name).ok(),
            catalog,
        )
    }

    /// [`Router::new`] with the environment passed in (tests).
    pub fn build(
        llm: &LlmConfig,
        privacy: &PrivacyConfig,
        env: impl Fn(&str) -> Option<String>,
        catalog: Option<Catalog>,
    ) -> Router {
        let slots: Vec<Slot> = llm
            .providers
            .iter()
            .map(|p| make_slot(llm, privacy, p, &env))
            .collect();
        let routes = Task::ROUTED
            .iter()
            .map(|&task| {
                let indexes = llm
                    .route(task.as_str())
                    .iter()
                    .filter_map(|name| slots.iter().position(|s| &s.cfg.name == name))
                    .collect();
                (task, indexes)
            })
            .collect();
        Router {
            slots,
            routes,
            max_repairs: llm.max_repairs,
            budget_micro_usd: llm
                .daily_cloud_budget_usd
                .map(|usd| (usd * 1_000_000.0).round() as i64),
            ledger: Ledger::new(catalog),
        }
    }

    /// Whether any provider is configured for `task` at all (reachable or not).
    pub fn configured(&self, task: Task) -> bool {
        !self.route(task).is_empty()
    }

    fn route(&self, task: Task) -> &[usize] {
        self.routes
            .iter()
            .find(|(t, _)| *t == task)
            .map(|(_, r)| r.as_slice())
            .unwrap_or(&[])
    }

    /// Whether any provider could be asked for `task` right now (features check this to
    /// degrade instead of queueing work nobody can do).
    pub fn available(&self, task: Task) -> bool {
        let now = Instant::now();
        self.route(task).iter().any(|&i| self.slots[i].usable(now))
    }

    /// Whether the task's route has a usable provider (enabled, allowed, keyed) with `vision`,
    /// whatever its circuit says: the stable fact an answer's cache key depends on.
    pub fn vision_configured(&self, task: Task) -> bool {
        self.route(task).iter().any(|&i| {
            let s = &self.slots[i];
            s.cfg.vision && s.unusable.is_none()
        })
    }

    /// Whether a provider that accepts images could be asked for `task` right now: callers
    /// extract frames only when someone can look at them.
    pub fn vision_available(&self, task: Task) -> bool {
        let now = Instant::now();
        self.route(task).iter().any(|&i| {
            let s = &self.slots[i];
            s.cfg.vision && s.usable(now)
        })
    }

    /// Asks the task's prompt about `call.input` and returns the first answer that fits the
    /// task's schema.
    pub async fn structured(&self, call: &Call<'_>) -> Result<Answer, LlmError> {
        let prompt = prompts::for_task(call.task).ok_or(LlmError::NotStructured(call.task))?;
        self.structured_with(prompt, call, self.route(call.task))
            .await
    }

    async fn structured_with(
        &self,
        prompt: &Prompt,
        call: &Call<'_>,
        route: &[usize],
    ) -> Result<Answer, LlmError> {
        let schema_json = (prompt.schema)();
        let schema = Schema::compile(&schema_json).map_err(LlmError::Prompt)?;
        if route.is_empty() {
            return Err(LlmError::NotConfigured(call.task));
        }
        let output = OutputSchema {
            name: prompt.schema_name.to_string(),
            description: prompt.schema_description.to_string(),
            schema: schema_json,
        };
        let mut tried = Vec::new();
        for &i in route {
            let slot = &self.slots[i];
            let Some(client) = self.admit(slot, &mut tried).await else {
                continue;
            };
            let Ok(_permit) = slot.limit.acquire().await else {
                continue;
            };
            match self
                .ask_one(slot, client, prompt, &output, &schema, call, &tried)
                .await
            {
                Tried::Answered(answer) => return Ok(answer),
                Tried::Passed(attempt) => tried.push(attempt),
            }
        }
        Err(LlmError::from_attempts(call.task, tried))
    }

    /// One provider, with its repair rounds.
    #[allow(clippy::too_many_arguments)]
    async fn ask_one(
        &self,
        slot: &Slot,
        client: &dyn Provider,
        prompt: &Prompt,
        output: &OutputSchema,
        schema: &Schema,
        call: &Call<'_>,
        tried: &[Attempt],
    ) -> Tried {
        // A text-only model gets the facts alone rather than an error about the images.
        let first = if call.images_for(slot) {
            let text = format!(
                "{}\n\n{}",
                call.input,
                prompts::frames_note(call.images.len())
            );
            Message::user_with_images(text, call.images.to_vec())
        } else {
            Message::user(call.input)
        };
        let mut messages = vec![first];
        let mut total = Usage::default();
        let mut problem = String::new();
        for round in 0..=self.max_repairs {
            if round > 0 && slot.cloud {
                if let Err(why) = self.cloud_budget_left().await {
                    return Tried::Passed(skipped(slot, why));
                }
            }
            let request = ChatRequest {
                model: slot.cfg.model.clone(),
                system: prompt.system.to_string(),
                messages: messages.clone(),
                schema: Some(output.clone()),
                max_tokens: prompt.max_tokens,
                // Deterministic: the same facts give the same answer, and tests can rely on it.
                temperature: 0.0,
            };
            log_cloud_call(slot, call, "chat");
            let at = now_ms();
            let started = Instant::now();
            let result = client.chat(&request).await;
            let latency = started.elapsed();
            match result {
                Err(e) => {
                    self.record(slot, call, Some(prompt), at, latency, Usage::default(), &e)
                        .await;
                    slot.failed(&e);
                    tracing::warn!(provider = %slot.cfg.name, task = call.task.as_str(), error = %e, "LLM provider failed; falling back");
                    return Tried::Passed(Attempt {
                        provider: slot.cfg.name.clone(),
                        outcome: "failed",
                        detail: e.to_string(),
                    });
                }
                Ok(response) => {
                    slot.succeeded();
                    total += response.usage;
                    match schema.check(&response.text) {
                        Ok(value) => {
                            self.record_ok(slot, call, Some(prompt), at, latency, response.usage)
                                .await;
                            return Tried::Answered(Answer {
                                value,
                                provider: slot.cfg.name.clone(),
                                model: slot.cfg.model.clone(),
                                prompt_version: prompt.version_tag(),
                                fallbacks: tried.to_vec(),
                                repairs: round,
                                input_tokens: total.input_tokens,
                                output_tokens: total.output_tokens,
                            });
                        }
                        Err(p) => {
                            self.record_entry(
                                slot,
                                call,
                                Some(prompt),
                                at,
                                latency,
                                response.usage,
                                "invalid_output",
                                Some(p.clone()),
                            )
                            .await;
                            tracing::info!(provider = %slot.cfg.name, task = call.task.as_str(), round, problem = %p, "LLM answer does not fit its schema");
                            messages.push(Message::assistant(response.text));
                            messages.push(Message::user(prompts::repair(&p)));
                            problem = p;
                        }
                    }
                }
            }
        }
        Tried::Passed(Attempt {
            provider: slot.cfg.name.clone(),
            outcome: "invalid_output",
            detail: format!(
                "{} answers did not fit the schema; last: {problem}",
                self.max_repairs + 1
            ),
        })
    }

    /// Embeddings of `inputs`, one vector each, from the first provider of the `embed` route
    /// that answers.
    pub async fn embed(
        &self,
        inputs: &[String],
        item_id: Option<&str>,
        data: &[DataKind],
    ) -> Result<Embedded, LlmError> {
        let route = self.route(Task::Embed);
        if route.is_empty() {
            return Err(LlmError::NotConfigured(Task::Embed));
        }
        let call = Call {
            task: Task::Embed,
            input: "",
            item_id,
            data,
            images: &[],
        };
        let mut tried = Vec::new();
        for &i in route {
            let slot = &self.slots[i];
            let Some(client) = self.admit(slot, &mut tried).await else {
                continue;
            };
            let Ok(_permit) = slot.limit.acquire().await else {
                continue;
            };
            let request = EmbedRequest {
                model: slot.cfg.embedding_model().to_string(),
                inputs: inputs.to_vec(),
            };
            log_cloud_call(slot, &call, "embeddings");
            let at = now_ms();
            let started = Instant::now();
            let result = client.embed(&request).await;
            let latency = started.elapsed();
            match result {
                Ok(response) => {
                    slot.succeeded();
                    self.record_ok(slot, &call, None, at, latency, response.usage)
                        .await;
                    return Ok(Embedded {
                        vectors: response.vectors,
                        provider: slot.cfg.name.clone(),
                        model: request.model,
                        fallbacks: tried,
                    });
                }
                Err(e) => {
                    self.record(slot, &call, None, at, latency, Usage::default(), &e)
                        .await;
                    slot.failed(&e);
                    tried.push(Attempt {
                        provider: slot.cfg.name.clone(),
                        outcome: "failed",
                        detail: e.to_string(),
                    });
                }
            }
        }
        Err(LlmError::from_attempts(Task::Embed, tried))
    }

    /// The client of a provider that may be called now, or `None` with the reason recorded.
    async fn admit<'s>(
        &self,
        slot: &'s Slot,
        tried: &mut Vec<Attempt>,
    ) -> Option<&'s dyn Provider> {
        if let Some((_, why)) = &slot.unusable {
            tried.push(skipped(slot, why.clone()));
            return None;
        }
        if slot.cloud {
            if let Err(why) = self.cloud_budget_left().await {
                tried.push(skipped(slot, why));
                return None;
            }
        }
        let admitted = slot.breaker().admit(Instant::now());
        if let Admit::Skip(wait) = admitted {
            tried.push(skipped(
                slot,
                format!("circuit open, next probe in {} s", wait.as_secs().max(1)),
            ));
            return None;
        }
        if admitted == Admit::Probe {
            tracing::info!(provider = %slot.cfg.name, "probing an LLM provider whose circuit was open");
        }
        slot.client.as_deref()
    }

    async fn cloud_budget_left(&self) -> Result<(), String> {
        let Some(budget) = self.budget_micro_usd else {
            return Ok(());
        };
        match self.ledger.cloud_spent_today().await {
            Ok(spent) if spent < budget => Ok(()),
            Ok(spent) => Err(format!(
                "daily cloud budget spent (${:.4} of ${:.4} today, UTC)",
                spent as f64 / 1e6,
                budget as f64 / 1e6
            )),
            Err(e) => Err(format!("cannot check the daily cloud budget: {e}")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn record(
        &self,
        slot: &Slot,
        call: &Call<'_>,
        prompt: Option<&Prompt>,
        at: i64,
        latency: Duration,
        usage: Usage,
        error: &ProviderError,
    ) {
        self.record_entry(
            slot,
            call,
            prompt,
            at,
            latency,
            usage,
            error.outcome(),
            Some(error.to_string()),
        )
        .await
    }

    async fn record_ok(
        &self,
        slot: &Slot,
        call: &Call<'_>,
        prompt: Option<&Prompt>,
        at: i64,
        latency: Duration,
        usage: Usage,
    ) {
        self.record_entry(slot, call, prompt, at, latency, usage, "ok", None)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_entry(
        &self,
        slot: &Slot,
        call: &Call<'_>,
        prompt: Option<&Prompt>,
        at: i64,
        latency: Duration,
        usage: Usage,
        outcome: &str,
        error: Option<String>,
    ) {
        let model = if call.task == Task::Embed {
            slot.cfg.embedding_model()
        } else {
            &slot.cfg.model
        };
        let cost = cost_micro_usd(
            usage,
            slot.cfg.input_price_per_mtok,
            slot.cfg.output_price_per_mtok,
        );
        if slot.cloud {
            tracing::info!(
                provider = %slot.cfg.name,
                task = call.task.as_str(),
                item = call.item_id.unwrap_or("-"),
                outcome,
                input_tokens = usage.input_tokens,
                output_tokens = usage.output_tokens,
                cost_usd = cost as f64 / 1e6,
                "cloud LLM call finished"
            );
        }
        self.ledger
            .record(LedgerEntry {
                at_ms: at,
                provider: slot.cfg.name.clone(),
                model: model.to_string(),
                task: call.task.as_str().to_string(),
                item_id: call.item_id.map(str::to_string),
                prompt_version: prompt.map(Prompt::version_tag),
                cloud: slot.cloud,
                input_tokens: usage.input_tokens as i64,
                output_tokens: usage.output_tokens as i64,
                cost_micro_usd: cost,
                latency_ms: latency.as_millis() as i64,
                outcome: outcome.to_string(),
                error,
            })
            .await
    }

    /// Usage totals from the ledger over the last `days` days.
    pub async fn usage(&self, days: u32) -> Result<LedgerUsage, CatalogError> {
        self.ledger.usage(days).await
    }

    pub fn daily_cloud_budget_usd(&self) -> Option<f64> {
        self.budget_micro_usd.map(|m| m as f64 / 1e6)
    }
}

fn skipped(slot: &Slot, why: String) -> Attempt {
    Attempt {
        provider: slot.cfg.name.clone(),
        outcome: "skipped",
        detail: why,
    }
}

/// The promise of DESIGN.md: every call that leaves the machine is logged with the item and
/// the kinds of data it carries.
fn log_cloud_call(slot: &Slot, call: &Call<'_>, what: &str) {
    if !slot.cloud {
        return;
    }
    let data: Vec<&str> = call.data_for(slot).iter().map(|d| d.as_str()).collect();
    tracing::info!(
        provider = %slot.cfg.name,
        model = %slot.cfg.model,
        task = call.task.as_str(),
        request = what,
        item = call.item_id.unwrap_or("-"),
        data = %if data.is_empty() { "none".to_string() } else { data.join(", ") },
        "sending a request to a cloud LLM provider"
    );
}

fn make_slot(
    llm: &LlmConfig,
    privacy: &PrivacyConfig,
    p: &LlmProviderConfig,
    env: &impl Fn(&str) -> Option<String>,
) -> Slot {
    let cloud = p.is_cloud();
    let key = p
        .api_key_env
        .as_deref()
        .and_then(env)
        .filter(|k| !k.trim().is_empty())
        .map(|k| ApiKey::new(k.trim().to_string()));
    let unusable = if cloud && privacy.local_only {
        Some((
            "blocked",
            "a cloud provider, and privacy.local_only = true".to_string(),
        ))
    } else if !p.is_enabled() {
        Some((
            "disabled",
            if cloud {
                "a cloud provider does nothing until enabled = true".to_string()
            } else {
                "enabled = false".to_string()
            },
        ))
    } else if key.is_none() && (p.api_key_env.is_some() || cloud) {
        Some((
            "no_api_key",
            match &p.api_key_env {
                Some(var) => format!("the environment variable {var} is not set"),
                None => "a cloud provider needs api_key_env".to_string(),
            },
        ))
    } else {
        None
    };
    let timeout = Duration::from_secs(p.timeout_secs);
    let client: Option<Box<dyn Provider>> = match unusable {
        Some(_) => None,
        None => Some(match p.kind {
            ProviderKind::Ollama => Box::new(Ollama::new(&p.base_url, timeout)),
            ProviderKind::Openai => Box::new(OpenAi::new(&p.base_url, key, timeout)),
            ProviderKind::Anthropic => Box::new(Anthropic::new(&p.base_url, key, timeout)),
        }),
    };
    Slot {
        cfg: p.clone(),
        cloud,
        client,
        unusable,
        limit: tokio::sync::Semaphore::new(p.max_concurrent),
        breaker: Mutex::new(Breaker::new(
            llm.circuit_failures,
            Duration::from_secs(llm.circuit_open_secs),
        )),
        last: Mutex::new(LastSeen::default()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn slot(vision: bool) -> Slot {
        let toml = format!(
            "[[llm.providers]]\nname='p'\nkind='openai'\nbase_url='http://127.0.0.1:1/v1'\nmodel='m'\nvision={vision}\n"
        );
        let c = Config::from_parts(&toml, "t", &[]).unwrap();
        make_slot(&c.llm, &c.privacy, &c.llm.providers[0], &|_: &str| None)
    }

    #[test]
    fn frames_are_logged_only_where_they_go() {
        let images = vec![vec![0xFF, 0xD8]];
        let call = Call {
            task: Task::Describe,
            input: "x",
            item_id: None,
            // A caller listing frames itself does not make them go to a text-only model.
            data: &[DataKind::Paths, DataKind::Frames],
            images: &images,
        };
        assert_eq!(
            call.data_for(&slot(true)),
            [DataKind::Paths, DataKind::Frames]
        );
        assert_eq!(call.data_for(&slot(false)), [DataKind::Paths]);
        let no_images = Call {
            images: &[],
            ..call
        };
        assert_eq!(no_images.data_for(&slot(true)), [DataKind::Paths]);
    }
}
