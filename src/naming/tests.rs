#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn parse(p: &str, kind: LibraryKind) -> ParsedPath {
    parse_path(Path::new(p), kind)
}

#[test]
fn movie_in_titled_folder() {
    let m = parse(
        "Big Buck Test (2008)/Big Buck Test (2008).mkv",
        LibraryKind::Movies,
    );
    assert_eq!(m.kind, ParsedKind::Movie);
    assert_eq!(m.title, "Big Buck Test");
    assert_eq!(m.year, Some(2008));
    assert_eq!(m.version_label, None);
    assert_eq!(m.identity_key(), "movie:big buck test:2008");
}

#[test]
fn movie_release_name_without_folder() {
    let m = parse(
        "Enter.the.Void.2009.2in1.1080p.BluRay.DD5.1.x264-EbP.mkv",
        LibraryKind::Movies,
    );
    assert_eq!(m.title, "Enter the Void");
    assert_eq!(m.year, Some(2009));
}

#[test]
fn year_in_title_keeps_last_year() {
    let m = parse(
        "2001 A Space Odyssey (1968)/2001 A Space Odyssey (1968).mkv",
        LibraryKind::Movies,
    );
    assert_eq!(m.title, "2001 A Space Odyssey");
    assert_eq!(m.year, Some(1968));
}

#[test]
fn versions_and_parts_share_identity() {
    let a = parse("Movie (2010)/Movie (2010) - 1080p.mkv", LibraryKind::Movies);
    let b = parse("Movie (2010)/Movie (2010) - 720p.mkv", LibraryKind::Movies);
    assert_eq!(a.version_label.as_deref(), Some("1080p"));
    assert_eq!(b.version_label.as_deref(), Some("720p"));
    assert_eq!(a.identity_key(), b.identity_key());
    let p1 = parse("Long (1990)/Long (1990) cd1.avi", LibraryKind::Movies);
    let p2 = parse("Long (1990)/Long (1990) cd2.avi", LibraryKind::Movies);
    assert_eq!((p1.part, p2.part), (Some(1), Some(2)));
    assert_eq!(p1.identity_key(), p2.identity_key());
}

#[test]
fn episodes_from_folders() {
    let e = parse(
        "Show Name/Season 01/Show Name S01E02 - Pilot.mkv",
        LibraryKind::Tv,
    );
    assert_eq!(e.kind, ParsedKind::Episode);
    assert_eq!(e.series.as_deref(), Some("Show Name"));
    assert_eq!((e.season, e.episode), (Some(1), Some(2)));
    assert_eq!(e.title, "Pilot");
    let sp = parse("Show Name/Specials/Show Name S00E01.mkv", LibraryKind::Tv);
    assert_eq!(sp.season, Some(0));
    let flat = parse(
        "Other Show (2005)/Other.Show.S02E10E11.720p.mkv",
        LibraryKind::Tv,
    );
    assert_eq!(flat.series.as_deref(), Some("Other Show"));
    assert_eq!(flat.series_year, Some(2005));
    assert_eq!(
        (flat.season, flat.episode, flat.episode_end),
        (Some(2), Some(10), Some(11))
    );
    let loose = parse("Loose.Show.1x05.mkv", LibraryKind::Tv);
    assert_eq!(loose.series.as_deref(), Some("Loose Show"));
    assert_eq!((loose.season, loose.episode), (Some(1), Some(5)));
    let folder_season = parse("Show/Season 3/04 - Title.mkv", LibraryKind::Tv);
    assert_eq!(
        (folder_season.season, folder_season.episode),
        (Some(3), Some(4))
    );
}

#[test]
fn extras_are_never_movies() {
    let t = parse("Movie (2010)/extras/Making Of.mkv", LibraryKind::Movies);
    assert_eq!(t.kind, ParsedKind::Extra);
    assert_eq!(t.extra_type, Some("Unknown"));
    assert_eq!(t.owner_folder.as_deref(), Some("Movie (2010)"));
    let tr = parse("Movie (2010)/Movie (2010)-trailer.mkv", LibraryKind::Movies);
    assert_eq!(tr.extra_type, Some("Trailer"));
    assert_eq!(tr.owner_folder.as_deref(), Some("Movie (2010)"));
    let ts = parse("Show/Season 01/Trailers/teaser.mkv", LibraryKind::Tv);
    assert_eq!(ts.extra_type, Some("Trailer"));
}

#[test]
fn home_videos_and_mixed() {
    let h = parse("2023 Beach Trip/kids at the beach.mp4", LibraryKind::Home);
    assert_eq!(h.kind, ParsedKind::Video);
    assert_eq!(h.title, "kids at the beach");
    let m = parse("Some Film (1999).mkv", LibraryKind::Mixed);
    assert_eq!(m.kind, ParsedKind::Movie);
    let e = parse("Show S01E01.mkv", LibraryKind::Mixed);
    assert_eq!(e.kind, ParsedKind::Episode);
    let v = parse("birthday party.mov", LibraryKind::Mixed);
    assert_eq!(v.kind, ParsedKind::Video);
}

#[test]
fn odd_unicode_names() {
    let m = parse("Amélie 🎬 (2001)/Amélie 🎬 (2001).mkv", LibraryKind::Movies);
    assert_eq!(m.title, "Amélie 🎬");
    assert_eq!(m.year, Some(2001));
    let n = parse("new\nline (2002).mkv", LibraryKind::Movies);
    assert_eq!(n.year, Some(2002));
}

#[test]
fn sort_keys_order_naturally() {
    assert!(sort_key("Episode 2") < sort_key("Episode 10"));
    assert_eq!(sort_key("The Matrix"), sort_key("matrix"));
    assert_eq!(sort_key("The"), "the");
}

#[test]
fn normalize_folds_case_and_punctuation() {
    assert_eq!(normalize("  Show.Name -- (2005) "), "show name 2005");
}

#[test]
fn version_in_single_version_folder() {
    let b = parse("Beta (2002)/Beta (2002) - 720p.mkv", LibraryKind::Movies);
    assert_eq!(b.title, "Beta");
    assert_eq!(b.year, Some(2002));
    assert_eq!(b.version_label.as_deref(), Some("720p"));
}

#[test]
fn accents_fold_for_sorting() {
    assert_eq!(sort_key("Élan"), sort_key("elan"));
    assert!(sort_key("Zoë") > sort_key("Élan"));
    assert!(sort_key("Amélie") < sort_key("Brazil"));
    // Other scripts stay as written.
    assert_eq!(sort_key("千と千尋"), "千と千尋");
}

#[test]
fn guess_basics() {
    let g = guess(
        "Show Name/Season 01/Show.Name.S01E02E03.The.Title.720p.HDTV.x264-GRP.mkv",
        false,
    );
    assert_eq!(g.kind, "episode");
    assert_eq!(g.title.as_deref(), Some("Show Name"));
    assert_eq!(
        (g.season, g.episode, g.episode_end),
        (Some(1), Some(2), Some(3))
    );
    assert_eq!(g.episode_title.as_deref(), Some("The Title"));
    let m = guess("The Matrix (1999) [tmdbid=603] {imdb-tt0133093}.mkv", false);
    assert_eq!(m.kind, "movie");
    assert_eq!(m.title.as_deref(), Some("The Matrix"));
    assert_eq!(m.year, Some(1999));
    assert_eq!(m.tmdb_id.as_deref(), Some("603"));
    assert_eq!(m.imdb_id.as_deref(), Some("tt0133093"));
}

#[test]
fn guess_general_rules() {
    // Spelled-out and Roman seasons, disc markers.
    let g = guess("Lost Saison IV FRENCH.DVDRip.nfo", false);
    assert_eq!((g.kind, g.season), ("episode", Some(4)));
    assert_eq!(g.title.as_deref(), Some("Lost"));
    let g = guess("Lost.S03D02.NTSC.DVDR", false);
    assert_eq!(g.season, Some(3));
    // Space-separated episode lists stop at words that are not two-digit numbers.
    let g = guess("Some Show E04 05 06", false);
    assert_eq!((g.episode, g.episode_end), (Some(4), Some(6)));
    let g = guess("Season 3/S03E04 10-30 [HDTV].mkv", false);
    assert_eq!(g.episode_end, None);
    // Adjacent years: the first is the title.
    let g = guess("1917.2019.1080p.BluRay.mkv", false);
    assert_eq!((g.title.as_deref(), g.year), (Some("1917"), Some(2019)));
    // A hyphen that the folder shows is part of the title is not a group prefix.
    let g = guess(
        "Spider-Man (2002)/spider-man.2002.1080p.bluray.x264.mkv",
        false,
    );
    assert_eq!(g.title.as_deref(), Some("Spider-Man"));
    // Camera names are not episodes.
    let g = guess("IMG_1234.MOV", false);
    assert_eq!(g.kind, "home_video");
    assert_eq!(g.episode, None);
    // A season folder's number splits a three-digit episode.
    let g = guess("Show/Season 2/Show [203] Title.avi", false);
    assert_eq!((g.season, g.episode), (Some(2), Some(3)));
}

#[test]
fn guess_3d_and_stubs() {
    let g = guess("Avatar (2009)/Avatar (2009).3d.hsbs.mkv", false);
    assert!(g.is_3d);
    assert_eq!(g.format_3d, Some("hsbs"));
    assert_eq!(g.title.as_deref(), Some("Avatar"));
    // `3d` alone names no layout.
    let g = guess("Avatar (2009) 3D.mkv", false);
    assert!(!g.is_3d);
    assert_eq!(g.format_3d, None);
    let g = guess("Up.2009.MVC.mkv", false);
    assert_eq!(g.format_3d, Some("mvc"));
    let g = guess("Alien (1979)/Alien (1979).bd25.disc", false);
    assert!(g.is_stub);
    assert_eq!(g.stub_type, Some("bluray"));
    assert_eq!(g.year, Some(1979));
    let g = guess("Home Movie.disc", false);
    assert!(g.is_stub);
    assert_eq!(g.stub_type, None);
    let g = guess("Alien (1979).mkv", false);
    assert!(!g.is_stub && !g.is_3d);
    // Provider ids need matching brackets; the deepest one wins.
    let g = guess("Show [tvdbid=1]/Season 01 [tvdbid=2]/e.mkv", false);
    assert_eq!(g.tvdb_id.as_deref(), Some("2"));
    assert_eq!(guess("Film {tmdbid-5).mkv", false).tmdb_id, None);
}

#[test]
fn confidence_scale() {
    // Strong: title and year, SxxExx with a series name, a provider id.
    assert!(guess("Movie Title (1999).mkv", false).confidence > 0.8);
    assert!(guess("Movie Title (1999)/Movie Title (1999).mkv", false).confidence >= 0.9);
    assert!(guess("Show.Name.S01E02.720p.mkv", false).confidence >= 0.9);
    assert!(guess("Some Film [tmdbid=603].mkv", false).confidence >= 0.9);
    // Decent: a release name without a year, a bare episode number under its show.
    let c = guess("Some.Film.1080p.BluRay.x264-GRP.mkv", false).confidence;
    assert!((0.6..0.9).contains(&c), "{c}");
    let c = guess("Show/Season 2/03 - Title.mkv", false).confidence;
    assert!((0.6..0.9).contains(&c), "{c}");
    // Ambiguous: bare words, camera names, a lone number, a marker without a name.
    for (path, tv) in [
        ("clip.mp4", false),
        ("IMG_1234.MOV", false),
        ("IMG_1234.MOV", true),
        ("birthday party.mov", false),
        ("300.mkv", false),
        ("S01E02.mkv", false),
    ] {
        let g = guess(path, tv);
        assert!(g.confidence < 0.6, "{path}: {} {}", g.kind, g.confidence);
    }
    // Conflicts: the name's year against the folder's.
    assert!(guess("Film (2007)/Film (2006).mkv", false).confidence < 0.9);
}

#[test]
fn library_prior() {
    let g = guess_with("Apollo 13.mkv", LibraryKind::Movies);
    assert_eq!(
        (g.kind, g.title.as_deref(), g.episode),
        ("movie", Some("Apollo 13"), None)
    );
    // A movie library holding an episode-named file: a movie, but reviewed.
    let g = guess_with("Show.S01E02.mkv", LibraryKind::Movies);
    assert_eq!(g.kind, "movie");
    assert!(g.confidence < 0.5);
    let g = guess_with("Show/12.mkv", LibraryKind::Tv);
    assert_eq!((g.kind, g.episode), ("episode", Some(12)));
    let g = guess_with("Trip/IMG_1234.MOV", LibraryKind::Home);
    assert_eq!(g.kind, "home_video");
    assert!(g.confidence >= 0.6);
    let g = guess_with("birthday party.mov", LibraryKind::Mixed);
    assert_eq!(g.kind, "home_video");
    let g = guess_with("Some Film (1999).mkv", LibraryKind::Mixed);
    assert_eq!(g.kind, "movie");
    let g = guess_with("Show S01E01.mkv", LibraryKind::Mixed);
    assert_eq!(g.kind, "episode");
}

#[test]
fn versions_cuts_and_parts_meet_under_one_identity() {
    let paths = [
        "Movie (2010)/Movie (2010) - 1080p.mkv",
        "Movie (2010)/Movie (2010) - Director's Cut.mkv",
        "Movie (2010)/Movie (2010) cd1.avi",
        "Movie (2010)/Movie (2010) cd2.avi",
        "Movie (2010)/Movie.2010.720p.BluRay.x264-GRP.mkv",
    ];
    let parsed: Vec<ParsedPath> = paths
        .iter()
        .map(|p| parse(p, LibraryKind::Movies))
        .collect();
    for p in &parsed {
        assert_eq!(p.kind, ParsedKind::Movie);
        assert_eq!(p.identity_key(), "movie:movie:2010", "{p:?}");
        assert!(p.confidence >= 0.9, "{p:?}");
    }
    assert_eq!(parsed[0].version_label.as_deref(), Some("1080p"));
    assert_eq!(parsed[1].version_label.as_deref(), Some("Director's Cut"));
    assert_eq!((parsed[2].part, parsed[3].part), (Some(1), Some(2)));
}

#[test]
fn parse_path_carries_the_guess() {
    let e = parse(
        "Show (2005)/Season 01/Show.S01E02.The.Title.2005-03-04.mkv",
        LibraryKind::Tv,
    );
    assert_eq!(e.series.as_deref(), Some("Show"));
    assert_eq!(e.series_year, Some(2005));
    assert_eq!(e.episode_title.as_deref(), Some("The Title"));
    assert_eq!(e.date.as_deref(), Some("2005-03-04"));
    let m = parse(
        "The Matrix (1999) [tmdbid=603]/The Matrix.mkv",
        LibraryKind::Movies,
    );
    assert_eq!(m.tmdb_id.as_deref(), Some("603"));
    assert_eq!((m.title.as_str(), m.year), ("The Matrix", Some(1999)));
    // A release folder is not a series name; the name inside it is.
    let r = parse(
        "Show.Name.S01.720p.WEB-DL-GRP/Show.Name.S01E03.720p.WEB-DL-GRP.mkv",
        LibraryKind::Tv,
    );
    assert_eq!(r.series.as_deref(), Some("Show Name"));
    assert_eq!((r.season, r.episode), (Some(1), Some(3)));
    // A movie library never reads a title's number as an episode.
    let a = parse("Apollo 13.mkv", LibraryKind::Movies);
    assert_eq!((a.kind, a.title.as_str()), (ParsedKind::Movie, "Apollo 13"));
    let v = parse("Trip/IMG_1234.MOV", LibraryKind::Home);
    assert_eq!(v.kind, ParsedKind::Video);
    assert!(v.confidence >= 0.6);
}

#[test]
fn parts_and_camera_lookalikes() {
    let g = guess("Some.Movie.Part.1.of.2.avi", false);
    assert_eq!((g.kind, g.episode), ("movie", None));
    let g = guess("Video 2019.mp4", false);
    assert_ne!(g.kind, "home_video");
    let g = guess("BBC Story 2 of 6 - Title.mkv", false);
    assert_eq!((g.kind, g.episode), ("episode", Some(2)));
}
