//! Ollama's native API client: `POST /api/chat` (structured output through `format` = the
//! JSON schema), `POST /api/embed`, `GET /api/tags`.

use std::time::Duration;

use serde_json::{json, Value};

use super::openai::floats;
use super::provider::{
    count, http_client, send_json, ChatRequest, ChatResponse, EmbedRequest, EmbedResponse,
    Provider, ProviderError, Usage,
};

pub struct Ollama {
    base_url: String,
    http: reqwest::Client,
    timeout: Duration,
}

impl Ollama {
    pub fn new(base_url: &str, timeout: Duration) -> Ollama {
        Ollama {
            base_url: base_url.trim_end_matches('/').to_string(),
            http: http_client(timeout),
            timeout,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The request body (pure, for tests).
pub fn chat_body(req: &ChatRequest) -> Value {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    messages.extend(req.messages.iter().map(|m| {
        let mut msg = json!({"role": m.role.as_str(), "content": m.content});
        // Ollama takes a message's images as a list of base64 strings beside its text.
        if !m.images.is_empty() {
            msg["images"] = json!(m.images_base64());
        }
        msg
    }));
    let mut body = json!({
        "model": req.model,
        "messages": messages,
        "stream": false,
        "options": {"temperature": req.temperature, "num_predict": req.max_tokens},
    });
    if let Some(schema) = &req.schema {
        body["format"] = schema.schema.clone();
    }
    body
}

#[async_trait::async_trait]
impl Provider for Ollama {
    async fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let body = send_json(
            self.http.post(self.url("/api/chat")).json(&chat_body(req)),
            self.timeout,
        )
        .await?;
        let text = body["message"]["content"]
            .as_str()
            .ok_or_else(|| ProviderError::BadResponse("no message.content in answer".into()))?;
        Ok(ChatResponse {
            text: text.to_string(),
            usage: Usage {
                input_tokens: count(&body["prompt_eval_count"]),
                output_tokens: count(&body["eval_count"]),
            },
        })
    }

    async fn embed(&self, req: &EmbedRequest) -> Result<EmbedResponse, ProviderError> {
        let body = send_json(
            self.http
                .post(self.url("/api/embed"))
                .json(&json!({"model": req.model, "input": req.inputs})),
            self.timeout,
        )
        .await?;
        let list = body["embeddings"]
            .as_array()
            .ok_or_else(|| ProviderError::BadResponse("no embeddings in answer".into()))?;
        let vectors = list.iter().map(floats).collect::<Result<Vec<_>, _>>()?;
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
                input_tokens: count(&body["prompt_eval_count"]),
                output_tokens: 0,
            },
        })
    }

    async fn models(&self) -> Result<Vec<String>, ProviderError> {
        let body = send_json(self.http.get(self.url("/api/tags")), self.timeout).await?;
        let list = body["models"]
            .as_array()
            .ok_or_else(|| ProviderError::BadResponse("no models in /api/tags answer".into()))?;
        let mut models = Vec::new();
        for m in list {
            for key in ["name", "model"] {
                if let Some(name) = m[key].as_str() {
                    models.push(name.to_string());
                    // `llama3.2` in a config means `llama3.2:latest`.
                    if let Some(short) = name.strip_suffix(":latest") {
                        models.push(short.to_string());
                    }
                }
            }
        }
        models.dedup();
        Ok(models)
    }
}
