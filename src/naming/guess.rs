//! Name-only guessing for `kinora naming parse`: kind, title, year, season/episode (ranges,
//! dates), episode title, extras and provider ids from a path as written (Unix or Windows
//! separators, bare file names, folder names). Pure; every regex is compiled once.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::patterns::{extra_type_of, season_of_folder_name};

/// What a path's name says, in the shape `kinora naming parse` prints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NameGuess {
    /// `movie`, `episode`, `home_video` or `extra`.
    pub kind: &'static str,
    /// Movie title, or the series name for an episode.
    pub title: Option<String>,
    pub year: Option<i32>,
    pub season: Option<i32>,
    pub episode: Option<i32>,
    pub episode_end: Option<i32>,
    pub episode_title: Option<String>,
    /// `YYYY-MM-DD` for daily shows.
    pub date: Option<String>,
    pub extra_type: Option<&'static str>,
    pub tmdb_id: Option<String>,
    pub imdb_id: Option<String>,
    pub tvdb_id: Option<String>,
    pub confidence: f32,
}

struct Re {
    provider: Regex,
    imdb_bare: Regex,
    sxxexx: Regex,
    cap: Regex,
    bare: Regex,
    ep_more: Regex,
    nxnn: Regex,
    nx_more: Regex,
    season_episode_words: Regex,
    season_only: Regex,
    episode_word: Regex,
    date_ymd: Regex,
    date_dmy: Regex,
    year: Regex,
    noise: Regex,
    leading_group: Regex,
    bare_number: Regex,
    part: Regex,
}

const VIDEO_EXTS: &[&str] = &[
    "mkv", "avi", "mp4", "m4v", "mov", "wmv", "mpg", "mpeg", "ts", "m2ts", "mts", "webm", "flv",
    "ogm", "ogv", "srt", "sub", "idx", "ass", "ssa", "nfo", "iso", "img", "divx", "vob", "3gp",
    "rmvb", "rm", "asf", "disc", "strm", "mk3d", "nzb", "torrent", "dvr-ms", "wtv", "f4v", "mpe",
    "m2v", "m2t", "mp3", "flac", "m4a", "ogg", "wav", "tp", "trp", "dat", "ifo", "bup", "jpg",
    "png", "txt", "xvid", "mxf", "y4m",
];

static RE: LazyLock<Re> = LazyLock::new(build);

#[allow(clippy::expect_used)]
fn build() -> Re {
    let re = |s: &str| Regex::new(s).expect("naming regex literal compiles");
    Re {
        provider: re(
            r"(?i)[\[{(]?\s*(tmdb|imdb|tvdb|tvmaze)(?:id)?\s*[=\-:]\s*(tt\d+|\d+)\s*[\]})]?",
        ),
        imdb_bare: re(r"(?i)(?:^|[^a-z0-9])(tt\d{7,8})(?:[^0-9]|$)"),
        sxxexx: re(r"(?i)(?:^|[^a-z0-9])s(\d{1,4})[ ._-]*x?(?:e|x|ep)(\d{1,4})(?:[^0-9]|$)"),
        cap: re(
            r"(?i)(?:^|[^a-z0-9])cap[ ._-]?(\d{1,2})(\d{2})(?:_(?:\d{1,2})(\d{2}))?(?:[^0-9]|$)",
        ),
        bare: re(r"(?i)(?:^|[ ._\-\[(])(\d{1,4})(?:v\d)?(?:-(\d{1,4})(?:v\d)?)?(?:[ ._\])\-,~]|$)"),
        ep_more: re(
            r"(?i)^(?:[ ._]*(?:&|and)?[ ._]*s\d{1,4}[ ._]*e|[ ._]*-[ ._]*(?:s\d{1,4})?[ ._]*(?:e|x|ep)?|[ ._]?(?:e|x)|[ ._]*&[ ._]*e?|\+e?)(\d{1,4})(?:[^0-9pi]|$)",
        ),
        nxnn: re(r"(?i)(?:^|[^a-z0-9])(\d{1,2}|(?:19|20)\d{2})x(\d{1,3})(?:[^0-9a-z]|$)"),
        nx_more: re(
            r"(?i)^(?:[ ._]+\d{1,2}x|[ ._]*-[ ._]*(?:\d{1,4}x|x|e)?|x)(\d{1,3})(?:[^0-9pi]|$)",
        ),
        season_episode_words: re(
            r"(?i)(?:^|[^a-z])(?:season|saison|staffel|series|temporada)[ ._-]*(\d{1,4})[ ._,-]*(?:episode|ep|folge|episodio|e)[ ._-]*(\d{1,4})",
        ),
        season_only: re(
            r"(?i)(?:^|[^a-z0-9])(?:s|seasons?|saisons?|series|staffel|temporada|stagione|seizoen|tem|sæson|saeson|kausi|säsong|seasong|sezon|sezona|sezóna|sezonul|시즌|シーズン|сезон)[ ._-]?(\d{1,4})(?:[^0-9a-z]|$)",
        ),
        episode_word: re(
            r"(?i)(?:^|[^a-z0-9])(?:e|ep|episode|episodio|folge|ep\.)[ ._-]?(\d{1,4})(?:[^0-9a-z]|e\d|$)",
        ),
        date_ymd: re(r"(?:^|[^0-9])((?:19|20)\d{2})[ ._-](\d{1,2})[ ._-](\d{1,2})(?:[^0-9]|$)"),
        date_dmy: re(r"(?:^|[^0-9])(\d{1,2})[ ._-](\d{1,2})[ ._-]((?:19|20)\d{2})(?:[^0-9]|$)"),
        year: re(r"(?:^|[^0-9a-z])((?:19|20)\d{2})(?:[^0-9a-z]|$)"),
        noise: re(concat!(
            r"(?i)(?:^|[ ._\[(\-{+])(?:",
            r"\d{3,4}[pi]|\d{3,4}x\d{3,4}|4k|uhd|2160|hdr|hdr10|dv|sdr|bluray|blu-ray|bdrip|brrip|bd|bdremux|remux|",
            r"web|web-?dl|webrip|web-?rip|hdtv|pdtv|sdtv|dsr|dsrip|hdrip|dvdrip|dvd|dvdscr|dvd5|dvd9|",
            r"dvdr|r5|cam|hdcam|telesync|tc|screener|scr|ppv|vhsrip|tvrip|satrip|",
            r"x264|x265|h\.?264|h\.?265|hevc|xvid|divx|avc|aac\d?|ac3|dts|dts-hd|dd5|ddp\d?|dd\+?|",
            r"eac3|truehd|atmos|flac|mp3|10bit|8bit|hi10p|",
            r"proper|repack|rerip|limited|unrated|extended|internal|readnfo|nfofix|",
            r"multi|multisubs|subbed|dubbed|vostfr|truefrench|french|german|vo|vost|",
            r"ws|fs|dual|dual-?audio|complete|amzn|nf|hulu|dsnp|atvp|hmax|itunes|",
            r"directors?\.?cut|director'?s|uncut|remastered|imax|3d|hsbs|sbs|htab|tab|mvc|",
            r"part[ ._]?(?:\d{1,2}|i{1,3}|iv|vi{0,3}|ix)|ntsc|pal|sample|edition|criterion|collector|theatrical|stv|bdmux|brripmux|dvdivx|cd\d|part\d|dl|hq|hd|sd",
            r")(?:[ ._\])\-}+,]|$)"
        )),
        leading_group: re(r"^\s*(?:\[[^\]]*\]|\{[^}]*\}|\([^)]*\))[ ._-]*"),
        bare_number: re(r"^\s*(\d{1,4})(?:[^0-9a-z]|$)"),
        part: re(r"(?i)(?:^|[^a-z0-9])(?:cd|part|pt|disc|disk|dvd)[ ._-]?(\d{1,2})(?:[^0-9]|$)"),
    }
}

/// Words that never name a title on their own: generic library and media folders.
const GENERIC_FOLDERS: &[&str] = &[
    "movies",
    "movie",
    "films",
    "film",
    "tv",
    "tv shows",
    "tvshows",
    "shows",
    "series",
    "media",
    "videos",
    "video",
    "downloads",
    "download",
    "server",
    "data",
    "library",
    "anime",
    "mnt",
    "home",
    "share",
    "volume1",
    "storage",
    "complete",
    "completed",
    "incoming",
    "torrents",
    "dvd",
    "video_ts",
    "bdmv",
    "stream",
    "",
];

fn split_path(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !(c.is_empty() || c.len() == 2 && c.ends_with(':')))
        .collect()
}

fn strip_ext(name: &str) -> &str {
    if let Some(dot) = name.rfind('.') {
        let ext = name[dot + 1..].to_ascii_lowercase();
        if VIDEO_EXTS.contains(&ext.as_str()) {
            return &name[..dot];
        }
    }
    name
}

struct Numbers {
    start: usize,
    end: usize,
    season: Option<i32>,
    episode: Option<i32>,
    episode_end: Option<i32>,
    date: Option<String>,
}

fn num(s: &str) -> Option<i32> {
    s.parse().ok()
}

/// Follows `S01E01` with `-E02`, `E03`, `-04`… and returns the last episode and the end offset.
fn more_episodes(more: &Regex, s: &str, mut end: usize) -> (Option<i32>, usize) {
    let mut last = None;
    while let Some(c) = more.captures(&s[end..]) {
        let (Some(m), Some(n)) = (c.get(1), c.get(1).and_then(|m| num(m.as_str()))) else {
            break;
        };
        last = Some(n);
        end += m.end();
    }
    (last, end)
}

fn valid_date(y: i32, m: i32, d: i32) -> bool {
    (1900..2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// What the surroundings say about bare numbers in a name.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// A season folder or a TV library: numbers are episodes.
    tv: bool,
    /// A leading `[Group]`: fansub naming, numbers are absolute episodes.
    anime: bool,
    /// Inside the series' own folder or a season folder: `Show 101` is episode 101.
    absolute: bool,
}

fn is_year(n: i32) -> bool {
    (1900..2100).contains(&n)
}

/// `Show - 06`, `Show.307.HDTV`, `03 - Title`, `Show 02-03`: a bare number as the episode.
fn bare_number(re: &Re, s: &str, ctx: Ctx) -> Option<Numbers> {
    for c in re.bare.captures_iter(s) {
        let (Some(m0), Some(m)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let Some(n) = num(m.as_str()) else { continue };
        let end_n = c.get(2).and_then(|m| num(m.as_str()));
        let digits = m.as_str().len();
        if digits == 4 && is_year(n) {
            continue;
        }
        let rest = &s[m0.end()..];
        if m.start() == 0 {
            // A leading number is an episode only when set off like one: `03 - Title`,
            // `003. Title`, `03-Title`, or in a TV context.
            let sep = &s[m.end()..];
            let set_off = sep.starts_with(" - ")
                || sep.starts_with('-')
                || sep.starts_with(". ")
                || end_n.is_some();
            if !ctx.tv && (!set_off || sep.is_empty()) {
                continue;
            }
        } else {
            if digits == 1 && !ctx.tv {
                continue;
            }
            // `Apollo 13 (1995)`: a number followed by a year belongs to a movie title.
            if !ctx.tv && !ctx.anime && re.year.is_match(rest) {
                continue;
            }
        }
        let (season, episode, episode_end) = if (digits == 3 || digits == 4)
            && !ctx.anime
            && !ctx.absolute
            && m.start() > 0
            && n % 100 > 0
        {
            (Some(n / 100), Some(n % 100), end_n.map(|e| e % 100))
        } else {
            (None, Some(n), end_n)
        };
        return Some(Numbers {
            start: m0.start(),
            end: c.get(2).map_or(m.end(), |e| e.end()),
            season,
            episode,
            episode_end,
            date: None,
        });
    }
    None
}

fn num_at(c: &regex::Captures<'_>, i: usize) -> Option<i32> {
    c.get(i).and_then(|m| num(m.as_str()))
}

/// Every episode-like marker in `s`; the earliest decides where the title ends, and a season
/// without an episode (`Temporada 1 … Cap.102`) takes the episode of a later marker.
fn find_numbers(re: &Re, s: &str, ctx: Ctx) -> Option<Numbers> {
    let mut found: Vec<Numbers> = Vec::new();
    let noise = noise_start(re, s).unwrap_or(s.len());
    for c in re.sxxexx.captures_iter(s) {
        if let (Some(sm), Some(em)) = (c.get(1), c.get(2)) {
            let (last, end) = more_episodes(&re.ep_more, s, em.end());
            found.push(Numbers {
                start: sm.start().saturating_sub(1),
                end,
                season: num(sm.as_str()),
                episode: num(em.as_str()),
                episode_end: last,
                date: None,
            });
        }
    }
    if let Some(c) = re.season_episode_words.captures(s) {
        if let (Some(m0), Some(em)) = (c.get(0), c.get(2)) {
            let (last, end) = more_episodes(&re.ep_more, s, em.end());
            found.push(Numbers {
                start: m0.start(),
                end,
                season: num_at(&c, 1),
                episode: num(em.as_str()),
                episode_end: last,
                date: None,
            });
        }
    }
    if let Some(c) = re.cap.captures(s) {
        if let Some(m0) = c.get(0) {
            found.push(Numbers {
                start: m0.start(),
                end: m0.end(),
                season: num_at(&c, 1),
                episode: num_at(&c, 2),
                episode_end: num_at(&c, 3),
                date: None,
            });
        }
    }
    if let Some(c) = re.nxnn.captures(s) {
        if let (Some(sm), Some(em)) = (c.get(1), c.get(2)) {
            let (last, end) = more_episodes(&re.nx_more, s, em.end());
            found.push(Numbers {
                start: sm.start(),
                end,
                season: num(sm.as_str()),
                episode: num(em.as_str()),
                episode_end: last,
                date: None,
            });
        }
    }
    let mut date_span = None;
    for (rx, ymd) in [(&re.date_ymd, true), (&re.date_dmy, false)] {
        if date_span.is_some() {
            break;
        }
        if let Some(c) = rx.captures(s) {
            let (Some(a), Some(b), Some(x), Some(m), Some(z)) = (
                c.get(1),
                c.get(3),
                num_at(&c, 1),
                num_at(&c, 2),
                num_at(&c, 3),
            ) else {
                continue;
            };
            let (y, d) = if ymd { (x, z) } else { (z, x) };
            if valid_date(y, m, d) {
                date_span = Some((a.start(), b.end()));
                found.push(Numbers {
                    start: a.start(),
                    end: b.end(),
                    season: None,
                    episode: None,
                    episode_end: None,
                    date: Some(format!("{y:04}-{m:02}-{d:02}")),
                });
            }
        }
    }
    if let Some(c) = re.episode_word.captures(s) {
        if let (Some(m0), Some(em)) = (c.get(0), c.get(1)) {
            let (last, end) = more_episodes(&re.ep_more, s, em.end());
            found.push(Numbers {
                start: m0.start(),
                end,
                season: None,
                episode: num(em.as_str()),
                episode_end: last,
                date: None,
            });
        }
    }
    if let Some(c) = re.season_only.captures(s) {
        if let (Some(m0), Some(sm)) = (c.get(0), c.get(1)) {
            found.push(Numbers {
                start: m0.start(),
                end: sm.end(),
                season: num(sm.as_str()),
                episode: None,
                episode_end: None,
                date: None,
            });
        }
    }
    let first_marker = found.iter().map(|n| n.start).min().unwrap_or(s.len());
    // A bare number only when nothing stronger names the episode (`The.100.S01E13`).
    let strong = found.iter().any(|n| n.episode.is_some());
    if let Some(n) = (!strong)
        .then(|| bare_number(re, &s[..noise.min(first_marker)], ctx))
        .flatten()
    {
        let in_date = date_span.is_some_and(|(a, b)| n.start < b && n.end > a);
        if !in_date {
            found.push(n);
        }
    }
    // Earliest first; on a tie the order above (stronger patterns first) decides.
    let mut best_i = None;
    for (i, n) in found.iter().enumerate() {
        if best_i.is_none_or(|b: usize| n.start < found[b].start) {
            best_i = Some(i);
        }
    }
    let best_i = best_i?;
    let mut best = found.swap_remove(best_i);
    if best.episode.is_none() && best.date.is_none() {
        if let Some(later) = found
            .iter()
            .filter(|n| n.episode.is_some() && n.start >= best.start)
            .min_by_key(|n| n.start)
        {
            best.episode = later.episode;
            best.episode_end = later.episode_end;
            best.season = best.season.or(later.season);
        }
    }
    Some(best)
}

/// Separators to spaces, brackets and surrounding punctuation dropped.
fn clean_title(s: &str) -> String {
    let spaced: String = if s.contains(' ') {
        s.replace('_', " ")
    } else {
        s.replace(['.', '_'], " ")
    };
    let mut out = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let t = out
            .trim_matches(|c: char| {
                matches!(
                    c,
                    '-' | ' ' | '[' | ']' | '(' | ')' | '.' | ',' | '{' | '}' | '+' | '~'
                )
            })
            .to_string();
        if t == out {
            break;
        }
        out = t;
    }
    out
}

/// Start of the first release-group word (resolution, codec, source…), if any.
fn noise_start(re: &Re, s: &str) -> Option<usize> {
    re.noise.find(s).map(|m| {
        // The match includes the leading separator.
        if m.start() == 0 && !s[..m.end()].starts_with(|c: char| c.is_alphanumeric()) {
            0
        } else {
            m.start()
        }
    })
}

/// A year that ends the title (`Title 2009 1080p`, `Title (2009)`): the last one before the
/// release words, never the first word (`2012 2009`, `1917`).
fn find_year(re: &Re, s: &str, limit: usize) -> Option<(usize, i32)> {
    let mut found = None;
    let hay = &s[..limit.min(s.len())];
    // A year in parentheses is the release year: the first such wins.
    for c in re.year.captures_iter(hay) {
        if let Some(m) = c.get(1) {
            if m.start() > 0 && hay[..m.start()].ends_with('(') && hay[m.end()..].starts_with(')') {
                return Some((m.start(), num(m.as_str()).unwrap_or(0)));
            }
        }
    }
    for c in re.year.captures_iter(hay) {
        if let Some(m) = c.get(1) {
            if s[..m.start()]
                .trim_matches(|c: char| !c.is_alphanumeric())
                .is_empty()
            {
                continue;
            }
            found = Some((m.start(), num(m.as_str()).unwrap_or(0)));
        }
    }
    found
}

struct NamePart {
    title: String,
    year: Option<i32>,
}

/// Title and year of a name with no episode marker before `limit`.
fn title_part(re: &Re, s: &str, limit: usize) -> NamePart {
    let limit = limit.min(s.len());
    let noise = noise_start(re, &s[..limit]).unwrap_or(limit);
    let year = find_year(re, s, limit.min(noise.max(limit.min(s.len()))));
    let mut end = noise.min(limit);
    let mut y = None;
    if let Some((pos, yr)) = year {
        if pos <= end || pos < limit {
            end = end.min(pos);
            y = Some(yr);
        }
    }
    let mut title = clean_title(&s[..end]);
    if title.is_empty() && limit == s.len() {
        // Nothing but release words or a year (`stv`, `2012`): the name is the title.
        title = clean_title(s);
        if y.is_none() {
            if let Some(c) = re.year.captures(s) {
                let only = c.get(1).filter(|m| clean_title(s) == m.as_str());
                y = only.and_then(|m| num(m.as_str()));
            }
        }
    }
    // `Show Name - Other Name`, `Title - Subtitle`: the first part names it.
    for sep in [" - ", ".-."] {
        if let Some((first, _)) = title.split_once(sep) {
            if first.chars().any(char::is_alphanumeric) && first.len() > 2 {
                title = clean_title(first);
            }
        }
    }
    // `Title (Alternative Title)`: keep the first.
    if let Some(open) = title.find(" (") {
        if open > 0 {
            title.truncate(open);
        }
    }
    NamePart { title, year: y }
}

fn strip_leading_groups<'a>(re: &Re, mut s: &'a str) -> &'a str {
    while let Some(m) = re.leading_group.find(s) {
        if m.end() >= s.len() {
            break;
        }
        s = &s[m.end()..];
    }
    s
}

/// Guesses everything a path's name says. `tv_hint` is true in a TV library.
pub fn guess(path: &str, tv_hint: bool) -> NameGuess {
    let re = &*RE;
    let parts = split_path(path);
    let Some((&file, folders)) = parts.split_last() else {
        return NameGuess {
            kind: "movie",
            ..NameGuess::default()
        };
    };
    let mut g = NameGuess::default();
    for c in re.provider.captures_iter(path) {
        let (Some(k), Some(v)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let v = v.as_str().to_string();
        match k.as_str().to_ascii_lowercase().as_str() {
            "tmdb" => g.tmdb_id = g.tmdb_id.take().or(Some(v)),
            "imdb" => g.imdb_id = g.imdb_id.take().or(Some(v)),
            "tvdb" => g.tvdb_id = g.tvdb_id.take().or(Some(v)),
            _ => {}
        }
    }
    if g.imdb_id.is_none() {
        g.imdb_id = re
            .imdb_bare
            .captures(path)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string());
    }

    let stem_raw = strip_ext(file);
    let stem_owned = re.provider.replace_all(stem_raw, " ");
    let stem = strip_leading_groups(re, &stem_owned);
    let anime = stem.len() != stem_owned.len() && stem_owned.trim_start().starts_with('[');

    // Folder context: a season folder and the series folder above it.
    let season_folder = folders
        .last()
        .and_then(|f| season_of_folder_name(f))
        .map(|s| (folders.len() - 1, s));

    // Extras.
    let folder_strs: Vec<String> = folders.iter().map(|s| s.to_string()).collect();
    // A suffix (`Movie-trailer`) marks an extra only on a clean name: `Show.S03.x264-SCENE`
    // ends in a release group.
    let extra = extra_type_of(&folder_strs, "").or_else(|| {
        let head = stem.rfind(['-', '.', '_', ' ']).map_or("", |i| &stem[..i]);
        if noise_start(re, head).is_some() {
            None
        } else {
            extra_type_of(&[], stem)
        }
    });
    if let Some(t) = extra {
        g.kind = "extra";
        g.extra_type = Some(t);
        g.title = Some(clean_title(stem));
        g.confidence = 0.8;
        return g;
    }

    let in_series_folder = folders.last().is_some_and(|f| {
        let (name, _) = super::title_and_year(f);
        let name = super::normalize(&name);
        !name.is_empty() && super::normalize(stem).starts_with(&name)
    });
    let ctx = Ctx {
        tv: tv_hint || season_folder.is_some(),
        anime,
        absolute: season_folder.is_some() || in_series_folder,
    };
    let numbers = find_numbers(re, stem, ctx);
    // An obfuscated or bare file name inside a release folder that names the episode
    // (`Show.S01E02.720p-GRP/abc123.mkv`): the folder speaks for the file.
    if numbers.is_none() && season_folder.is_none() {
        if let Some(parent) = folders.last() {
            if find_numbers(re, parent, Ctx::default())
                .is_some_and(|n| n.episode.is_some() || n.season.is_some() || n.date.is_some())
            {
                let mut g2 = guess(&folders.join("/"), tv_hint);
                g2.tmdb_id = g2.tmdb_id.or(g.tmdb_id);
                g2.imdb_id = g2.imdb_id.or(g.imdb_id);
                g2.tvdb_id = g2.tvdb_id.or(g.tvdb_id);
                return g2;
            }
        }
    }
    let mut title_from_name = None;
    let mut year;
    match &numbers {
        Some(n) => {
            let np = title_part(re, stem, n.start);
            if !np.title.is_empty() {
                title_from_name = Some(np.title);
            }
            year = np.year;
            g.season = n.season;
            g.episode = n.episode;
            g.episode_end = n.episode_end;
            g.date = n.date.clone();
            let after = &stem[n.end.min(stem.len())..];
            let after = after.trim_start_matches(|c: char| !c.is_alphanumeric());
            let limit = noise_start(re, after).unwrap_or(after.len());
            let limit = re
                .year
                .find(&after[..limit])
                .map(|m| m.start())
                .unwrap_or(limit);
            if year.is_none() {
                if let Some(c) = re.year.captures(after) {
                    if let Some(m) = c.get(1).filter(|m| m.start() == 0) {
                        year = num(m.as_str());
                    }
                }
            }
            let et = clean_title(&after[..limit]);
            if !et.is_empty() && et.chars().any(|c| c.is_alphabetic()) {
                g.episode_title = Some(et);
            }
        }
        None => {
            let np = title_part(re, stem, stem.len());
            if !np.title.is_empty() {
                title_from_name = Some(np.title);
            }
            year = np.year;
        }
    }

    // A bare leading number in a season folder or TV library is the episode.
    if numbers.is_none() && (season_folder.is_some() || tv_hint) {
        if let Some(c) = re.bare_number.captures(stem) {
            g.episode = c.get(1).and_then(|m| num(m.as_str()));
            let rest = &stem[c.get(0).map(|m| m.end()).unwrap_or(0)..];
            let t = clean_title(rest);
            if !t.is_empty() {
                g.episode_title = Some(t);
            }
            title_from_name = None;
        }
    }

    // A file in a season folder is an episode of that season even without a number.
    if g.season.is_none() && g.episode.is_none() && g.date.is_none() {
        if let Some((_, s)) = season_folder {
            g.season = Some(s);
            g.episode_title = title_from_name.take();
        }
    }
    let is_episode = g.season.is_some() || g.episode.is_some() || g.date.is_some();
    if g.season.is_none() && g.episode.is_some() {
        g.season = season_folder.map(|(_, s)| s);
    }

    // The title: from the name, else from the nearest meaningful folder.
    let series_folder_idx = match season_folder {
        Some((i, _)) => i.checked_sub(1),
        None => folders.len().checked_sub(1),
    };
    let folder_title = series_folder_idx.and_then(|mut i| loop {
        let f = folders[i];
        let lower = f.to_lowercase();
        if !GENERIC_FOLDERS.contains(&lower.as_str()) && season_of_folder_name(f).is_none() {
            let f = strip_leading_groups(re, f);
            let np = title_part(
                re,
                f,
                find_numbers(re, f, Ctx::default())
                    .map(|n| n.start)
                    .unwrap_or(f.len()),
            );
            if !np.title.is_empty() {
                break Some(np);
            }
        }
        i = i.checked_sub(1)?;
    });
    // `01 - Ep Name`, `003. Show Name - Ep Name`: a leading episode number, the name after it.
    if title_from_name.is_none()
        && folder_title.is_none()
        && numbers
            .as_ref()
            .is_some_and(|n| n.start == 0 && n.season.is_none() && n.date.is_none())
    {
        if let Some(et) = g.episode_title.take() {
            match et.split_once(" - ") {
                Some((t, rest)) => {
                    title_from_name = Some(t.trim().to_string());
                    g.episode_title = Some(rest.trim().to_string());
                }
                None => title_from_name = Some(et),
            }
        }
    }
    // `Movie.2010.DVDRip.XviD-GRP/grp-mvie.avi`: a release folder names a movie better than
    // the abbreviated file inside it.
    if !is_episode && numbers.is_none() && season_folder.is_none() {
        if let Some(parent) = folders.last() {
            if noise_start(re, parent).is_some()
                && find_numbers(re, parent, Ctx::default()).is_none()
            {
                let np = title_part(re, strip_leading_groups(re, parent), parent.len());
                if !np.title.is_empty() {
                    title_from_name = Some(np.title);
                    year = np.year.or(year);
                }
            }
        }
    }
    match title_from_name {
        Some(t) => {
            g.title = Some(t);
            g.year = year.or_else(|| folder_title.as_ref().and_then(|f| f.year));
        }
        None => {
            if is_episode && numbers.as_ref().is_some_and(|n| n.start == 0) && folders.is_empty() {
                g.title = Some(String::new());
            } else if let Some(ft) = folder_title {
                g.title = Some(ft.title);
                g.year = year.or(ft.year);
            } else {
                g.year = year;
            }
        }
    }
    if is_episode || (tv_hint && g.season.is_some()) {
        g.kind = "episode";
        g.confidence = if g.episode.is_some() { 0.9 } else { 0.6 };
    } else {
        g.kind = "movie";
        g.confidence = if g.year.is_some() { 0.8 } else { 0.5 };
        let _ = re.part.is_match(stem);
    }
    g
}
