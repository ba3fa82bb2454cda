//! `[llm]`, `[[llm.providers]]`, `[llm.tasks]` and `[privacy]`: which LLM servers Kinora may
//! use, for which task, in which order, and what may leave the machine.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{bad, ConfigError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`).
    Ollama,
    /// The OpenAI-compatible API (`/v1/chat/completions`): llama.cpp, vLLM, LM Studio,
    /// OpenRouter, OpenAI.
    Openai,
    /// Anthropic's Messages API (`/v1/messages`).
    Anthropic,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Ollama => "ollama",
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// When true no cloud provider is ever called, whatever `[llm]` says.
    pub local_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// Most that cloud providers may cost per UTC day, in US dollars; once the ledger shows it
    /// spent, cloud providers are skipped until the next day. Unset: no limit.
    pub daily_cloud_budget_usd: Option<f64>,
    /// How many times a structurally broken answer is sent back to the model with its error.
    pub max_repairs: u32,
    /// Consecutive failures that open a provider's circuit (it is skipped while open).
    pub circuit_failures: u32,
    /// Seconds an open circuit waits before one probe call is let through; doubles after each
    /// failed probe, up to ten minutes.
    pub circuit_open_secs: u64,
    pub tasks: LlmTasksConfig,
    pub providers: Vec<LlmProviderConfig>,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            daily_cloud_budget_usd: None,
            max_repairs: 2,
            circuit_failures: 3,
            circuit_open_secs: 30,
            tasks: LlmTasksConfig::default(),
            providers: Vec::new(),
        }
    }
}

/// The ordered provider names per task. An unset task uses every enabled local provider in
/// the order they are configured (never a cloud one: cloud is opt-in, per task).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmTasksConfig {
    pub classify: Option<Vec<String>>,
    pub describe: Option<Vec<String>>,
    pub fill_metadata: Option<Vec<String>>,
    pub search_query: Option<Vec<String>>,
    pub embed: Option<Vec<String>>,
}

impl LlmTasksConfig {
    /// (task name, its list when set), in a fixed order.
    pub fn entries(&self) -> [(&'static str, Option<&Vec<String>>); 5] {
        [
            ("classify", self.classify.as_ref()),
            ("describe", self.describe.as_ref()),
            ("fill_metadata", self.fill_metadata.as_ref()),
            ("search_query", self.search_query.as_ref()),
            ("embed", self.embed.as_ref()),
        ]
    }
}

fn default_timeout() -> u64 {
    120
}

fn default_concurrency() -> usize {
    2
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmProviderConfig {
    /// Referred to by `[llm.tasks]`.
    pub name: String,
    pub kind: ProviderKind,
    /// `http://127.0.0.1:11434` (Ollama), `http://127.0.0.1:8080/v1` (OpenAI-compatible, with
    /// its `/v1`), `https://api.anthropic.com` (Anthropic).
    pub base_url: String,
    pub model: String,
    /// Model for embeddings when it differs from `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_model: Option<String>,
    /// Name of the environment variable holding the API key; the key itself never appears in
    /// the config, the logs or `config check`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Whether calls leave the machine. Unset: decided from `base_url` (loopback, private
    /// addresses, single-label names such as a compose service, `.local`/`.lan`/`.internal`
    /// are local; anything else is cloud).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<bool>,
    /// Unset: local providers are enabled, cloud providers are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_concurrency")]
    pub max_concurrent: usize,
    /// US dollars per million input (prompt) tokens, for the ledger and the budget.
    #[serde(default)]
    pub input_price_per_mtok: f64,
    /// US dollars per million output tokens.
    #[serde(default)]
    pub output_price_per_mtok: f64,
    /// Whether the model accepts images: describe calls then carry a few keyframes of the
    /// video. A provider without it gets the same call as text facts only.
    #[serde(default)]
    pub vision: bool,
}

impl LlmProviderConfig {
    /// Whether a call to this provider leaves the machine.
    pub fn is_cloud(&self) -> bool {
        self.cloud.unwrap_or_else(|| !url_is_local(&self.base_url))
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(!self.is_cloud())
    }

    pub fn embedding_model(&self) -> &str {
        self.embed_model.as_deref().unwrap_or(&self.model)
    }
}

impl LlmConfig {
    pub fn provider(&self, name: &str) -> Option<&LlmProviderConfig> {
        self.providers.iter().find(|p| p.name == name)
    }

    /// The providers a task tries, in order (see [`LlmTasksConfig`] for the default).
    pub fn route(&self, task: &str) -> Vec<String> {
        let set = self
            .tasks
            .entries()
            .into_iter()
            .find(|(t, _)| *t == task)
            .and_then(|(_, list)| list.cloned());
        match set {
            Some(list) => list,
            None => self
                .providers
                .iter()
                .filter(|p| !p.is_cloud() && p.is_enabled())
                .filter(|p| task != "embed" || p.kind != ProviderKind::Anthropic)
                .map(|p| p.name.clone())
                .collect(),
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(b) = self.daily_cloud_budget_usd {
            if !b.is_finite() || b < 0.0 {
                return Err(bad("llm.daily_cloud_budget_usd", "must be 0 or more"));
            }
        }
        if self.circuit_failures < 1 {
            return Err(bad("llm.circuit_failures", "must be at least 1"));
        }
        if self.circuit_open_secs < 1 {
            return Err(bad("llm.circuit_open_secs", "must be at least 1"));
        }
        let mut names = std::collections::HashSet::new();
        for (i, p) in self.providers.iter().enumerate() {
            let key = |k: &str| format!("llm.providers[{i}].{k}");
            if p.name.trim().is_empty() {
                return Err(bad(&key("name"), "must not be empty"));
            }
            if !names.insert(p.name.as_str()) {
                return Err(bad(
                    &key("name"),
                    &format!("duplicate provider name {:?}", p.name),
                ));
            }
            if !(p.base_url.starts_with("http://") || p.base_url.starts_with("https://")) {
                return Err(bad(&key("base_url"), "must start with http:// or https://"));
            }
            if p.model.trim().is_empty() {
                return Err(bad(&key("model"), "must not be empty"));
            }
            if let Some(var) = &p.api_key_env {
                let looks_like_a_name = !var.is_empty()
                    && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !var.starts_with(|c: char| c.is_ascii_digit());
                if !looks_like_a_name {
                    // Most likely the key itself was pasted here; never echo it back.
                    return Err(bad(
                        &key("api_key_env"),
                        "must be the NAME of an environment variable holding the key \
                         (e.g. ANTHROPIC_API_KEY), not the key",
                    ));
                }
            }
            if p.timeout_secs < 1 {
                return Err(bad(&key("timeout_secs"), "must be at least 1"));
            }
            if p.max_concurrent < 1 {
                return Err(bad(&key("max_concurrent"), "must be at least 1"));
            }
            for (k, v) in [
                ("input_price_per_mtok", p.input_price_per_mtok),
                ("output_price_per_mtok", p.output_price_per_mtok),
            ] {
                if !v.is_finite() || v < 0.0 {
                    return Err(bad(&key(k), "must be 0 or more"));
                }
            }
        }
        for (task, list) in self.tasks.entries() {
            for name in list.into_iter().flatten() {
                let Some(p) = self.provider(name) else {
                    return Err(bad(
                        &format!("llm.tasks.{task}"),
                        &format!("no provider named {name:?} in [[llm.providers]]"),
                    ));
                };
                if task == "embed" && p.kind == ProviderKind::Anthropic {
                    return Err(bad(
                        "llm.tasks.embed",
                        &format!("{name:?} is an Anthropic provider, which has no embeddings"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether a URL's host is on this machine or the local network (see
/// [`LlmProviderConfig::cloud`]). Errs towards "cloud": an unparsable host is not local.
pub fn url_is_local(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return false;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
            IpAddr::V6(v6) => {
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        };
    }
    host == "localhost"
        || !host.contains('.')
        || [".localhost", ".local", ".lan", ".internal", ".home.arpa"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
}
