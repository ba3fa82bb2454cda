//! Home-video descriptions with a vision model: a real server over a generated phone clip asks
//! a loopback OpenAI-compatible fake, which records what it was sent. With `vision = true` the
//! describe request carries the clip's keyframes as JPEG data URLs; without it, text only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::fake_http::{openai_chat, FakeServer};
use common::media::phone_video;
use common::{lib, Instance};
use serde_json::{json, Value};

/// An answer that fits `describe@2`.
fn description() -> String {
    json!({
        "title": "Afternoon in Paris",
        "overview": "A short clip filmed on a phone near the Eiffel Tower.",
        "tags": ["paris", "travel"],
        "genres": ["Documentary"],
        "moods": ["calm"],
        "family_safety": "all_ages",
        "family_safety_reason": null,
        "confidence": {"title": 0.6, "overview": 0.6, "tags": 0.7, "genres": 0.5,
                       "moods": 0.4, "family_safety": 0.9}
    })
    .to_string()
}

/// Only `describe` goes to the fake: the other tasks would get answers of the wrong shape.
fn llm_toml(fake: &FakeServer, vision: bool) -> String {
    format!(
        "[[llm.providers]]\nname = \"fake\"\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\
         model = \"m\"\nvision = {vision}\n\
         [llm.tasks]\ndescribe = [\"fake\"]\nclassify = []\nfill_metadata = []\n\
         search_query = []\nembed = []\n",
        fake.url
    )
}

/// The describe request the fake received after a scan of one phone clip.
async fn describe_request(vision: bool) -> Value {
    let fake = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(&description(), 10, 10)],
    )])
    .await;
    let home = tempfile::tempdir().unwrap();
    phone_video(&home.path().join("2023/IMG_0042.MOV"));
    let inst = Instance::new(
        &[lib("Home", home.path(), "home")],
        &llm_toml(&fake, vision),
    );
    let s = inst.start();
    s.wait_idle().await;
    let sent = fake.requests_to("/v1/chat/completions");
    let item = s.item_named("video", "Afternoon in Paris").await;
    assert!(item.is_some(), "the answer was used\n{}", s.log_text());
    // Asked once: a later run (the thumbnail becoming the poster queues one) asks the same
    // question and reuses the answer.
    assert_eq!(sent.len(), 1, "one describe call per clip");
    sent[0].json()
}

fn image_urls(request: &Value) -> Vec<String> {
    let user = &request["messages"][1];
    user["content"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|part| part["type"] == "image_url")
        .map(|part| part["image_url"]["url"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vision_model_sees_keyframes_of_a_home_video() {
    let request = describe_request(true).await;
    let urls = image_urls(&request);
    assert!(urls.len() == 3, "keyframes attached: {request}");
    for url in &urls {
        let b64 = url
            .strip_prefix("data:image/jpeg;base64,")
            .expect("a JPEG data URL");
        let jpeg = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "JPEG magic");
    }
    let text = request["messages"][1]["content"][0]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.contains("IMG_0042"),
        "the facts still go along: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_model_gets_no_images() {
    let request = describe_request(false).await;
    assert!(image_urls(&request).is_empty());
    let content = &request["messages"][1]["content"];
    assert!(content.is_string(), "plain text message: {content}");
    assert!(content.as_str().unwrap().contains("IMG_0042"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_vision_on_asks_once_more_then_the_answer_is_reused() {
    let fake = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(&description(), 10, 10)],
    )])
    .await;
    let home = tempfile::tempdir().unwrap();
    phone_video(&home.path().join("IMG_0007.MOV"));
    let inst = Instance::new(&[lib("Home", home.path(), "home")], &llm_toml(&fake, false));
    let calls = || fake.requests_to("/v1/chat/completions");
    let mut s = inst.start();
    s.wait_idle().await;
    let item = s.item_named("video", "Afternoon in Paris").await.unwrap();
    let refresh = format!("/api/v1/items/{}/refresh", item["id"].as_str().unwrap());
    let text_only = calls().len();
    assert_eq!(text_only, 1, "one describe call per clip");
    s.post(&refresh).await;
    s.wait_idle().await;
    assert_eq!(
        calls().len(),
        text_only,
        "the same question is not asked twice"
    );
    s.stop();

    let config = std::fs::read_to_string(&inst.config).unwrap();
    std::fs::write(
        &inst.config,
        config.replace("vision = false", "vision = true"),
    )
    .unwrap();
    let s = inst.start();
    s.wait_idle().await;
    s.post(&refresh).await;
    s.wait_idle().await;
    let sent = calls();
    assert_eq!(
        sent.len(),
        text_only + 1,
        "vision asks once more\n{}",
        s.log_text()
    );
    assert_eq!(image_urls(&sent.last().unwrap().json()).len(), 3);
    s.post(&refresh).await;
    s.wait_idle().await;
    assert_eq!(calls().len(), text_only + 1, "and then reuses that answer");
}
