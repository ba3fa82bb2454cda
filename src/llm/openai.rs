//! OpenAI-compatible API client: `POST /chat/completions` (structured output through
//! `response_format` = `json_schema`), `POST /embeddings`, `GET /models`, under a base URL that
//! includes `/v1`. Serves llama.cpp's server, vLLM, LM Studio, OpenRouter and OpenAI.

use std::time::Duration;

use serde_json::{json, Value};

use super::provider::{
    count, http_client, send_json, ApiKey, ChatRequest, ChatResponse, EmbedRequest, EmbedResponse,
    Message, Provider, ProviderError, Usage,
};

pub struct OpenAi {
    base_url: String,
    api_key: Option<ApiKey>,
    http: reqwest::Client,
    timeout: Duration,
}

impl OpenAi {
    pub fn new(base_url: &str, api_key: Option<ApiKey>, timeout: Duration) -> OpenAi {
        OpenAi {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            http: http_client(timeout),
            timeout,
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        match &self.api_key {
            Some(key) => r.bearer_auth(key.expose()),
            None => r,
        }
    }
}

/// The request body (pure, for tests).
pub fn chat_body(req: &ChatRequest) -> Value {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    messages.extend(req.messages.iter().map(message));
    let mut body = json!({
        "model": req.model,
        "messages": messages,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "stream": false,
    });
    if let Some(schema) = &req.schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {
                "name": schema.name,
                "description": schema.description,
                "schema": schema.schema,
                "strict": true,
            }
        });
    }
    body
}

/// One message: a plain string without images (what every OpenAI-compatible server takes),
/// content parts with them (text first, then each JPEG as a data URL).
fn message(m: &Message) -> Value {
    if m.images.is_empty() {
        return json!({"role": m.role.as_str(), "content": m.content});
    }
    let mut parts = vec![json!({"type": "text", "text": m.content})];
    parts.extend(m.images_base64().into_iter().map(|b64| {
        json!({"type": "image_url", "image_url": {"url": format!("data:image/jpeg;base64,{b64}")}})
    }));
    json!({"role": m.role.as_str(), "content": parts})
}

#[async_trait::async_trait]
impl Provider for OpenAi {
    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let body = send_json(
            self.request(reqwest::Method::POST, "/chat/completions")
                .json(&chat_body(req)),
            self.timeout,
        )
        .await?;
        let message = &body["choices"][0]["message"];
        let text = match message["content"].as_str() {
            Some(t) => t.to_string(),
            None => {
                // OpenAI answers a refusal in its own field instead of the content.
                let why = message["refusal"]
                    .as_str()
                    .unwrap_or("no content in choices[0]");
                return Err(ProviderError::BadResponse(why.to_string()));
            }
        };
        Ok(ChatResponse {
            text,
            usage: Usage {
                input_tokens: count(&body["usage"]["prompt_tokens"]),
                output_tokens: count(&body["usage"]["completion_tokens"]),
            },
        })
    }

    async fn embed(&self, req: &EmbedRequest) -> Result<EmbedResponse, ProviderError> {
        let body = send_json(
            self.request(reqwest::Method::POST, "/embeddings")
                .json(&json!({"model": req.model, "input": req.inputs})),
            self.timeout,
        )
        .await?;
        let data = body["data"]
            .as_array()
            .ok_or_else(|| ProviderError::BadResponse("no data in embeddings answer".into()))?;
        // Entries carry their input's index; order by it rather than trusting the list order.
        let mut indexed: Vec<(u64, Vec<f32>)> = Vec::with_capacity(data.len());
        for (pos, d) in data.iter().enumerate() {
            let index = d["index"].as_u64().unwrap_or(pos as u64);
            indexed.push((index, floats(&d["embedding"])?));
        }
        indexed.sort_by_key(|(i, _)| *i);
        let vectors: Vec<Vec<f32>> = indexed.into_iter().map(|(_, v)| v).collect();
        if vectors.len() != req.inputs.len() {
            return Err(ProviderError::BadResponse(format!(
                "{} embeddings for {} inputs",
                vectors.len(),
                req.inputs.len()
            )));
        }
        Ok(EmbedResponse {
            vectors,
            usage: Usage {
                input_tokens: count(&body["usage"]["prompt_tokens"]),
                output_tokens: 0,
            },
        })
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        let body = send_json(self.request(reqwest::Method::GET, "/models"), self.timeout).await?;
        let data = body["data"]
            .as_array()
            .ok_or_else(|| ProviderError::BadResponse("no data in models answer".into()))?;
        let mut models = Vec::new();
        for m in data {
            if let Some(id) = m["id"].as_str() {
                models.push(id.to_string());
            }
            // llama.cpp lists a model's aliases beside its id.
            for alias in m["aliases"].as_array().into_iter().flatten() {
                if let Some(a) = alias.as_str() {
                    models.push(a.to_string());
                }
            }
        }
        Ok(models)
    }
}

/// A JSON array of numbers as `f32`s.
pub fn floats(v: &Value) -> Result<Vec<f32>, ProviderError> {
    let list = v
        .as_array()
        .ok_or_else(|| ProviderError::BadResponse("an embedding is not a list".into()))?;
    list.iter()
        .map(|x| {
            x.as_f64()
                .map(|f| f as f32)
                .ok_or_else(|| ProviderError::BadResponse("an embedding holds a non-number".into()))
        })
        .collect()
}
