//! The LLM layer against fake servers that answer in each provider's documented format:
//! Ollama's native API, Anthropic tool-use structured output, the OpenAI-compatible
//! embeddings and model list, and the failure modes (429 with Retry-After, 500, 529, timeouts)
//! through the router, its circuit breaker, privacy rules, budget and ledger. The same clients
//! against a real local LLM are in `llm_real.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::fake_http::{
    anthropic_overloaded, anthropic_tool_use, ollama_chat, openai_chat, FakeServer, Reply,
};
use kinora::config::Config;
use kinora::db::Catalog;
use kinora::llm::provider::{ChatRequest, EmbedRequest, Message, OutputSchema, Provider};
use kinora::llm::{Call, DataKind, LlmError, Router, Task};
use serde_json::{json, Value};

const KEY: &str = "sk-fake-secret-4242";

async fn catalog(dir: &tempfile::TempDir) -> Catalog {
    Catalog::open(&format!("sqlite://{}/k.db?mode=rwc", dir.path().display()))
        .await
        .unwrap()
}

fn router(toml: &str, catalog: Option<Catalog>) -> Router {
    let c = Config::from_parts(toml, "test", &[]).unwrap();
    Router::build(
        &c.llm,
        &c.privacy,
        |name| (name == "FAKE_KEY").then(|| KEY.to_string()),
        catalog,
    )
}

fn provider(name: &str, kind: &str, url: &str, extra: &str) -> String {
    format!("[[llm.providers]]\nname = {name:?}\nkind = {kind:?}\nbase_url = {url:?}\nmodel = \"m\"\n{extra}\n")
}

/// Marks a fake on loopback as a cloud provider, enabled, with a key.
const CLOUD: &str = "cloud = true\nenabled = true\napi_key_env = \"FAKE_KEY\"\n";

const MATRIX: &str = r#"{"kind":"movie","title":"The Matrix","year":1999,"season":null,"episode":null,"confidence":0.9}"#;

fn classify(input: &str) -> Call<'_> {
    Call {
        task: Task::Classify,
        input,
        item_id: Some("0f3c2a9e-0000-4000-8000-000000000001"),
        data: &[DataKind::Paths],
        images: &[],
    }
}

/// (provider, outcome) of every ledger row, oldest first.
async fn ledger(c: &Catalog) -> Vec<(String, String)> {
    use sea_orm::ConnectionTrait;
    let rows = c
        .read
        .query_all_raw(sea_orm::Statement::from_string(
            c.read.get_database_backend(),
            "SELECT provider, outcome FROM llm_calls ORDER BY id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get::<String>("", "provider").unwrap(),
                r.try_get::<String>("", "outcome").unwrap(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn schema() -> OutputSchema {
    OutputSchema {
        name: "classification".into(),
        description: "d".into(),
        schema: json!({"type": "object", "properties": {"kind": {"type": "string"}},
                       "required": ["kind"], "additionalProperties": false}),
    }
}

fn chat_request(schema: Option<OutputSchema>) -> ChatRequest {
    ChatRequest {
        model: "m".into(),
        system: "sys".into(),
        messages: vec![Message::user("hello")],
        schema,
        max_tokens: 50,
        temperature: 0.0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ollama_native_chat_embeddings_and_tags() {
    let fake = FakeServer::start(vec![
        ("POST /api/chat", vec![ollama_chat(r#"{"kind":"movie"}"#, 31, 7)]),
        (
            "POST /api/embed",
            vec![Reply::json(
                200,
                json!({"model": "nomic-embed-text", "embeddings": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]],
                       "prompt_eval_count": 9}),
            )],
        ),
        (
            "GET /api/tags",
            vec![Reply::json(
                200,
                json!({"models": [{"name": "qwen2.5:3b", "model": "qwen2.5:3b", "size": 1},
                                  {"name": "nomic-embed-text:latest", "model": "nomic-embed-text:latest"}]}),
            )],
        ),
    ])
    .await;
    let client = kinora::llm::ollama::Ollama::new(&fake.url, Duration::from_secs(5));
    let answer = client.chat(&chat_request(Some(schema()))).await.unwrap();
    assert_eq!(answer.text, r#"{"kind":"movie"}"#);
    assert_eq!(
        (answer.usage.input_tokens, answer.usage.output_tokens),
        (31, 7)
    );
    let sent = fake.requests_to("/api/chat")[0].json();
    assert_eq!(
        sent["format"],
        schema().schema,
        "the schema goes in `format`"
    );
    assert_eq!(sent["stream"], false);
    assert_eq!(sent["options"]["num_predict"], 50);
    assert_eq!(sent["messages"][0]["role"], "system");
    assert_eq!(sent["messages"][1]["content"], "hello");

    let e = client
        .embed(&EmbedRequest {
            model: "nomic-embed-text".into(),
            inputs: vec!["a".into(), "b".into()],
        })
        .await
        .unwrap();
    assert_eq!(e.vectors.len(), 2);
    assert_eq!(e.vectors[1], vec![0.4, 0.5, 0.6]);
    assert_eq!(e.usage.input_tokens, 9);
    assert_eq!(
        fake.requests_to("/api/embed")[0].json()["input"],
        json!(["a", "b"])
    );

    let models = client.models().await.unwrap();
    assert!(models.contains(&"qwen2.5:3b".to_string()));
    assert!(
        models.contains(&"nomic-embed-text".to_string()),
        "{models:?}"
    );

    // Through the router: the embed route uses the provider's embed_model.
    let r = router(
        &provider(
            "ollama",
            "ollama",
            &fake.url,
            "embed_model = \"nomic-embed-text\"",
        ),
        None,
    );
    let e = r
        .embed(&["a".into(), "b".into()], None, &[DataKind::Metadata])
        .await
        .unwrap();
    assert_eq!(
        (e.provider.as_str(), e.model.as_str()),
        ("ollama", "nomic-embed-text")
    );
    assert_eq!(
        fake.requests_to("/api/embed")[1].json()["model"],
        "nomic-embed-text"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_compatible_request_shape_embeddings_models_and_key() {
    let fake = FakeServer::start(vec![
        (
            "POST /v1/chat/completions",
            vec![openai_chat(MATRIX, 40, 20)],
        ),
        (
            "POST /v1/embeddings",
            vec![Reply::json(
                200,
                // Out of order on purpose: entries carry their input's index.
                json!({"object": "list", "model": "m",
                       "data": [{"object": "embedding", "index": 1, "embedding": [2.0, 2.5]},
                                {"object": "embedding", "index": 0, "embedding": [1.0, 1.5]}],
                       "usage": {"prompt_tokens": 4, "total_tokens": 4}}),
            )],
        ),
        (
            "GET /v1/models",
            vec![Reply::json(
                200,
                json!({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]}),
            )],
        ),
    ])
    .await;
    let client = kinora::llm::openai::OpenAi::new(
        &format!("{}/v1/", fake.url),
        Some(kinora::llm::provider::ApiKey::new(KEY.into())),
        Duration::from_secs(5),
    );
    client.chat(&chat_request(Some(schema()))).await.unwrap();
    let req = &fake.requests_to("/v1/chat/completions")[0];
    assert_eq!(req.headers["authorization"], format!("Bearer {KEY}"));
    let sent = req.json();
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(
        sent["response_format"]["json_schema"]["name"],
        "classification"
    );
    assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        sent["response_format"]["json_schema"]["schema"],
        schema().schema
    );

    let e = client
        .embed(&EmbedRequest {
            model: "m".into(),
            inputs: vec!["x".into(), "y".into()],
        })
        .await
        .unwrap();
    assert_eq!(e.vectors, vec![vec![1.0, 1.5], vec![2.0, 2.5]]);
    assert_eq!(client.models().await.unwrap(), vec!["gpt-4o-mini"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_structured_output_through_a_forced_tool() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalog(&dir).await;
    let input: Value = serde_json::from_str(MATRIX).unwrap();
    let fake = FakeServer::start(vec![(
        "POST /v1/messages",
        vec![anthropic_tool_use(
            "classification",
            input.clone(),
            (1000, 200),
        )],
    )])
    .await;
    let r = router(
        &format!(
            "{}input_price_per_mtok = 3.0\noutput_price_per_mtok = 15.0\n[llm.tasks]\nclassify = [\"claude\"]\n",
            provider("claude", "anthropic", &fake.url, CLOUD)
        ),
        Some(cat.clone()),
    );
    let answer = r
        .structured(&classify("The.Matrix.1999.mkv"))
        .await
        .unwrap();
    assert_eq!(answer.value, input);
    assert_eq!(answer.provider, "claude");
    assert!(answer.fallbacks.is_empty());

    let req = &fake.requests_to("/v1/messages")[0];
    assert_eq!(req.headers["anthropic-version"], "2023-06-01");
    assert_eq!(req.headers["x-api-key"], KEY);
    let sent = req.json();
    assert_eq!(sent["tools"][0]["name"], "classification");
    assert_eq!(
        sent["tools"][0]["input_schema"],
        (kinora::llm::prompts::CLASSIFY.schema)()
    );
    assert_eq!(
        sent["tool_choice"],
        json!({"type": "tool", "name": "classification"})
    );
    assert_eq!(sent["messages"][0]["content"], "The.Matrix.1999.mkv");
    assert!(sent["system"].as_str().unwrap().contains("JSON"));

    // $3/M in + $15/M out on 1000/200 tokens = $0.006, recorded as cloud spending.
    let usage = r.usage(1).await.unwrap();
    assert_eq!(usage.totals.cost_micro_usd, 6_000);
    assert_eq!(usage.cloud_today_micro_usd, 6_000);
    assert_eq!(usage.by_task[0].key, "classify");
    assert_eq!(ledger(&cat).await, pairs(&[("claude", "ok")]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallback_cloud_529_then_local_answers_and_the_ledger_shows_both() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalog(&dir).await;
    let cloud = FakeServer::start(vec![("POST /v1/messages", vec![anthropic_overloaded()])]).await;
    let local = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(MATRIX, 50, 25)],
    )])
    .await;
    let r = router(
        &format!(
            "{}{}[llm.tasks]\nclassify = [\"cloud\", \"local\"]\n",
            provider("cloud", "anthropic", &cloud.url, CLOUD),
            provider("local", "openai", &format!("{}/v1", local.url), "")
        ),
        Some(cat.clone()),
    );
    let answer = r
        .structured(&classify("The.Matrix.1999.mkv"))
        .await
        .unwrap();
    assert_eq!(answer.provider, "local");
    assert_eq!(answer.fallbacks.len(), 1);
    assert_eq!(answer.fallbacks[0].provider, "cloud");
    assert!(
        answer.fallbacks[0].detail.contains("overloaded (529)"),
        "{:?}",
        answer.fallbacks
    );
    assert_eq!(
        ledger(&cat).await,
        pairs(&[("cloud", "overloaded"), ("local", "ok")])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_opens_the_circuit_for_that_long() {
    let limited = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![Reply::json(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "requests"}}),
        )
        .header("retry-after", "120")],
    )])
    .await;
    let backup = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(MATRIX, 1, 1)],
    )])
    .await;
    let r = router(
        &format!(
            "{}{}[llm.tasks]\nclassify = [\"limited\", \"backup\"]\n",
            provider("limited", "openai", &format!("{}/v1", limited.url), ""),
            provider("backup", "openai", &format!("{}/v1", backup.url), "")
        ),
        None,
    );
    let first = r.structured(&classify("a.mkv")).await.unwrap();
    assert_eq!(first.provider, "backup");
    assert!(
        first.fallbacks[0].detail.contains("429"),
        "{:?}",
        first.fallbacks
    );
    assert!(first.fallbacks[0].detail.contains("retry after 120 s"));
    // Honoured: the next call does not touch the limited provider at all.
    let second = r.structured(&classify("b.mkv")).await.unwrap();
    assert_eq!(second.provider, "backup");
    assert_eq!(second.fallbacks[0].outcome, "skipped");
    assert!(second.fallbacks[0].detail.contains("circuit open"));
    assert_eq!(limited.requests().len(), 1);
    let state = &r.providers()[0];
    assert_eq!(state.state, "circuit_open");
    assert!(state.retry_in_secs.unwrap() > 100, "{state:?}");
    assert!(state
        .last_error
        .as_deref()
        .unwrap()
        .contains("Rate limit reached"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_open_the_circuit_and_a_probe_closes_it_again() {
    let flaky = FakeServer::start(vec![(
        "POST /api/chat",
        vec![Reply::json(500, json!({"error": "CUDA out of memory"}))],
    )])
    .await;
    let r = router(
        &format!(
            "[llm]\ncircuit_failures = 2\ncircuit_open_secs = 1\n{}[llm.tasks]\nclassify = [\"flaky\"]\n",
            provider("flaky", "ollama", &flaky.url, "")
        ),
        None,
    );
    for _ in 0..2 {
        let err = r.structured(&classify("a.mkv")).await.unwrap_err();
        assert!(err.to_string().contains("CUDA out of memory"), "{err}");
        assert!(err.is_retryable());
    }
    assert_eq!(r.providers()[0].state, "circuit_open");
    assert!(!r.available(Task::Classify));
    // Open: the provider is skipped without a request.
    let err = r.structured(&classify("a.mkv")).await.unwrap_err();
    assert!(err.to_string().contains("circuit open"), "{err}");
    assert_eq!(flaky.requests().len(), 2);
    // It recovers; after the wait one probe goes through and closes the circuit.
    flaky.set("POST /api/chat", vec![ollama_chat(MATRIX, 1, 1)]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = r.structured(&classify("a.mkv")).await.unwrap();
    assert_eq!(answer.provider, "flaky");
    assert_eq!(r.providers()[0].state, "ready");
    assert!(r.available(Task::Classify));
    assert_eq!(flaky.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_falls_back_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalog(&dir).await;
    let slow = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(MATRIX, 1, 1).delayed(Duration::from_secs(5))],
    )])
    .await;
    let fast = FakeServer::start(vec![("POST /api/chat", vec![ollama_chat(MATRIX, 1, 1)])]).await;
    let r = router(
        &format!(
            "{}{}[llm.tasks]\nclassify = [\"slow\", \"fast\"]\n",
            provider(
                "slow",
                "openai",
                &format!("{}/v1", slow.url),
                "timeout_secs = 1"
            ),
            provider("fast", "ollama", &fast.url, "")
        ),
        Some(cat.clone()),
    );
    let started = std::time::Instant::now();
    let answer = r.structured(&classify("a.mkv")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(answer.provider, "fast");
    assert!(answer.fallbacks[0].detail.contains("no answer within 1 s"));
    assert_eq!(
        ledger(&cat).await,
        pairs(&[("slow", "timeout"), ("fast", "ok")])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_answers_are_shown_their_error_and_a_model_that_keeps_failing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalog(&dir).await;
    let fake = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![
            openai_chat(
                r#"{"kind":"film","title":"The Matrix","year":1999,"confidence":0.9}"#,
                1,
                1,
            ),
            openai_chat(MATRIX, 1, 1),
        ],
    )])
    .await;
    let toml = format!(
        "[llm]\nmax_repairs = 2\n{}",
        provider("local", "openai", &format!("{}/v1", fake.url), "")
    );
    let r = router(&toml, Some(cat.clone()));
    let answer = r.structured(&classify("a.mkv")).await.unwrap();
    assert_eq!(answer.repairs, 1);
    assert_eq!(answer.value["kind"], "movie");
    let second = fake.requests()[1].json();
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(
        messages.len(),
        4,
        "system, input, the broken answer, the error"
    );
    assert_eq!(messages[2]["role"], "assistant");
    let repair = messages[3]["content"].as_str().unwrap();
    assert!(
        repair.contains("/kind") && repair.contains("film"),
        "{repair}"
    );

    // A model that never fits: max_repairs + 1 tries, then a permanent failure.
    fake.set(
        "POST /v1/chat/completions",
        vec![openai_chat("I think it is a movie.", 1, 1)],
    );
    let err = r.structured(&classify("b.mkv")).await.unwrap_err();
    assert!(matches!(err, LlmError::InvalidOutput { .. }), "{err}");
    assert!(!err.is_retryable());
    let job: kinora::jobs::JobError = err.into();
    assert!(!job.retryable);
    assert!(
        job.message.contains("not a JSON document"),
        "{}",
        job.message
    );
    assert_eq!(fake.requests().len(), 5);
    let outcomes: Vec<String> = ledger(&cat).await.into_iter().map(|(_, o)| o).collect();
    assert_eq!(
        outcomes,
        [
            "invalid_output",
            "ok",
            "invalid_output",
            "invalid_output",
            "invalid_output"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_is_never_contacted_when_blocked_disabled_or_without_a_key() {
    let cloud = FakeServer::start(vec![(
        "POST /v1/messages",
        vec![anthropic_tool_use("classification", json!({}), (1, 1))],
    )])
    .await;
    let local = FakeServer::start(vec![("POST /api/chat", vec![ollama_chat(MATRIX, 1, 1)])]).await;
    let tasks = "[llm.tasks]\nclassify = [\"cloud\", \"local\"]\n";
    let local_p = provider("local", "ollama", &local.url, "");
    for (extra, privacy, state) in [
        (CLOUD, "[privacy]\nlocal_only = true\n", "blocked"),
        ("cloud = true\napi_key_env = \"FAKE_KEY\"\n", "", "disabled"),
        (
            "cloud = true\nenabled = true\napi_key_env = \"UNSET_KEY\"\n",
            "",
            "no_api_key",
        ),
        ("cloud = true\nenabled = true\n", "", "no_api_key"),
    ] {
        let r = router(
            &format!(
                "{privacy}{}{local_p}{tasks}",
                provider("cloud", "anthropic", &cloud.url, extra)
            ),
            None,
        );
        let answer = r.structured(&classify("a.mkv")).await.unwrap();
        assert_eq!(answer.provider, "local");
        assert_eq!(answer.fallbacks[0].outcome, "skipped");
        let status = &r.providers()[0];
        assert_eq!((status.state, status.location), (state, "cloud"), "{extra}");
        assert!(!status.enabled);
        let check = r.check().await;
        assert_eq!(check[0].state, state);
        assert!(!check[0].is_failure() || state == "no_api_key");
    }
    assert!(cloud.requests().is_empty(), "{:?}", cloud.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_cloud_budget_skips_cloud_once_spent() {
    let dir = tempfile::tempdir().unwrap();
    let cat = catalog(&dir).await;
    let input: Value = serde_json::from_str(MATRIX).unwrap();
    let cloud = FakeServer::start(vec![(
        "POST /v1/messages",
        vec![anthropic_tool_use("classification", input, (10_000, 1_000))],
    )])
    .await;
    let local = FakeServer::start(vec![("POST /api/chat", vec![ollama_chat(MATRIX, 1, 1)])]).await;
    // One call costs 10k × $1/M + 1k × $5/M = $0.015; the budget is $0.01.
    let r = router(
        &format!(
            "[llm]\ndaily_cloud_budget_usd = 0.01\n{}input_price_per_mtok = 1.0\noutput_price_per_mtok = 5.0\n{}[llm.tasks]\nclassify = [\"cloud\", \"local\"]\n",
            provider("cloud", "anthropic", &cloud.url, CLOUD),
            provider("local", "ollama", &local.url, "")
        ),
        Some(cat.clone()),
    );
    assert_eq!(
        r.structured(&classify("a.mkv")).await.unwrap().provider,
        "cloud"
    );
    let second = r.structured(&classify("b.mkv")).await.unwrap();
    assert_eq!(second.provider, "local");
    assert!(
        second.fallbacks[0]
            .detail
            .contains("daily cloud budget spent"),
        "{:?}",
        second.fallbacks
    );
    assert_eq!(cloud.requests().len(), 1);
    assert_eq!(r.usage(1).await.unwrap().cloud_today_micro_usd, 15_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_reachable_is_a_retryable_error_that_names_every_provider() {
    let r = router(
        &format!(
            "{}{}",
            provider("a", "openai", "http://127.0.0.1:9/v1", ""),
            provider("b", "ollama", "http://127.0.0.1:9", "")
        ),
        None,
    );
    let err = r.structured(&classify("a.mkv")).await.unwrap_err();
    assert!(err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("a failed (unreachable") && text.contains("b failed"),
        "{text}"
    );
    assert!(kinora::jobs::JobError::from(err).retryable);
    let none = router("", None);
    assert!(matches!(
        none.structured(&classify("a.mkv")).await.unwrap_err(),
        LlmError::NotConfigured(Task::Classify)
    ));
    assert!(!none.available(Task::Classify));
}

/// The server with providers configured but none reachable: it serves, shows the providers'
/// state, answers usage; `kinora llm ask` fails saying why; the API key never shows up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_serving_without_a_reachable_llm() {
    let media = tempfile::tempdir().unwrap();
    let toml = format!(
        "[llm]\ndaily_cloud_budget_usd = 2.5\n{}{}[llm.tasks]\ndescribe = [\"cloud\", \"local\"]\n",
        provider("local", "openai", "http://127.0.0.1:9/v1", ""),
        provider(
            "cloud",
            "anthropic",
            "https://api.anthropic.com",
            "enabled = true\napi_key_env = \"FAKE_KEY\""
        ),
    );
    let inst = common::Instance::new(&[common::lib("Movies", media.path(), "movies")], &toml);
    let server = inst.start_with(|cmd| {
        cmd.env("FAKE_KEY", KEY);
    });
    server.wait_idle().await;
    assert_eq!(server.get_json("/api/v1/health").await["status"], "ok");
    let p = server.get_json("/api/v1/llm/providers").await;
    assert_eq!(p["local_only"], false);
    let list = p["providers"].as_array().unwrap();
    assert_eq!(list[0]["name"], "local");
    assert_eq!(list[0]["location"], "local");
    assert_eq!(list[0]["state"], "ready");
    assert_eq!(
        list[0]["tasks"],
        json!([
            "classify",
            "describe",
            "fill_metadata",
            "search_query",
            "embed"
        ])
    );
    assert_eq!(list[1]["location"], "cloud");
    assert_eq!(list[1]["state"], "ready");
    assert_eq!(list[1]["tasks"], json!(["describe"]));
    let u = server.get_json("/api/v1/llm/usage?days=7").await;
    assert_eq!(u["totals"]["calls"], 0);
    assert_eq!(u["daily_cloud_budget_usd"], 2.5);
    assert_eq!(u["days"], 7);
    assert_eq!(server.get("/api/v1/llm/usage?days=0").await.status(), 400);

    let out = inst.cli(&["llm", "ask", "--task", "classify", "The.Matrix.1999.mkv"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no LLM provider could answer classify"),
        "{stderr}"
    );
    assert!(stderr.contains("local failed (unreachable"), "{stderr}");
    let out = inst.cli(&["llm", "ask", "--task", "colour", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown task"));
    // The failed call is on the ledger the server reads.
    let u = server.get_json("/api/v1/llm/usage").await;
    assert_eq!(u["totals"]["calls"], 1);
    assert_eq!(u["totals"]["failed"], 1);
    assert_eq!(u["by_provider"][0]["provider"], "local");

    let check = inst.cli(&["config", "check"]);
    let shown = String::from_utf8_lossy(&check.stdout);
    assert!(shown.contains("api_key_env = \"FAKE_KEY\""), "{shown}");
    assert!(!server.log_text().contains(KEY));
    assert!(!shown.contains(KEY));
}

/// The ledger's sums and groups are the same on SQLite and PostgreSQL (PostgreSQL sums
/// BIGINTs into NUMERIC unless cast; booleans and day strings must compare alike).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_totals_on_both_backends() {
    use kinora::db::llm_ledger::{self, LedgerEntry};
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite://{}/k.db?mode=rwc", dir.path().display())];
    if let Some(base) = common::postgres_url() {
        urls.push(common::fresh_postgres_db(&base).await);
    }
    let today = kinora::db::now_ms();
    let yesterday = today - 86_400_000;
    for url in urls {
        let c = Catalog::open(&url).await.unwrap();
        let entry = |at, provider: &str, task: &str, cloud, cost, outcome: &str| LedgerEntry {
            at_ms: at,
            provider: provider.into(),
            model: "m".into(),
            task: task.into(),
            item_id: Some("0f3c2a9e-0000-4000-8000-000000000001".into()),
            prompt_version: Some(format!("{task}@1")),
            cloud,
            input_tokens: 100,
            output_tokens: 10,
            cost_micro_usd: cost,
            latency_ms: 40,
            outcome: outcome.into(),
            error: (outcome != "ok").then(|| "boom".to_string()),
        };
        for e in [
            entry(yesterday, "cloud", "describe", true, 5_000, "ok"),
            entry(today, "cloud", "classify", true, 2_000, "ok"),
            entry(today, "cloud", "classify", true, 0, "overloaded"),
            entry(today, "local", "classify", false, 0, "ok"),
        ] {
            llm_ledger::record(&c, &e).await.unwrap();
        }
        let day = llm_ledger::utc_day(today);
        assert_eq!(
            llm_ledger::cloud_cost_on(&c, &day).await.unwrap(),
            2_000,
            "{url}"
        );
        let u = llm_ledger::usage(&c, &llm_ledger::utc_day(yesterday))
            .await
            .unwrap();
        assert_eq!(u.totals.calls, 4, "{url}");
        assert_eq!(u.totals.failed, 1);
        assert_eq!(u.totals.input_tokens, 400);
        assert_eq!(u.totals.cost_micro_usd, 7_000);
        assert_eq!(u.totals.latency_ms, 160);
        assert_eq!(u.cloud_today_micro_usd, 2_000);
        let keys = |rows: &[llm_ledger::UsageTotals]| -> Vec<(String, i64)> {
            rows.iter().map(|r| (r.key.clone(), r.calls)).collect()
        };
        assert_eq!(
            keys(&u.by_day),
            [(llm_ledger::utc_day(yesterday), 1), (day.clone(), 3)]
        );
        assert_eq!(
            keys(&u.by_provider),
            [("cloud".to_string(), 3), ("local".to_string(), 1)]
        );
        assert_eq!(
            keys(&u.by_task),
            [("classify".to_string(), 3), ("describe".to_string(), 1)]
        );
        // From today only.
        let u = llm_ledger::usage(&c, &day).await.unwrap();
        assert_eq!(u.totals.calls, 3);
        c.close().await;
    }
}

/// `max_concurrent` bounds the requests in flight to one provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_bounds_requests_in_flight() {
    let fake = FakeServer::start(vec![(
        "POST /api/chat",
        vec![ollama_chat(MATRIX, 1, 1).delayed(Duration::from_millis(400))],
    )])
    .await;
    let r = router(
        &provider("one", "ollama", &fake.url, "max_concurrent = 1"),
        None,
    );
    let (first, second) = (classify("a.mkv"), classify("b.mkv"));
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(r.structured(&first), r.structured(&second));
    a.unwrap();
    b.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(780),
        "{:?}",
        started.elapsed()
    );
}

/// Stand-in JPEG bytes: the clients only encode them.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
const JPEG_B64: &str = "/9j/4AECA//Z";

fn with_images(req: ChatRequest) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user_with_images(
            "hello",
            vec![JPEG.to_vec(), JPEG.to_vec()],
        )],
        ..req
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_travel_in_each_apis_format_and_text_stays_a_string() {
    let openai = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(MATRIX, 1, 1)],
    )])
    .await;
    let client = kinora::llm::openai::OpenAi::new(
        &format!("{}/v1", openai.url),
        None,
        Duration::from_secs(5),
    );
    client.chat(&chat_request(None)).await.unwrap();
    client.chat(&with_images(chat_request(None))).await.unwrap();
    let sent = openai.requests_to("/v1/chat/completions");
    assert_eq!(
        sent[0].json()["messages"][1],
        json!({"role": "user", "content": "hello"})
    );
    let data_url = format!("data:image/jpeg;base64,{JPEG_B64}");
    assert_eq!(
        sent[1].json()["messages"][1],
        json!({"role": "user", "content": [
            {"type": "text", "text": "hello"},
            {"type": "image_url", "image_url": {"url": data_url}},
            {"type": "image_url", "image_url": {"url": data_url}},
        ]})
    );

    let anthropic = FakeServer::start(vec![(
        "POST /v1/messages",
        vec![anthropic_tool_use(
            "classification",
            json!({"kind": "movie"}),
            (1, 1),
        )],
    )])
    .await;
    let client = kinora::llm::anthropic::Anthropic::new(
        &anthropic.url,
        Some(kinora::llm::provider::ApiKey::new(KEY.into())),
        Duration::from_secs(5),
    );
    client.chat(&chat_request(Some(schema()))).await.unwrap();
    client
        .chat(&with_images(chat_request(Some(schema()))))
        .await
        .unwrap();
    let sent = anthropic.requests_to("/v1/messages");
    assert_eq!(
        sent[0].json()["messages"][0],
        json!({"role": "user", "content": "hello"})
    );
    let image = json!({"type": "image",
                       "source": {"type": "base64", "media_type": "image/jpeg", "data": JPEG_B64}});
    assert_eq!(
        sent[1].json()["messages"][0],
        json!({"role": "user", "content": [image, image, {"type": "text", "text": "hello"}]})
    );

    let ollama = FakeServer::start(vec![(
        "POST /api/chat",
        vec![ollama_chat(r#"{"kind":"movie"}"#, 1, 1)],
    )])
    .await;
    let client = kinora::llm::ollama::Ollama::new(&ollama.url, Duration::from_secs(5));
    client.chat(&chat_request(None)).await.unwrap();
    client.chat(&with_images(chat_request(None))).await.unwrap();
    let sent = ollama.requests_to("/api/chat");
    assert_eq!(
        sent[0].json()["messages"][1],
        json!({"role": "user", "content": "hello"})
    );
    assert_eq!(
        sent[1].json()["messages"][1],
        json!({"role": "user", "content": "hello", "images": [JPEG_B64, JPEG_B64]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_vision_providers_receive_the_frames() {
    // The text-only model is first and fails, so both are asked with the same call.
    let blind = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![Reply::json(500, json!({"error": {"message": "boom"}}))],
    )])
    .await;
    let seer = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(MATRIX, 1, 1)],
    )])
    .await;
    let toml = format!(
        "{}{}[llm.tasks]\nclassify = [\"blind\", \"seer\"]\nsearch_query = [\"blind\"]\n",
        provider("blind", "openai", &format!("{}/v1", blind.url), ""),
        provider(
            "seer",
            "openai",
            &format!("{}/v1", seer.url),
            "vision = true"
        ),
    );
    let r = router(&toml, None);
    assert!(r.vision_available(Task::Classify));
    assert!(r.vision_configured(Task::Classify));
    assert!(!r.vision_available(Task::SearchQuery));
    let images = vec![JPEG.to_vec()];
    let call = Call {
        images: &images,
        ..classify("Movies/The Matrix (1999).mkv")
    };
    let answer = r.structured(&call).await.unwrap();
    assert_eq!(answer.provider, "seer");

    let to_blind = blind.requests_to("/v1/chat/completions")[0].json();
    assert_eq!(
        to_blind["messages"][1]["content"], "Movies/The Matrix (1999).mkv",
        "a text-only model gets the facts alone"
    );
    let to_seer = seer.requests_to("/v1/chat/completions")[0].json();
    let parts = to_seer["messages"][1]["content"].as_array().unwrap();
    assert!(parts[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Movies/The Matrix (1999).mkv\n\nAttached: 1 frame"));
    assert_eq!(
        parts[1]["image_url"]["url"],
        format!("data:image/jpeg;base64,{JPEG_B64}")
    );
    assert_eq!(parts.len(), 2);
}
