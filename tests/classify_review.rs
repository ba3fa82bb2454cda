//! Classification end to end: a real server over generated media (real ffmpeg/ffprobe),
//! the review queue and a person's answers through `/api/v1/review`, on SQLite and (when
//! `KINORA_TEST_POSTGRES_URL` is set) PostgreSQL. The LLM step is covered against a fake
//! OpenAI-compatible server here and against the real local model in `llm_real.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::fake_http::{openai_chat, FakeServer};
use common::media::{phone_video, video};
use common::{lib, Instance, Server};
use serde_json::{json, Value};

async fn post_json(s: &Server, path: &str, body: &Value) -> (u16, Value) {
    let res = s
        .client
        .post(s.url(path))
        .header("X-Api-Key", &s.key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn item(s: &Server, id: &str) -> Value {
    s.get_json(&format!("/api/v1/items/{id}")).await
}

async fn review_ids(s: &Server) -> Vec<String> {
    s.get_json("/api/v1/review").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn touch(path: &Path) {
    let status = std::process::Command::new("touch")
        .args(["-d", "2001-01-01 00:00:00"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Movies: a clean title and a phone clip (the library says movie, the video says camera).
/// Mixed: a movie name on phone footage, a phone clip, a film and an episode.
fn library(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let movies = root.join("movies");
    let mixed = root.join("mixed");
    video(&movies.join("Heat (1995)/Heat (1995).mkv"));
    phone_video(&movies.join("IMG_5821.MOV"));
    phone_video(&mixed.join("Birthday (2019).mov"));
    phone_video(&mixed.join("Phone/IMG_1234.MOV"));
    video(&mixed.join("Alien (1979)/Alien (1979).mkv"));
    video(&mixed.join("Show/Season 01/Show S01E02.mkv"));
    (movies, mixed)
}

async fn review_flow(database_url: Option<String>) {
    let media = tempfile::tempdir().unwrap();
    let (movies, mixed) = library(media.path());
    let inst = Instance::with_database(
        &[
            lib("Movies", &movies, "movies"),
            lib("Mixed", &mixed, "mixed"),
        ],
        "",
        database_url,
    );
    let s = inst.start();
    s.wait_idle().await;

    // Confident titles classify silently; the doubtful one waits for a person, with why.
    let heat = s
        .item_named("movie", "Heat")
        .await
        .expect("Heat is a movie");
    let Some(clip) = s.item_named("movie", "IMG_5821").await else {
        panic!(
            "the library says movie: {:?}",
            s.items("movie,video,episode,extra").await
        )
    };
    let queue = s.get_json("/api/v1/review").await;
    assert_eq!(queue["total"], 1, "{queue}");
    let entry = &queue["items"][0];
    assert_eq!(entry["id"], clip["id"]);
    let c = &entry["classification"];
    assert_eq!(c["review_state"], "pending");
    assert!(c["confidence"].as_f64().unwrap() < 0.6, "{c}");
    assert!(
        c["reasons"][0].as_str().unwrap().contains("camera footage"),
        "the reviewer is told why: {c}"
    );
    assert!(
        c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["source"] == "filename" && f["field"] == "kind" && f["value"] == "movie"),
        "{c}"
    );
    let heat_c = &item(&s, heat["id"].as_str().unwrap()).await["classification"];
    assert!(heat_c["confidence"].as_f64().unwrap() >= 0.8, "{heat_c}");
    assert_eq!(heat_c["review_state"], Value::Null);
    assert_eq!(heat_c["source"], "filename");

    // Mixed library: phone footage is a home video even when named like a movie; the item
    // keeps its id when it changes kind.
    let videos = s.items("video").await;
    let names: Vec<&str> = videos.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"IMG_1234"), "{names:?}");
    let birthday = videos
        .iter()
        .find(|v| v["name"].as_str().unwrap().starts_with("Birthday"))
        .unwrap_or_else(|| panic!("Birthday (2019) is footage: {names:?}"));
    let b = item(&s, birthday["id"].as_str().unwrap()).await;
    assert_eq!(b["classification"]["source"], "probe", "{b}");
    assert!(s.item_named("movie", "Alien").await.is_some());
    let episodes = s.items("episode").await;
    assert_eq!(episodes.len(), 1, "{episodes:?}");
    assert_eq!(episodes[0]["episode_number"], 2);

    // Malformed answers are refused with a clear error and change nothing.
    let clip_id = clip["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/review/{clip_id}/correct");
    for (body, want) in [
        (json!({"kind": "cartoon"}), "unknown kind"),
        (json!({}), "nothing to correct"),
        (json!({"season": 2}), "for episodes"),
        (json!({"kind": "extra"}), "extra"),
        (json!({"title": "  "}), "title"),
        (json!({"tmdb_id": "12a"}), "tmdb_id"),
        (json!({"year": 99999}), "year"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (status, err) = post_json(&s, &path, &body).await;
        assert_eq!(status, 400, "{body} → {err}");
        assert!(
            err["message"].as_str().unwrap().contains(want),
            "{body} → {err}"
        );
    }
    let missing = "/api/v1/review/00000000-0000-0000-0000-000000000000/correct";
    assert_eq!(post_json(&s, missing, &json!({"title": "x"})).await.0, 404);
    let series = &s.items("series").await[0];
    let (status, _) = post_json(
        &s,
        &format!("/api/v1/review/{}/accept", series["id"].as_str().unwrap()),
        &json!({}),
    )
    .await;
    assert_eq!(status, 400, "a series is not classified itself");
    let anonymous = s
        .client
        .post(s.url(&path))
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(review_ids(&s).await, vec![clip_id.clone()]);

    // A correction: the same item (id, so watch history) becomes a home video named so.
    let (status, answer) = post_json(
        &s,
        &path,
        &json!({"kind": "home_video", "title": "Beach Day", "year": 2023, "tmdb_id": 603}),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["user_values"]["tmdb_id"], "603");
    s.wait_idle().await;
    let corrected = item(&s, &clip_id).await;
    assert_eq!(corrected["kind"], "video", "{corrected}");
    assert_eq!(corrected["name"], "Beach Day");
    assert_eq!(corrected["year"], 2023);
    assert_eq!(corrected["classification"]["source"], "user");
    assert_eq!(corrected["classification"]["review_state"], "corrected");
    assert_eq!(corrected["classification"]["confidence"], 1.0);
    assert!(review_ids(&s).await.is_empty());

    // It survives a rescan of a changed file and a move.
    touch(&movies.join("IMG_5821.MOV"));
    s.rescan().await;
    let after = item(&s, &clip_id).await;
    assert_eq!(
        (&after["kind"], &after["name"]),
        (&json!("video"), &json!("Beach Day"))
    );
    std::fs::create_dir_all(movies.join("Trips")).unwrap();
    std::fs::rename(
        movies.join("IMG_5821.MOV"),
        movies.join("Trips/IMG_5821.MOV"),
    )
    .unwrap();
    s.rescan().await;
    let moved = item(&s, &clip_id).await;
    assert_eq!(moved["name"], "Beach Day", "{moved}");
    assert!(
        moved["files"][0]["path"]
            .as_str()
            .unwrap()
            .contains("Trips"),
        "{moved}"
    );
    assert_eq!(moved["classification"]["review_state"], "corrected");

    // Accepting pins what was decided.
    let heat_id = heat["id"].as_str().unwrap();
    let (status, answer) =
        post_json(&s, &format!("/api/v1/review/{heat_id}/accept"), &json!({})).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["user_values"]["kind"], "movie");
    assert_eq!(answer["user_values"]["title"], "Heat");
    assert_eq!(answer["user_values"]["year"], 1995);
    s.wait_idle().await;
    let heat_now = item(&s, heat_id).await;
    assert_eq!(heat_now["classification"]["review_state"], "accepted");
    assert_eq!(heat_now["classification"]["source"], "user");

    // Running classification again changes nothing (same rows, same items).
    let ids: Vec<String> = s
        .items("movie,video,episode")
        .await
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let mut before = Vec::new();
    for id in &ids {
        let mut v = item(&s, id).await;
        v.as_object_mut().unwrap().remove("jobs");
        before.push(v);
    }
    for id in &ids {
        assert_eq!(
            s.post(&format!("/api/v1/items/{id}/classify"))
                .await
                .status(),
            202
        );
    }
    s.wait_idle().await;
    for (id, old) in ids.iter().zip(&before) {
        let mut v = item(&s, id).await;
        v.as_object_mut().unwrap().remove("jobs");
        assert_eq!(&v, old, "classify twice must leave the same item");
    }

    // Removing the correction hands the item back to Kinora, which doubts it again.
    let res = s
        .client
        .delete(s.url(&format!("/api/v1/review/{clip_id}/correction")))
        .header("X-Api-Key", &s.key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    s.wait_idle().await;
    let back = item(&s, &clip_id).await;
    assert_eq!(back["kind"], "movie", "{back}");
    assert_eq!(back["name"], "IMG_5821");
    assert_eq!(review_ids(&s).await, vec![clip_id.clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_queue_and_corrections_on_sqlite() {
    review_flow(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_queue_and_corrections_on_postgres() {
    let Some(base) = common::postgres_url() else {
        return;
    };
    review_flow(Some(common::fresh_postgres_db(&base).await)).await;
}

/// The LLM is asked only about doubtful items, its answer is kept as `llm_generated` values and
/// reused while the input is unchanged, and a person's correction is never overridden.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn llm_disambiguates_only_doubtful_items() {
    let answer = r#"{"kind":"movie","title":"The Clip","year":2001,"season":null,"episode":null,"confidence":0.9}"#;
    let fake = FakeServer::start(vec![(
        "POST /v1/chat/completions",
        vec![openai_chat(answer, 120, 30)],
    )])
    .await;
    let media = tempfile::tempdir().unwrap();
    let movies = media.path().join("movies");
    video(&movies.join("Heat (1995)/Heat (1995).mkv"));
    phone_video(&movies.join("IMG_5821.MOV"));
    let toml = format!(
        "[[llm.providers]]\nname = \"fake\"\nkind = \"openai\"\nbase_url = \"{}/v1\"\nmodel = \"m\"\n[llm.tasks]\nclassify = [\"fake\"]\n",
        fake.url
    );
    let inst = Instance::new(&[lib("Movies", &movies, "movies")], &toml);
    let s = inst.start();
    s.wait_idle().await;

    // Unset tasks (the metadata step's) also go to the local provider; count `classify` only.
    let classify_calls = || {
        fake.requests_to("/v1/chat/completions")
            .into_iter()
            .filter(|r| r.json().to_string().contains("You sort the video files"))
            .collect::<Vec<_>>()
    };
    let asked = classify_calls();
    assert_eq!(asked.len(), 1, "only the doubtful item is sent");
    let sent = asked[0].json().to_string();
    assert!(sent.contains("IMG_5821"), "{sent}");
    assert!(
        !sent.contains("Heat"),
        "a confident title is never sent: {sent}"
    );
    assert!(
        !sent.contains("48.8584"),
        "no location leaves the machine: {sent}"
    );

    let clip = s
        .item_named("movie", "The Clip")
        .await
        .expect("the LLM's title");
    let id = clip["id"].as_str().unwrap().to_string();
    let v = item(&s, &id).await;
    let c = &v["classification"];
    assert_eq!(c["source"], "llm", "{c}");
    assert_eq!(c["confidence"], 0.9);
    assert_eq!(v["year"], 2001);
    let llm: Vec<&Value> = c["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["source"] == "llm")
        .collect();
    assert_eq!(llm.len(), 1, "one row holds the whole answer: {c}");
    assert_eq!(llm[0]["field"], "classification");
    assert_eq!(llm[0]["value"]["title"], "The Clip");
    assert_eq!(llm[0]["value"]["model"], "m");
    assert!(llm
        .iter()
        .all(|f| f["llm_generated"] == true && f["prompt_version"] == "classify@2"));

    // Same input, same answer: reused, not bought again.
    assert_eq!(
        s.post(&format!("/api/v1/items/{id}/classify"))
            .await
            .status(),
        202
    );
    s.wait_idle().await;
    assert_eq!(classify_calls().len(), 1);

    // A person's word stands; the LLM is not asked to second-guess it.
    let (status, _) = post_json(
        &s,
        &format!("/api/v1/review/{id}/correct"),
        &json!({"title": "Beach Day"}),
    )
    .await;
    assert_eq!(status, 202);
    s.wait_idle().await;
    let v = item(&s, &id).await;
    assert_eq!(v["name"], "Beach Day");
    assert_eq!(v["classification"]["source"], "user");
    assert_eq!(classify_calls().len(), 1);
}

/// An unreachable LLM leaves the heuristic standing and the item in review, with why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_llm_leaves_the_item_in_review() {
    let media = tempfile::tempdir().unwrap();
    let movies = media.path().join("movies");
    phone_video(&movies.join("IMG_5821.MOV"));
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let toml = format!(
        "[[llm.providers]]\nname = \"down\"\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\nmodel = \"m\"\n[llm.tasks]\nclassify = [\"down\"]\n"
    );
    let inst = Instance::new(&[lib("Movies", &movies, "movies")], &toml);
    let s = inst.start();
    s.wait_idle().await;
    let queue = s.get_json("/api/v1/review").await;
    assert_eq!(queue["total"], 1, "{queue}");
    let reasons = queue["items"][0]["classification"]["reasons"].to_string();
    assert!(reasons.contains("no LLM could help"), "{reasons}");
    assert_eq!(s.get_json("/api/v1/health").await["status"], "ok");
}
