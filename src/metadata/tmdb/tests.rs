#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

use super::*;
use crate::domain::metadata::{ImageKind, PersonKind};

/// The recorded TMDB answers beside the checkout; `None` (test skipped) only outside CI.
fn fixture(rel: &str) -> Option<Value> {
    let path = format!(
        "{}/../shared/fixtures/tmdb/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap()),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping: {path}: {e}");
            None
        }
        Err(e) => panic!("{path}: {e}"),
    }
}

/// `append_to_response` as TMDB nests it: each sub-answer under its name, without its `id`.
fn appended(base: &str, subs: &[&str]) -> Option<Value> {
    let mut doc = fixture(&format!("3/{base}.json"))?;
    for sub in subs {
        let mut body = fixture(&format!("3/{base}/{sub}.json"))?;
        body.as_object_mut().unwrap().remove("id");
        doc[*sub] = body;
    }
    Some(doc)
}

#[test]
fn fight_club_maps_with_credits_ids_and_rating() {
    let Some(doc) = appended("movie/550", &["credits", "external_ids", "release_dates"]) else {
        return;
    };
    let movie: Movie = serde_json::from_value(doc).unwrap();
    let m = movie_metadata(&movie, "US");
    assert_eq!(m.title.as_deref(), Some("Fight Club"));
    assert_eq!(m.original_title.as_deref(), Some("Fight Club"));
    assert_eq!(m.year, Some(1999));
    assert_eq!(m.premiere_date.as_deref(), Some("1999-10-15"));
    assert_eq!(m.tagline.as_deref(), Some("Mischief. Mayhem. Soap."));
    assert_eq!(m.genres, ["Drama"]);
    assert_eq!(m.studios.len(), 5);
    assert!(m.studios.contains(&"Fox 2000 Pictures".to_string()));
    assert_eq!(m.runtime_minutes, Some(139));
    assert_eq!(m.language.as_deref(), Some("en"));
    assert_eq!(m.certification.as_deref(), Some("R"));
    assert_eq!(m.rating, Some(8.44));
    assert_eq!(m.vote_count, Some(27917));
    assert_eq!(m.ids.tmdb.as_deref(), Some("550"));
    assert_eq!(m.ids.imdb.as_deref(), Some("tt0137523"));
    assert_eq!(m.ids.tvdb, None);
    assert_eq!(m.images.len(), 2);
    assert_eq!(m.images[0].kind, ImageKind::Poster);
    assert_eq!(m.images[0].location, "/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg");
    assert_eq!(m.images[1].kind, ImageKind::Backdrop);

    let actors: Vec<_> = m
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Actor)
        .collect();
    assert_eq!(actors.len(), 76);
    assert_eq!(actors[0].name, "Edward Norton");
    assert_eq!(actors[0].role.as_deref(), Some("Narrator"));
    assert_eq!(actors[0].order, Some(0));
    assert_eq!(actors[0].tmdb_id.as_deref(), Some("819"));
    assert_eq!(actors[1].name, "Brad Pitt");
    assert_eq!(actors[1].role.as_deref(), Some("Tyler Durden"));
    assert!(actors.windows(2).all(|w| w[0].order <= w[1].order));
    let crew = |kind| {
        m.people
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(crew(PersonKind::Director), ["David Fincher"]);
    assert!(crew(PersonKind::Writer).contains(&"Jim Uhls"));
    assert!(crew(PersonKind::Writer).contains(&"Chuck Palahniuk"));
    assert!(crew(PersonKind::Producer).contains(&"Art Linson"));
    // Germany rates its theatrical release 18.
    let de = movie_metadata(&movie, "DE");
    assert_eq!(de.certification.as_deref(), Some("18"));
}

#[test]
fn game_of_thrones_maps_with_external_ids_and_content_rating() {
    let Some(doc) = appended("tv/1399", &["external_ids", "content_ratings"]) else {
        return;
    };
    let tv: Tv = serde_json::from_value(doc).unwrap();
    let m = tv_metadata(&tv, "US");
    assert_eq!(m.title.as_deref(), Some("Game of Thrones"));
    assert_eq!(m.year, Some(2011));
    assert_eq!(m.premiere_date.as_deref(), Some("2011-04-17"));
    assert_eq!(m.studios, ["HBO"]);
    assert_eq!(m.certification.as_deref(), Some("TV-MA"));
    assert_eq!(m.ids.tmdb.as_deref(), Some("1399"));
    assert_eq!(m.ids.imdb.as_deref(), Some("tt0944947"));
    assert_eq!(m.ids.tvdb.as_deref(), Some("121361"));
    assert_eq!(m.genres.len(), 3);
    let creators: Vec<_> = m
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Creator)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(creators, ["David Benioff", "D.B. Weiss"]);
    assert_eq!(tv.seasons.len(), 9);
    assert_eq!(tv.seasons[0].season_number, 0);
    assert_eq!(tv_metadata(&tv, "DE").certification.as_deref(), Some("16"));
}

#[test]
fn season_and_episode_map_with_guest_stars() {
    let Some(doc) = fixture("3/tv/1399/season/1.json") else {
        return;
    };
    let season: Season = serde_json::from_value(doc).unwrap();
    let s = season_metadata(&season);
    assert_eq!(s.title.as_deref(), Some("Season 1"));
    assert_eq!(s.season_number, Some(1));
    assert_eq!(s.ids.tmdb.as_deref(), Some("3624"));
    assert_eq!(s.images[0].kind, ImageKind::Poster);
    let episodes = season_episodes(&season);
    assert_eq!(episodes.len(), 10);
    assert_eq!(episodes[0].title.as_deref(), Some("Winter Is Coming"));
    assert_eq!(episodes[9].episode_number, Some(10));

    let Some(doc) = fixture("3/tv/1399/season/1/episode/1.json") else {
        return;
    };
    let episode: Episode = serde_json::from_value(doc).unwrap();
    let e = episode_metadata(&episode);
    assert_eq!(e.title.as_deref(), Some("Winter Is Coming"));
    assert_eq!((e.season_number, e.episode_number), (Some(1), Some(1)));
    assert_eq!(e.premiere_date.as_deref(), Some("2011-04-17"));
    assert_eq!(e.runtime_minutes, Some(62));
    assert_eq!(e.ids.tmdb.as_deref(), Some("63056"));
    assert_eq!(e.images[0].kind, ImageKind::Still);
    assert_eq!(e.images[0].location, "/9hGF3WUkBf7cSjMg0cdMDHJkByd.jpg");
    let guests: Vec<_> = e
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::GuestStar)
        .collect();
    assert_eq!(guests.len(), 21);
    assert!(guests
        .iter()
        .any(|g| g.name == "Joseph Mawle" && g.role.as_deref() == Some("Benjen Stark")));
    assert!(e
        .people
        .iter()
        .any(|p| p.kind == PersonKind::Director && p.name == "Timothy Van Patten"));
    // The same episode inside the season maps identically.
    assert_eq!(episodes[0].people, e.people);
}

#[test]
fn searches_find_configuration_and_genres_decode() {
    let Some(doc) = fixture("3/search/movie@query=the+matrix.json") else {
        return;
    };
    let page: Page<MovieResult> = serde_json::from_value(doc).unwrap();
    assert_eq!(page.results[0].id, 603);
    assert_eq!(page.total_results, 21);
    let tv: Page<TvResult> =
        serde_json::from_value(fixture("3/search/tv@query=game+of+thrones.json").unwrap()).unwrap();
    assert_eq!(tv.results[0].id, 1399);
    let find: FindResults =
        serde_json::from_value(fixture("3/find/tt0936501@external_source=imdb_id.json").unwrap())
            .unwrap();
    assert_eq!(find.movie_results[0].id, 8681);
    let config: Configuration =
        serde_json::from_value(fixture("3/configuration.json").unwrap()).unwrap();
    let base = config.images.base().unwrap();
    assert_eq!(base, "https://image.tmdb.org/t/p/");
    assert!(config.images.poster_sizes.contains(&"w500".to_string()));
    assert_eq!(
        image_url(base, "w500", "/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"),
        "https://image.tmdb.org/t/p/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"
    );
    let genres: GenreList =
        serde_json::from_value(fixture("3/genre/movie/list.json").unwrap()).unwrap();
    assert!(genres
        .genres
        .iter()
        .any(|g| g.id == 18 && g.name == "Drama"));
}

#[test]
fn bodies_with_nulls_and_missing_fields_decode() {
    let movie: Movie = serde_json::from_str(
        r#"{"id": 5, "title": null, "genres": null, "credits": {"cast": null},
            "release_dates": {"results": [{"iso_3166_1": null, "release_dates": null}]}}"#,
    )
    .unwrap();
    assert_eq!(movie.id, 5);
    assert!(movie.genres.is_empty());
    let m = movie_metadata(&movie, "US");
    assert_eq!(m.certification, None);
    assert!(m.people.is_empty());
    let _: Episode = serde_json::from_str("{}").unwrap();
}

#[test]
fn image_urls_join_cleanly() {
    assert_eq!(
        image_url("https://image.tmdb.org/t/p", "original", "abc.jpg"),
        "https://image.tmdb.org/t/p/original/abc.jpg"
    );
    assert_eq!(
        image_url("http://proxy:8080/img/", "/w185/", "/x.png"),
        "http://proxy:8080/img/w185/x.png"
    );
    assert_eq!(
        image_url(
            "https://image.tmdb.org/t/p/",
            "w500",
            "https://elsewhere/x.jpg"
        ),
        "https://elsewhere/x.jpg"
    );
}

#[test]
fn cache_keys_are_sorted_encoded_and_credential_free() {
    let mut q = vec![
        ("year", "2003".to_string()),
        ("query", "the matrix reloaded".to_string()),
        ("language", "en-US".to_string()),
    ];
    q.sort();
    assert_eq!(
        cache_key("search/movie", &q),
        "search/movie?language=en-US&query=the+matrix+reloaded&year=2003"
    );
    assert_eq!(search_text("  The   Matrix ").unwrap(), "the matrix");
    assert!(matches!(search_text("  "), Err(TmdbError::Invalid(_))));
}

#[test]
fn error_messages_and_retryability() {
    assert_eq!(
        error_message(
            r#"{"status_code":7,"status_message":"Invalid API key: You must be granted a valid key.","success":false}"#
        ),
        "Invalid API key: You must be granted a valid key. (TMDB code 7)"
    );
    assert_eq!(
        error_message(r#"{"errors":["query must be provided"]}"#),
        "query must be provided"
    );
    assert!(error_message(&"x".repeat(1000)).chars().count() <= MAX_MESSAGE + 1);
    assert_eq!(redact("a key-123 b", "key-123"), "a ******** b");

    let http = |status| TmdbError::Http {
        what: "/3/x".into(),
        status,
        message: String::new(),
    };
    assert!(http(None).is_retryable());
    assert!(http(Some(503)).is_retryable());
    assert!(!http(Some(401)).is_retryable());
    assert!(TmdbError::RateLimited { retry_after: None }.is_retryable());
    assert!(!TmdbError::NotConfigured.is_retryable());
    assert!(!TmdbError::NotFound { what: "x".into() }.is_retryable());
    assert_eq!(
        TmdbError::NotConfigured.to_string(),
        "no TMDB API key configured (tmdb.api_key or tmdb.read_token)"
    );
    assert_eq!(
        http(Some(401)).to_string(),
        "TMDB request /3/x failed (401): "
    );
}

#[test]
fn a_series_cast_comes_from_its_appended_credits() {
    let tv: Tv = serde_json::from_value(serde_json::json!({
        "id": 1399,
        "name": "Game of Thrones",
        "created_by": [{"id": 9813, "name": "David Benioff"}],
        "credits": {"cast": [
            {"id": 22970, "name": "Peter Dinklage", "character": "Tyrion Lannister", "order": 1},
            {"id": 1223786, "name": "Emilia Clarke", "character": "Daenerys Targaryen", "order": 0}
        ], "crew": []}
    }))
    .unwrap();
    let m = tv_metadata(&tv, "US");
    let actors: Vec<(&str, Option<&str>)> = m
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Actor)
        .map(|p| (p.name.as_str(), p.role.as_deref()))
        .collect();
    assert_eq!(
        actors,
        [
            ("Emilia Clarke", Some("Daenerys Targaryen")),
            ("Peter Dinklage", Some("Tyrion Lannister"))
        ],
        "billing order"
    );
    assert!(m.people.iter().any(|p| p.kind == PersonKind::Creator));
}
