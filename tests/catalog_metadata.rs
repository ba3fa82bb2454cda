//! Winning metadata on items (db::metadata) on both backends: apply, read back, idempotence,
//! people replaced, images, facets and browse filters. Runs on a fresh SQLite file and a fresh
//! PostgreSQL database (skipped, with a message, only when no PostgreSQL is configured).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use kinora::config::{LibraryConfig, LibraryKind, WatchMode};
use kinora::db::items::{BrowseQuery, ItemKind, NewItem};
use kinora::db::media_files::NewFile;
use kinora::db::metadata::{self, Facets};
use kinora::db::{execute, items, libraries, media_files, Catalog, CatalogError};
use kinora::domain::metadata::{ImageKind, Metadata, Person, PersonKind, ProviderIds};

/// Runs `case` on a fresh catalog per backend; fails naming the backends that failed.
async fn on_both_backends<F, Fut>(case: F)
where
    F: Fn(Catalog) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![(
        "sqlite",
        format!("sqlite://{}/kinora.db?mode=rwc", dir.path().display()),
        None,
    )];
    if let Some(base) = common::postgres_url() {
        let url = common::fresh_postgres_db(&base).await;
        urls.push(("postgres", url, Some(base)));
    }
    let mut failed = Vec::new();
    for (label, url, admin) in urls {
        let catalog = Catalog::open(&url).await.unwrap();
        let outcome = AssertUnwindSafe(case(catalog.clone())).catch_unwind().await;
        catalog.close().await;
        if outcome.is_err() {
            failed.push(label);
        }
        if let Some(base) = admin {
            // Best effort: a leftover test database is harmless.
            use sea_orm::ConnectionTrait;
            let name = url.rsplit_once('/').unwrap().1.to_string();
            if let Ok(admin) = sea_orm::Database::connect(&base).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
    assert!(failed.is_empty(), "failed on: {}", failed.join(", "));
}

async fn library(c: &Catalog) -> libraries::Library {
    let root = tempfile::tempdir().unwrap();
    libraries::sync_from_config(
        c,
        &[LibraryConfig {
            name: "Movies".into(),
            path: root.path().to_path_buf(),
            kind: LibraryKind::Movies,
            id: None,
            watch: WatchMode::Off,
            sidecars: Default::default(),
        }],
    )
    .await
    .unwrap()
    .remove(0)
}

async fn new_item(c: &Catalog, lib: &str, kind: ItemKind, name: &str) -> String {
    items::create(
        &c.write,
        NewItem {
            library_id: lib.to_string(),
            parent_id: None,
            owner_id: None,
            kind,
            extra_type: None,
            name: name.to_string(),
            year: Some(1998),
            season_number: None,
            episode_number: None,
            episode_number_end: None,
            identity_key: format!("{}:{}", kind.as_str(), uuid::Uuid::new_v4().simple()),
            folder: None,
        },
    )
    .await
    .unwrap()
    .id
}

fn person(name: &str, kind: PersonKind, role: Option<&str>) -> Person {
    Person {
        name: name.into(),
        kind,
        role: role.map(Into::into),
        order: None,
        tmdb_id: Some(format!("{}", name.len())),
        image: Some(format!("/{}.jpg", name.replace(' ', "_"))),
    }
}

fn matrix() -> Metadata {
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
        runtime_minutes: Some(136),
        language: Some("en".into()),
        certification: Some("R".into()),
        rating: Some(8.2),
        vote_count: Some(26_000),
        people: vec![
            person("Keanu Reeves", PersonKind::Actor, Some("Neo")),
            person("Carrie-Anne Moss", PersonKind::Actor, Some("Trinity")),
            person("Lana Wachowski", PersonKind::Director, None),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_is_applied_once_read_back_and_replaced() {
    on_both_backends(|c| async move {
        let lib = library(&c).await;
        let id = new_item(&c, &lib.id, ItemKind::Movie, "matrix").await;
        let before = items::get(&c, &id).await.unwrap().unwrap();
        assert!(before.genres.is_empty() && before.metadata_source.is_none());

        assert!(metadata::apply(&c.write, &id, &matrix(), "tmdb")
            .await
            .unwrap());
        let it = items::get(&c, &id).await.unwrap().unwrap();
        assert_eq!(it.name, "The Matrix");
        assert_eq!(it.sort_title.as_deref(), Some("Matrix, The"));
        assert_eq!(it.sort_name, kinora::naming::sort_key("Matrix, The"));
        assert_eq!(it.year, Some(1999));
        assert_eq!(it.premiere_date.as_deref(), Some("1999-03-31"));
        assert_eq!(it.tagline.as_deref(), Some("Welcome to the Real World."));
        assert_eq!(it.genres, vec!["Action", "Science Fiction"]);
        assert_eq!(it.studios, vec!["Warner Bros. Pictures"]);
        assert_eq!(it.tags, vec!["cyberpunk"]);
        assert_eq!(it.certification.as_deref(), Some("R"));
        assert_eq!(it.community_rating, Some(8.2));
        assert_eq!(it.vote_count, Some(26_000));
        assert_eq!(it.language.as_deref(), Some("en"));
        assert_eq!(it.provider_ids.tmdb.as_deref(), Some("603"));
        assert_eq!(it.provider_ids.imdb.as_deref(), Some("tt0133093"));
        assert_eq!(it.provider_ids.tvdb, None);
        assert_eq!(it.metadata_source.as_deref(), Some("tmdb"));
        // No file has a probed duration: TMDB's runtime stands in.
        assert_eq!(it.runtime_ms, Some(136 * 60_000));
        assert!(it.updated_at > before.updated_at);
        let people = metadata::people_of(&c, std::slice::from_ref(&id))
            .await
            .unwrap()
            .remove(&id)
            .unwrap();
        let names: Vec<(&str, PersonKind, Option<&str>, Option<i32>)> = people
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.role.as_deref(), p.order))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Keanu Reeves", PersonKind::Actor, Some("Neo"), Some(0)),
                (
                    "Carrie-Anne Moss",
                    PersonKind::Actor,
                    Some("Trinity"),
                    Some(1)
                ),
                ("Lana Wachowski", PersonKind::Director, None, Some(2)),
            ]
        );
        assert_eq!(people[0].image.as_deref(), Some("/Keanu_Reeves.jpg"));

        // Idempotent: the same winners again change nothing, not even updated_at.
        assert!(!metadata::apply(&c.write, &id, &matrix(), "tmdb")
            .await
            .unwrap());
        let again = items::get(&c, &id).await.unwrap().unwrap();
        assert_eq!(again, it);

        // People are replaced as a whole; fields only enrichment fills are cleared when no
        // source gives them; name and year (the scanner's facts) stay.
        let mut edited = matrix();
        edited.title = None;
        edited.year = None;
        edited.tagline = None;
        edited.genres = vec!["Drama".into()];
        edited.people = vec![person(
            "Hugo Weaving",
            PersonKind::Actor,
            Some("Agent Smith"),
        )];
        assert!(metadata::apply(&c.write, &id, &edited, "user")
            .await
            .unwrap());
        let it = items::get(&c, &id).await.unwrap().unwrap();
        assert_eq!(it.name, "The Matrix");
        assert_eq!(it.year, Some(1999));
        assert_eq!(it.tagline, None);
        assert_eq!(it.genres, vec!["Drama"]);
        assert_eq!(it.metadata_source.as_deref(), Some("user"));
        let people = metadata::people_of(&c, std::slice::from_ref(&id))
            .await
            .unwrap()
            .remove(&id)
            .unwrap();
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].name, "Hugo Weaving");

        let missing = metadata::apply(&c.write, "no-such-item", &matrix(), "tmdb").await;
        assert!(
            matches!(missing, Err(CatalogError::NotFound(_))),
            "{missing:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probed_runtime_wins_and_episodes_keep_their_sort_order() {
    on_both_backends(|c| async move {
        let lib = library(&c).await;
        let id = new_item(&c, &lib.id, ItemKind::Movie, "probed").await;
        media_files::insert_pending(
            &c,
            &lib.id,
            &[NewFile {
                path: "/m/probed.mkv".into(),
                size: 1,
                mtime_ns: 1,
            }],
        )
        .await
        .unwrap();
        execute(
            &c.write,
            "UPDATE media_files SET item_id = $1, duration_ms = $2",
            vec![id.clone().into(), 7_000_i64.into()],
        )
        .await
        .unwrap();
        items::set_runtime(&c, &id, Some(7_000)).await.unwrap();
        metadata::apply(&c.write, &id, &matrix(), "tmdb")
            .await
            .unwrap();
        let it = items::get(&c, &id).await.unwrap().unwrap();
        assert_eq!(it.runtime_ms, Some(7_000), "the probe's duration stays");

        let ep = items::create(
            &c.write,
            NewItem {
                library_id: lib.id.clone(),
                parent_id: None,
                owner_id: None,
                kind: ItemKind::Episode,
                extra_type: None,
                name: "Episode 3".into(),
                year: None,
                season_number: Some(1),
                episode_number: Some(3),
                episode_number_end: None,
                identity_key: "ep:1:3".into(),
                folder: None,
            },
        )
        .await
        .unwrap();
        let winners = Metadata {
            title: Some("Zebra Crossing".into()),
            ..Metadata::default()
        };
        metadata::apply(&c.write, &ep.id, &winners, "tmdb")
            .await
            .unwrap();
        let it = items::get(&c, &ep.id).await.unwrap().unwrap();
        assert_eq!(it.name, "Zebra Crossing");
        assert_eq!(it.sort_name, ep.sort_name, "episodes sort by number");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_facets_and_browse_filters() {
    on_both_backends(|c| async move {
        let lib = library(&c).await;
        let a = new_item(&c, &lib.id, ItemKind::Movie, "a").await;
        let b = new_item(&c, &lib.id, ItemKind::Movie, "b").await;
        let _plain = new_item(&c, &lib.id, ItemKind::Movie, "c").await;
        metadata::apply(&c.write, &a, &matrix(), "tmdb")
            .await
            .unwrap();
        let mut other = Metadata {
            title: Some("Amélie".into()),
            year: Some(2001),
            genres: vec!["Comedy".into(), "science fiction".into(), "100%_odd".into()],
            studios: vec!["UGC".into()],
            certification: Some("PG".into()),
            ..Metadata::default()
        };
        metadata::apply(&c.write, &b, &other, "nfo").await.unwrap();

        // Images: a new poster clears the BlurHash; setting the same image twice is a no-op.
        items::set_image_if_absent(&c, &a, "/thumbs/a.jpg", "t0")
            .await
            .unwrap();
        items::set_image_blurhash(&c, &a, "t0", "LEHV6nWB2yk8pyo0adR*.7kCMdnj")
            .await
            .unwrap();
        assert!(
            metadata::set_image(&c.write, &a, ImageKind::Poster, "/art/a-poster.jpg", "p1")
                .await
                .unwrap()
        );
        assert!(
            metadata::set_image(&c.write, &a, ImageKind::Backdrop, "/art/a-bd.jpg", "b1")
                .await
                .unwrap()
        );
        assert!(
            metadata::set_image(&c.write, &a, ImageKind::Logo, "/art/a-logo.png", "l1")
                .await
                .unwrap()
        );
        assert!(
            !metadata::set_image(&c.write, &a, ImageKind::Backdrop, "/art/a-bd.jpg", "b1")
                .await
                .unwrap()
        );
        let it = items::get(&c, &a).await.unwrap().unwrap();
        assert_eq!(it.image_tag.as_deref(), Some("p1"));
        assert_eq!(it.image_blurhash, None);
        assert_eq!(it.backdrop_tag.as_deref(), Some("b1"));
        assert_eq!(
            it.backdrop_path.as_deref(),
            Some(std::path::Path::new("/art/a-bd.jpg"))
        );
        assert_eq!(it.logo_tag.as_deref(), Some("l1"));
        // A keyframe thumbnail never replaces the poster.
        items::set_image_if_absent(&c, &a, "/thumbs/a.jpg", "t0")
            .await
            .unwrap();
        let it = items::get(&c, &a).await.unwrap().unwrap();
        assert_eq!(it.image_tag.as_deref(), Some("p1"));
        assert!(metadata::clear_image(&c.write, &a, ImageKind::Logo)
            .await
            .unwrap());
        let it = items::get(&c, &a).await.unwrap().unwrap();
        assert_eq!(it.logo_tag, None);

        let scope = BrowseQuery {
            user_id: "u".into(),
            library_ids: vec![lib.id.clone()],
            ..BrowseQuery::default()
        };
        let f = metadata::facets(&c, &scope).await.unwrap();
        assert_eq!(
            f,
            Facets {
                // Sorted by sort key; "science fiction" is the same genre as "Science Fiction".
                genres: vec![
                    "100%_odd".into(),
                    "Action".into(),
                    "Comedy".into(),
                    "Science Fiction".into()
                ],
                studios: vec!["UGC".into(), "Warner Bros. Pictures".into()],
                tags: vec!["cyberpunk".into()],
                official_ratings: vec!["PG".into(), "R".into()],
                years: vec![1998, 1999, 2001],
            }
        );

        let names = |genres: &[&str], ratings: &[&str]| {
            let q = BrowseQuery {
                genres: genres.iter().map(|g| g.to_string()).collect(),
                official_ratings: ratings.iter().map(|r| r.to_string()).collect(),
                ..scope.clone()
            };
            let c = c.clone();
            async move {
                let (rows, total) = items::browse(&c, &q).await.unwrap();
                assert_eq!(rows.len() as u64, total);
                let mut n: Vec<String> = rows.into_iter().map(|r| r.name).collect();
                n.sort();
                n
            }
        };
        assert_eq!(names(&["Action"], &[]).await, vec!["The Matrix"]);
        assert_eq!(
            names(&["Comedy", "Action"], &[]).await,
            vec!["Amélie", "The Matrix"]
        );
        // Wildcards in a name are literal; a part of a name is no match.
        assert_eq!(names(&["100%_odd"], &[]).await, vec!["Amélie"]);
        assert!(names(&["100%"], &[]).await.is_empty());
        assert!(names(&["Act"], &[]).await.is_empty());
        assert_eq!(names(&[], &["PG"]).await, vec!["Amélie"]);
        assert!(names(&["Action"], &["PG"]).await.is_empty());

        // Totals follow metadata changes (nothing stale is remembered for these filters).
        other.genres.push("Action".into());
        metadata::apply(&c.write, &b, &other, "nfo").await.unwrap();
        assert_eq!(names(&["Action"], &[]).await, vec!["Amélie", "The Matrix"]);
    })
    .await;
}
