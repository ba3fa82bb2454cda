//! The regular expressions behind [`super::parse_path`], compiled once.

use std::sync::LazyLock;

use regex::Regex;

use super::guess::{is_plain_folder, NameGuess};
use super::{ParsedKind, ParsedPath};

pub(super) struct Patterns {
    season_folder: Regex,
    year: Regex,
    part: Regex,
    release_tag: Regex,
}

/// Folder names that hold extras, with the Jellyfin ExtraType they imply.
const EXTRA_FOLDERS: &[(&str, &str)] = &[
    ("extras", "Unknown"),
    ("extra", "Unknown"),
    ("trailers", "Trailer"),
    ("featurettes", "Featurette"),
    ("behind the scenes", "BehindTheScenes"),
    ("deleted scenes", "DeletedScene"),
    ("interviews", "Interview"),
    ("scenes", "Scene"),
    ("samples", "Sample"),
    ("shorts", "Short"),
    ("clips", "Clip"),
    ("other", "Unknown"),
    ("backdrops", "ThemeVideo"),
    ("theme-music", "ThemeSong"),
];

/// File-name suffixes (`Movie-trailer.mkv`) that make a file an extra.
const EXTRA_SUFFIXES: &[(&str, &str)] = &[
    ("trailer", "Trailer"),
    ("sample", "Sample"),
    ("featurette", "Featurette"),
    ("behindthescenes", "BehindTheScenes"),
    ("deleted", "DeletedScene"),
    ("deletedscene", "DeletedScene"),
    ("interview", "Interview"),
    ("scene", "Scene"),
    ("clip", "Clip"),
    ("short", "Short"),
    ("other", "Unknown"),
    ("extra", "Unknown"),
    ("theme", "ThemeSong"),
];

static PATTERNS: LazyLock<Patterns> = LazyLock::new(build);

// The patterns are string literals exercised by every naming test; failing to compile one is a
// programming error, not something input can cause.
#[allow(clippy::expect_used)]
fn build() -> Patterns {
    let re = |s: &str| Regex::new(s).expect("naming regex literal compiles");
    Patterns {
        season_folder: re(concat!(
            r"(?i)^(?:(?:season|series|saison|staffel|stagione|temporada|seizoen|sæson|saeson|kausi|",
            r"säsong|seasong|sezon|sezona|sezóna|sezonul|시즌|シーズン|сезон|s)[ ._-]*(\d{1,4})",
            r"|(\d{1,2})\.?[ ._-]*(?:staffel|season|saison|temporada|stagione))",
            r"(?:[ ._-]*\((?:19|20)\d{2}\))?$"
        )),
        year: re(r"(?:^|[ ._(\[-])((?:19|20)\d{2})(?:[ ._)\]-]|$)"),
        part: re(r"(?i)[ ._-](?:cd|dvd|part|pt|disc|disk)[ ._-]?(\d{1,2})$"),
        release_tag: re(
            r"(?i)[ ._\[(-](?:2160p|1080p|1080i|720p|576p|480p|4k|uhd|hdr|bluray|blu-ray|bdrip|brrip|web-?dl|webrip|hdtv|dvdrip|x264|x265|h264|h265|hevc|xvid|remux|proper|repack)(?:[ ._\])-]|$)",
        ),
    }
}

impl Patterns {
    pub(super) fn get() -> &'static Patterns {
        &PATTERNS
    }

    /// `Some(season)` when the deepest folder is a season folder (`Season 01`, `Specials`).
    pub(super) fn season_folder(&self, folders: &[String]) -> Option<i32> {
        let last = folders.last()?;
        season_of_folder(self, last)
    }

    pub(super) fn extra(&self, folders: &[String], stem: &str) -> Option<ParsedPath> {
        // An extras folder anywhere below the title's folder.
        for (depth, folder) in folders.iter().enumerate() {
            let lower = folder.to_lowercase();
            if let Some((_, extra_type)) = EXTRA_FOLDERS.iter().find(|(name, _)| *name == lower) {
                return Some(extra_path(stem, extra_type, folders[..depth].join("/")));
            }
        }
        let lower = stem.to_lowercase();
        for (suffix, extra_type) in EXTRA_SUFFIXES {
            // Only a few names are extras on their own (`trailer.mp4`); `clip.mp4` is not.
            let whole_name = matches!(*suffix, "trailer" | "sample" | "theme");
            // `Movie-scene2`: a numbered extra.
            let body = lower.trim_end_matches(|c: char| c.is_ascii_digit());
            let matches = (whole_name && lower == *suffix)
                || (body.len() > suffix.len()
                    && body.ends_with(suffix)
                    && [b'-', b'.', b'_']
                        .contains(&body.as_bytes()[body.len() - suffix.len() - 1]))
                || body.ends_with(&format!(" - {suffix}")) && body.len() > suffix.len() + 3;
            if matches {
                return Some(extra_path(stem, extra_type, folders.join("/")));
            }
        }
        None
    }

    /// An episode: kind, numbers and episode title from the name `g`; the series from a
    /// title-like series folder when there is one (every file below it then meets under one
    /// series), else from the name.
    pub(super) fn parse_episode(
        &self,
        folders: &[String],
        stem: &str,
        g: &NameGuess,
    ) -> ParsedPath {
        let folder_season = self.season_folder(folders);
        // The series folder is the one above a season folder, else the deepest folder.
        let series_folder = if folder_season.is_some() {
            folders.len().checked_sub(2).and_then(|i| folders.get(i))
        } else {
            folders.last()
        };
        let (series, series_year) = match series_folder.filter(|f| is_plain_folder(f)) {
            Some(folder) => split_year(self, &clean(folder)),
            None => match g.title.as_deref().filter(|t| !t.is_empty()) {
                Some(t) => (t.to_string(), g.year),
                None => split_year(self, &clean(stem)),
            },
        };
        ParsedPath {
            kind: ParsedKind::Episode,
            title: g.episode_title.clone().unwrap_or_else(|| clean(stem)),
            year: None,
            series: Some(series),
            series_year,
            // An episode without any season hint belongs to season 1, as Jellyfin does.
            season: g.season.or(folder_season).or(Some(1)),
            episode: g.episode,
            episode_end: g.episode_end,
            ..bare_path(ParsedKind::Episode)
        }
    }

    /// A movie: part and version from the folder structure; the title and year of a
    /// `Title (Year)` folder (so versions and parts meet), else of the name `g`.
    pub(super) fn parse_movie(&self, folders: &[String], stem: &str, g: &NameGuess) -> ParsedPath {
        let (base, part) = match self.part.captures(stem) {
            Some(c) => (
                stem[..c.get(0).map(|m| m.start()).unwrap_or(stem.len())].to_string(),
                c.get(1).and_then(|m| m.as_str().parse().ok()),
            ),
            None => (stem.to_string(), None),
        };
        // `Movie (2010)/Movie (2010) - 1080p.mkv`: the folder names the title; what follows
        // " - " after the folder name labels a version.
        let folder = folders.last();
        let mut version_label = None;
        if let Some(folder) = folder {
            if let Some(rest) = base.strip_prefix(folder.as_str()) {
                let label = rest.trim_start_matches([' ', '-', '.', '_']).trim();
                if rest.starts_with(" - ") && !label.is_empty() {
                    version_label = Some(label.to_string());
                }
            }
        }
        let from_folder = folder.map(|f| split_year(self, &clean(&strip_release_tags(self, f))));
        let from_name = match g.title.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => (t.to_string(), g.year),
            None => split_year(self, &clean(&strip_release_tags(self, &base))),
        };
        let (title, year) = match (from_folder, from_name) {
            // A folder with a year is the strongest signal (`Title (Year)/…`).
            (Some((t, Some(y))), _) => (t, Some(y)),
            (_, (t, Some(y))) => (t, Some(y)),
            (Some((t, None)), _) if folders.len() == 1 && version_label.is_some() => (t, None),
            (_, (t, None)) => (t, None),
        };
        ParsedPath {
            title,
            year,
            part,
            version_label,
            ..bare_path(ParsedKind::Movie)
        }
    }

    pub(super) fn parse_video(&self, stem: &str) -> ParsedPath {
        ParsedPath {
            title: stem.trim().to_string(),
            ..bare_path(ParsedKind::Video)
        }
    }
}

fn season_of_folder(p: &Patterns, name: &str) -> Option<i32> {
    let lower = name.trim().to_lowercase();
    if matches!(
        lower.as_str(),
        "specials" | "special" | "extras season" | "extras"
    ) {
        return Some(0);
    }
    p.season_folder
        .captures(&lower)
        .and_then(|c| c.get(1).or_else(|| c.get(2)))
        .and_then(|m| m.as_str().parse().ok())
}

fn extra_path(stem: &str, extra_type: &'static str, owner_folder: String) -> ParsedPath {
    ParsedPath {
        title: clean(stem),
        extra_type: Some(extra_type),
        owner_folder: Some(owner_folder),
        ..bare_path(ParsedKind::Extra)
    }
}

/// A path of `kind` that says nothing else yet.
fn bare_path(kind: ParsedKind) -> ParsedPath {
    ParsedPath {
        kind,
        title: String::new(),
        year: None,
        series: None,
        series_year: None,
        season: None,
        episode: None,
        episode_end: None,
        part: None,
        version_label: None,
        extra_type: None,
        owner_folder: None,
        confidence: 0.0,
        episode_title: None,
        date: None,
        tmdb_id: None,
        imdb_id: None,
        tvdb_id: None,
    }
}

/// Dots and underscores as word separators become spaces; surrounding separators go.
pub(super) fn clean(s: &str) -> String {
    let spaced: String = if s.contains(' ') {
        s.replace('_', " ")
    } else {
        s.replace(['.', '_'], " ")
    };
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c == '-' || c == ' ' || c == '[' || c == '.')
        .to_string()
}

pub(super) fn title_and_year(p: &Patterns, s: &str) -> (String, Option<i32>) {
    split_year(p, &clean(s))
}

/// `Title (2008)` / `Title 2008 1080p` → (`Title`, Some(2008)). The last plausible year wins,
/// so `2001 A Space Odyssey (1968)` keeps its title.
fn split_year(p: &Patterns, s: &str) -> (String, Option<i32>) {
    let mut found = None;
    for c in p.year.captures_iter(s) {
        if let Some(m) = c.get(1) {
            if m.start() > 0 {
                found = Some((m.start(), m.as_str().parse::<i32>().ok()));
            }
        }
    }
    match found {
        Some((start, year)) => {
            let title = s[..start]
                .trim_end_matches([' ', '(', '[', '-', '.', '_'])
                .to_string();
            if title.is_empty() {
                (s.to_string(), None)
            } else {
                (title, year)
            }
        }
        None => (s.to_string(), None),
    }
}

fn strip_release_tags(p: &Patterns, s: &str) -> String {
    match p.release_tag.find(s) {
        Some(m) if m.start() > 0 => s[..m.start()].to_string(),
        _ => s.to_string(),
    }
}

/// The season a folder name denotes (`Season 01`, `Specials` → 0), if it is a season folder.
pub(super) fn season_of_folder_name(name: &str) -> Option<i32> {
    season_of_folder(Patterns::get(), name)
}

/// The Jellyfin ExtraType that an extras folder among `folders` or a suffix of `stem` implies.
pub(super) fn extra_type_of(folders: &[String], stem: &str) -> Option<&'static str> {
    Patterns::get()
        .extra(folders, stem)
        .and_then(|p| p.extra_type)
}
