//! Jellyfin playback negotiation and the static stream: PlaybackInfo against device profiles,
//! MediaSource/MediaStream fields clients read, and the anonymous `/Videos/{id}/stream` with
//! Range.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::media::video;
use common::{lib, Instance, ADMIN_PASSWORD};
use serde_json::{json, Value};

const AUTH: &str =
    r#"MediaBrowser Client="Playback Test", Device="Test", DeviceId="playback1", Version="1.0""#;

/// HEVC (160x90, 1 s) + AC-3 + an SRT subtitle in Matroska.
fn hevc_ac3_srt_mkv(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let srt = path.with_extension("src.srt");
    std::fs::write(
        &srt,
        "1\n00:00:00,000 --> 00:00:00,900\nHello from Kinora\n\n",
    )
    .unwrap();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=160x90:rate=15:duration=1")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-i"])
        .arg(&srt)
        .args([
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map",
            "2:s",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "ac3",
            "-b:a",
            "96k",
            "-c:s",
            "srt",
            "-metadata:s:a:0",
            "language=eng",
            "-metadata:s:s:0",
            "language=eng",
            "-shortest",
        ])
        .arg(path)
        .status()
        .expect("ffmpeg must be installed for end-to-end tests");
    assert!(status.success(), "ffmpeg failed for {}", path.display());
    // The scanner must not see the subtitle source as an external subtitle of anything else.
    std::fs::remove_file(&srt).unwrap();
}

fn wire_id(v: &Value) -> String {
    v["id"].as_str().unwrap().replace('-', "")
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

async fn login(server: &common::Server) -> String {
    let res = server
        .client
        .post(server.url("/Users/AuthenticateByName"))
        .header("Authorization", AUTH)
        .json(&json!({"Username": "admin", "Pw": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    v["AccessToken"].as_str().unwrap().to_string()
}

fn chrome_profile() -> Value {
    json!({
        "DeviceProfile": {
            "MaxStreamingBitrate": 120_000_000,
            "DirectPlayProfiles": [
                {"Container": "mp4,m4v", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac,mp3"},
                {"Container": "mp3", "Type": "Audio"}
            ],
            "TranscodingProfiles": [
                {"Container": "ts", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac", "Protocol": "hls", "Context": "Streaming"}
            ],
            "CodecProfiles": [{
                "Type": "Video", "Codec": "h264",
                "Conditions": [{"Condition": "EqualsAny", "Property": "VideoProfile",
                                "Value": "high|main|baseline|constrained baseline", "IsRequired": false}]
            }],
            "SubtitleProfiles": [{"Format": "vtt", "Method": "External"}]
        },
        "IsPlayback": true,
        "AutoOpenLiveStream": true
    })
}

async fn playback_info(
    server: &common::Server,
    token: &str,
    item: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = format!(r#"{AUTH}, Token="{token}""#);
    let url = server.url(&format!("/Items/{item}/PlaybackInfo?UserId=x"));
    let req = match &body {
        Some(b) => server.client.post(url).json(b),
        None => server.client.get(url),
    };
    let res = req.header("Authorization", auth).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_info_and_static_stream() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    let mp4 = root.join("Plain Test (2001)/Plain Test (2001).mp4");
    let mkv = root.join("Hevc Test (2002)/Hevc Test (2002).mkv");
    video(&mp4);
    hevc_ac3_srt_mkv(&mkv);

    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let token = login(&server).await;

    let movies = server.items("movie").await;
    let names: Vec<&str> = movies.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Hevc Test", "Plain Test"]);
    let hevc_id = wire_id(&movies[0]);
    let mp4_id = wire_id(&movies[1]);

    // Auth is required.
    let res = server
        .client
        .post(server.url(&format!("/Items/{mp4_id}/PlaybackInfo")))
        .json(&chrome_profile())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // H.264/AAC in MP4 with a browser profile: direct play.
    let (status, info) = playback_info(&server, &token, &mp4_id, Some(chrome_profile())).await;
    assert_eq!(status, 200, "{info}");
    assert!(is_hex32(info["PlaySessionId"].as_str().unwrap()), "{info}");
    assert!(info.get("ErrorCode").is_none(), "{info}");
    let sources = info["MediaSources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    let src = &sources[0];
    let mp4_source_id = src["Id"].as_str().unwrap().to_string();
    assert!(is_hex32(&mp4_source_id));
    assert_ne!(mp4_source_id, mp4_id, "a source is a file, not the item");
    assert_eq!(src["Container"], "mp4");
    assert_eq!(src["Protocol"], "File");
    assert_eq!(src["Type"], "Default");
    assert_eq!(src["VideoType"], "VideoFile");
    assert_eq!(src["Path"], mp4.to_str().unwrap());
    assert_eq!(src["Size"], std::fs::metadata(&mp4).unwrap().len());
    assert_eq!(src["SupportsDirectPlay"], true, "{src}");
    assert_eq!(src["SupportsDirectStream"], true);
    assert_eq!(src["SupportsTranscoding"], false);
    assert_eq!(src["IsRemote"], false);
    assert_eq!(src["TranscodingSubProtocol"], "http");
    assert_eq!(src["RequiredHttpHeaders"], json!({}));
    assert_eq!(src["MediaAttachments"], json!([]));
    assert_eq!(src["Formats"], json!([]));
    assert!(src["RunTimeTicks"].as_i64().unwrap() > 5_000_000, "{src}");
    assert!(src["Bitrate"].as_i64().unwrap() > 0);
    assert!(!src["ETag"].as_str().unwrap().is_empty());
    let streams = src["MediaStreams"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = streams
        .iter()
        .map(|s| (s["Type"].as_str().unwrap(), s["Codec"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, vec![("Video", "h264"), ("Audio", "aac")]);
    assert_eq!(streams[0]["Width"], 160);
    assert_eq!(streams[0]["Height"], 90);
    assert_eq!(streams[0]["DisplayTitle"], "144p H264 SDR");
    assert_eq!(streams[0]["VideoRange"], "SDR");
    assert_eq!(streams[0]["IsAVC"], true);
    assert_eq!(src["DefaultAudioStreamIndex"], streams[1]["Index"]);
    assert!(src.get("DefaultSubtitleStreamIndex").is_none());

    // The same profile rules out HEVC/AC-3 in Matroska: nothing the browser can play.
    let (status, info) = playback_info(&server, &token, &hevc_id, Some(chrome_profile())).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["ErrorCode"], "NoCompatibleStream", "{info}");
    let src = &info["MediaSources"][0];
    assert_eq!(src["Container"], "mkv");
    assert_eq!(src["SupportsDirectPlay"], false);
    assert_eq!(src["SupportsDirectStream"], false);
    let hevc_source_id = src["Id"].as_str().unwrap().to_string();
    let streams = src["MediaStreams"].as_array().unwrap();
    let shape: Vec<(i64, &str, &str)> = streams
        .iter()
        .map(|s| {
            (
                s["Index"].as_i64().unwrap(),
                s["Type"].as_str().unwrap(),
                s["Codec"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            (0, "Video", "hevc"),
            (1, "Audio", "ac3"),
            (2, "Subtitle", "subrip")
        ]
    );
    // Kodi dereferences these without defaults on every stream.
    for s in streams {
        for key in [
            "Index",
            "Type",
            "IsExternal",
            "SupportsExternalStream",
            "Codec",
            "DisplayTitle",
            "IsDefault",
            "IsForced",
            "IsTextSubtitleStream",
        ] {
            assert!(s.get(key).is_some(), "{key} missing in {s}");
        }
        assert_eq!(s["IsExternal"], false);
    }
    let audio = &streams[1];
    assert_eq!(audio["Channels"], 1);
    assert_eq!(audio["Language"], "eng");
    assert!(audio["SampleRate"].as_i64().unwrap() > 0);
    assert!(
        audio["DisplayTitle"]
            .as_str()
            .unwrap()
            .starts_with("English - Dolby Digital - Mono"),
        "{audio}"
    );
    let sub = &streams[2];
    // The browser takes text subtitles as external WebVTT only.
    assert_eq!(sub["DeliveryMethod"], "External");
    assert!(sub["DeliveryUrl"]
        .as_str()
        .unwrap()
        .ends_with("/Subtitles/2/0/Stream.vtt"));
    assert_eq!(sub["IsTextSubtitleStream"], true);
    assert_eq!(sub["SupportsExternalStream"], true);
    let default_sub = src["DefaultSubtitleStreamIndex"].as_i64().unwrap();
    assert!(default_sub == -1 || default_sub == 2, "{src}");
    assert_eq!(src["DefaultAudioStreamIndex"], 1);

    // No profile (GET form, token in the query): no restrictions.
    let res = server
        .client
        .get(server.url(&format!("/items/{hevc_id}/playbackinfo?api_key={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let info: Value = res.json().await.unwrap();
    assert!(info.get("ErrorCode").is_none(), "{info}");
    assert_eq!(info["MediaSources"][0]["SupportsDirectPlay"], true);
    assert_eq!(info["MediaSources"][0]["SupportsDirectStream"], true);

    // Findroid's "Direct play all" profile with empty lists: offered as a direct stream.
    let findroid = json!({
        "userId": "ignored",
        "deviceProfile": {
            "name": "Direct play all", "maxStaticBitrate": 1_000_000_000,
            "maxStreamingBitrate": 1_000_000_000, "codecProfiles": [], "containerProfiles": [],
            "directPlayProfiles": [], "transcodingProfiles": [],
            "subtitleProfiles": [{"format": "srt", "method": "External"}]
        },
        "maxStreamingBitrate": 1_000_000_000
    });
    let (status, info) = playback_info(&server, &token, &hevc_id, Some(findroid)).await;
    assert_eq!(status, 200);
    assert!(info.get("ErrorCode").is_none(), "{info}");
    assert_eq!(info["MediaSources"][0]["SupportsDirectPlay"], false);
    assert_eq!(info["MediaSources"][0]["SupportsDirectStream"], true);

    // Case-insensitive body keys; a bitrate limit under the file's turns direct play off.
    let (_, info) = playback_info(
        &server,
        &token,
        &mp4_id,
        Some(json!({"maxstreamingbitrate": "1000", "mediasourceid": mp4_source_id})),
    )
    .await;
    assert_eq!(info["MediaSources"][0]["SupportsDirectPlay"], false);
    assert_eq!(info["MediaSources"][0]["SupportsDirectStream"], true);
    assert!(info.get("ErrorCode").is_none());

    // camelCase on request.
    let res = server
        .client
        .get(server.url(&format!("/Items/{mp4_id}/PlaybackInfo")))
        .header("X-Emby-Token", &token)
        .header("Accept", r#"application/json; profile="CamelCase""#)
        .send()
        .await
        .unwrap();
    let info: Value = res.json().await.unwrap();
    assert!(
        info["mediaSources"][0]["supportsDirectPlay"].is_boolean(),
        "{info}"
    );
    assert!(info["playSessionId"].is_string());

    // Unknown or malformed items.
    for bad in [
        "0123456789abcdef0123456789abcdef",
        "not-an-id",
        mp4_source_id.as_str(),
    ] {
        let (status, _) = playback_info(&server, &token, bad, None).await;
        assert_eq!(status, 404, "{bad}");
    }

    // The static stream: anonymous, Range, HEAD, by catalogued id only.
    let bytes = std::fs::read(&mkv).unwrap();
    let res = server
        .client
        .get(server.url(&format!(
            "/Videos/{hevc_id}/stream?static=true&mediaSourceId={hevc_source_id}"
        )))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes 0-99/{}", bytes.len())
    );
    assert_eq!(res.headers()["accept-ranges"], "bytes");
    assert_eq!(&res.bytes().await.unwrap()[..], &bytes[..100]);

    let res = server
        .client
        .head(server.url(&format!(
            "/videos/{hevc_id}/stream.mkv?Static=true&MediaSourceId={hevc_source_id}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "video/x-matroska");
    assert_eq!(
        res.headers()["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );

    // Whole file, no mediaSourceId (the first file), and the item id as the source id.
    let mp4_bytes = std::fs::read(&mp4).unwrap();
    for q in [
        "static=true".to_string(),
        format!("static=true&mediaSourceId={mp4_id}"),
        String::new(),
    ] {
        let res = server
            .client
            .get(server.url(&format!("/Videos/{mp4_id}/stream.mp4?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{q}");
        assert_eq!(res.headers()["content-type"], "video/mp4");
        assert!(res.bytes().await.unwrap()[..] == mp4_bytes[..], "{q}");
    }
    let res = server
        .client
        .get(server.url(&format!("/Videos/{hevc_id}/stream")))
        .header("Range", format!("bytes={}-", bytes.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    // All six answered by the sendfile front (src/api/stream_front.rs), on connections the
    // client's pool had used for API calls before.
    assert_eq!(server.served_by_front(6).await, 6, "{}", server.log_text());

    // Unknown items, another item's file, path tricks: nothing.
    let bad = [
        "/Videos/0123456789abcdef0123456789abcdef/stream?static=true".to_string(),
        format!("/Videos/{mp4_id}/stream?static=true&mediaSourceId={hevc_source_id}"),
        format!("/Videos/{mp4_id}/stream?static=true&mediaSourceId=..%2F..%2Fetc%2Fpasswd"),
        "/Videos/..%2F..%2Fetc%2Fpasswd/stream?static=true".to_string(),
        "/Videos/%2E%2E/stream.mkv".to_string(),
    ];
    for path in bad {
        let status = server
            .client
            .get(server.url(&path))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
}

/// PlaybackInfo asked the moment an item is listed (its probe maybe still queued) waits for the
/// probe instead of answering without streams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playback_info_waits_for_the_probe() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    video(&root.join("Fresh Test (2003)/Fresh Test (2003).mp4"));
    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    let token = login(&server).await;
    let movie = server
        .eventually(60, "the movie to be listed", || async {
            server.items("movie").await.into_iter().next()
        })
        .await;
    let (status, info) = playback_info(&server, &token, &wire_id(&movie), None).await;
    assert_eq!(status, 200, "{info}");
    let src = &info["MediaSources"][0];
    assert_eq!(src["MediaStreams"][0]["Codec"], "h264", "{info}");
    assert_eq!(src["MediaStreams"][1]["Codec"], "aac", "{info}");
    assert!(src["RunTimeTicks"].as_i64().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subtitles_external_and_embedded() {
    let media = tempfile::tempdir().unwrap();
    let root = media.path().join("movies");
    let mkv = root.join("Subbed Test (2003)/Subbed Test (2003).mkv");
    hevc_ac3_srt_mkv(&mkv);
    let dir = mkv.parent().unwrap();
    let en_srt = dir.join("Subbed Test (2003).en.srt");
    std::fs::write(
        &en_srt,
        "1\n00:00:00,100 --> 00:00:00,800\nAn external line\n\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Subbed Test (2003).fr.forced.vtt"),
        "WEBVTT\n\n00:00.100 --> 00:00.800\nUne ligne\n",
    )
    .unwrap();
    // Another title's subtitle in the same folder is not this movie's.
    std::fs::write(
        dir.join("Other (2003).srt"),
        "1\n00:00:00,000 --> 00:00:01,000\nx\n",
    )
    .unwrap();

    let inst = Instance::new(&[lib("Movies", &root, "movies")], "");
    let server = inst.start();
    server.wait_idle().await;
    let token = login(&server).await;
    let movies = server.items("movie").await;
    assert_eq!(movies.len(), 1, "{movies:?}");
    let id = wire_id(&movies[0]);

    // A browser: text subtitles as external WebVTT.
    let (status, info) = playback_info(&server, &token, &id, Some(chrome_profile())).await;
    assert_eq!(status, 200, "{info}");
    let src = &info["MediaSources"][0];
    let source_id = src["Id"].as_str().unwrap();
    let subs: Vec<&Value> = src["MediaStreams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Type"] == "Subtitle")
        .collect();
    assert_eq!(subs.len(), 3, "{src}");
    let (embedded, en, fr) = (subs[0], subs[1], subs[2]);
    assert_eq!(embedded["Index"], 2);
    assert_eq!(embedded["IsExternal"], false);
    assert_eq!(embedded["Codec"], "subrip");
    assert_eq!(en["Index"], 3);
    assert_eq!(en["IsExternal"], true);
    assert_eq!(en["Language"], "eng");
    assert_eq!(en["Codec"], "subrip");
    assert_eq!(en["Path"], en_srt.to_str().unwrap());
    assert_eq!(fr["Index"], 4);
    assert_eq!(fr["Language"], "fre");
    assert_eq!(fr["IsForced"], true);
    assert_eq!(fr["Codec"], "webvtt");
    for s in &subs {
        assert_eq!(s["DeliveryMethod"], "External", "{s}");
        assert_eq!(s["IsTextSubtitleStream"], true);
        assert_eq!(s["SupportsExternalStream"], true);
        assert_eq!(s["IsExternalUrl"], false);
        assert_eq!(
            s["DeliveryUrl"],
            format!(
                "/Videos/{id}/{source_id}/Subtitles/{}/0/Stream.vtt",
                s["Index"]
            )
        );
    }
    // The forced subtitle is the default one.
    assert_eq!(src["DefaultSubtitleStreamIndex"], 4);

    // Each DeliveryUrl answers without a token, converted to WebVTT.
    for (s, text) in [
        (embedded, "Hello from Kinora"),
        (en, "An external line"),
        (fr, "Une ligne"),
    ] {
        let res = server
            .client
            .get(server.url(s["DeliveryUrl"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{s}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "text/vtt; charset=utf-8"
        );
        let body = res.text().await.unwrap();
        assert!(body.starts_with("WEBVTT"), "{body}");
        assert!(body.contains(text), "{body}");
    }

    let get = |path: String| {
        let client = server.client.clone();
        let url = server.url(&path);
        async move { client.get(url).send().await.unwrap() }
    };
    // A file in the format asked for is served as it is; casing and the short route work too.
    let res = get(format!("/videos/{id}/{source_id}/subtitles/3/Stream.SRT")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        std::fs::read(&en_srt).unwrap().as_slice()
    );
    // The embedded track converted to ASS (served twice: the second comes from the cache).
    for _ in 0..2 {
        let res = get(format!("/Videos/{id}/{source_id}/Subtitles/2/0/Stream.ass")).await;
        assert_eq!(res.status(), 200);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("[Script Info]") && body.contains("Hello from Kinora"),
            "{body}"
        );
    }
    // The item's id stands for its default source.
    let res = get(format!("/Videos/{id}/{id}/Subtitles/3/0/Stream.vtt")).await;
    assert_eq!(res.status(), 200);
    // Not subtitles, not there, not a format.
    for (path, status) in [
        (
            format!("/Videos/{id}/{source_id}/Subtitles/0/0/Stream.vtt"),
            404,
        ),
        (
            format!("/Videos/{id}/{source_id}/Subtitles/1/0/Stream.vtt"),
            404,
        ),
        (
            format!("/Videos/{id}/{source_id}/Subtitles/9/0/Stream.vtt"),
            404,
        ),
        (
            format!("/Videos/{id}/{source_id}/Subtitles/-1/0/Stream.vtt"),
            404,
        ),
        (
            format!("/Videos/{id}/{source_id}/Subtitles/3/0/Stream.exe"),
            400,
        ),
        (format!("/Videos/{id}/{id}ff/Subtitles/3/0/Stream.vtt"), 404),
    ] {
        assert_eq!(get(path.clone()).await.status(), status, "{path}");
    }

    // Item details carry the sources and streams too (jellyfin-web's track menus).
    let details: Value = server
        .client
        .get(server.url(&format!("/Items/{id}")))
        .header("X-Emby-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["MediaSources"][0]["Id"], source_id, "{details}");
    let detail_streams = details["MediaStreams"].as_array().unwrap();
    assert_eq!(detail_streams.len(), 5, "{details}");
    assert_eq!(detail_streams[3]["IsExternal"], true);

    // Without a profile: the embedded track travels in the file, files are fetched as they are.
    let (status, info) = playback_info(&server, &token, &id, None).await;
    assert_eq!(status, 200);
    let streams = info["MediaSources"][0]["MediaStreams"].as_array().unwrap();
    assert_eq!(streams[2]["DeliveryMethod"], "Embed");
    assert!(streams[2].get("DeliveryUrl").is_none());
    assert_eq!(
        streams[3]["DeliveryUrl"],
        format!("/Videos/{id}/{source_id}/Subtitles/3/0/Stream.srt")
    );
    assert_eq!(
        streams[4]["DeliveryUrl"],
        format!("/Videos/{id}/{source_id}/Subtitles/4/0/Stream.vtt")
    );
}
