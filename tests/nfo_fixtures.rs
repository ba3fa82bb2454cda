//! The NFO reader and writer on real files (`../shared/fixtures/nfo`, from Jellyfin's and
//! tinyMediaManager's test suites): each file against the values its README lists (those
//! Jellyfin's own parser tests assert), then a round trip through Kinora's writer. The reader
//! is pure, so the files are read here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kinora::domain::metadata::{ImageKind, Metadata, Person, PersonKind};
use kinora::domain::{MediaInfo, StreamInfo, StreamKind};
use kinora::metadata::nfo::{parse_nfo, MarkerState, NfoDocument, NfoKind};
use kinora::sidecar::nfo_writer;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/nfo");

const ALL: &[&str] = &[
    "jellyfin/Justice League.nfo",
    "jellyfin/Lilo & Stitch.nfo",
    "jellyfin/Radarr.nfo",
    "jellyfin/American Gods.nfo",
    "jellyfin/The Bone Orchard.nfo",
    "jellyfin/Rising.nfo",
    "jellyfin/Stargate Atlantis S01E01-E04.nfo",
    "jellyfin/Sonarr-Thumb.nfo",
    "jellyfin/Season 01.nfo",
    "tinymediamanager/movie_nfo-kodi17.0.nfo",
    "tinymediamanager/tvshow_nfo-kodi17.0.nfo",
    "tinymediamanager/Futurama - S01E01 - Space Pilot 3000.nfo",
];

/// The fixture's text; `None` (skip) only outside CI when `../shared` is absent.
fn fixture(name: &str) -> Option<String> {
    let path = format!("{DIR}/{name}");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        // CI always has ../shared beside the checkout; only a bare local clone may lack it.
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping: {path}: {e}");
            None
        }
        Err(e) => panic!("{path}: {e}"),
    }
}

fn read(name: &str) -> Option<NfoDocument> {
    let text = fixture(name)?;
    Some(parse_nfo(&text).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn people(md: &Metadata, kind: PersonKind) -> Vec<&Person> {
    md.people.iter().filter(|p| p.kind == kind).collect()
}

fn names(md: &Metadata, kind: PersonKind) -> Vec<&str> {
    people(md, kind).iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn justice_league() {
    let Some(doc) = read("jellyfin/Justice League.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::Movie);
    assert_eq!(doc.marker, MarkerState::Absent);
    assert_eq!(md.title.as_deref(), Some("Justice League"));
    assert_eq!(md.original_title.as_deref(), Some("Justice League"));
    assert_eq!(md.tagline.as_deref(), Some("Justice for all."));
    assert_eq!(md.ids.imdb.as_deref(), Some("tt0974015"));
    assert_eq!(md.ids.tmdb.as_deref(), Some("141052"));
    let set = md.collection.as_ref().unwrap();
    assert_eq!(set.name, "Justice League Collection");
    assert_eq!(set.tmdb_id.as_deref(), Some("702342"));
    assert_eq!(md.genres, vec!["Action", "Adventure", "Fantasy", "Sci-Fi"]);
    assert_eq!(md.premiere_date.as_deref(), Some("2017-11-15"));
    assert_eq!(md.year, Some(2017));
    assert_eq!(md.studios, vec!["DC Comics"]);
    assert_eq!(md.people.len(), 20);
    assert_eq!(people(md, PersonKind::Actor).len(), 15);
    assert_eq!(
        names(md, PersonKind::Writer),
        vec!["Jerry Siegel", "Joe Shuster", "Test"]
    );
    assert_eq!(names(md, PersonKind::Director), vec!["Zack Snyder"]);
    let lyricist = people(md, PersonKind::Composer);
    assert_eq!(lyricist.len(), 1);
    assert_eq!(lyricist[0].name, "Test Lyricist");
    assert_eq!(lyricist[0].role.as_deref(), Some("Lyricist"));
    let momoa = md.people.iter().find(|p| p.name == "Jason Momoa").unwrap();
    assert_eq!(momoa.role.as_deref(), Some("Aquaman"));
    assert_eq!(momoa.order, Some(5));
    assert!(momoa
        .image
        .as_deref()
        .unwrap()
        .starts_with("https://m.media-amazon.com/"));
    assert_eq!(
        md.trailers,
        vec!["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]
    );
    // 6268 s from streamdetails beats <runtime>120</runtime> (Kodi's 60% rule).
    assert_eq!(md.runtime_minutes, Some(104));
    let video = doc.streams.as_ref().unwrap().video.as_ref().unwrap();
    assert_eq!(video.duration_seconds, Some(6268));
    assert_eq!((video.width, video.height), (Some(1920), Some(1080)));
    assert_eq!(video.format_3d.as_deref(), Some("HSBS"));
    assert_eq!(doc.streams.as_ref().unwrap().audio.len(), 2);
    assert_eq!(
        md.rating,
        Some(6.2),
        "TMDB's rating, not the default (imdb) one"
    );
    assert_eq!(md.vote_count, Some(7788));
    assert_eq!(md.certification.as_deref(), Some("Australia:M"));
    assert_eq!(md.language.as_deref(), Some("en"));
    assert!(md
        .overview
        .as_deref()
        .unwrap()
        .contains("Superman's selfless act"));
    assert!(md
        .images
        .iter()
        .any(|i| i.kind == ImageKind::Backdrop && i.location.ends_with("5a5332c7b5e77.jpg")));
    assert!(md.images.iter().any(|i| i.kind == ImageKind::Logo));
    // Collection art (`set.poster`) is not the movie's poster.
    assert!(!md.images.iter().any(|i| i.location.contains("collection")));
}

#[test]
fn lilo_and_stitch() {
    let Some(doc) = read("jellyfin/Lilo & Stitch.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(md.title.as_deref(), Some("Lilo & Stitch"));
    let set = md.collection.as_ref().unwrap();
    assert_eq!(set.name, "Lilo & Stitch Collection");
    assert_eq!(
        set.tmdb_id.as_deref(),
        Some("97020"),
        "uniqueid type=tmdbcol"
    );
    assert!(md.overview.as_deref().unwrap().starts_with(">>As Stitch"));
    assert!(md.overview.as_deref().unwrap().ends_with("family.<<"));
    assert_eq!(md.ids.tmdb, None, "a collection id is not the movie's");
}

#[test]
fn radarr_url_only() {
    let Some(doc) = read("jellyfin/Radarr.nfo") else {
        return;
    };
    assert!(doc.url_only);
    assert_eq!(doc.metadata.ids.imdb.as_deref(), Some("tt4154796"));
    assert_eq!(doc.metadata.ids.tmdb.as_deref(), Some("583689"));
    assert_eq!(doc.metadata.title, None);
}

#[test]
fn american_gods() {
    let Some(doc) = read("jellyfin/American Gods.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::TvShow);
    assert_eq!(md.ids.tmdb.as_deref(), Some("46639"));
    assert_eq!(md.ids.tvdb.as_deref(), Some("253573"));
    assert_eq!(md.ids.imdb.as_deref(), Some("tt11111"));
    assert_eq!(md.genres, vec!["Drama", "Mystery", "Sci-Fi & Fantasy"]);
    assert_eq!(md.premiere_date.as_deref(), Some("2017-04-30"));
    assert_eq!(md.studios, vec!["Starz"]);
    assert_eq!(md.status.as_deref(), Some("Ended"));
    assert_eq!(people(md, PersonKind::Actor).len(), 6);
    let pablo = md
        .people
        .iter()
        .find(|p| p.name == "Pablo Schreiber")
        .unwrap();
    assert_eq!(pablo.order, Some(3));
    assert_eq!(md.season_number, None, "a show's <season> is a count");
    assert_eq!(md.rating, Some(6.8), "themoviedb");
    assert_eq!(md.vote_count, Some(581));
}

#[test]
fn the_bone_orchard() {
    let Some(doc) = read("jellyfin/The Bone Orchard.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::Episode);
    assert_eq!(md.title.as_deref(), Some("The Bone Orchard"));
    assert_eq!(md.series_title.as_deref(), Some("American Gods"));
    assert_eq!((md.season_number, md.episode_number), (Some(1), Some(1)));
    assert_eq!(md.episode_number_end, Some(1));
    assert_eq!(md.premiere_date.as_deref(), Some("2017-04-30"));
    assert_eq!(md.certification.as_deref(), Some("16"));
    assert_eq!(md.ids.imdb.as_deref(), Some("tt5017734"));
    assert_eq!(md.ids.tmdb.as_deref(), Some("1276153"));
    assert_eq!(names(md, PersonKind::Writer).len(), 2);
    assert_eq!(names(md, PersonKind::Director), vec!["David Slade"]);
    assert_eq!(people(md, PersonKind::Actor).len(), 11);
    assert_eq!(md.rating, Some(7.532));
    assert_eq!(
        md.runtime_minutes, None,
        "<runtime>0</runtime> says nothing"
    );
}

#[test]
fn rising_merges_two_blocks() {
    let Some(doc) = read("jellyfin/Rising.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.blocks, 2);
    assert_eq!(md.title.as_deref(), Some("Rising (1) / Rising (2)"));
    assert_eq!(md.episode_number, Some(1));
    assert_eq!(md.episode_number_end, Some(2));
    assert_eq!(md.season_number, Some(1));
}

#[test]
fn stargate_merges_four_blocks() {
    let Some(doc) = read("jellyfin/Stargate Atlantis S01E01-E04.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.blocks, 4);
    assert_eq!(
        md.title.as_deref(),
        Some("Rising / Hide and Seek / Thirty-Eight Minutes")
    );
    assert_eq!(md.season_number, Some(1));
    assert_eq!(md.episode_number, Some(1));
    assert_eq!(md.episode_number_end, Some(4));
}

#[test]
fn sonarr_thumb() {
    let Some(doc) = read("jellyfin/Sonarr-Thumb.nfo") else {
        return;
    };
    assert_eq!(doc.kind, NfoKind::Episode);
    assert_eq!(
        doc.metadata.title.as_deref(),
        Some("Sometimes a Genius's Every Action Is at the Mercy of X")
    );
    assert_eq!(doc.metadata.premiere_date.as_deref(), Some("2019-05-26"));
    assert_eq!(doc.metadata.ids.tmdb, None, "a Sonarr id is no TMDB id");
    assert_eq!(doc.untyped_ids, vec!["4289"]);
    assert_eq!(doc.metadata.runtime_minutes, Some(24), "1421 s");
    assert!(
        doc.metadata
            .images
            .iter()
            .any(|i| i.kind == ImageKind::Still),
        "{:?}",
        doc.metadata.images
    );
}

#[test]
fn season_01() {
    let Some(doc) = read("jellyfin/Season 01.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::Season);
    assert_eq!(md.title.as_deref(), Some("Season 1"));
    assert_eq!(md.season_number, Some(1));
    assert_eq!(md.year, Some(2019));
    assert_eq!(md.premiere_date.as_deref(), Some("2019-11-08"));
    assert_eq!(people(md, PersonKind::Actor).len(), 10);
    assert_eq!(md.ids.tvdb.as_deref(), Some("359728"));
    assert!(md.images.iter().any(|i| i.kind == ImageKind::Poster));
}

#[test]
fn kodi17_movie() {
    let Some(doc) = read("tinymediamanager/movie_nfo-kodi17.0.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(md.title.as_deref(), Some("Batman Begins"));
    assert_eq!(md.ids.imdb.as_deref(), Some("tt0372784"));
    assert_eq!(md.ids.tmdb.as_deref(), Some("272"));
    assert_eq!(people(md, PersonKind::Actor).len(), 113);
    assert_eq!(md.rating, Some(7.4));
    assert_eq!(md.vote_count, Some(4990));
    assert_eq!(md.runtime_minutes, Some(140));
    assert_eq!(md.certification.as_deref(), Some("PG-13"));
    assert_eq!(
        md.collection.as_ref().map(|c| c.name.as_str()),
        Some("The Dark Knight Collection")
    );
    assert_eq!(
        md.trailers,
        vec!["https://www.youtube.com/watch?v=eJGyZB685Gs"]
    );
}

#[test]
fn kodi17_tvshow() {
    let Some(doc) = read("tinymediamanager/tvshow_nfo-kodi17.0.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::TvShow);
    assert_eq!(md.title.as_deref(), Some("21 Jump Street"));
    assert_eq!(md.ids.tvdb.as_deref(), Some("77585"));
    assert_eq!(md.status.as_deref(), Some("Ended"));
    assert_eq!(md.premiere_date.as_deref(), Some("1987-04-12"));
    // Relative fanart thumbs are joined to the <fanart url=…> base.
    assert!(
        md.images.iter().any(|i| i.kind == ImageKind::Backdrop
            && i.location == "http://thetvdb.com/banners/fanart/original/77585-1.jpg"),
        "{:?}",
        md.images
    );
}

#[test]
fn futurama_tiny_media_manager() {
    let Some(doc) = read("tinymediamanager/Futurama - S01E01 - Space Pilot 3000.nfo") else {
        return;
    };
    let md = &doc.metadata;
    assert_eq!(doc.kind, NfoKind::Episode);
    assert_eq!(md.title.as_deref(), Some("Space Pilot 3000"));
    assert_eq!(md.series_title.as_deref(), Some("Futurama"));
    assert_eq!((md.season_number, md.episode_number), (Some(1), Some(1)));
    assert_eq!(md.rating, Some(8.0));
    assert_eq!(md.vote_count, Some(0));
    assert_eq!(doc.untyped_ids, vec!["131174"]);
    assert_eq!(
        names(md, PersonKind::Director),
        vec!["Rich Moore", "Gregg Vanzo"]
    );
    assert_eq!(
        names(md, PersonKind::Writer),
        vec!["Matt Groening", "David X. Cohen"]
    );
    assert_eq!(md.premiere_date.as_deref(), Some("1999-03-28"));
    assert_eq!(md.certification.as_deref(), Some("TV-14"));
}

/// The fields a written NFO must carry back.
fn comparable(md: &Metadata) -> Metadata {
    Metadata {
        title: md.title.clone(),
        original_title: md.original_title.clone(),
        sort_title: md.sort_title.clone(),
        year: md.year,
        premiere_date: md.premiere_date.clone(),
        overview: md.overview.clone(),
        tagline: md.tagline.clone(),
        genres: md.genres.clone(),
        studios: md.studios.clone(),
        runtime_minutes: md.runtime_minutes,
        language: md.language.clone(),
        certification: md.certification.clone(),
        rating: md.rating,
        vote_count: md.vote_count,
        people: md.people.clone(),
        ids: md.ids.clone(),
        tags: md.tags.clone(),
        season_number: md.season_number,
        episode_number: md.episode_number,
        episode_number_end: md.episode_number_end,
        series_title: md.series_title.clone(),
        collection: md.collection.clone(),
        trailers: md.trailers.clone(),
        status: md.status.clone(),
        // Kodi has no place for these: the JSON sidecar carries them.
        moods: Vec::new(),
        family_safety: None,
        family_safety_reason: None,
        // Image locations change form on the way (TMDB paths become URLs; kinds without a
        // Kinora image kind are dropped on reading), so they are checked separately.
        images: Vec::new(),
    }
}

#[test]
fn every_fixture_round_trips_through_kinoras_writer() {
    let mut checked = 0;
    for name in ALL {
        let Some(text) = fixture(name) else {
            return;
        };
        let first = parse_nfo(&text).unwrap();
        let written = nfo_writer::render(first.kind, &first.metadata, None);
        let again = parse_nfo(&written).unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
        assert_eq!(again.kind, first.kind, "{name}");
        assert_eq!(
            comparable(&again.metadata),
            comparable(&first.metadata),
            "{name}\n{written}"
        );
        for image in &first.metadata.images {
            assert!(
                again
                    .metadata
                    .images
                    .iter()
                    .any(|i| i.kind == image.kind && i.location == image.location),
                "{name}: lost {image:?}"
            );
        }
        assert_eq!(again.marker, MarkerState::Unedited, "{name}");
        assert!(!again.is_users_word(), "{name}");
        // And by hand: the same file is then a user's word.
        let edited = written.replacen("</", " </", 1);
        assert_eq!(
            parse_nfo(&edited).unwrap().marker,
            MarkerState::Edited,
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, ALL.len());
}

#[test]
fn written_nfo_is_well_formed_kodi_xml_with_stream_details() {
    let md = Metadata {
        title: Some("Tom & Jerry <\"The\" Movie>".into()),
        rating: Some(6.2),
        vote_count: Some(7788),
        ids: kinora::domain::metadata::ProviderIds {
            imdb: Some("tt0974015".into()),
            ..Default::default()
        },
        people: vec![Person {
            name: "Ben Affleck".into(),
            role: Some("Batman".into()),
            order: Some(0),
            image: Some("/abc.jpg".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let info = MediaInfo {
        duration_ms: Some(6_268_400),
        streams: vec![
            StreamInfo {
                kind: Some(StreamKind::Video),
                codec: Some("H264".into()),
                width: Some(1920),
                height: Some(1080),
                ..Default::default()
            },
            StreamInfo {
                index: 1,
                kind: Some(StreamKind::Audio),
                codec: Some("truehd".into()),
                language: Some("ENG".into()),
                channels: Some(8),
                ..Default::default()
            },
            StreamInfo {
                index: 2,
                kind: Some(StreamKind::Subtitle),
                language: Some("eng".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let out = nfo_writer::render(NfoKind::Movie, &md, Some(&info));
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<!-- Written by Kinora; sha256="), "{out}");
    assert!(
        out.contains("<uniqueid type=\"imdb\" default=\"true\">tt0974015</uniqueid>"),
        "{out}"
    );
    assert!(
        out.contains("<rating name=\"themoviedb\" max=\"10\" default=\"true\">"),
        "{out}"
    );
    assert!(
        out.contains("<thumb>https://image.tmdb.org/t/p/original/abc.jpg</thumb>"),
        "{out}"
    );
    assert!(
        out.contains("<title>Tom &amp; Jerry &lt;&quot;The&quot; Movie&gt;</title>"),
        "{out}"
    );
    let doc = parse_nfo(&out).unwrap();
    assert_eq!(doc.metadata.title, md.title);
    let streams = doc.streams.unwrap();
    let video = streams.video.unwrap();
    assert_eq!(video.codec.as_deref(), Some("h264"));
    assert_eq!(video.duration_seconds, Some(6268));
    assert_eq!(video.aspect, Some(1.777778));
    assert_eq!(streams.audio[0].language.as_deref(), Some("eng"));
    assert_eq!(streams.audio[0].channels, Some(8));
    assert_eq!(streams.subtitle_languages, vec!["eng"]);
    assert_eq!(doc.metadata.runtime_minutes, Some(104));
    // A well-formed single-root document: a strict pass with end-name checks finds no error.
    let mut reader = quick_xml::Reader::from_str(&out);
    let mut depth = 0i32;
    let mut roots = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((depth, roots), (0, 1));
}

#[test]
fn tmdb_default_id_when_known() {
    let md = Metadata {
        ids: kinora::domain::metadata::ProviderIds {
            tmdb: Some("603".into()),
            imdb: Some("tt0133093".into()),
            tvdb: None,
        },
        ..Default::default()
    };
    let out = nfo_writer::render(NfoKind::Movie, &md, None);
    assert!(out.contains("<uniqueid type=\"tmdb\" default=\"true\">603</uniqueid>"));
    assert!(out.contains("<uniqueid type=\"imdb\">tt0133093</uniqueid>"));
    for kind in [NfoKind::TvShow, NfoKind::Season, NfoKind::Episode] {
        let out = nfo_writer::render(kind, &md, None);
        assert!(out.contains(&format!("<{}>", kind.root_element())), "{out}");
        assert_eq!(parse_nfo(&out).unwrap().kind, kind);
    }
}

#[test]
fn truncated_and_mangled_fixtures_never_panic() {
    for name in ALL {
        let Some(text) = fixture(name) else {
            return;
        };
        let cuts = text
            .char_indices()
            .map(|(i, _)| i)
            .step_by(31)
            .chain([text.len()]);
        for cut in cuts {
            let _ = parse_nfo(&text[..cut]);
            let _ = parse_nfo(&text[cut..]);
        }
        for (from, to) in [
            ("<", ">"),
            (">", "<"),
            ("/", ""),
            ("&amp;", "&"),
            ("\"", ""),
        ] {
            let _ = parse_nfo(&text.replace(from, to));
        }
    }
}
