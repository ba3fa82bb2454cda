//! Pure path → identity parsing: what a file is (movie, episode, home video, extra), its title,
//! year, season and episode, part and version. No filesystem, no async, no database.
//!
//! This is the folder-structure parser the scanner needs to shape items; the full classifier
//! (names + video analysis + LLM) builds on it.

pub mod eval;
mod guess;
mod patterns;
mod sort_key;

use std::path::{Component, Path};

pub use guess::{guess, guess_with, NameGuess};
pub use sort_key::sort_key;

use crate::config::LibraryKind;
use patterns::Patterns;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedKind {
    Movie,
    Episode,
    /// A home video (or anything in a mixed library that is neither movie nor episode).
    Video,
    Extra,
}

/// What a path says about the file it names.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPath {
    pub kind: ParsedKind,
    /// Movie title, episode title (when known), video or extra title.
    pub title: String,
    pub year: Option<i32>,
    /// For episodes: the series name and its year when the folder carries one.
    pub series: Option<String>,
    pub series_year: Option<i32>,
    pub season: Option<i32>,
    pub episode: Option<i32>,
    pub episode_end: Option<i32>,
    /// `cd1`, `part2`…: 1-based part of a multi-part file.
    pub part: Option<i32>,
    /// `Movie (2010) - 1080p.mkv` → `1080p`.
    pub version_label: Option<String>,
    /// Jellyfin's ExtraType name (`Trailer`, `Featurette`…) for extras.
    pub extra_type: Option<&'static str>,
    /// For extras: the folder (relative to the library root) of the title they belong to.
    pub owner_folder: Option<String>,
    /// How far the name settles what the file is, 0–1 (the scale of
    /// [`NameGuess::confidence`]); under a classifier's threshold the item is reviewed.
    pub confidence: f32,
    /// For episodes: the episode's own title as the name gives it.
    pub episode_title: Option<String>,
    /// `YYYY-MM-DD` for daily shows.
    pub date: Option<String>,
    pub tmdb_id: Option<String>,
    pub imdb_id: Option<String>,
    pub tvdb_id: Option<String>,
}

impl ParsedPath {
    /// Key under which files of the same logical title meet: versions and parts of one movie,
    /// an episode replaced by a better release.
    pub fn identity_key(&self) -> String {
        match self.kind {
            ParsedKind::Movie => format!(
                "movie:{}:{}",
                normalize(&self.title),
                self.year.map(|y| y.to_string()).unwrap_or_default()
            ),
            ParsedKind::Episode => format!(
                "episode:{}:{}:{}",
                normalize(self.series.as_deref().unwrap_or("")),
                self.season.map(|s| s.to_string()).unwrap_or_default(),
                match self.episode {
                    Some(e) => e.to_string(),
                    None => format!("t:{}", normalize(&self.title)),
                }
            ),
            ParsedKind::Video => format!("video:{}", normalize(&self.title)),
            ParsedKind::Extra => format!(
                "extra:{}:{}",
                self.owner_folder
                    .as_deref()
                    .map(normalize)
                    .unwrap_or_default(),
                normalize(&self.title)
            ),
        }
    }
}

/// Lower-case letters and digits separated by single spaces: the form names are compared in.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for ch in s.chars() {
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// `Show Name (2005)` → (`Show Name`, Some(2005)); dots and underscores read as spaces.
pub fn title_and_year(folder_name: &str) -> (String, Option<i32>) {
    patterns::title_and_year(Patterns::get(), folder_name)
}

/// Identity key of a series: the same show in two folders of one library is one series.
pub fn series_identity(name: &str) -> String {
    format!("series:{}", normalize(name))
}

/// Parses `relative` (the path below the library root, with its file name) for a library of
/// `kind`.
pub fn parse_path(relative: &Path, kind: LibraryKind) -> ParsedPath {
    let p = Patterns::get();
    let folders: Vec<String> = relative
        .parent()
        .map(|parent| {
            parent
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let stem = relative
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();

    // The name parser reads kind, title, year and numbers with the library kind as a prior;
    // versions, parts and extras' owners come from the folder structure, so that the files of
    // one title meet under one identity key.
    let g = guess_with(&relative.to_string_lossy(), kind);
    let mut parsed = match p.extra(&folders, &stem) {
        Some(extra) => extra,
        None => match (kind, g.kind) {
            (LibraryKind::Tv, _) | (LibraryKind::Mixed, "episode") => {
                p.parse_episode(&folders, &stem, &g)
            }
            (LibraryKind::Movies, _) | (LibraryKind::Mixed, "movie") => {
                p.parse_movie(&folders, &stem, &g)
            }
            _ => p.parse_video(&stem),
        },
    };
    parsed.confidence = match parsed.kind {
        ParsedKind::Extra if g.kind != "extra" => 0.8,
        _ => g.confidence,
    };
    if parsed.kind == ParsedKind::Episode {
        parsed.episode_title = g.episode_title;
    }
    parsed.date = g.date;
    parsed.tmdb_id = g.tmdb_id;
    parsed.imdb_id = g.imdb_id;
    parsed.tvdb_id = g.tvdb_id;
    parsed
}

#[cfg(test)]
mod tests;
