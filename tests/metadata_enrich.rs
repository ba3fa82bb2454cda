//! Metadata end to end: a real server over generated media, TMDB replaced by a loopback fake
//! that replays the real recorded responses in `../shared/fixtures/tmdb` (the production
//! client is what talks to it), NFO files from `../shared/fixtures/nfo`, and the sidecars
//! Kinora writes read back with its own NFO reader.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::fake_tmdb::{fixtures_present, FakeTmdb};
use common::media::video;
use common::{lib, Instance, Server};
use kinora::metadata::nfo::{parse_nfo, MarkerState};
use serde_json::Value;

const KEY: &str = "tmdb-test-key";

fn poster_jpeg(dir: &Path) -> Vec<u8> {
    let out = dir.join("poster.jpg");
    let status = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=64x96",
        ])
        .args(["-frames:v", "1"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

fn tmdb_toml(fake: &FakeTmdb) -> String {
    format!(
        "[tmdb]\napi_key = \"{KEY}\"\nbase_url = \"{0}\"\nimage_base_url = \"{0}/t/p/\"\n",
        fake.url
    )
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

async fn detail(s: &Server, id: &str) -> Value {
    s.get_json(&format!("/api/v1/items/{id}")).await
}

fn match_of(detail: &Value) -> Value {
    detail["classification"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "tmdb_match")
        .map(|f| f["value"].clone())
        .unwrap_or(Value::Null)
}

struct Library {
    _dir: tempfile::TempDir,
    movies: PathBuf,
    tv: PathBuf,
}

fn library() -> Library {
    let dir = tempfile::tempdir().unwrap();
    let movies = dir.path().join("movies");
    let tv = dir.path().join("tv");
    // The id in the folder name is the match (no search).
    video(&movies.join("Fight Club (1999) [tmdbid=550]/Fight Club (1999).mkv"));
    // A search: "the matrix" has 21 results; the exact title wins.
    video(&movies.join("The Matrix/The Matrix.mkv"));
    // The title exists, but from another year: a person decides.
    video(&movies.join("The Matrix (2005)/The Matrix (2005).mkv"));
    // Nothing on TMDB is called this.
    video(&movies.join("Zzyzx Qwerty (2001)/Zzyzx Qwerty (2001).mkv"));
    // A user's own NFO: it wins and is never overwritten.
    video(&movies.join("Justice League (2017)/Justice League (2017).mkv"));
    std::fs::copy(
        common::fake_tmdb::fixtures_root()
            .parent()
            .unwrap()
            .join("nfo/jellyfin/Justice League.nfo"),
        movies.join("Justice League (2017)/Justice League (2017).nfo"),
    )
    .unwrap();
    video(&tv.join("Game of Thrones/Season 01/Game of Thrones S01E01.mkv"));
    Library {
        _dir: dir,
        movies,
        tv,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn movies_and_episodes_get_tmdb_metadata_images_and_sidecars() {
    if !fixtures_present() {
        assert!(std::env::var_os("CI").is_none(), "fixtures missing in CI");
        return;
    }
    let fake = FakeTmdb::start(KEY, "unused-token").await;
    let media = tempfile::tempdir().unwrap();
    fake.serve_images(poster_jpeg(media.path()));
    let l = library();
    let inst = Instance::new(
        &[
            lib("Movies", &l.movies, "movies"),
            lib("Shows", &l.tv, "tv"),
        ],
        &tmdb_toml(&fake),
    );
    let s = inst.start();
    s.wait_idle().await;

    // Fight Club: by the id in its folder name, with everything TMDB has.
    let fc = s
        .item_named("movie", "Fight Club")
        .await
        .expect("Fight Club");
    let fc_id = fc["id"].as_str().unwrap().to_string();
    let d = detail(&s, &fc_id).await;
    let m = &d["metadata"];
    assert_eq!(m["provider_ids"]["imdb"], "tt0137523", "{d}");
    assert_eq!(m["provider_ids"]["tmdb"], "550");
    assert_eq!(m["source"], "tmdb");
    assert!(
        m["genres"].as_array().unwrap().iter().any(|g| g == "Drama"),
        "{m}"
    );
    assert!(m["overview"].as_str().unwrap().len() > 50);
    let people = m["people"].as_array().unwrap();
    assert_eq!(people[0]["name"], "Edward Norton", "{m}");
    assert!(people
        .iter()
        .any(|p| p["kind"] == "director" && p["name"] == "David Fincher"));
    assert_eq!(match_of(&d)["status"], "matched");
    assert!(fake
        .requests()
        .iter()
        .all(|r| !(r.path == "/3/search/movie" && r.param("query") == Some("fight club"))));
    assert_eq!(d["has_image"], true, "{d}");
    assert_eq!(m["has_backdrop"], true, "{m}");
    assert_eq!(
        m["has_logo"], true,
        "the English logo from the appended images: {m}"
    );
    // Its sidecars: a Kodi NFO Kinora can read back, marked as Kinora's, and the JSON record.
    let folder = l.movies.join("Fight Club (1999) [tmdbid=550]");
    let nfo_path = folder.join("Fight Club (1999).nfo");
    let nfo_text = std::fs::read_to_string(&nfo_path).expect("NFO written");
    let doc = parse_nfo(&nfo_text).unwrap();
    assert_eq!(doc.marker, MarkerState::Unedited);
    assert_eq!(doc.metadata.title.as_deref(), Some("Fight Club"));
    assert_eq!(doc.metadata.ids.tmdb.as_deref(), Some("550"));
    assert_eq!(doc.metadata.ids.imdb.as_deref(), Some("tt0137523"));
    assert!(
        nfo_text.contains("<uniqueid type=\"tmdb\" default=\"true\">550</uniqueid>"),
        "{nfo_text}"
    );
    assert!(nfo_text.contains("<streamdetails>"), "{nfo_text}");
    let poster_file = folder.join("Fight Club (1999)-poster.jpg");
    assert_eq!(
        std::fs::read(&poster_file).expect("Kodi poster beside the movie"),
        std::fs::read(media.path().join("poster.jpg")).unwrap(),
        "the TMDB poster"
    );
    let json_path = folder.join("Fight Club (1999).kinora.json");
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(record["item_id"], fc_id.as_str());
    assert_eq!(record["metadata"]["title"], "Fight Club");
    assert!(record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field"] == "title" && f["source"] == "tmdb" && f["winner"] == true));

    // The Jellyfin side sees it: genres, people, provider ids, the TMDB poster.
    let token = s.jf_login("metadata-test").await;
    let me = s.jf_get("/Users/Me", &token).await;
    let uid = me["Id"].as_str().unwrap();
    let jf = s
        .jf_get(
            &format!("/Users/{uid}/Items/{}", fc_id.replace('-', "")),
            &token,
        )
        .await;
    assert_eq!(jf["ProviderIds"]["Imdb"], "tt0137523", "{jf}");
    assert!(jf["Genres"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "Drama"));
    assert!(jf["People"].as_array().unwrap().len() > 5);
    assert!(jf["Overview"].as_str().is_some());
    assert_eq!(jf["BackdropImageTags"].as_array().unwrap().len(), 1);
    let poster = s
        .client
        .get(s.url(&format!("/Items/{}/Images/Primary", fc_id.replace('-', ""))))
        .send()
        .await
        .unwrap();
    assert_eq!(poster.status(), 200);
    // jellyfin-web's "Refresh metadata".
    for (id, want) in [
        (fc_id.replace('-', ""), 204),
        ("0123456789abcdef0123456789abcdef".to_string(), 404),
    ] {
        let res = s
            .client
            .post(s.url(&format!("/Items/{id}/Refresh")))
            .header("X-Emby-Token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want);
    }
    s.wait_idle().await;

    // A person's edit wins over TMDB, survives re-enrichment, and null gives TMDB back.
    let patch = |body: Value| {
        let s = &s;
        let fc_id = fc_id.clone();
        async move {
            let res = s
                .client
                .patch(s.url(&format!("/api/v1/items/{fc_id}/metadata")))
                .header("X-Api-Key", &s.key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, err) = patch(serde_json::json!({"colour": "red"})).await;
    assert_eq!(status, 400, "{err}");
    assert!(err["message"].as_str().unwrap().contains("unknown field"));
    let (status, err) = patch(serde_json::json!({"genres": "not a list"})).await;
    assert_eq!(status, 400, "{err}");
    let (status, _) =
        patch(serde_json::json!({"overview": "My own words.", "genres": ["Comedy"]})).await;
    assert_eq!(status, 202);
    s.wait_idle().await;
    let d = detail(&s, &fc_id).await;
    assert_eq!(d["metadata"]["overview"], "My own words.", "{d}");
    assert_eq!(d["metadata"]["genres"], serde_json::json!(["Comedy"]));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert!(record["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["field"] == "overview" && f["source"] == "user" && f["winner"] == true));
    let (status, _) = patch(serde_json::json!({"overview": null, "genres": null})).await;
    assert_eq!(status, 202);
    s.wait_idle().await;
    let d = detail(&s, &fc_id).await;
    assert_ne!(d["metadata"]["overview"], "My own words.");
    assert!(d["metadata"]["genres"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == "Drama"));

    // The Matrix: found by searching, the exact title over "The Matrix Reloaded" and co.
    let matrix = s
        .items("movie")
        .await
        .into_iter()
        .find(|i| i["name"] == "The Matrix" && i["year"] != 2005)
        .expect("The Matrix");
    let d = detail(&s, matrix["id"].as_str().unwrap()).await;
    let searches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/3/search") || r.path.starts_with("/3/movie"))
        .map(|r| (r.path, r.query))
        .collect();
    assert_eq!(
        d["metadata"]["provider_ids"]["tmdb"], "603",
        "{d}\n{searches:?}"
    );
    assert_eq!(d["year"], 1999);
    assert!(fake.count("/3/search/movie") >= 1);

    // Nothing found: the item says why, and classification heard it.
    let z = s
        .items("movie")
        .await
        .into_iter()
        .find(|i| i["name"].as_str().unwrap().starts_with("Zzyzx"))
        .expect("Zzyzx");
    let d = detail(&s, z["id"].as_str().unwrap()).await;
    assert_eq!(match_of(&d)["status"], "miss", "{d}");

    // An unsure match waits in the review queue with its candidates; a tmdb_id settles it.
    let doubtful = s
        .items("movie")
        .await
        .into_iter()
        .find(|i| i["year"] == 2005)
        .expect("The Matrix (2005)");
    let did = doubtful["id"].as_str().unwrap().to_string();
    let d = detail(&s, &did).await;
    let m = match_of(&d);
    assert_eq!(m["status"], "unsure", "{d}");
    assert_eq!(m["candidates"][0]["tmdb_id"], "603");
    let queue = s.get_json("/api/v1/review").await;
    let entry = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == did.as_str())
        .unwrap_or_else(|| panic!("in the review queue: {queue}"));
    assert!(
        entry["classification"]["reasons"]
            .to_string()
            .contains("TMDB match unsure"),
        "{entry}"
    );
    let res = s
        .client
        .post(s.url(&format!("/api/v1/review/{did}/correct")))
        .header("X-Api-Key", &s.key)
        .json(&serde_json::json!({"tmdb_id": 603}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    s.wait_idle().await;
    let d = detail(&s, &did).await;
    assert_eq!(match_of(&d)["status"], "matched", "{d}");
    assert_eq!(d["metadata"]["provider_ids"]["tmdb"], "603");
    assert_eq!(d["classification"]["review_state"], "corrected");

    // A user's NFO wins over TMDB and stays as it was.
    let jl_folder = l.movies.join("Justice League (2017)");
    let jl_nfo = jl_folder.join("Justice League (2017).nfo");
    let before = std::fs::read(&jl_nfo).unwrap();
    let jl = s
        .items("movie")
        .await
        .into_iter()
        .find(|i| i["name"] == "Justice League")
        .expect("Justice League");
    let d = detail(&s, jl["id"].as_str().unwrap()).await;
    assert_eq!(d["metadata"]["tagline"], "Justice for all.", "{d}");
    assert_eq!(d["metadata"]["provider_ids"]["imdb"], "tt0974015");
    assert_eq!(d["metadata"]["source"], "nfo");
    assert_eq!(
        std::fs::read(&jl_nfo).unwrap(),
        before,
        "a user's NFO is never overwritten"
    );
    assert!(jl_folder.join("Justice League (2017).kinora.json").exists());

    // An episode: the series by search, the episode from the season's answer.
    let ep = s
        .items("episode")
        .await
        .into_iter()
        .next()
        .expect("an episode");
    let d = detail(&s, ep["id"].as_str().unwrap()).await;
    assert_eq!(d["name"], "Winter Is Coming", "{d}");
    assert_eq!(match_of(&d)["status"], "matched");
    let series = s
        .item_named("series", "Game of Thrones")
        .await
        .expect("series");
    let sd = detail(&s, series["id"].as_str().unwrap()).await;
    assert_eq!(sd["metadata"]["provider_ids"]["tvdb"], "121361", "{sd}");
    assert!(l.tv.join("Game of Thrones/tvshow.nfo").exists());
    assert!(l
        .tv
        .join("Game of Thrones/Season 01/Game of Thrones S01E01.nfo")
        .exists());

    // Enriching again changes nothing: no new TMDB calls (the cache), the same sidecars.
    let calls = fake.requests().len();
    let nfo_mtime = mtime(&nfo_path);
    let json_before = std::fs::read(&json_path).unwrap();
    let fc_before = detail(&s, &fc_id).await;
    for kind in ["movie", "episode"] {
        for i in s.items(kind).await {
            let id = i["id"].as_str().unwrap();
            assert_eq!(
                s.post(&format!("/api/v1/items/{id}/classify"))
                    .await
                    .status(),
                202
            );
        }
    }
    s.wait_idle().await;
    let new_calls: Vec<_> = fake.requests()[calls..]
        .iter()
        .filter(|r| !r.path.starts_with("/t/p/"))
        .map(|r| r.path.clone())
        .collect();
    assert!(new_calls.is_empty(), "cached: {new_calls:?}");
    assert_eq!(
        mtime(&nfo_path),
        nfo_mtime,
        "an unchanged NFO is not rewritten"
    );
    assert_eq!(std::fs::read(&json_path).unwrap(), json_before);
    let mut fc_after = detail(&s, &fc_id).await;
    let mut fc_before = fc_before;
    fc_after.as_object_mut().unwrap().remove("jobs");
    fc_before.as_object_mut().unwrap().remove("jobs");
    assert_eq!(fc_after, fc_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_tmdb_is_skipped_and_the_item_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let movies = dir.path().join("movies");
    video(&movies.join("Heat (1995)/Heat (1995).mkv"));
    let inst = Instance::new(&[lib("Movies", &movies, "movies")], "");
    let s = inst.start();
    s.wait_idle().await;
    let heat = s.item_named("movie", "Heat").await.expect("Heat");
    let d = detail(&s, heat["id"].as_str().unwrap()).await;
    let m = match_of(&d);
    assert_eq!(m["status"], "skipped", "{d}");
    assert!(
        m["why"].as_str().unwrap().contains("no TMDB API key"),
        "{m}"
    );
    // The filename's facts still stand, and sidecars are written from them.
    assert_eq!(d["year"], 1995);
    assert!(movies.join("Heat (1995)/Heat (1995).nfo").exists());
    // No TMDB poster: the keyframe thumbnail is the poster beside it.
    let poster = movies.join("Heat (1995)/Heat (1995)-poster.jpg");
    assert!(std::fs::metadata(&poster).unwrap().len() > 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sidecars_follow_the_library_policy() {
    let dir = tempfile::tempdir().unwrap();
    let movies = dir.path().join("movies");
    video(&movies.join("Heat (1995)/Heat (1995).mkv"));
    let inst = Instance::new(&[], &format!(
        "[[libraries]]\nname = \"Movies\"\npath = {:?}\nkind = \"movies\"\nwatch = \"off\"\nsidecars = \"never\"\n",
        movies.display().to_string()
    ));
    let s = inst.start();
    s.wait_idle().await;
    assert!(s.item_named("movie", "Heat").await.is_some());
    assert!(!movies.join("Heat (1995)/Heat (1995).nfo").exists());
    assert!(!movies.join("Heat (1995)/Heat (1995).kinora.json").exists());
}
