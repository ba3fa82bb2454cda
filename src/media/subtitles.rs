//! Text subtitles: the files that sit next to a video (`Movie.srt`, `Movie.en.srt`,
//! `Movie.eng.forced.ass`, `Movie.English.sdh.vtt`) and the conversion of any text subtitle,
//! external or embedded in the video, to the format a client asks for.
//!
//! External files are found on demand (one directory listing when a client asks for an item's
//! playback details), so a subtitle dropped next to a movie shows up without a rescan.
//! Conversions run ffmpeg once per (source, track, format) and are cached in the data dir,
//! keyed by the source's size and modification time so an edited file is converted afresh.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::domain::language;
use crate::process::{self, ProcessError};

/// A text subtitle format Kinora reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubtitleFormat {
    Srt,
    Vtt,
    Ass,
    Ssa,
}

impl SubtitleFormat {
    /// From a file extension or a format a client asks for (`Stream.vtt`, `Stream.srt`),
    /// case-insensitively. Jellyfin's codec names (`subrip`, `webvtt`) are accepted too.
    pub fn parse(name: &str) -> Option<SubtitleFormat> {
        match name.trim().to_ascii_lowercase().as_str() {
            "srt" | "subrip" => Some(SubtitleFormat::Srt),
            "vtt" | "webvtt" => Some(SubtitleFormat::Vtt),
            "ass" => Some(SubtitleFormat::Ass),
            "ssa" => Some(SubtitleFormat::Ssa),
            _ => None,
        }
    }

    /// The file extension, also the `{format}` of Jellyfin's subtitle URLs.
    pub fn extension(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "srt",
            SubtitleFormat::Vtt => "vtt",
            SubtitleFormat::Ass => "ass",
            SubtitleFormat::Ssa => "ssa",
        }
    }

    /// The codec name ffprobe (and so Jellyfin) reports for this format.
    pub fn codec(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "subrip",
            SubtitleFormat::Vtt => "webvtt",
            SubtitleFormat::Ass => "ass",
            SubtitleFormat::Ssa => "ssa",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "application/x-subrip; charset=utf-8",
            SubtitleFormat::Vtt => "text/vtt; charset=utf-8",
            SubtitleFormat::Ass | SubtitleFormat::Ssa => "text/x-ssa; charset=utf-8",
        }
    }

    /// ffmpeg's muxer for this format (SSA is written as ASS, which every SSA reader takes).
    fn muxer(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "srt",
            SubtitleFormat::Vtt => "webvtt",
            SubtitleFormat::Ass | SubtitleFormat::Ssa => "ass",
        }
    }
}

/// A subtitle file next to a video.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSubtitle {
    pub path: PathBuf,
    pub format: SubtitleFormat,
    /// ISO 639-2/B code when the name carries a known language.
    pub language: Option<String>,
    /// What is left of the name once language and flags are taken out (`Director's commentary`).
    pub title: Option<String>,
    pub is_default: bool,
    pub is_forced: bool,
    pub is_hearing_impaired: bool,
}

/// The text subtitle files next to `video`, in name order: files in the same folder whose name
/// is the video's name (without extension) followed by `.` tokens and a subtitle extension.
/// A folder that cannot be read gives none (the video plays without them).
pub fn find_external(video: &Path) -> Vec<ExternalSubtitle> {
    let (Some(dir), Some(stem)) = (video.parent(), video.file_stem()) else {
        return Vec::new();
    };
    let stem = stem.to_string_lossy().to_lowercase();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::debug!(dir = %dir.display(), error = %e, "cannot list subtitles");
            return Vec::new();
        }
    };
    let mut found: Vec<ExternalSubtitle> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .filter_map(|e| parse_name(&stem, &e.path()))
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Reads `Movie.en.forced.srt` as belonging to the video `movie` (lower-cased stem).
fn parse_name(video_stem: &str, path: &Path) -> Option<ExternalSubtitle> {
    let format = SubtitleFormat::parse(&path.extension()?.to_string_lossy())?;
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    // Case-insensitive prefix match on whole characters: `to_lowercase` can change lengths,
    // so compare the lower-cased forms and cut the original by characters.
    let lower = stem.to_lowercase();
    let rest_lower = lower.strip_prefix(video_stem)?;
    if !(rest_lower.is_empty() || rest_lower.starts_with('.')) {
        return None;
    }
    let rest: String = stem
        .chars()
        .skip(video_stem.chars().count())
        .collect::<String>();
    let mut sub = ExternalSubtitle {
        path: path.to_path_buf(),
        format,
        language: None,
        title: None,
        is_default: false,
        is_forced: false,
        is_hearing_impaired: false,
    };
    let mut title_parts = Vec::new();
    for token in rest.split('.').filter(|t| !t.trim().is_empty()) {
        match token.trim().to_ascii_lowercase().as_str() {
            "default" => sub.is_default = true,
            "forced" | "foreign" => sub.is_forced = true,
            "sdh" | "cc" | "hi" => sub.is_hearing_impaired = true,
            lower => match language::from_token(lower) {
                Some(code) if sub.language.is_none() => sub.language = Some(code.to_string()),
                _ => title_parts.push(token.trim().to_string()),
            },
        }
    }
    if !title_parts.is_empty() {
        sub.title = Some(title_parts.join(" "));
    }
    Some(sub)
}

/// Where a subtitle comes from.
#[derive(Debug, Clone, Copy)]
pub enum SubtitleSource<'a> {
    /// A subtitle file.
    File {
        path: &'a Path,
        format: SubtitleFormat,
    },
    /// Stream `index` (ffprobe's index) of a video file.
    Embedded { video: &'a Path, index: i32 },
}

#[derive(Debug, thiserror::Error)]
pub enum SubtitleError {
    #[error("subtitle source {path} cannot be read: {source}")]
    Source {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot convert subtitle {path}: {source}")]
    Convert {
        path: String,
        #[source]
        source: ProcessError,
    },
    #[error("subtitle cache {path}: {source}")]
    Cache {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The subtitle in `format`: the file itself when it already is in that format, else
/// converted by ffmpeg (and cached under `cache_dir`).
pub async fn render(
    ffmpeg: &Path,
    timeout: Duration,
    cache_dir: &Path,
    source: SubtitleSource<'_>,
    format: SubtitleFormat,
) -> Result<Vec<u8>, SubtitleError> {
    let input = match source {
        SubtitleSource::File { path, .. } | SubtitleSource::Embedded { video: path, .. } => path,
    };
    let meta = tokio::fs::metadata(input)
        .await
        .map_err(|e| SubtitleError::Source {
            path: input.display().to_string(),
            source: e,
        })?;
    if let SubtitleSource::File { path, format: own } = source {
        if own == format || (own, format) == (SubtitleFormat::Ssa, SubtitleFormat::Ass) {
            return tokio::fs::read(path)
                .await
                .map_err(|e| SubtitleError::Source {
                    path: path.display().to_string(),
                    source: e,
                });
        }
    }

    let cached = cache_dir.join(cache_name(source, &meta, format));
    if let Ok(bytes) = tokio::fs::read(&cached).await {
        return Ok(bytes);
    }
    let mut args: Vec<OsString> = vec!["-v".into(), "error".into(), "-nostdin".into()];
    args.extend(["-i".into(), file_url(input)]);
    if let SubtitleSource::Embedded { index, .. } = source {
        args.extend(["-map".into(), format!("0:{index}").into()]);
    }
    args.extend([
        "-f".into(),
        format.muxer().into(),
        // Output to stdout: nothing is written unless the conversion succeeds.
        "pipe:1".into(),
    ]);
    let out = process::run(ffmpeg, &args, timeout)
        .await
        .map_err(|e| SubtitleError::Convert {
            path: input.display().to_string(),
            source: e,
        })?;
    store(&cached, &out.stdout).await;
    Ok(out.stdout)
}

/// A name for a conversion: the source's path, size and mtime, the track and the format.
fn cache_name(
    source: SubtitleSource<'_>,
    meta: &std::fs::Metadata,
    format: SubtitleFormat,
) -> String {
    let mut h = Sha256::new();
    let (path, index) = match source {
        SubtitleSource::File { path, .. } => (path, -1),
        SubtitleSource::Embedded { video, index } => (video, index),
    };
    h.update(path.as_os_str().as_encoded_bytes());
    h.update(meta.len().to_le_bytes());
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    h.update(mtime.to_le_bytes());
    h.update(index.to_le_bytes());
    format!(
        "{}.{}",
        hex::encode(&h.finalize()[..16]),
        format.extension()
    )
}

/// Writes a conversion to the cache (temporary name, then rename). A cache that cannot be
/// written only costs a conversion next time.
async fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    let tmp = dir.join(format!(
        ".{}.{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = async {
        tokio::fs::create_dir_all(dir).await?;
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&tmp).await;
        tracing::warn!(error = %SubtitleError::Cache { path: path.display().to_string(), source: e },
            "subtitle not cached");
    }
}

/// `file:` + path, so a name starting with `-` or containing `:` is never read as an option
/// or a protocol by ffmpeg.
fn file_url(path: &Path) -> OsString {
    let mut s = OsString::from("file:");
    s.push(path.as_os_str());
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parse(video_stem: &str, name: &str) -> Option<ExternalSubtitle> {
        parse_name(&video_stem.to_lowercase(), Path::new(name))
    }

    #[test]
    fn language_and_flags_come_from_the_name() {
        let s = parse("Movie (2008)", "Movie (2008).en.srt").unwrap();
        assert_eq!(s.format, SubtitleFormat::Srt);
        assert_eq!(s.language.as_deref(), Some("eng"));
        assert!(!s.is_forced && !s.is_default && s.title.is_none());

        let s = parse("Movie", "movie.German.forced.default.ass").unwrap();
        assert_eq!(s.language.as_deref(), Some("ger"));
        assert!(s.is_forced && s.is_default);
        assert_eq!(s.format, SubtitleFormat::Ass);

        let s = parse("Movie", "Movie.eng.sdh.vtt").unwrap();
        assert!(s.is_hearing_impaired);
        assert_eq!(s.format, SubtitleFormat::Vtt);

        let s = parse("Movie", "Movie.srt").unwrap();
        assert_eq!(s.language, None);
    }

    #[test]
    fn unknown_tokens_become_the_title() {
        let s = parse("Movie", "Movie.en.Director Commentary.srt").unwrap();
        assert_eq!(s.language.as_deref(), Some("eng"));
        assert_eq!(s.title.as_deref(), Some("Director Commentary"));
    }

    #[test]
    fn other_videos_and_other_files_are_not_subtitles() {
        // A longer name that merely starts like the video belongs to another video.
        assert!(parse("Movie", "Movie 2.en.srt").is_none());
        assert!(parse("Movie", "Other.en.srt").is_none());
        assert!(parse("Movie", "Movie.en.nfo").is_none());
        assert!(parse("Movie", "Movie.idx").is_none());
    }

    #[test]
    fn unicode_names_match_case_insensitively() {
        let s = parse("Amélie (2001)", "AMÉLIE (2001).fr.srt").unwrap();
        assert_eq!(s.language.as_deref(), Some("fre"));
    }

    #[test]
    fn formats_parse_from_extensions_and_codec_names() {
        assert_eq!(SubtitleFormat::parse("SRT"), Some(SubtitleFormat::Srt));
        assert_eq!(SubtitleFormat::parse("subrip"), Some(SubtitleFormat::Srt));
        assert_eq!(SubtitleFormat::parse("webvtt"), Some(SubtitleFormat::Vtt));
        assert_eq!(SubtitleFormat::parse("mov_text"), None);
        assert_eq!(SubtitleFormat::parse("sub"), None);
    }

    #[test]
    fn find_external_lists_the_files_next_to_the_video() {
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("Film.mkv");
        std::fs::write(&video, b"x").unwrap();
        std::fs::write(dir.path().join("Film.en.srt"), b"1").unwrap();
        std::fs::write(dir.path().join("Film.de.forced.ass"), b"1").unwrap();
        std::fs::write(dir.path().join("Film 2.srt"), b"1").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"1").unwrap();
        let found = find_external(&video);
        let names: Vec<String> = found
            .iter()
            .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["Film.de.forced.ass", "Film.en.srt"]);
        assert!(find_external(&dir.path().join("gone/Film.mkv")).is_empty());
    }
}
