//! Anthropic Messages API client: `POST /v1/messages` with `anthropic-version`. Structured
//! output goes through a tool whose input schema is the answer's schema, with `tool_choice`
//! forcing that tool: the answer is the tool call's input. `GET /v1/models` is the health check.
//! Anthropic has no embeddings API.

use std::time::Duration;

use serde_json::{json, Value};

use super::provider::{
    count, http_client, send_json, ApiKey, ChatRequest, ChatResponse, EmbedRequest, EmbedResponse,
    Message, Provider, ProviderError, Usage,
};

/// The API version Kinora speaks (the Messages API's only stable version).
pub const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    base_url: String,
    api_key: Option<ApiKey>,
    http: reqwest::Client,
    timeout: Duration,
}

impl Anthropic {
    pub fn new(base_url: &str, api_key: Option<ApiKey>, timeout: Duration) -> Anthropic {
        // The SDKs' base URL has no `/v1`; accept one written anyway.
        let base = base_url.trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        Anthropic {
            base_url: base.to_string(),
            api_key,
            http: http_client(timeout),
            timeout,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header("anthropic-version", API_VERSION);
        match &self.api_key {
            Some(key) => r.header("x-api-key", key.expose()),
            None => r,
        }
    }
}

/// The request body (pure, for tests).
pub fn chat_body(req: &ChatRequest) -> Value {
    let messages: Vec<Value> = req.messages.iter().map(message).collect();
    let mut body = json!({
        "model": req.model,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "system": req.system,
        "messages": messages,
    });
    if let Some(schema) = &req.schema {
        body["tools"] = json!([{
            "name": schema.name,
            "description": schema.description,
            "input_schema": schema.schema,
        }]);
        body["tool_choice"] = json!({"type": "tool", "name": schema.name});
    }
    body
}

/// One message: a plain string without images; with them, content blocks, images before the
/// text (Anthropic's advice for image questions).
fn message(m: &Message) -> Value {
    if m.images.is_empty() {
        return json!({"role": m.role.as_str(), "content": m.content});
    }
    let mut blocks: Vec<Value> = m
        .images_base64()
        .into_iter()
        .map(|b64| {
            json!({"type": "image",
                   "source": {"type": "base64", "media_type": "image/jpeg", "data": b64}})
        })
        .collect();
    blocks.push(json!({"type": "text", "text": m.content}));
    json!({"role": m.role.as_str(), "content": blocks})
}

/// The answer's text: with a schema, the forced tool call's input as JSON; otherwise the text
/// blocks joined.
pub fn answer_text(body: &Value, schema_name: Option<&str>) -> Result<String, ProviderError> {
    let blocks = body["content"]
        .as_array()
        .ok_or_else(|| ProviderError::BadResponse("no content blocks in answer".into()))?;
    if let Some(name) = schema_name {
        let call = blocks
            .iter()
            .find(|b| b["type"] == "tool_use" && b["name"] == name);
        return match call {
            Some(b) => Ok(b["input"].to_string()),
            None => {
                // The model answered in prose instead; hand that on so the repair round shows
                // the model what it did.
                let text = text_of(blocks);
                if text.is_empty() {
                    Err(ProviderError::BadResponse(format!(
                        "no {name} tool call in answer (stop_reason {})",
                        body["stop_reason"]
                    )))
                } else {
                    Ok(text)
                }
            }
        };
    }
    Ok(text_of(blocks))
}

fn text_of(blocks: &[Value]) -> String {
    blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join("")
}

#[async_trait::async_trait]
impl Provider for Anthropic {
    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let body = send_json(
            self.request(reqwest::Method::POST, "/v1/messages")
                .json(&chat_body(req)),
            self.timeout,
        )
        .await?;
        let text = answer_text(&body, req.schema.as_ref().map(|s| s.name.as_str()))?;
        Ok(ChatResponse {
            text,
            usage: Usage {
                input_tokens: count(&body["usage"]["input_tokens"]),
                output_tokens: count(&body["usage"]["output_tokens"]),
            },
        })
    }

    async fn embed(&self, _req: &EmbedRequest) -> Result<EmbedResponse, ProviderError> {
        Err(ProviderError::Unsupported("embeddings"))
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        let body = send_json(
            self.request(reqwest::Method::GET, "/v1/models"),
            self.timeout,
        )
        .await?;
        Ok(body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["id"].as_str().map(str::to_string))
            .collect())
    }
}
