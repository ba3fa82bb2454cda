//! ffprobe and keyframe thumbnails.
//!
//! [`probe_file`] runs ffprobe through [`crate::process::run`] and normalises
//! its JSON into a [`MediaInfo`]; [`extract_thumbnail`] writes a JPEG poster
//! frame that is not black or blank.

mod ffprobe;
mod thumbnail;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::domain::{MediaInfo, StreamKind};
use crate::process::{self, ProcessError};

pub use ffprobe::parse_ffprobe_json;
pub use thumbnail::{extract_thumbnail, keyframes, ThumbnailInfo};

/// Where the ffmpeg tools live and how long one invocation may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    pub ffprobe: PathBuf,
    pub ffmpeg: PathBuf,
    /// Limit for each single ffprobe/ffmpeg run.
    pub timeout: Duration,
}

impl Default for Tools {
    /// `ffprobe` and `ffmpeg` from `PATH`, 60 s per run.
    fn default() -> Self {
        Tools {
            ffprobe: PathBuf::from("ffprobe"),
            ffmpeg: PathBuf::from("ffmpeg"),
            timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("cannot parse ffprobe output: {0}")]
    Parse(String),
    #[error("no audio or video stream: not a media file")]
    NoMediaStreams,
    #[error("no video stream to take a thumbnail from")]
    NoVideoStream,
    #[error("ffmpeg decoded no frame from {}", path.display())]
    NoFrame { path: PathBuf },
    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("{} is empty (0 bytes)", path.display())]
    Empty { path: PathBuf },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot access {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Probes one media file with ffprobe.
///
/// Fails with [`ProbeError::Missing`] / [`ProbeError::Empty`] /
/// [`ProbeError::NotAFile`] before running anything, with
/// [`ProcessError::Failed`] (ffprobe's stderr inside) for data ffprobe cannot
/// read (truncated MP4, text named `.mkv`), and with
/// [`ProbeError::NoMediaStreams`] when the container holds no audio or video
/// (a lone subtitle track, only cover art).
pub async fn probe_file(tools: &Tools, path: &Path) -> Result<MediaInfo, ProbeError> {
    check_regular_file(path).await?;
    let args: Vec<OsString> = [
        "-v",
        "error",
        "-hide_banner",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ]
    .into_iter()
    .map(OsString::from)
    .chain([file_url(path)])
    .collect();
    let output = process::run(&tools.ffprobe, &args, tools.timeout)
        .await
        .map_err(|e| vanished_or(path, e))?;
    let info = parse_ffprobe_json(&output.stdout)?;
    let has_media = info
        .streams
        .iter()
        .any(|s| matches!(s.kind, Some(StreamKind::Audio | StreamKind::Video)));
    if !has_media {
        return Err(ProbeError::NoMediaStreams);
    }
    Ok(info)
}

async fn check_regular_file(path: &Path) -> Result<(), ProbeError> {
    let meta = tokio::fs::metadata(path).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ProbeError::Missing {
                path: path.to_owned(),
            }
        } else {
            ProbeError::Io {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    if !meta.is_file() {
        return Err(ProbeError::NotAFile {
            path: path.to_owned(),
        });
    }
    if meta.len() == 0 {
        return Err(ProbeError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(())
}

/// A tool failure caused by the file disappearing mid-run reads as `Missing`.
fn vanished_or(path: &Path, err: ProcessError) -> ProbeError {
    if matches!(err, ProcessError::Failed { .. }) && !path.exists() {
        return ProbeError::Missing {
            path: path.to_owned(),
        };
    }
    ProbeError::Process(err)
}

/// `file:<path>`: ffmpeg then never reads a protocol (`foo:bar.mkv`) or an
/// option (`-x.mkv`) out of a file name.
fn file_url(path: &Path) -> OsString {
    let mut url = OsString::from("file:");
    url.push(path.as_os_str());
    url
}

#[cfg(test)]
pub(crate) mod testmedia;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::testmedia::{ffmpeg, Media};
    use super::*;
    use crate::domain::StreamInfo;

    fn tools() -> Tools {
        Tools {
            timeout: Duration::from_secs(30),
            ..Tools::default()
        }
    }

    #[tokio::test]
    async fn probes_mp4_with_creation_time_and_rotation() {
        let media = Media::new();
        let path = media.rotated_mp4();
        let info = probe_file(&tools(), &path).await.unwrap();
        assert_eq!(info.container.as_deref(), Some("mov,mp4,m4a,3gp,3g2,mj2"));
        assert_eq!(info.duration_ms, Some(2000));
        // The format tag (written verbatim by use_metadata_tags) wins over the
        // streams' "2021-06-01T12:34:56.000000Z".
        assert_eq!(info.creation_time.as_deref(), Some("2021-06-01T12:34:56Z"));
        assert_eq!(info.rotation, Some(270));
        assert_eq!(info.camera_make.as_deref(), Some("Apple"));
        assert_eq!(info.camera_model.as_deref(), Some("iPhone 12"));
        assert_eq!(info.streams.len(), 2);

        let v = &info.streams[0];
        assert_eq!(v.kind, Some(StreamKind::Video));
        assert_eq!(v.codec.as_deref(), Some("h264"));
        assert_eq!((v.width, v.height), (Some(160), Some(90)));
        assert_eq!(v.frame_rate, Some(25.0));
        assert_eq!(v.bit_depth, Some(8));
        assert_eq!(v.pixel_format.as_deref(), Some("yuv420p"));
        assert!(v.bit_rate.is_some_and(|b| b > 0));

        let a = &info.streams[1];
        assert_eq!(a.kind, Some(StreamKind::Audio));
        assert_eq!(a.codec.as_deref(), Some("aac"));
        assert_eq!(a.channels, Some(1));
        assert_eq!(a.channel_layout.as_deref(), Some("mono"));
        assert_eq!(a.sample_rate, Some(48000));
    }

    #[tokio::test]
    async fn probes_mkv_tracks_languages_and_dispositions() {
        let media = Media::new();
        let path = media.multi_track_mkv();
        let info = probe_file(&tools(), &path).await.unwrap();
        assert_eq!(info.container.as_deref(), Some("matroska,webm"));
        assert_eq!(info.rotation, None);
        assert_eq!(info.creation_time, None);
        let summary: Vec<_> = info
            .streams
            .iter()
            .map(|s: &StreamInfo| {
                (
                    s.index,
                    s.kind,
                    s.codec.clone(),
                    s.language.clone(),
                    s.title.clone(),
                    s.channels,
                    s.is_default,
                    s.is_forced,
                )
            })
            .collect();
        let o = |v: &str| Some(v.to_owned());
        assert_eq!(
            summary,
            vec![
                (
                    0,
                    Some(StreamKind::Video),
                    o("h264"),
                    None,
                    None,
                    None,
                    false,
                    false
                ),
                (
                    1,
                    Some(StreamKind::Audio),
                    o("aac"),
                    o("eng"),
                    o("English"),
                    Some(2),
                    true,
                    false
                ),
                (
                    2,
                    Some(StreamKind::Audio),
                    o("aac"),
                    o("jpn"),
                    None,
                    Some(1),
                    false,
                    false
                ),
                (
                    3,
                    Some(StreamKind::Subtitle),
                    o("subrip"),
                    o("eng"),
                    o("Signs"),
                    None,
                    true,
                    true
                ),
            ]
        );
        let d = info.duration_ms.unwrap();
        assert!((1000..=1100).contains(&d), "duration {d}");
    }

    #[tokio::test]
    async fn audio_only_file_is_media() {
        let media = Media::new();
        let path = media.path("tone.m4a");
        ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"], &path);
        let info = probe_file(&tools(), &path).await.unwrap();
        assert_eq!(info.streams.len(), 1);
        assert_eq!(info.streams[0].kind, Some(StreamKind::Audio));
    }

    #[tokio::test]
    async fn zero_byte_file_is_empty() {
        let media = Media::new();
        let path = media.path("empty.mp4");
        std::fs::write(&path, b"").unwrap();
        let err = probe_file(&tools(), &path).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Empty { path: p } if *p == path),
            "{err:?}"
        );
        assert!(
            err.to_string().ends_with("empty.mp4 is empty (0 bytes)"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn truncated_mp4_fails_with_ffprobe_stderr() {
        let media = Media::new();
        let full = media.rotated_mp4();
        let path = media.path("truncated.mp4");
        let bytes = std::fs::read(&full).unwrap();
        std::fs::write(&path, &bytes[..2048]).unwrap();
        let err = probe_file(&tools(), &path).await.unwrap_err();
        match &err {
            ProbeError::Process(ProcessError::Failed {
                program,
                status,
                stderr,
            }) => {
                assert_eq!(program, "ffprobe");
                assert_eq!(status, "status 1");
                assert!(stderr.contains("moov atom not found"), "{stderr}");
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn text_file_named_mkv_fails() {
        let media = Media::new();
        let path = media.path("notes.mkv");
        std::fs::write(&path, "shopping list\n- milk\n- eggs\n").unwrap();
        let err = probe_file(&tools(), &path).await.unwrap_err();
        match &err {
            ProbeError::Process(ProcessError::Failed { stderr, .. }) => {
                assert!(
                    stderr.contains("Invalid data found when processing input"),
                    "{stderr}"
                );
            }
            other => panic!("expected Failed, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn subtitle_only_container_has_no_media_streams() {
        let media = Media::new();
        let srt = media.srt();
        let path = media.path("subs-only.mkv");
        ffmpeg(&["-i", srt.to_str().unwrap(), "-c:s", "srt"], &path);
        let err = probe_file(&tools(), &path).await.unwrap_err();
        assert!(matches!(err, ProbeError::NoMediaStreams), "{err:?}");
        assert_eq!(
            err.to_string(),
            "no audio or video stream: not a media file"
        );
    }

    #[tokio::test]
    async fn missing_file_and_directory() {
        let media = Media::new();
        let path = media.path("gone.mkv");
        let err = probe_file(&tools(), &path).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Missing { path: p } if *p == path),
            "{err:?}"
        );

        let err = probe_file(&tools(), media.dir()).await.unwrap_err();
        assert!(matches!(err, ProbeError::NotAFile { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn missing_ffprobe_is_not_found() {
        let media = Media::new();
        let path = media.rotated_mp4();
        let tools = Tools {
            ffprobe: PathBuf::from("/nonexistent/bin/ffprobe"),
            ..tools()
        };
        let err = probe_file(&tools, &path).await.unwrap_err();
        assert!(
            matches!(&err, ProbeError::Process(ProcessError::NotFound { program }) if program == "/nonexistent/bin/ffprobe"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "/nonexistent/bin/ffprobe not found on PATH (install ffmpeg)"
        );
    }

    #[test]
    fn inputs_are_passed_as_file_urls() {
        // A bare relative "concat:a|b.mkv" would be read as the concat protocol.
        assert_eq!(
            file_url(Path::new("concat:a|b.mkv")),
            OsString::from("file:concat:a|b.mkv")
        );
        assert_eq!(
            file_url(Path::new("/media/-x.mkv")),
            OsString::from("file:/media/-x.mkv")
        );
    }

    #[tokio::test]
    async fn awkward_file_names_are_not_protocols_or_options() {
        let media = Media::new();
        let src = media.rotated_mp4();
        for name in ["-starts-with-dash.mp4", "concat:looks like a url.mp4"] {
            let path = media.path(name);
            std::fs::copy(&src, &path).unwrap();
            let info = probe_file(&tools(), &path).await.unwrap();
            assert_eq!(info.streams.len(), 2, "{name}");
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn non_utf8_file_name() {
        use std::os::unix::ffi::OsStrExt;
        let media = Media::new();
        let src = media.rotated_mp4();
        let path = media
            .dir()
            .join(std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.mp4"));
        std::fs::copy(&src, &path).unwrap();
        let info = probe_file(&tools(), &path).await.unwrap();
        assert_eq!(info.duration_ms, Some(2000));
    }
}
