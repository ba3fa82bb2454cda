//! The LLM layer against a REAL local LLM: llama.cpp's HTTP server with SmolLM2-135M-Instruct
//! on the CPU (`tests/support/llm_server.py`, started by scripts/test, which exports
//! `KINORA_TEST_LLM_URL`). Covered here for real: the OpenAI-compatible client with JSON-schema
//! output, the Anthropic client's plain messages, and the router with fallback and the ledger
//! through the `kinora` binary. In CI a missing server fails these tests.
//!
//! The model is tiny and the machine small: prompts are short and answers capped, so the
//! whole file takes seconds, not minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::fake_http::{anthropic_overloaded, FakeServer};
use kinora::llm::provider::{ChatRequest, Message, OutputSchema, Provider};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_compatible_client_gets_schema_valid_json_from_a_real_model() {
    let Some(url) = common::llm_url() else { return };
    let client =
        kinora::llm::openai::OpenAi::new(&format!("{url}/v1"), None, Duration::from_secs(120));
    let models = client.models().await.unwrap();
    assert!(models.contains(&"smollm2".to_string()), "{models:?}");
    let schema = json!({
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": ["movie", "episode"]}},
        "required": ["kind"],
        "additionalProperties": false
    });
    let answer = client
        .chat(&ChatRequest {
            model: "smollm2".into(),
            system: "Answer with a JSON object like {\"kind\": \"movie\"}.".into(),
            messages: vec![Message::user(
                "Is The.Matrix.1999.1080p.mkv a movie or an episode?",
            )],
            schema: Some(OutputSchema {
                name: "classification".into(),
                description: "movie or episode".into(),
                schema: schema.clone(),
            }),
            max_tokens: 30,
            temperature: 0.0,
        })
        .await
        .unwrap();
    let value = kinora::llm::schema::Schema::compile(&schema)
        .unwrap()
        .check(&answer.text)
        .unwrap_or_else(|e| panic!("{e}: {}", answer.text));
    assert!(["movie", "episode"].contains(&value["kind"].as_str().unwrap()));
    assert!(answer.usage.input_tokens > 10, "{:?}", answer.usage);
    assert!(answer.usage.output_tokens > 0, "{:?}", answer.usage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anthropic_client_plain_messages_from_a_real_model() {
    let Some(url) = common::llm_url() else { return };
    let client = kinora::llm::anthropic::Anthropic::new(
        &url,
        Some(kinora::llm::provider::ApiKey::new("unused-locally".into())),
        Duration::from_secs(120),
    );
    let answer = client
        .chat(&ChatRequest {
            model: "smollm2".into(),
            system: "You are brief.".into(),
            messages: vec![Message::user("Say hello.")],
            schema: None,
            max_tokens: 12,
            temperature: 0.0,
        })
        .await
        .unwrap();
    assert!(!answer.text.trim().is_empty(), "{answer:?}");
    assert!(answer.usage.input_tokens > 0 && answer.usage.output_tokens > 0);
    assert!(answer.usage.output_tokens <= 12, "{answer:?}");
}

/// As a user would run it: a cloud provider (a fake answering Anthropic's 529 overloaded)
/// first, the real local server second. `kinora llm ask` says the cloud failed and the local
/// model answered; the ledger has both calls, seen by `kinora llm usage` and by the server's
/// `/api/v1/llm/usage`; `kinora llm test` reports each provider's state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fallback_from_an_overloaded_cloud_to_the_real_local_model_lands_on_the_ledger() {
    let Some(url) = common::llm_url() else { return };
    let cloud = FakeServer::start(vec![
        ("POST /v1/messages", vec![anthropic_overloaded()]),
        ("GET /v1/models", vec![anthropic_overloaded()]),
    ])
    .await;
    let toml = format!(
        r#"
[llm]
daily_cloud_budget_usd = 1.0

[[llm.providers]]
name = "cloud"
kind = "anthropic"
base_url = "{}"
model = "claude-haiku-4-5"
api_key_env = "FAKE_CLOUD_KEY"
cloud = true
enabled = true
input_price_per_mtok = 1.0
output_price_per_mtok = 5.0

[[llm.providers]]
name = "local"
kind = "openai"
base_url = "{url}/v1"
model = "smollm2"

[llm.tasks]
classify = ["cloud", "local"]
"#,
        cloud.url
    );
    let media = tempfile::tempdir().unwrap();
    let inst = common::Instance::new(&[common::lib("Movies", media.path(), "movies")], &toml);
    let run = |args: &'static [&'static str]| {
        let mut cmd = inst.command(args);
        cmd.env("FAKE_CLOUD_KEY", "sk-ant-fake-0001");
        cmd.env("KINORA_LOG", "warn,kinora::llm=info");
        cmd
    };
    let out = tokio::task::spawn_blocking({
        let mut cmd = run(&[
            "llm",
            "ask",
            "--task",
            "classify",
            "movies/The Matrix (1999)/The.Matrix.1999.1080p.mkv",
        ]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("fallback: cloud failed (overloaded (529): Overloaded)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("answered by: local (model smollm2) after 1 fallback(s)"),
        "{stdout}"
    );
    let json_start = stdout.find('{').unwrap();
    let answer: serde_json::Value = serde_json::from_str(&stdout[json_start..]).unwrap();
    assert!(
        answer["kind"].is_string() && answer["title"].is_string(),
        "{answer}"
    );
    // The cloud call was announced with what it carried.
    assert!(
        stderr.contains("sending a request to a cloud LLM provider")
            && stderr.contains("user text"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-ant-fake-0001") && !stdout.contains("sk-ant-fake-0001"));
    let sent = &cloud.requests_to("/v1/messages")[0];
    assert_eq!(sent.headers["x-api-key"], "sk-ant-fake-0001");

    let usage = inst.cli(&["llm", "usage", "--json"]);
    assert!(usage.status.success());
    let u: serde_json::Value = serde_json::from_slice(&usage.stdout).unwrap();
    assert_eq!(u["totals"]["calls"], 2, "{u}");
    assert_eq!(u["totals"]["failed"], 1, "{u}");
    let by_provider: Vec<(String, i64, i64)> = u["by_provider"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["calls"].as_i64().unwrap(),
                r["failed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_provider,
        [("cloud".to_string(), 1, 1), ("local".to_string(), 1, 0)]
    );
    assert!(u["by_provider"][1]["output_tokens"].as_i64().unwrap() > 0);
    let table = String::from_utf8_lossy(&inst.cli(&["llm", "usage"]).stdout).to_string();
    assert!(table.contains("2 calls (1 failed)"), "{table}");
    assert!(table.contains("of the $1.0000 daily budget"), "{table}");

    // The server reads the same ledger.
    let server = inst.start();
    let u = server.get_json("/api/v1/llm/usage").await;
    assert_eq!(u["totals"]["calls"], 2);
    assert_eq!(u["by_task"][0]["task"], "classify");
    assert_eq!(u["by_provider"][0]["provider"], "cloud");
    assert_eq!(u["by_provider"][0]["failed"], 1);
    let p = server.get_json("/api/v1/llm/providers").await;
    assert_eq!(p["providers"][0]["location"], "cloud");
    assert_eq!(p["providers"][1]["location"], "local");
    drop(server);

    let out = tokio::task::spawn_blocking({
        let mut cmd = run(&["llm", "test"]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "the cloud provider is down: {table}");
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no row for {name}: {table}"))
            .to_string()
    };
    assert!(table.starts_with("PROVIDER"), "{table}");
    assert!(row("cloud").contains("unreachable"), "{table}");
    assert!(row("cloud").contains("overloaded (529)"), "{table}");
    assert!(row("local").contains(" ok "), "{table}");
    assert!(row("local").contains("structured answer"), "{table}");
}

/// Classification's LLM step against the real model: only the doubtful item (a phone clip in a
/// movies library) is sent, and what comes back is stored with the `classify` schema's
/// structure, marked as LLM-generated. The model's wording is not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doubtful_items_are_classified_by_the_real_model() {
    let Some(url) = common::llm_url() else { return };
    let media = tempfile::tempdir().unwrap();
    common::media::video(&media.path().join("Heat (1995)/Heat (1995).mkv"));
    common::media::phone_video(&media.path().join("IMG_5821.MOV"));
    let toml = format!(
        "[[llm.providers]]\nname = \"local\"\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nmodel = \"smollm2\"\ntimeout_secs = 120\n[llm.tasks]\nclassify = [\"local\"]\n# Metadata's LLM steps are tested on their own.\nfill_metadata = []\ndescribe = []\n"
    );
    let inst = common::Instance::new(&[common::lib("Movies", media.path(), "movies")], &toml);
    let s = inst.start();
    s.wait_idle().await;

    let movies = s.items("movie").await;
    assert_eq!(movies.len(), 2, "a movies library holds movies: {movies:?}");
    let heat = movies.iter().find(|m| m["name"] == "Heat").unwrap();
    let clip = movies.iter().find(|m| m["name"] != "Heat").unwrap();
    let detail = s
        .get_json(&format!("/api/v1/items/{}", clip["id"].as_str().unwrap()))
        .await;
    let c = &detail["classification"];
    let llm: Vec<&serde_json::Value> = c["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] == "llm")
        .collect();
    let answer = llm
        .iter()
        .find(|f| f["field"] == "classification")
        .unwrap_or_else(|| panic!("no llm classification: {c}"))["value"]
        .clone();
    let field = |name: &str| answer[name].clone();
    assert!(
        ["movie", "episode", "home_video", "extra"].contains(&field("kind").as_str().unwrap()),
        "{c}"
    );
    assert!(field("title").is_string(), "{c}");
    assert_eq!(field("model"), "smollm2");
    for f in &llm {
        assert_eq!(f["llm_generated"], true, "{f}");
        assert_eq!(f["prompt_version"], "classify@2", "{f}");
        let conf = f["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&conf), "{f}");
    }
    // Whatever the model said, the item stays a movie (the library's kind) and is either the
    // LLM's (surer than the heuristic) or still waiting for a person.
    assert!(
        ["llm", "filename"].contains(&c["source"].as_str().unwrap()),
        "{c}"
    );
    if c["source"] == "filename" {
        assert_eq!(c["review_state"], "pending", "{c}");
    }
    let heat = s
        .get_json(&format!("/api/v1/items/{}", heat["id"].as_str().unwrap()))
        .await;
    assert!(
        heat["classification"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["source"] != "llm"),
        "a confident title is not sent: {heat}"
    );
    let usage = s.get_json("/api/v1/llm/usage").await;
    assert!(
        usage["by_task"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["task"] == "classify"),
        "{usage}"
    );
}

/// Metadata's LLM step against the real model: a home video is described (`describe`), and
/// every value the model wrote says so, in the API and in both sidecars. The wording is the
/// model's and is not asserted; the structure is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_videos_are_described_by_the_real_model() {
    let Some(url) = common::llm_url() else { return };
    let media = tempfile::tempdir().unwrap();
    let clip = media.path().join("2023 Beach/IMG_5821.MOV");
    common::media::phone_video(&clip);
    let toml = format!(
        "[[llm.providers]]\nname = \"local\"\nkind = \"openai\"\nbase_url = \"{url}/v1\"\nmodel = \"smollm2\"\ntimeout_secs = 120\n[llm.tasks]\ndescribe = [\"local\"]\nclassify = []\nfill_metadata = []\n"
    );
    let inst = common::Instance::new(&[common::lib("Home", media.path(), "home")], &toml);
    let s = inst.start();
    s.wait_idle().await;

    let videos = s.items("video").await;
    assert_eq!(videos.len(), 1, "{videos:?}");
    let id = videos[0]["id"].as_str().unwrap();
    let detail = s.get_json(&format!("/api/v1/items/{id}")).await;
    let fields = detail["classification"]["fields"]
        .as_array()
        .unwrap()
        .clone();
    let llm: Vec<&serde_json::Value> = fields
        .iter()
        .filter(|f| f["source"] == "llm" && f["field"] != "classification")
        .collect();
    assert!(!llm.is_empty(), "the model described the clip: {detail}");
    let known = kinora::metadata::merge::field_names();
    for f in &llm {
        assert_eq!(f["llm_generated"], true, "{f}");
        assert_eq!(f["prompt_version"], "describe@2", "{f}");
        assert!(
            known.contains(&f["field"].as_str().unwrap().to_string()),
            "{f}"
        );
    }
    if let Some(rating) = llm.iter().find(|f| f["field"] == "family_safety") {
        assert!(
            ["all_ages", "teen", "adult"].contains(&rating["value"].as_str().unwrap()),
            "{rating}"
        );
    }
    if let Some(genres) = llm.iter().find(|f| f["field"] == "genres") {
        for g in genres["value"].as_array().unwrap() {
            assert!(
                kinora::llm::prompts::TMDB_GENRES.contains(&g.as_str().unwrap()),
                "genres come from TMDB's list: {g}"
            );
        }
    }
    // The sidecars say which values a model wrote.
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(media.path().join("2023 Beach/IMG_5821.kinora.json")).unwrap(),
    )
    .unwrap();
    let marked = record["llm_generated"].as_array().unwrap();
    assert!(!marked.is_empty(), "{record}");
    for f in record["fields"].as_array().unwrap() {
        if f["source"] == "llm" {
            assert_eq!(f["llm_generated"], true, "{f}");
        }
    }
    let nfo = std::fs::read_to_string(media.path().join("2023 Beach/IMG_5821.nfo")).unwrap();
    assert!(nfo.contains("<llmgenerated>"), "{nfo}");
    let usage = s.get_json("/api/v1/llm/usage").await;
    assert!(
        usage["by_task"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["task"] == "describe"),
        "{usage}"
    );
}
