//! The heuristic verdict: what the name says (with the library's kind as the prior) weighed
//! against what the video says. Pure.
//!
//! The library kind is a strong prior, as in Jellyfin: in a movies, TV or home video library
//! the kind follows the library, and evidence against it only lowers the confidence (so a
//! person looks) instead of moving the file somewhere the user did not put it. In a mixed
//! library the evidence decides.

use super::signals::VideoSignals;
use crate::config::LibraryKind;
use crate::domain::field_value::source;
use crate::naming::{ParsedKind, ParsedPath};

/// Above this the video looks like camera or phone footage.
const FOOTAGE: f32 = 0.8;
/// Leaning towards footage: enough to doubt a movie's name (one weak hint, a short clip, is
/// not: trailers and test encodes are short too).
const LEANS_FOOTAGE: f32 = 0.75;
/// Enough to call a name-less file a home video.
const MORE_FOOTAGE_THAN_NOT: f32 = 0.6;
/// Below this the video looks produced (a film or a broadcast episode).
const PRODUCED: f32 = 0.25;

/// What a file is, how sure, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Kind, title (movie, video or episode title), series, year, season and episode.
    pub identity: ParsedPath,
    /// 0–1.
    pub confidence: f32,
    /// Which source decided: `filename`, `probe`, `llm` or `user`.
    pub source: &'static str,
    /// Human-readable reasons, shown in the review queue.
    pub reasons: Vec<String>,
}

/// Decides from the parsed path (`name_confidence` is the name parser's own confidence), the
/// library's kind and the video signals.
pub fn decide(
    parsed: &ParsedPath,
    name_confidence: f32,
    library: LibraryKind,
    signals: &VideoSignals,
) -> Verdict {
    let footage = signals.home_video_score();
    let evidence = signals.reasons().join(", ");
    let mut verdict = Verdict {
        identity: parsed.clone(),
        confidence: name_confidence.clamp(0.0, 1.0),
        source: source::FILENAME,
        reasons: Vec::new(),
    };
    if parsed.kind == ParsedKind::Extra {
        // `trailers/`, `-featurette` and the like are explicit conventions.
        verdict.confidence = verdict.confidence.max(0.85);
        return verdict;
    }
    match (library, parsed.kind) {
        (LibraryKind::Home, _) => {
            verdict.identity = as_kind(parsed, ParsedKind::Video);
            verdict.confidence = if footage >= PRODUCED {
                // The library says home video and nothing contradicts it.
                0.6 + 0.4 * footage.max(0.5)
            } else {
                verdict.reasons.push(format!(
                    "in a home video library, but the video looks produced ({evidence})"
                ));
                0.45
            };
        }
        (LibraryKind::Movies | LibraryKind::Tv, _) => {
            if footage >= FOOTAGE {
                verdict.confidence = verdict.confidence.min(0.5);
                verdict.reasons.push(format!(
                    "in a {} library, but the video looks like camera footage ({evidence})",
                    if library == LibraryKind::Tv {
                        "TV"
                    } else {
                        "movies"
                    }
                ));
            }
        }
        (LibraryKind::Mixed, ParsedKind::Episode) => {
            if footage >= FOOTAGE {
                verdict.confidence = verdict.confidence.min(0.5);
                verdict.reasons.push(format!(
                    "named like an episode, but the video looks like camera footage ({evidence})"
                ));
            }
        }
        (LibraryKind::Mixed, ParsedKind::Movie) => {
            if footage >= FOOTAGE {
                verdict.identity = as_kind(parsed, ParsedKind::Video);
                verdict.confidence = 0.9 * footage;
                verdict.source = source::PROBE;
                verdict.reasons.push(format!(
                    "named like a movie, but the video is camera footage ({evidence})"
                ));
            } else if footage >= LEANS_FOOTAGE {
                verdict.confidence = verdict.confidence.min(0.55);
                verdict.reasons.push(format!(
                    "named like a movie, but the video leans towards camera footage ({evidence})"
                ));
            }
        }
        (LibraryKind::Mixed, _) => {
            // No year, no episode marker: the video has to say what this is.
            if footage >= MORE_FOOTAGE_THAN_NOT {
                verdict.identity = as_kind(parsed, ParsedKind::Video);
                verdict.confidence = 0.5 + 0.5 * footage;
                verdict.source = source::PROBE;
            } else if footage <= PRODUCED {
                verdict.identity = as_kind(parsed, ParsedKind::Movie);
                verdict.confidence = 0.45;
                verdict.source = source::PROBE;
                verdict.reasons.push(format!(
                    "no year or episode number in the name; the video looks produced ({evidence})"
                ));
            } else {
                verdict.identity = as_kind(parsed, ParsedKind::Video);
                verdict.confidence = 0.5;
                verdict
                    .reasons
                    .push("neither the name nor the video says what this is".to_string());
            }
        }
    }
    if verdict.confidence < 0.6 && name_confidence < 0.6 {
        verdict.reasons.push(format!(
            "the name says little (confidence {name_confidence:.2})"
        ));
    }
    verdict
}

/// The same file read as another kind: an episode's series/season/episode are dropped when it
/// becomes a title of its own, and a movie's title becomes the series for an episode.
pub fn as_kind(parsed: &ParsedPath, kind: ParsedKind) -> ParsedPath {
    let mut out = parsed.clone();
    if out.kind == kind {
        return out;
    }
    match kind {
        ParsedKind::Movie | ParsedKind::Video => {
            if out.kind == ParsedKind::Episode {
                out.title = out.series.take().unwrap_or(out.title);
                out.year = out.year.or(out.series_year.take());
            }
            out.series = None;
            out.series_year = None;
            out.season = None;
            out.episode = None;
            out.episode_end = None;
            out.extra_type = None;
        }
        ParsedKind::Episode => {
            if out.series.is_none() {
                out.series = Some(out.title.clone());
                out.series_year = out.year;
            }
            out.season = out.season.or(Some(1));
            out.extra_type = None;
        }
        ParsedKind::Extra => {}
    }
    out.kind = kind;
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::classify::signals::Signal;
    use crate::naming::parse_path;
    use std::path::Path;

    fn signals(weight: f32) -> VideoSignals {
        let mut s = VideoSignals::default();
        if weight != 0.0 {
            s.add(Signal {
                name: "test",
                weight,
                detail: format!("test evidence {weight}"),
            });
        }
        s
    }

    fn verdict(path: &str, conf: f32, lib: LibraryKind, weight: f32) -> Verdict {
        decide(
            &parse_path(Path::new(path), lib),
            conf,
            lib,
            &signals(weight),
        )
    }

    #[test]
    fn library_kind_decides_and_contrary_footage_only_lowers_confidence() {
        let v = verdict(
            "Heat (1995)/Heat (1995).mkv",
            0.95,
            LibraryKind::Movies,
            6.0,
        );
        assert_eq!(v.identity.kind, ParsedKind::Movie);
        assert!(v.confidence <= 0.5, "{v:?}");
        assert!(v.reasons[0].contains("camera footage"), "{v:?}");

        let v = verdict(
            "Heat (1995)/Heat (1995).mkv",
            0.95,
            LibraryKind::Movies,
            -4.0,
        );
        assert_eq!(v.identity.kind, ParsedKind::Movie);
        assert_eq!(v.confidence, 0.95);
        assert!(v.reasons.is_empty());

        let v = verdict("Show/Season 1/Show S01E02.mkv", 0.95, LibraryKind::Tv, 0.0);
        assert_eq!(v.identity.kind, ParsedKind::Episode);
        assert_eq!(v.identity.episode, Some(2));
        assert_eq!(v.source, "filename");
    }

    #[test]
    fn home_library_is_sure_unless_the_video_looks_produced() {
        let v = verdict("2023/beach.mp4", 0.3, LibraryKind::Home, 5.0);
        assert_eq!(v.identity.kind, ParsedKind::Video);
        assert!(v.confidence > 0.9, "{v:?}");
        let v = verdict("2023/beach.mp4", 0.3, LibraryKind::Home, 0.0);
        assert!(
            v.confidence >= 0.8,
            "no evidence: the library stands ({v:?})"
        );
        let v = verdict(
            "Heat.1995.1080p.BluRay.x264.mkv",
            0.9,
            LibraryKind::Home,
            -5.0,
        );
        assert_eq!(v.identity.kind, ParsedKind::Video);
        assert!(v.confidence < 0.6, "{v:?}");
        assert!(v.reasons[0].contains("looks produced"), "{v:?}");
    }

    #[test]
    fn mixed_library_weighs_name_against_video() {
        // A movie name on phone footage becomes a home video.
        let v = verdict("Birthday (2019).mp4", 0.85, LibraryKind::Mixed, 6.0);
        assert_eq!(v.identity.kind, ParsedKind::Video);
        assert_eq!(v.source, "probe");
        assert!(v.confidence > 0.8, "{v:?}");
        // A movie name with film-like video stays a movie.
        let v = verdict("Heat (1995).mkv", 0.9, LibraryKind::Mixed, -5.0);
        assert_eq!(v.identity.kind, ParsedKind::Movie);
        assert_eq!(v.identity.year, Some(1995));
        // A bare name: footage → home video, produced → a doubtful movie, nothing → doubtful.
        let v = verdict("holiday.mp4", 0.4, LibraryKind::Mixed, 6.0);
        assert_eq!(v.identity.kind, ParsedKind::Video);
        assert!(v.confidence > 0.9);
        let v = verdict("holiday.mp4", 0.4, LibraryKind::Mixed, -5.0);
        assert_eq!(v.identity.kind, ParsedKind::Movie);
        assert!(v.confidence < 0.6);
        let v = verdict("holiday.mp4", 0.4, LibraryKind::Mixed, 0.0);
        assert_eq!(v.identity.kind, ParsedKind::Video);
        assert!(v.confidence < 0.6);
        assert!(v.reasons.iter().any(|r| r.contains("neither")), "{v:?}");
        // An episode name on camera footage is doubted, not moved.
        let v = verdict(
            "Show/Season 1/Show S01E02.mkv",
            0.95,
            LibraryKind::Mixed,
            6.0,
        );
        assert_eq!(v.identity.kind, ParsedKind::Episode);
        assert!(v.confidence <= 0.5);
    }

    #[test]
    fn extras_keep_their_kind() {
        let v = verdict(
            "Heat (1995)/trailers/Teaser.mkv",
            0.5,
            LibraryKind::Movies,
            6.0,
        );
        assert_eq!(v.identity.kind, ParsedKind::Extra);
        assert!(v.confidence >= 0.85);
    }

    #[test]
    fn kind_changes_move_titles_between_series_and_title() {
        let ep = parse_path(
            Path::new("Show (2005)/Season 2/Show S02E03.mkv"),
            LibraryKind::Tv,
        );
        let movie = as_kind(&ep, ParsedKind::Movie);
        assert_eq!(movie.title, "Show");
        assert_eq!(movie.year, Some(2005));
        assert_eq!(
            (movie.season, movie.episode, movie.series.clone()),
            (None, None, None)
        );
        let back = as_kind(&movie, ParsedKind::Episode);
        assert_eq!(back.series.as_deref(), Some("Show"));
        assert_eq!(back.season, Some(1));
    }
}
