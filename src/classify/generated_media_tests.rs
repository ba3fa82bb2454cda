//! Each video signal on real files: tiny clips made with ffmpeg carrying the tag, rotation,
//! timing or track under test, probed by the project's ffprobe code, then classified. Every
//! test compares against the same clip without the feature, so the score must move the right
//! way because of that feature alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::signals::{collect, Signal, VideoSignals};
use crate::domain::MediaInfo;
use crate::probe::testmedia::{ffmpeg, Media};
use crate::probe::{probe_file, Tools};

/// 1 s of 96x64 (3:2) at 12 fps: an aspect and a rate that say nothing, no tags.
const PLAIN: &str = "testsrc2=s=96x64:r=12:d=1";

/// Encodes `source` (a lavfi video graph) with H.264, then `outputs` (codec settings,
/// metadata, extra inputs' mapping), into `name`.
fn encode(media: &Media, name: &str, inputs: &[&str], outputs: &[&str]) -> PathBuf {
    let path = media.path(name);
    let mut args: Vec<&str> = inputs.to_vec();
    args.extend([
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ]);
    args.extend(outputs);
    ffmpeg(&args, &path);
    path
}

/// [`PLAIN`] video only, with `outputs` (metadata) added.
fn plain(media: &Media, name: &str, outputs: &[&str]) -> PathBuf {
    encode(media, name, &["-f", "lavfi", "-i", PLAIN], outputs)
}

async fn probe(path: &Path) -> MediaInfo {
    let tools = Tools {
        timeout: Duration::from_secs(30),
        ..Tools::default()
    };
    probe_file(&tools, path).await.unwrap()
}

async fn classify(path: &Path) -> (MediaInfo, VideoSignals) {
    let info = probe(path).await;
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let signals = collect(&name, Some(&info));
    (info, signals)
}

/// The named signal, asserting it is there with the expected sign.
fn expect(signals: &VideoSignals, name: &str, positive: bool) -> Signal {
    let s = signals
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", signals.signals))
        .clone();
    assert_eq!(s.weight > 0.0, positive, "{s:?}");
    s
}

/// The feature's file scores above (home video) or below (produced) the baseline.
fn moved(with: &VideoSignals, baseline: &VideoSignals, up: bool) {
    let (a, b) = (with.home_video_score(), baseline.home_video_score());
    if up {
        assert!(a > b, "{a} <= {b}: {:?}", with.reasons());
    } else {
        assert!(a < b, "{a} >= {b}: {:?}", with.reasons());
    }
}

async fn baseline(media: &Media) -> VideoSignals {
    let (_, signals) = classify(&plain(media, "baseline.mp4", &[])).await;
    // The plain clip says only that it is short.
    let names: Vec<_> = signals.signals.iter().map(|s| s.name).collect();
    assert_eq!(names, ["duration"], "{:?}", signals.signals);
    signals
}

#[tokio::test]
async fn creation_time_tag() {
    let media = Media::new();
    let base = baseline(&media).await;
    let path = plain(
        &media,
        "dated.mp4",
        &["-metadata", "creation_time=2024-01-01T12:00:00Z"],
    );
    let (info, signals) = classify(&path).await;
    // Without use_metadata_tags the mp4 muxer stores the time itself, with microseconds.
    assert_eq!(
        info.creation_time.as_deref(),
        Some("2024-01-01T12:00:00.000000Z")
    );
    let s = expect(&signals, "creation_time", true);
    assert_eq!(s.detail, "creation time 2024-01-01T12:00:00.000000Z");
    moved(&signals, &base, true);
}

#[tokio::test]
async fn apple_make_model_and_software_tags() {
    let media = Media::new();
    let base = baseline(&media).await;
    #[rustfmt::skip]
    let path = plain(&media, "apple.mov", &[
        "-metadata", "com.apple.quicktime.make=Apple",
        "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
        "-metadata", "com.apple.quicktime.software=17.1",
        "-metadata:s:v:0", "handler_name=Core Media Video",
        "-movflags", "use_metadata_tags",
    ]);
    let (info, signals) = classify(&path).await;
    assert_eq!(info.device_software.as_deref(), Some("17.1"));
    assert_eq!(info.video_handler.as_deref(), Some("Core Media Video"));
    assert_eq!(
        expect(&signals, "camera", true).detail,
        "camera make Apple iPhone 15 Pro"
    );
    assert_eq!(
        expect(&signals, "device_software", true).detail,
        "device software 17.1"
    );
    assert_eq!(
        expect(&signals, "camera_software", true).detail,
        "recorded by Core Media Video"
    );
    moved(&signals, &base, true);
    assert!(signals.home_video_score() > 0.9);
}

#[tokio::test]
async fn android_make_model_and_version_tags() {
    let media = Media::new();
    let base = baseline(&media).await;
    #[rustfmt::skip]
    let path = plain(&media, "android.mp4", &[
        "-metadata", "com.android.manufacturer=Google",
        "-metadata", "com.android.model=Pixel 7",
        "-metadata", "com.android.version=14",
        "-movflags", "use_metadata_tags",
    ]);
    let (info, signals) = classify(&path).await;
    assert_eq!(info.camera_make.as_deref(), Some("Google"));
    assert_eq!(info.device_software.as_deref(), Some("Android 14"));
    assert_eq!(
        expect(&signals, "camera", true).detail,
        "camera make Google Pixel 7"
    );
    assert_eq!(
        expect(&signals, "device_software", true).detail,
        "device software Android 14"
    );
    moved(&signals, &base, true);
}

#[tokio::test]
async fn location_tags() {
    let media = Media::new();
    let base = baseline(&media).await;
    // The plain `location` key is what the mp4 muxer writes as ©xyz.
    let path = plain(
        &media,
        "located.mp4",
        &["-metadata", "location=+48.8577+002.2950/"],
    );
    let (info, signals) = classify(&path).await;
    assert_eq!(info.location.as_deref(), Some("+48.8577+002.2950/"));
    assert_eq!(
        expect(&signals, "location", true).detail,
        "location +48.8577+002.2950/"
    );
    moved(&signals, &base, true);

    // Apple's key, with altitude, via QuickTime metadata.
    #[rustfmt::skip]
    let path = plain(&media, "located.mov", &[
        "-metadata", "com.apple.quicktime.location.ISO6709=-33.8688+151.2093+012.000/",
        "-movflags", "use_metadata_tags",
    ]);
    let (info, signals) = classify(&path).await;
    assert_eq!(info.location.as_deref(), Some("-33.8688+151.2093+012.000/"));
    expect(&signals, "location", true);

    // No GPS fix: zeros are no location.
    let path = plain(
        &media,
        "no-fix.mp4",
        &["-metadata", "location=+00.0000+000.0000/"],
    );
    let (info, signals) = classify(&path).await;
    assert_eq!(info.location, None);
    assert!(signals.get("location").is_none());
}

#[tokio::test]
async fn rotation_tag() {
    let media = Media::new();
    let base = baseline(&media).await;
    let raw = plain(&media, "raw.mp4", &[]);
    // ffmpeg 5.1 turns the rotate tag into a display matrix only on a stream copy.
    let path = media.path("rotated.mp4");
    ffmpeg(
        &[
            "-i",
            raw.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            "rotate=90",
        ],
        &path,
    );
    let (info, signals) = classify(&path).await;
    assert_eq!(info.rotation, Some(90));
    assert_eq!(
        expect(&signals, "rotation", true).detail,
        "portrait (rotation 90)"
    );
    // Landscape pixels shown portrait: counted once, as rotation.
    assert!(signals.get("portrait").is_none());
    moved(&signals, &base, true);
}

#[tokio::test]
async fn variable_frame_rate() {
    let media = Media::new();
    let base = baseline(&media).await;
    // Half a second at 30 fps, then frames three times as long: what a phone does as the
    // light drops.
    #[rustfmt::skip]
    let path = encode(&media, "vfr.mp4", &["-f", "lavfi", "-i", "testsrc2=s=96x64:r=30:d=1"], &[
        "-vf", "setpts='if(lt(N,15),N,15+(N-15)*3)/30/TB'", "-fps_mode", "vfr",
    ]);
    let (info, signals) = classify(&path).await;
    assert!(info.variable_frame_rate);
    assert_eq!(
        expect(&signals, "variable_frame_rate", true).detail,
        "variable frame rate"
    );
    moved(&signals, &base, true);
    // The constant-rate baseline is not variable.
    assert!(base.get("variable_frame_rate").is_none());
}

#[tokio::test]
async fn portrait_frame() {
    let media = Media::new();
    let base = baseline(&media).await;
    let path = encode(
        &media,
        "vertical.mp4",
        &["-f", "lavfi", "-i", "testsrc2=s=64x96:r=12:d=1"],
        &[],
    );
    let (_, signals) = classify(&path).await;
    assert_eq!(
        expect(&signals, "portrait", true).detail,
        "portrait frame 64x96"
    );
    moved(&signals, &base, true);
}

#[tokio::test]
async fn film_cadence_in_scope_frame_and_phone_rate() {
    let media = Media::new();
    let base = baseline(&media).await;
    // 2.40:1 at 23.976 fps: a film encode cropped to scope.
    let path = encode(
        &media,
        "scope.mkv",
        &["-f", "lavfi", "-i", "testsrc2=s=192x80:r=24000/1001:d=1"],
        &[],
    );
    let (_, signals) = classify(&path).await;
    let s = expect(&signals, "frame_rate", false);
    assert_eq!(
        s.detail,
        "film cadence 23.976 fps, cinema-scope 192x80 (2.40:1)"
    );
    moved(&signals, &base, false);

    // 30 fps at 640x480, a camera mode.
    let path = encode(
        &media,
        "vga30.mp4",
        &["-f", "lavfi", "-i", "testsrc2=s=640x480:r=30:d=0.5"],
        &[],
    );
    let (_, signals) = classify(&path).await;
    assert_eq!(
        expect(&signals, "frame_rate", true).detail,
        "30 fps at 640x480, as phones and cameras record"
    );
    moved(&signals, &base, true);
}

#[tokio::test]
async fn camera_encoder_and_handler_names() {
    let media = Media::new();
    let base = baseline(&media).await;
    // bitexact keeps ffmpeg from writing its own encoder name over ours.
    #[rustfmt::skip]
    let path = plain(&media, "GoPro-ish.mp4", &[
        "-fflags", "+bitexact",
        "-metadata:s:v:0", "encoder=GoPro AVC encoder",
        "-metadata:s:v:0", "handler_name=GoPro AVC",
        "-metadata", "firmware=HD9.01.01.60.00",
        "-movflags", "use_metadata_tags",
    ]);
    let (info, signals) = classify(&path).await;
    assert_eq!(info.video_encoder.as_deref(), Some("GoPro AVC encoder"));
    assert_eq!(info.device_software.as_deref(), Some("HD9.01.01.60.00"));
    assert_eq!(
        expect(&signals, "camera_software", true).detail,
        "recorded by GoPro AVC"
    );
    expect(&signals, "device_software", true);
    moved(&signals, &base, true);
}

#[tokio::test]
async fn audio_languages_and_subtitle_tracks() {
    let media = Media::new();
    let (_, plain_mkv) = classify(&plain(&media, "plain.mkv", &[])).await;
    // eng + jpn audio, one English subtitle track.
    let (_, signals) = classify(&media.multi_track_mkv()).await;
    assert_eq!(
        expect(&signals, "audio_languages", false).detail,
        "2 audio languages (eng, jpn)"
    );
    assert_eq!(
        expect(&signals, "subtitles", false).detail,
        "1 subtitle track"
    );
    moved(&signals, &plain_mkv, false);
}

#[tokio::test]
async fn camera_audio_versus_surround() {
    let media = Media::new();
    let base = baseline(&media).await;
    let with_audio = |name: &str, channels: &str| {
        #[rustfmt::skip]
        let inputs = [
            "-f", "lavfi", "-i", PLAIN,
            "-f", "lavfi", "-i", "sine=d=1:sample_rate=48000",
        ];
        encode(
            &media,
            name,
            &inputs,
            &["-c:a", "aac", "-ac", channels, "-shortest"],
        )
    };
    let (_, mono) = classify(&with_audio("mono.mp4", "1")).await;
    assert_eq!(
        expect(&mono, "audio", true).detail,
        "mono AAC 48 kHz, as cameras record"
    );
    moved(&mono, &base, true);

    let (info, surround) = classify(&with_audio("surround.mp4", "6")).await;
    assert_eq!(info.streams[1].channels, Some(6));
    let s = expect(&surround, "audio", false);
    assert!(s.detail.starts_with("5.1"), "{}", s.detail);
    moved(&surround, &base, false);
}

#[tokio::test]
async fn duration_of_episodes_and_features() {
    let media = Media::new();
    let base = baseline(&media).await;
    // A still frame every few seconds keeps a long file tiny and quick to encode.
    let long = |name: &str, seconds: u32| {
        let source = format!("color=c=gray:s=16x16:r=1/4:d={seconds}");
        encode(&media, name, &["-f", "lavfi", "-i", source.as_str()], &[])
    };
    let (_, episode) = classify(&long("episode.mp4", 25 * 60)).await;
    assert_eq!(
        expect(&episode, "duration", false).detail,
        "episode length 25:00"
    );
    moved(&episode, &base, false);
    let (_, feature) = classify(&long("feature.mp4", 100 * 60)).await;
    assert_eq!(
        expect(&feature, "duration", false).detail,
        "feature length 1:40:00"
    );
    moved(&feature, &episode, false);
}

#[tokio::test]
async fn camera_and_release_names() {
    let media = Media::new();
    let base = baseline(&media).await;
    let (_, pixel) = classify(&plain(&media, "PXL_20240101_123456789.mp4", &[])).await;
    expect(&pixel, "camera_name", true);
    moved(&pixel, &base, true);
    let (_, release) = classify(&plain(&media, "Movie.2010.1080p.BluRay.x264.mkv", &[])).await;
    expect(&release, "release_name", false);
    moved(&release, &base, false);
}

/// Everything together: a phone clip and a film encode, both generated, end to end.
#[tokio::test]
async fn phone_clip_and_film_encode_end_to_end() {
    let media = Media::new();
    #[rustfmt::skip]
    let raw = encode(&media, "raw.mp4", &[
        "-f", "lavfi", "-i", "testsrc2=s=96x64:r=30:d=1",
        "-f", "lavfi", "-i", "sine=d=1:sample_rate=48000",
    ], &["-c:a", "aac", "-ac", "1", "-shortest"]);
    let phone = media.path("VID_20240101_123456.mp4");
    #[rustfmt::skip]
    ffmpeg(&[
        "-i", raw.to_str().unwrap(), "-c", "copy",
        "-metadata", "creation_time=2024-01-01T12:34:56Z",
        "-metadata", "com.android.manufacturer=Google",
        "-metadata", "com.android.model=Pixel 7",
        "-metadata", "location=+48.8577+002.2950/",
        "-metadata:s:v:0", "rotate=90",
        "-movflags", "use_metadata_tags",
    ], &phone);
    let (_, phone) = classify(&phone).await;
    assert!(
        phone.home_video_score() > 0.9,
        "{}: {:?}",
        phone.home_video_score(),
        phone.reasons()
    );
    for name in [
        "camera",
        "location",
        "rotation",
        "camera_name",
        "creation_time",
    ] {
        expect(&phone, name, true);
    }

    let srt = media.srt();
    #[rustfmt::skip]
    let film = encode(&media, "Movie.2010.1080p.BluRay.x264.mkv", &[
        "-f", "lavfi", "-i", "testsrc2=s=192x80:r=24000/1001:d=1",
        "-f", "lavfi", "-i", "sine=d=1:sample_rate=48000",
        "-f", "lavfi", "-i", "sine=f=880:d=1:sample_rate=48000",
        "-i", srt.to_str().unwrap(),
    ], &[
        "-map", "0", "-map", "1", "-map", "2", "-map", "3",
        "-c:a", "aac", "-ac:a:0", "6", "-ac:a:1", "2", "-c:s", "srt",
        "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fra",
        "-disposition:a:0", "default",
    ]);
    let (_, film) = classify(&film).await;
    assert!(
        film.home_video_score() < 0.1,
        "{}: {:?}",
        film.home_video_score(),
        film.reasons()
    );
    for name in [
        "release_name",
        "frame_rate",
        "audio",
        "audio_languages",
        "subtitles",
    ] {
        expect(&film, name, false);
    }
}
