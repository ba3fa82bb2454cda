//! Winning metadata as Jellyfin clients see it: a catalogued movie gets metadata through the
//! catalog layer (as the enrichment job will write it, here from the test process while the
//! server runs: SQLite in WAL mode takes a second writer, and the server keeps no item cache),
//! then the item routes, images, filters and genres serve it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::media::video;
use common::{lib, Instance};
use kinora::db::{metadata, Catalog};
use kinora::domain::metadata::{ImageKind, Metadata, Person, PersonKind, ProviderIds};
use serde_json::Value;

/// A still image made with ffmpeg (`.jpg` or `.png` by extension).
fn image(path: &Path, color: &str) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("color={color}:size=320x180"))
        .args(["-frames:v", "1"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn winners() -> Metadata {
    Metadata {
        title: Some("The Matrix".into()),
        original_title: Some("The Matrix".into()),
        sort_title: Some("Matrix, The".into()),
        year: Some(1999),
        premiere_date: Some("1999-03-31".into()),
        overview: Some("A hacker learns what the world is.".into()),
        tagline: Some("Welcome to the Real World.".into()),
        genres: vec!["Action".into(), "Science Fiction".into()],
        studios: vec!["Warner Bros. Pictures".into()],
        certification: Some("R".into()),
        rating: Some(8.2),
        vote_count: Some(26_000),
        people: vec![
            Person {
                name: "Keanu Reeves".into(),
                kind: PersonKind::Actor,
                role: Some("Neo".into()),
                ..Person::default()
            },
            Person {
                name: "Lana Wachowski".into(),
                kind: PersonKind::Director,
                ..Person::default()
            },
        ],
        ids: ProviderIds {
            tmdb: Some("603".into()),
            imdb: Some("tt0133093".into()),
            tvdb: None,
        },
        tags: vec!["cyberpunk".into()],
        ..Metadata::default()
    }
}

async fn status_of(server: &common::Server, path: &str) -> (u16, String, Vec<u8>) {
    let res = server.client.get(server.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, res.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_is_served_the_jellyfin_way() {
    let media = tempfile::tempdir().unwrap();
    video(&media.path().join("movies/Matrix (1999)/Matrix (1999).mkv"));
    video(&media.path().join("movies/Other (2001)/Other (2001).mkv"));
    let inst = Instance::new(&[lib("Movies", &media.path().join("movies"), "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let token = server.jf_login("meta1").await;
    let me = server.jf_get("/Users/Me", &token).await;
    let uid = me["Id"].as_str().unwrap().to_string();
    let listed = server
        .jf_get("/Items?Recursive=true&IncludeItemTypes=Movie", &token)
        .await;
    let movie = listed["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["Name"].as_str().unwrap().contains("Matrix"))
        .unwrap_or_else(|| panic!("Matrix not listed: {listed}"))
        .clone();
    let id = movie["Id"].as_str().unwrap().to_string();
    // Before enrichment: empty lists, no rating, no backdrop.
    assert_eq!(movie["Genres"], serde_json::json!([]));
    assert_eq!(movie["BackdropImageTags"], serde_json::json!([]));
    assert!(movie.get("OfficialRating").is_none());

    // The enrichment job's writes, through the catalog layer.
    let art = inst.dir.path().join("art");
    std::fs::create_dir_all(&art).unwrap();
    image(&art.join("backdrop.jpg"), "red");
    image(&art.join("logo.png"), "blue");
    let catalog = Catalog::open(&format!(
        "sqlite://{}?mode=rwc",
        inst.data_dir.join("kinora.db").display()
    ))
    .await
    .unwrap();
    let catalog_id = uuid::Uuid::parse_str(&id).unwrap().to_string();
    assert!(
        metadata::apply(&catalog.write, &catalog_id, &winners(), "tmdb")
            .await
            .unwrap()
    );
    let backdrop = art.join("backdrop.jpg").display().to_string();
    let logo = art.join("logo.png").display().to_string();
    metadata::set_image(
        &catalog.write,
        &catalog_id,
        ImageKind::Backdrop,
        &backdrop,
        "bd1",
    )
    .await
    .unwrap();
    metadata::set_image(&catalog.write, &catalog_id, ImageKind::Logo, &logo, "lg1")
        .await
        .unwrap();
    catalog.close().await;

    // The legacy detail route (python, Kodi, web's legacy client) carries everything.
    let item = server
        .jf_get(&format!("/Users/{uid}/Items/{id}"), &token)
        .await;
    assert_eq!(item["Name"], "The Matrix");
    assert_eq!(item["SortName"], "Matrix, The");
    assert_eq!(item["OriginalTitle"], "The Matrix");
    assert_eq!(item["ProductionYear"], 1999);
    assert_eq!(item["PremiereDate"], "1999-03-31T00:00:00.0000000Z");
    assert_eq!(item["Overview"], "A hacker learns what the world is.");
    assert_eq!(
        item["Genres"],
        serde_json::json!(["Action", "Science Fiction"])
    );
    let genre_id = item["GenreItems"][0]["Id"].as_str().unwrap().to_string();
    assert_eq!(item["GenreItems"][0]["Name"], "Action");
    assert_eq!(genre_id.len(), 32);
    assert_eq!(item["Studios"][0]["Name"], "Warner Bros. Pictures");
    assert_eq!(item["Studios"][0]["Id"].as_str().unwrap().len(), 32);
    assert_eq!(item["Tags"], serde_json::json!(["cyberpunk"]));
    assert_eq!(
        item["Taglines"],
        serde_json::json!(["Welcome to the Real World."])
    );
    assert_eq!(item["OfficialRating"], "R");
    assert!((item["CommunityRating"].as_f64().unwrap() - 8.2).abs() < 1e-6);
    assert_eq!(
        item["ProviderIds"],
        serde_json::json!({"Tmdb": "603", "Imdb": "tt0133093"})
    );
    let people = item["People"].as_array().unwrap();
    assert_eq!(people.len(), 2, "{item}");
    assert_eq!(people[0]["Name"], "Keanu Reeves");
    assert_eq!(people[0]["Role"], "Neo");
    assert_eq!(people[0]["Type"], "Actor");
    assert_eq!(people[0]["Id"].as_str().unwrap().len(), 32);
    assert_eq!(people[1]["Type"], "Director");
    assert_eq!(item["BackdropImageTags"], serde_json::json!(["bd1"]));
    assert_eq!(item["ImageTags"]["Logo"], "lg1");
    // The modern route answers the same.
    let modern = server
        .jf_get(&format!("/Items/{id}?userId={uid}"), &token)
        .await;
    assert_eq!(modern["People"], item["People"]);
    assert_eq!(modern["Genres"], item["Genres"]);

    // Lists: people only when asked for (Jellyfin's Fields=People).
    let list = server
        .jf_get(
            &format!("/Users/{uid}/Items?Recursive=true&IncludeItemTypes=Movie&Ids={id}"),
            &token,
        )
        .await;
    assert!(list["Items"][0].get("People").is_none(), "{list}");
    assert_eq!(list["Items"][0]["Genres"], item["Genres"]);
    let list = server
        .jf_get(
            &format!(
                "/Users/{uid}/Items?Recursive=true&IncludeItemTypes=Movie&Fields=People,Genres&Ids={id}"
            ),
            &token,
        )
        .await;
    assert_eq!(list["Items"][0]["People"], item["People"]);

    // Images: backdrop 0 and the logo, anonymously, resized too; nothing past index 0.
    let (status, ct, bytes) =
        status_of(&server, &format!("/Items/{id}/Images/Backdrop/0?tag=bd1")).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(bytes, std::fs::read(art.join("backdrop.jpg")).unwrap());
    let (status, ct, _) = status_of(
        &server,
        &format!("/Items/{id}/Images/Backdrop?maxWidth=100"),
    )
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    let (status, ct, _) =
        status_of(&server, &format!("/items/{id}/images/logo?fillWidth=100")).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let (status, _, _) = status_of(&server, &format!("/Items/{id}/Images/Backdrop/1")).await;
    assert_eq!(status, 404);
    let other = listed["Items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["Id"] != id.as_str())
        .unwrap()["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, _) = status_of(&server, &format!("/Items/{other}/Images/Backdrop/0")).await;
    assert_eq!(status, 404, "no backdrop, no image");

    // Filters, genres and genre filters.
    let filters = server
        .jf_get(
            &format!("/Items/Filters?UserId={uid}&IncludeItemTypes=Movie"),
            &token,
        )
        .await;
    assert_eq!(
        filters["Genres"],
        serde_json::json!(["Action", "Science Fiction"])
    );
    assert_eq!(filters["OfficialRatings"], serde_json::json!(["R"]));
    assert_eq!(filters["Tags"], serde_json::json!(["cyberpunk"]));
    assert!(filters["Years"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!(1999)));
    let filters2 = server
        .jf_get(&format!("/Items/Filters2?UserId={uid}"), &token)
        .await;
    assert_eq!(filters2["Genres"][0]["Name"], "Action");
    assert_eq!(filters2["Genres"][0]["Id"], genre_id.as_str());
    let genres = server.jf_get("/Genres?Recursive=true", &token).await;
    assert_eq!(genres["TotalRecordCount"], 2);
    assert_eq!(genres["Items"][0]["Type"], "Genre");
    assert_eq!(genres["Items"][0]["Id"], genre_id.as_str());
    let studios = server.jf_get("/Studios", &token).await;
    assert_eq!(studios["Items"][0]["Name"], "Warner Bros. Pictures");
    let by_genre = server
        .jf_get(
            &format!("/Items?Recursive=true&GenreIds={genre_id}"),
            &token,
        )
        .await;
    assert_eq!(by_genre["TotalRecordCount"], 1, "{by_genre}");
    assert_eq!(by_genre["Items"][0]["Id"], id.as_str());
    let by_name = server
        .jf_get("/Items?Recursive=true&Genres=Science%20Fiction|War", &token)
        .await;
    assert_eq!(by_name["TotalRecordCount"], 1);
    let none = server
        .jf_get("/Items?Recursive=true&Genres=War", &token)
        .await;
    assert_eq!(none["TotalRecordCount"], 0);
    let rated = server
        .jf_get("/Items?Recursive=true&OfficialRatings=R", &token)
        .await;
    assert_eq!(rated["TotalRecordCount"], 1);

    // The native API shows the same winners and where they came from.
    let native: Value = server
        .get_json(&format!("/api/v1/items/{catalog_id}"))
        .await;
    let m = &native["metadata"];
    assert_eq!(m["source"], "tmdb");
    assert_eq!(
        m["genres"],
        serde_json::json!(["Action", "Science Fiction"])
    );
    assert_eq!(m["certification"], "R");
    assert_eq!(m["tagline"], "Welcome to the Real World.");
    assert_eq!(m["provider_ids"]["imdb"], "tt0133093");
    assert_eq!(m["people"][0]["kind"], "actor");
    assert_eq!(m["people"][1]["kind"], "director");
    assert_eq!(m["has_backdrop"], true);
}
