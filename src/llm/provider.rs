//! The one trait every LLM client implements, the values it exchanges, and the HTTP plumbing
//! they share (status → error mapping, `Retry-After`, error bodies).

use std::time::Duration;

use serde_json::Value;

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// JPEG images shown with the text (vision models only); empty for plain text, which keeps
    /// each API's plain-string message form.
    pub images: Vec<Vec<u8>>,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
            images: Vec::new(),
        }
    }

    /// A user message with JPEG images attached.
    pub fn user_with_images(content: impl Into<String>, images: Vec<Vec<u8>>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
            images,
        }
    }

    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
            images: Vec::new(),
        }
    }

    /// The images as standard base64 (what all three APIs expect).
    pub fn images_base64(&self) -> Vec<String> {
        use base64::Engine as _;
        self.images
            .iter()
            .map(|i| base64::engine::general_purpose::STANDARD.encode(i))
            .collect()
    }
}

/// The JSON schema an answer must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    /// `[a-zA-Z0-9_-]`, at most 64 characters (the OpenAI and Anthropic rule for names).
    pub name: String,
    pub description: String,
    pub schema: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<Message>,
    /// `None`: a plain text answer.
    pub schema: Option<OutputSchema>,
    pub max_tokens: u32,
    pub temperature: f32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// The answer's text; with a schema, the JSON document as text (validated by the caller).
    pub text: String,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmbedRequest {
    pub model: String,
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmbedResponse {
    /// One vector per input, in input order.
    pub vectors: Vec<Vec<f32>>,
    pub usage: Usage,
}

/// An LLM server's API.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError>;
    async fn embed(&self, req: &EmbedRequest) -> Result<EmbedResponse, ProviderError>;
    /// The models the server offers (its health check: reachable, key accepted, model there).
    async fn models(&self) -> Result<Vec<String>, ProviderError>;
}

/// Why a provider did not answer. Every kind but `Refused` and `Unsupported` is something that
/// may pass: the router falls back, the circuit breaker counts it, jobs retry later.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ProviderError {
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
    #[error("rate limited (429){}: {message}", retry_hint(.retry_after))]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("overloaded ({status}): {message}")]
    Overloaded { status: u16, message: String },
    #[error("server error ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("unexpected answer: {0}")]
    BadResponse(String),
    #[error("{0} is not supported by this provider")]
    Unsupported(&'static str),
}

fn retry_hint(after: &Option<Duration>) -> String {
    after
        .map(|d| format!(", retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl ProviderError {
    /// The ledger's outcome word.
    pub fn outcome(&self) -> &'static str {
        match self {
            ProviderError::Unreachable(_) => "unreachable",
            ProviderError::Timeout(_) => "timeout",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::Overloaded { .. } => "overloaded",
            ProviderError::Server { .. } => "server_error",
            ProviderError::Refused { .. } => "refused",
            ProviderError::BadResponse(_) => "bad_response",
            ProviderError::Unsupported(_) => "unsupported",
        }
    }

    /// How long the provider asked us to stay away (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// An API key read from the environment. Its `Debug` form never shows it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: String) -> ApiKey {
        ApiKey(key)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(********)")
    }
}

/// An HTTP client with the provider's timeout. Connecting gets a shorter limit of its own so a
/// dead host fails fast and the router moves on.
pub fn http_client(timeout: Duration) -> reqwest::Client {
    // reqwest is built without a TLS provider of its own and panics without one; `main`
    // installs ring, but the clients must not depend on who called them first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// Sends a request and returns the JSON body of a 2xx answer, or the error it amounts to.
pub async fn send_json(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Value, ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport_error(e, timeout))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let body = response
        .text()
        .await
        .map_err(|e| transport_error(e, timeout))?;
    if (200..300).contains(&status) {
        return serde_json::from_str(&body)
            .map_err(|e| ProviderError::BadResponse(format!("not JSON ({e}): {}", clip(&body))));
    }
    let message = error_message(&body);
    Err(match status {
        429 => ProviderError::RateLimited {
            retry_after,
            message,
        },
        // 529 is Anthropic's "overloaded"; 503 is everyone else's.
        503 | 529 => ProviderError::Overloaded { status, message },
        500..=599 => ProviderError::Server { status, message },
        _ => ProviderError::Refused { status, message },
    })
}

fn transport_error(e: reqwest::Error, timeout: Duration) -> ProviderError {
    if e.is_timeout() {
        return ProviderError::Timeout(timeout);
    }
    // reqwest's message names the URL; base URLs carry no secrets (keys travel in headers),
    // but a password in a URL's user part is masked all the same.
    let text = match e.url() {
        Some(url) => {
            let masked = crate::config::mask_url_password(url.as_str());
            let mut source = String::new();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                source = c.to_string();
                cause = c.source();
            }
            format!("{masked}: {source}")
        }
        None => e.to_string(),
    };
    ProviderError::Unreachable(text)
}

/// `Retry-After` is either seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The message of an error body in any of the three APIs' shapes
/// (`{"error": {"message"}}`, `{"error": "…"}`, `{"message"}`), else the body itself.
pub fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let found = parsed.as_ref().and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or_else(|| v["error"].as_str())
            .or_else(|| v["message"].as_str())
            .map(str::to_string)
    });
    clip(&found.unwrap_or_else(|| body.trim().to_string()))
}

/// Long bodies are cut: errors end up in logs, the ledger and job records.
pub fn clip(text: &str) -> String {
    const MAX: usize = 300;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// `u64` out of a JSON number, 0 when absent.
pub fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 1.5 "),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_message(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            "Overloaded"
        );
        assert_eq!(
            error_message(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(error_message("plain failure\n"), "plain failure");
        assert_eq!(clip(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn keys_never_show() {
        let key = ApiKey::new("sk-secret-123".into());
        assert!(!format!("{key:?}").contains("secret"));
    }
}
