//! Jellyfin browsing and play state over a generated library: views, items in new and legacy
//! routes, series → seasons → episodes, extras, resume, next up, latest, played/favourite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::media::video;
use common::{lib, Instance, ADMIN_PASSWORD};
use serde_json::Value;

struct Jf<'a> {
    server: &'a common::Server,
    token: String,
    user_id: String,
}

impl Jf<'_> {
    async fn get(&self, path: &str) -> Value {
        let res = self
            .server
            .client
            .get(self.server.url(path))
            .header("X-Emby-Token", &self.token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    async fn status(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> u16 {
        let mut req = self
            .server
            .client
            .request(method, self.server.url(path))
            .header("X-Emby-Token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap().status().as_u16()
    }
}

fn names(v: &Value) -> Vec<String> {
    v["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_and_play_state() {
    let media = tempfile::tempdir().unwrap();
    let m = media.path();
    video(&m.join("movies/Alpha (2001)/Alpha (2001).mkv"));
    video(&m.join("movies/Beta (2002)/Beta (2002).mp4"));
    video(&m.join("movies/Beta (2002)/Beta (2002)-trailer.mp4"));
    for e in 1..=3 {
        video(&m.join(format!("tv/Show/Season 01/Show S01E0{e}.mkv")));
    }
    video(&m.join("home/Trip/beach.mp4"));
    video(&m.join("home/Trip/Day 2/dunes.mp4"));
    video(&m.join("home/loose clip.mp4"));
    let inst = Instance::new(
        &[
            lib("Movies", &m.join("movies"), "movies"),
            lib("Shows", &m.join("tv"), "tv"),
            lib("Home", &m.join("home"), "home"),
        ],
        "",
    );
    let server = inst.start();
    server.wait_idle().await;
    let auth: Value = server
        .client
        .post(server.url("/Users/AuthenticateByName"))
        .header(
            "Authorization",
            r#"MediaBrowser Client="e2e", Device="test", DeviceId="e2e1", Version="1""#,
        )
        .json(&serde_json::json!({"Username": "admin", "Pw": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jf = Jf {
        server: &server,
        token: auth["AccessToken"].as_str().unwrap().to_string(),
        user_id: auth["User"]["Id"].as_str().unwrap().to_string(),
    };
    let server_id = auth["ServerId"].as_str().unwrap();

    // Views: one CollectionFolder per library, new and legacy routes alike.
    let views = jf.get("/UserViews").await;
    assert_eq!(names(&views), vec!["Movies", "Shows", "Home"]);
    let types: Vec<&str> = views["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["CollectionType"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["movies", "tvshows", "homevideos"]);
    assert!(views["Items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|v| v["Type"] == "CollectionFolder" && v["ServerId"] == server_id));
    assert_eq!(jf.get(&format!("/Users/{}/Views", jf.user_id)).await, views);
    let movies_view = views["Items"][0]["Id"].as_str().unwrap().to_string();
    let shows_view = views["Items"][1]["Id"].as_str().unwrap().to_string();
    let home_view = views["Items"][2]["Id"].as_str().unwrap().to_string();

    // Home videos browse folder by folder, as in Jellyfin; recursive listings are flat.
    let top = jf
        .get(&format!("/Items?ParentId={home_view}&SortBy=SortName"))
        .await;
    assert_eq!(names(&top), vec!["loose clip", "Trip"], "{top}");
    let trip = &top["Items"][1];
    assert_eq!(trip["Type"], "Folder");
    assert_eq!(trip["IsFolder"], true);
    assert!(trip.get("CollectionType").is_none());
    assert_eq!(trip["ParentId"], home_view.as_str());
    assert_eq!(top["Items"][0]["Type"], "Video");
    let trip_id = trip["Id"].as_str().unwrap().to_string();
    let inside = jf
        .get(&format!("/Items?ParentId={trip_id}&SortBy=SortName"))
        .await;
    assert_eq!(names(&inside), vec!["beach", "Day 2"], "{inside}");
    assert_eq!(jf.get(&format!("/Items/{trip_id}")).await["ChildCount"], 2);
    let flat = jf
        .get(&format!(
            "/Items?ParentId={home_view}&Recursive=true&SortBy=SortName"
        ))
        .await;
    assert_eq!(names(&flat), vec!["beach", "dunes", "loose clip"]);
    let videos = jf
        .get(&format!(
            "/Items?ParentId={home_view}&Recursive=true&IncludeItemTypes=Video"
        ))
        .await;
    assert_eq!(videos["TotalRecordCount"], 3);
    // A clip moved to another folder keeps its id and follows the move; an emptied folder goes.
    let dunes = &flat["Items"][1];
    let dunes_id = dunes["Id"].as_str().unwrap().to_string();
    std::fs::create_dir_all(m.join("home/Desert")).unwrap();
    std::fs::rename(
        m.join("home/Trip/Day 2/dunes.mp4"),
        m.join("home/Desert/dunes.mp4"),
    )
    .unwrap();
    server.rescan().await;
    server.wait_idle().await;
    let top = jf
        .get(&format!("/Items?ParentId={home_view}&SortBy=SortName"))
        .await;
    assert_eq!(names(&top), vec!["Desert", "loose clip", "Trip"], "{top}");
    let desert_id = top["Items"][0]["Id"].as_str().unwrap().to_string();
    let desert = jf.get(&format!("/Items?ParentId={desert_id}")).await;
    assert_eq!(desert["Items"][0]["Id"], dunes_id.as_str(), "{desert}");
    let inside = jf.get(&format!("/Items?ParentId={trip_id}")).await;
    assert_eq!(
        names(&inside),
        vec!["beach"],
        "the emptied Day 2 folder is gone: {inside}"
    );

    // Movies in a view; the trailer is an extra, never a movie.
    let q = format!("/Users/{}/Items?ParentId={movies_view}&IncludeItemTypes=Movie&Recursive=true&SortBy=SortName,ProductionYear&SortOrder=Ascending&Fields=PrimaryImageAspectRatio", jf.user_id);
    let movies = jf.get(&q).await;
    assert_eq!(names(&movies), vec!["Alpha", "Beta"]);
    assert_eq!(movies["TotalRecordCount"], 2);
    let beta = &movies["Items"][1];
    assert_eq!(beta["Type"], "Movie");
    assert_eq!(beta["ProductionYear"], 2002);
    assert_eq!(beta["LocalTrailerCount"], 1);
    assert!(
        beta["ChannelId"].is_null() && beta.get("ChannelId").is_some(),
        "ChannelId is an explicit null"
    );
    assert_eq!(beta["UserData"]["Played"], false);
    let beta_id = beta["Id"].as_str().unwrap().to_string();
    assert_eq!(beta_id.len(), 32);
    let trailers = jf.get(&format!("/Items/{beta_id}/LocalTrailers")).await;
    assert_eq!(trailers.as_array().unwrap().len(), 1);
    assert_eq!(trailers[0]["Type"], "Trailer");
    // Paging and case-insensitive parameter names.
    let page = jf.get(&format!("/items?parentid={movies_view}&recursive=true&includeItemTypes=Movie&startIndex=1&limit=1")).await;
    assert_eq!(names(&page), vec!["Beta"]);
    assert_eq!(page["TotalRecordCount"], 2);
    assert_eq!(page["StartIndex"], 1);
    // Dashed ids are accepted on input.
    let dashed = format!(
        "{}-{}-{}-{}-{}",
        &beta_id[..8],
        &beta_id[8..12],
        &beta_id[12..16],
        &beta_id[16..20],
        &beta_id[20..]
    );
    assert_eq!(
        jf.get(&format!("/Items/{dashed}")).await["Id"],
        beta_id.as_str()
    );
    assert_eq!(
        jf.status(
            reqwest::Method::GET,
            "/Items/00000000000000000000000000000000",
            None
        )
        .await,
        404
    );
    assert_eq!(
        jf.status(
            reqwest::Method::GET,
            "/Users/00000000000000000000000000000001/Items",
            None
        )
        .await,
        404
    );

    // Series → seasons → episodes.
    let series = jf
        .get(&format!(
            "/Items?ParentId={shows_view}&IncludeItemTypes=Series&Recursive=true"
        ))
        .await;
    assert_eq!(names(&series), vec!["Show"]);
    let series_id = series["Items"][0]["Id"].as_str().unwrap().to_string();
    assert_eq!(series["Items"][0]["UserData"]["UnplayedItemCount"], 3);
    let seasons = jf
        .get(&format!("/Shows/{series_id}/Seasons?userId={}", jf.user_id))
        .await;
    assert_eq!(names(&seasons), vec!["Season 1"]);
    assert_eq!(seasons["Items"][0]["IndexNumber"], 1);
    assert_eq!(seasons["Items"][0]["SeriesId"], series_id.as_str());
    let season_id = seasons["Items"][0]["Id"].as_str().unwrap().to_string();
    let episodes = jf
        .get(&format!("/Shows/{series_id}/Episodes?SeasonId={season_id}"))
        .await;
    let eps = episodes["Items"].as_array().unwrap();
    assert_eq!(eps.len(), 3);
    assert!(
        eps[0].get("MediaSources").is_none(),
        "sources only when asked for"
    );
    let with_sources = jf
        .get(&format!(
            "/Shows/{series_id}/Episodes?SeasonId={season_id}&Fields=MediaSources,Overview"
        ))
        .await;
    for e in with_sources["Items"].as_array().unwrap() {
        let sources = e["MediaSources"].as_array().unwrap();
        assert_eq!(sources.len(), 1, "{e}");
        assert_eq!(sources[0]["MediaStreams"][0]["Type"], "Video");
    }
    for (n, e) in eps.iter().enumerate() {
        assert_eq!(e["Type"], "Episode");
        assert_eq!(e["IndexNumber"], n as i64 + 1);
        assert_eq!(e["ParentIndexNumber"], 1);
        assert_eq!(e["SeriesId"], series_id.as_str());
        assert_eq!(e["SeasonId"], season_id.as_str());
        assert_eq!(e["ParentId"], season_id.as_str());
        assert_eq!(e["SeriesName"], "Show");
        assert!(e["RunTimeTicks"].as_i64().unwrap() > 9_000_000);
    }
    let ep1 = eps[0]["Id"].as_str().unwrap().to_string();
    let ep2 = eps[1]["Id"].as_str().unwrap().to_string();

    // Next up follows the last played episode; played state aggregates on the series.
    assert_eq!(
        jf.get("/Shows/NextUp").await["TotalRecordCount"],
        0,
        "nothing started yet"
    );
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!("/Users/{}/PlayedItems/{ep1}", jf.user_id),
            None
        )
        .await,
        200
    );
    let next = jf.get(&format!("/Shows/NextUp?SeriesId={series_id}")).await;
    assert_eq!(next["Items"][0]["Id"], ep2.as_str());
    let series_after = jf.get(&format!("/Items/{series_id}")).await;
    assert_eq!(series_after["UserData"]["UnplayedItemCount"], 2);
    assert_eq!(
        jf.status(
            reqwest::Method::DELETE,
            &format!("/UserPlayedItems/{ep1}"),
            None
        )
        .await,
        200
    );
    assert_eq!(
        jf.get(&format!("/Items/{ep1}")).await["UserData"]["Played"],
        false
    );

    // Favourites, and the IsFavorite filter.
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!("/UserFavoriteItems/{beta_id}"),
            None
        )
        .await,
        200
    );
    let favs = jf.get("/Items?Recursive=true&Filters=IsFavorite").await;
    assert_eq!(names(&favs), vec!["Beta"]);

    // Playback reports: a clip shorter than five minutes is played on stop, never resumed.
    let runtime = eps[2]["RunTimeTicks"].as_i64().unwrap();
    let ep3 = eps[2]["Id"].as_str().unwrap().to_string();
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            "/Sessions/Playing",
            Some(serde_json::json!({"ItemId": ep3, "PositionTicks": 0}))
        )
        .await,
        204
    );
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            "/Sessions/Playing/Progress",
            Some(serde_json::json!({"ItemId": ep3, "PositionTicks": runtime / 2}))
        )
        .await,
        204
    );
    // The session shows what it plays.
    let sessions = jf.get("/Sessions").await;
    let mine = &sessions.as_array().unwrap()[0];
    assert_eq!(mine["NowPlayingItem"]["Id"], ep3.as_str(), "{mine}");
    assert_eq!(mine["NowPlayingItem"]["Type"], "Episode");
    assert_eq!(mine["PlayState"]["PositionTicks"], runtime / 2);
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            "/Sessions/Playing/Stopped",
            Some(serde_json::json!({"ItemId": ep3, "PositionTicks": runtime / 2}))
        )
        .await,
        204
    );
    let sessions = jf.get("/Sessions").await;
    assert!(sessions[0].get("NowPlayingItem").is_none(), "{sessions}");
    let ud = jf.get(&format!("/UserItems/{ep3}/UserData")).await;
    assert_eq!(ud["Played"], true);
    assert_eq!(ud["PlaybackPositionTicks"], 0);
    assert_eq!(ud["PlayCount"], 1);
    assert!(ud["LastPlayedDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        jf.get("/UserItems/Resume").await["TotalRecordCount"],
        0,
        "short items are not resumable"
    );

    // UserData set directly (Findroid's offline sync), new and legacy routes.
    let res = jf
        .server
        .client
        .post(jf.server.url(&format!("/UserItems/{beta_id}/UserData")))
        .header("X-Emby-Token", &jf.token)
        .json(&serde_json::json!({"playbackPositionTicks": 123_456_789, "LastPlayedDate": "2024-05-01T10:00:00.0000000Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ud: Value = res.json().await.unwrap();
    assert_eq!(ud["PlaybackPositionTicks"], 123_456_789);
    assert_eq!(ud["IsFavorite"], true, "fields not sent are kept");
    assert_eq!(ud["LastPlayedDate"], "2024-05-01T10:00:00.0000000Z");
    let resume = jf.get("/UserItems/Resume").await;
    assert_eq!(names(&resume), vec!["Beta"]);
    let legacy = jf
        .get(&format!("/Users/{}/Items/{beta_id}/UserData", jf.user_id))
        .await;
    assert_eq!(legacy["PlaybackPositionTicks"], 123_456_789);
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!("/Users/{}/Items/{beta_id}/UserData", jf.user_id),
            Some(serde_json::json!({"PlaybackPositionTicks": 0}))
        )
        .await,
        200
    );
    assert_eq!(jf.get("/UserItems/Resume").await["TotalRecordCount"], 0);

    // Reports with their fields in the query (PlayingItems, new and legacy).
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!("/PlayingItems/{beta_id}?PositionTicks=0&PlayMethod=DirectPlay&CanSeek=true"),
            None
        )
        .await,
        204
    );
    let sessions = jf.get("/Sessions").await;
    assert_eq!(sessions[0]["NowPlayingItem"]["Id"], beta_id.as_str());
    assert_eq!(sessions[0]["PlayState"]["PlayMethod"], "DirectPlay");
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!(
                "/Users/{}/PlayingItems/{beta_id}/Progress?PositionTicks=1000&IsPaused=true",
                jf.user_id
            ),
            None
        )
        .await,
        204
    );
    assert_eq!(jf.get("/Sessions").await[0]["PlayState"]["IsPaused"], true);
    assert_eq!(
        jf.status(
            reqwest::Method::DELETE,
            &format!(
                "/Users/{}/PlayingItems/{beta_id}?PositionTicks=1000",
                jf.user_id
            ),
            None
        )
        .await,
        204
    );
    assert!(jf.get("/Sessions").await[0].get("NowPlayingItem").is_none());
    // Stopped below the minimum resume percentage: neither played nor resumable (Jellyfin).
    let ud = jf.get(&format!("/UserItems/{beta_id}/UserData")).await;
    assert_eq!(ud["Played"], false, "{ud}");
    assert_eq!(ud["PlaybackPositionTicks"], 0, "{ud}");
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            &format!("/UserItems/{beta_id}/UserData"),
            Some(serde_json::json!([1, 2]))
        )
        .await,
        400
    );

    // Latest groups new episodes under their series, as a bare array.
    let latest = jf
        .get(&format!(
            "/Users/{}/Items/Latest?ParentId={shows_view}",
            jf.user_id
        ))
        .await;
    let latest = latest.as_array().unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0]["Type"], "Series");
    let latest_movies = jf
        .get(&format!("/Items/Latest?ParentId={movies_view}&Limit=10"))
        .await;
    assert_eq!(latest_movies.as_array().unwrap().len(), 2);

    // Quick search: case and accents folded, types filtered, the term required.
    let hints = jf.get("/Search/Hints?searchTerm=ALP&Limit=5").await;
    assert_eq!(hints["TotalRecordCount"], 1, "{hints}");
    assert_eq!(hints["SearchHints"][0]["Name"], "Alpha");
    assert_eq!(hints["SearchHints"][0]["Type"], "Movie");
    assert_eq!(hints["SearchHints"][0]["MatchedTerm"], "ALP");
    let hint_id = hints["SearchHints"][0]["ItemId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(hints["SearchHints"][0]["Id"], hint_id.as_str());
    let none = jf
        .get("/Search/Hints?searchTerm=alp&IncludeItemTypes=Series")
        .await;
    assert_eq!(none["TotalRecordCount"], 0);
    let people = jf
        .get("/Search/Hints?searchTerm=alp&IncludeItemTypes=Person")
        .await;
    assert_eq!(people["SearchHints"], serde_json::json!([]));
    assert_eq!(
        jf.status(reqwest::Method::GET, "/Search/Hints", None).await,
        400
    );

    // Routes for features Kinora does not have answer like an empty server.
    assert_eq!(jf.get("/Genres").await["TotalRecordCount"], 0);
    assert_eq!(
        jf.get(&format!("/Items/{beta_id}/Similar")).await["TotalRecordCount"],
        0
    );
    let prefs = jf
        .get("/DisplayPreferences/usersettings?userId=x&client=emby")
        .await;
    assert_eq!(prefs["Id"], "usersettings");
    assert!(prefs["CustomPrefs"].is_object());
    assert_eq!(
        jf.status(
            reqwest::Method::POST,
            "/DisplayPreferences/usersettings?client=emby",
            Some(serde_json::json!({"CustomPrefs": {}}))
        )
        .await,
        204
    );
    let root = jf.get("/Items/Root").await;
    let children = jf
        .get(&format!("/Items?ParentId={}", root["Id"].as_str().unwrap()))
        .await;
    assert_eq!(children["TotalRecordCount"], 3, "the root lists the views");
}
