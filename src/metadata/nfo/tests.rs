#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn parse(text: &str) -> NfoDocument {
    parse_nfo(text).unwrap()
}

#[test]
fn entities_bom_comments_and_declaration() {
    let doc = parse(
        "\u{feff}<?xml version=\"1.0\"?>\n<!-- by hand -->\n<movie>\n  <title>Lilo &amp; Stitch &#x2764; &gt; AT&T &nbsp;</title>\n  <plot><![CDATA[A <b>bold</b> plot]]></plot>\n</movie>\n",
    );
    assert_eq!(doc.kind, NfoKind::Movie);
    assert_eq!(
        doc.metadata.title.as_deref(),
        Some("Lilo & Stitch \u{2764} > AT&T &nbsp;")
    );
    assert_eq!(doc.metadata.overview.as_deref(), Some("A <b>bold</b> plot"));
    assert_eq!(doc.marker, MarkerState::Absent);
    assert!(doc.is_users_word());
}

#[test]
fn garbage_is_a_clear_error_never_a_panic() {
    assert_eq!(parse_nfo(""), Err(NfoError::Empty));
    assert_eq!(parse_nfo(" \n\t"), Err(NfoError::Empty));
    assert_eq!(parse_nfo("just some words"), Err(NfoError::NotNfo));
    assert!(matches!(
        parse_nfo("<movie><title>x</movie>"),
        Err(NfoError::Malformed(_))
    ));
    assert!(matches!(
        parse_nfo("<movie><title>"),
        Err(NfoError::Malformed(_))
    ));
    assert_eq!(
        parse_nfo("<html><body>hi</body></html>"),
        Err(NfoError::UnknownRoot("html".into()))
    );
    // Binary-ish and pathological inputs.
    for junk in [
        "\u{0}\u{1}\u{2}<<<>>>",
        "<",
        "<?xml",
        "<!--",
        "&&&;;;",
        "<movie attr=\"unclosed></movie>",
        "<a><b><c><d><e><f><g><h><i><j><k><l><m><n><o><p><q><r><s><t><u><v><w><x><y><z><aa><ab><ac><ad><ae><af><ag><ah>",
        "é<movie><year>20é1</year><premiered>20é1-01-01</premiered></movie>",
    ] {
        let _ = parse_nfo(junk);
    }
    let odd = parse("<movie><premiered>20é1-01-01</premiered><runtime>abc</runtime></movie>");
    assert_eq!(odd.metadata.premiere_date, None);
    assert_eq!(odd.metadata.runtime_minutes, None);
}

#[test]
fn ids_in_every_dialect() {
    let typed = parse(
        "<movie><id>tt0000001</id><uniqueid type=\"imdb\">tt0372784</uniqueid><uniqueid type=\"TMDB\" default=\"true\">272</uniqueid><tmdbid>999</tmdbid></movie>",
    );
    assert_eq!(typed.metadata.ids.imdb.as_deref(), Some("tt0372784"));
    assert_eq!(typed.metadata.ids.tmdb.as_deref(), Some("272"));

    let tags =
        parse("<movie><tmdbId>141052</tmdbId><imdbid>tt0974015</imdbid><tvdbid>5</tvdbid></movie>");
    assert_eq!(tags.metadata.ids.tmdb.as_deref(), Some("141052"));
    assert_eq!(tags.metadata.ids.imdb.as_deref(), Some("tt0974015"));
    assert_eq!(tags.metadata.ids.tvdb.as_deref(), Some("5"));

    let legacy_movie = parse("<movie><id>603</id></movie>");
    assert_eq!(legacy_movie.metadata.ids.tmdb.as_deref(), Some("603"));
    let legacy_show = parse("<tvshow><id IMDB=\"tt11111\" TMDB=\"46639\">253573</id></tvshow>");
    assert_eq!(legacy_show.metadata.ids.tvdb.as_deref(), Some("253573"));
    assert_eq!(legacy_show.metadata.ids.tmdb.as_deref(), Some("46639"));
    assert_eq!(legacy_show.metadata.ids.imdb.as_deref(), Some("tt11111"));

    let untyped = parse("<episodedetails><uniqueid>131174</uniqueid></episodedetails>");
    assert_eq!(untyped.metadata.ids, ProviderIds::default());
    assert_eq!(untyped.untyped_ids, vec!["131174".to_string()]);

    let bad =
        parse("<movie><uniqueid type=\"imdb\">nonsense</uniqueid><tmdbid>12a</tmdbid></movie>");
    assert_eq!(bad.metadata.ids, ProviderIds::default());
}

#[test]
fn ratings_prefer_tmdb_then_the_default_and_normalise_to_ten() {
    let doc = parse(
        "<movie><ratings><rating name=\"imdb\"><value>8</value><votes>1,234</votes></rating><rating name=\"rt\" max=\"100\" default=\"true\"><value>76</value></rating></ratings></movie>",
    );
    assert_eq!(doc.metadata.rating, Some(7.6));
    assert_eq!(doc.metadata.vote_count, None);
    let tmdb = parse(
        "<movie><ratings><rating name=\"imdb\"><value>8</value></rating><rating name=\"themoviedb\"><value>6.5</value><votes>10</votes></rating></ratings></movie>",
    );
    assert_eq!(tmdb.metadata.rating, Some(6.5));
    assert_eq!(tmdb.metadata.vote_count, Some(10));
    let legacy = parse("<movie><rating>7.1</rating><votes>42</votes></movie>");
    assert_eq!(legacy.metadata.rating, Some(7.1));
    assert_eq!(legacy.metadata.vote_count, Some(42));
    let nonsense = parse(
        "<movie><rating>NaN</rating><ratings><rating><value>55</value></rating></ratings></movie>",
    );
    assert_eq!(nonsense.metadata.rating, None);
}

#[test]
fn multi_values_dates_and_runtime() {
    let doc = parse(
        "<movie><genre>Action / Comedy</genre><genre>Comedy</genre><studio>A</studio><premiered>2005-06-14</premiered><year>2004</year><runtime>140 min</runtime><mpaa>Rated PG-13</mpaa><director>A / B,</director><set>Old Style</set></movie>",
    );
    let md = &doc.metadata;
    assert_eq!(md.genres, vec!["Action", "Comedy"]);
    assert_eq!(md.premiere_date.as_deref(), Some("2005-06-14"));
    assert_eq!(md.year, Some(2005), "premiered wins over year, as in Kodi");
    assert_eq!(md.runtime_minutes, Some(140));
    assert_eq!(md.certification.as_deref(), Some("PG-13"));
    let directors: Vec<&str> = md.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(directors, vec!["A", "B"]);
    assert_eq!(
        md.collection.as_ref().map(|c| c.name.as_str()),
        Some("Old Style")
    );

    let only_year = parse("<movie><year>1999</year><releasedate>bad</releasedate></movie>");
    assert_eq!(only_year.metadata.year, Some(1999));
    assert_eq!(only_year.metadata.premiere_date, None);
    let dated = parse("<episodedetails><aired>2017-04-30 20:00:00</aired><premiered>2017-01-01</premiered></episodedetails>");
    assert_eq!(dated.metadata.premiere_date.as_deref(), Some("2017-04-30"));
}

#[test]
fn actor_clear_resets_the_list() {
    let doc = parse(
        "<movie><actor><name>Gone</name></actor><actor clear=\"true\"><name>Kept</name><sortorder>2</sortorder></actor><actor><role>nameless</role></actor></movie>",
    );
    assert_eq!(doc.metadata.people.len(), 1);
    assert_eq!(doc.metadata.people[0].name, "Kept");
    assert_eq!(doc.metadata.people[0].order, Some(2));
}

#[test]
fn tvshow_season_and_episode_counts_are_not_indexes() {
    let show = parse("<tvshow><title>S</title><season>2</season><episode>16</episode></tvshow>");
    assert_eq!(show.metadata.season_number, None);
    assert_eq!(show.metadata.episode_number, None);
    let season = parse("<season><seasonnumber>0</seasonnumber></season>");
    assert_eq!(season.metadata.season_number, Some(0));
}

#[test]
fn url_only_and_combination_nfos() {
    let tv = parse("https://www.themoviedb.org/tv/1399-game-of-thrones\n");
    assert!(tv.url_only);
    assert_eq!(tv.kind, NfoKind::TvShow);
    assert_eq!(tv.metadata.ids.tmdb.as_deref(), Some("1399"));
    let tvdb = parse("http://thetvdb.com/?tab=series&id=81189");
    assert_eq!(tvdb.metadata.ids.tvdb.as_deref(), Some("81189"));
    let combo = parse("<movie><title>X</title></movie>\nhttps://www.imdb.com/title/tt0133093/\n");
    assert!(!combo.url_only);
    assert_eq!(combo.metadata.title.as_deref(), Some("X"));
    assert_eq!(combo.metadata.ids.imdb.as_deref(), Some("tt0133093"));
}

#[test]
fn trailers_become_watch_urls() {
    let doc = parse(
        "<movie><trailer>plugin://plugin.video.youtube/?action=play_video&amp;videoid=abc</trailer><trailer>plugin://plugin.video.youtube/play/?video_id=def</trailer><trailer>https://example.org/t.mp4</trailer><trailer>local.mkv</trailer></movie>",
    );
    assert_eq!(
        doc.metadata.trailers,
        vec![
            "https://www.youtube.com/watch?v=abc",
            "https://www.youtube.com/watch?v=def",
            "https://example.org/t.mp4"
        ]
    );
}

#[test]
fn marker_detects_edits() {
    let doc = "<?xml version=\"1.0\"?>\n<movie>\n  <title>A</title>\n</movie>\n";
    let signed = sign_document(doc);
    assert!(signed.starts_with("<?xml version=\"1.0\"?>\n<!-- Written by Kinora; sha256="));
    assert_eq!(marker_state(&signed), MarkerState::Unedited);
    assert_eq!(marker_state(doc), MarkerState::Absent);
    let edited = signed.replace("<title>A</title>", "<title>B</title>");
    assert_eq!(marker_state(&edited), MarkerState::Edited);
    let parsed = parse(&signed);
    assert_eq!(parsed.marker, MarkerState::Unedited);
    assert!(!parsed.is_users_word());
    assert!(parse(&edited).is_users_word());
    // A truncated marker is not Kinora's clean output.
    assert_eq!(
        marker_state("<!-- Written by Kinora; sha256=abc"),
        MarkerState::Edited
    );
    let no_decl = sign_document("<movie/>\n");
    assert_eq!(marker_state(&no_decl), MarkerState::Unedited);
}

#[test]
fn nfo_locations() {
    let movie = Path::new("/m/Alien (1979)/Alien (1979).mkv");
    assert_eq!(
        nfo_path_for(NfoKind::Movie, movie),
        Path::new("/m/Alien (1979)/Alien (1979).nfo")
    );
    assert_eq!(
        nfo_read_candidates(NfoKind::Movie, movie),
        vec![
            PathBuf::from("/m/Alien (1979)/Alien (1979).nfo"),
            PathBuf::from("/m/Alien (1979)/movie.nfo")
        ]
    );
    assert_eq!(
        nfo_path_for(
            NfoKind::Episode,
            Path::new("/tv/S/Season 1/S.S01E01.Pilot.mkv")
        ),
        Path::new("/tv/S/Season 1/S.S01E01.Pilot.nfo")
    );
    assert_eq!(
        nfo_path_for(NfoKind::TvShow, Path::new("/tv/Show")),
        Path::new("/tv/Show/tvshow.nfo")
    );
    assert_eq!(
        nfo_path_for(NfoKind::Season, Path::new("/tv/Show/Season 1")),
        Path::new("/tv/Show/Season 1/season.nfo")
    );
}
