//! Name-only guessing for `kinora naming parse`: kind, title, year, season/episode (ranges,
//! dates), episode title, extras and provider ids from a path as written (Unix or Windows
//! separators, bare file names, folder names). Pure; every regex is compiled once.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::patterns::{extra_type_of, season_of_folder_name};
use crate::config::LibraryKind;

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
    /// How far the name alone settles what the file is, 0–1. A downstream classifier sends
    /// anything under its threshold (default 0.6) to review, so the scale is:
    /// - ≥ 0.9: strong evidence: `SxxExx` (or `1x02`, `Season 1 Episode 2`) with a series name,
    ///   a title with a year in the name or its folder, a provider id (`[tmdbid=603]`), an
    ///   extras folder;
    /// - 0.6–0.85: decent evidence: a dated or season-less episode with a name, a bare episode
    ///   number under a season or series folder, a title in a release name (`Title.1080p.x264`)
    ///   or named by its folder, an extra by suffix, a season folder;
    /// - < 0.5: ambiguous: bare words with no year (`clip.mp4`), a lone number, an episode
    ///   marker without any name, camera names (`IMG_1234`), or the name against the folder
    ///   (`Movie (2007)/Movie (2006).mkv`) or the library.
    pub confidence: f32,
    /// A 3D file (Jellyfin's Format3D: `hsbs`, `sbs`, `htab`, `tab`, `fsbs`, `ftab`, `sbs3d`,
    /// `mvc` as a word of the file name; `3d` alone says nothing about the layout).
    pub is_3d: bool,
    pub format_3d: Option<&'static str>,
    /// A `.disc` stub standing for a disc on a shelf, with the medium its name gives.
    pub is_stub: bool,
    /// `dvd`, `hddvd`, `bluray`, `vhs` or `tv`.
    pub stub_type: Option<&'static str>,
    /// Every episode of a multi-episode file (`E01E02E04` → 1, 2, 4); empty for one or none.
    #[serde(skip)]
    pub episode_list: Vec<i32>,
    /// Every season of a season pack (`Season 1-3` → 1, 2, 3); empty for one or none.
    #[serde(skip)]
    pub season_list: Vec<i32>,
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
    noise: Regex,
    leading_group: Regex,
    bare_number: Regex,
    season_words: Regex,
    season_other: Regex,
    n_of_m: Regex,
    lang: Regex,
    lead_noise: Regex,
    film: Regex,
    bonus: Regex,
    anime_special: Regex,
    special: Regex,
    site_prefix: Regex,
    camera: Regex,
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
            r"(?i)([\[{(])\s*(tmdb|imdb|tvdb|tvmaze)(?:id)?\s*[=\-:]\s*(tt\d+|\d+)\s*([\]})])",
        ),
        imdb_bare: re(r"(?i)(?:^|[^a-z0-9])(tt\d{7,8})(?:[^0-9]|$)"),
        sxxexx: re(r"(?i)(?:^|[^a-z0-9])s(\d{1,4})[ ._-]*x?(?:e|x|ep)(\d{1,4})(?:[^0-9]|$)"),
        cap: re(
            r"(?i)(?:^|[^a-z0-9])cap[ ._-]?(\d{1,2})(\d{2})(?:_(?:\d{1,2})(\d{2}))?(?:[^0-9]|$)",
        ),
        bare: re(r"(?i)(?:^|[ ._\-\[(])(\d{1,4})(?:v\d)?(?:-(\d{1,4})(?:v\d)?)?(?:[ ._\])\-,~]|$)"),
        ep_more: re(
            r"(?i)^(?:[ ._]*(?:&|and)?[ ._]*s\d{1,4}[ ._]*e|[ ._]*-[ ._]*(?:s\d{1,4})?[ ._]*(?:e|x|ep)?|[ ._]?(?:e|x)|[ ._]*&[ ._]*e?|\+e?| )(\d{1,4})(?:[^0-9pi]|$)",
        ),
        nxnn: re(r"(?i)(?:^|[^a-z0-9])(\d{1,2}|(?:19|20)\d{2})x(\d{1,3})(?:[^0-9a-wyz]|$)"),
        nx_more: re(
            r"(?i)^(?:[ ._]+\d{1,2}x|[ ._]*-[ ._]*(?:\d{1,4}x|x|e)|-|x)(\d{1,3})(?:[^0-9pi]|$)",
        ),
        season_episode_words: re(
            r"(?i)(?:^|[^a-z])(?:season|saison|staffel|series|temporada)[ ._-]*(\d{1,4})[ ._,-]*(?:episodes?|ep|folge|episodio|e)[ ._-]*(\d{1,4})",
        ),
        season_only: re(
            r"(?i)(?:^|[^a-z0-9])(?:(?:s|seasons?|saisons?|staffel|temporada|stagione|seizoen|tem|sæson|saeson|kausi|säsong|seasong|sezon|sezona|sezóna|sezonul|시즌|シーズン|сезон)[ ._-]?(\d{1,4})|series[ ._-]?(\d{1,2}))(?:of\d{1,2})?(?:[^0-9a-z]|$)",
        ),
        episode_word: re(
            r"(?i)(?:^|[^a-z0-9])(?:e[ -]?|(?:ep|episode|episodio|folge)[ ._-]?|ep\.[ ._-]?)(\d{1,4})(?:v\d)?(?:[^0-9a-z]|e\d|$)",
        ),
        date_ymd: re(r"(?:^|[^0-9])((?:19|20)\d{2})[ ._-](\d{1,2})[ ._-](\d{1,2})(?:[^0-9]|$)"),
        date_dmy: re(r"(?:^|[^0-9])(\d{1,2})[ ._-](\d{1,2})[ ._-]((?:19|20)\d{2})(?:[^0-9]|$)"),
        noise: re(concat!(
            r"(?i)(?:^|[ ._\[(\-{+])(?:",
            r"\d{3,4}[pi]|\d{3,4}x\d{3,4}|4k|uhd|2160|hdr|hdr10|dv|sdr|bluray|blu-ray|bdrip|brrip|bd|bdremux|remux|",
            r"web|web-?dl|webrip|web-?rip|hdtv|pdtv|sdtv|dsr|dsrip|hdrip|dvdrip|dvd|dvdscr|dvd5|dvd9|",
            r"dvdr|r5|cam|hdcam|telesync|tc|screener|scr|ppv|vhsrip|tvrip|satrip|",
            r"x264|x265|h\.?264|h\.?265|hevc|xvid|divx|avc|aac\d?|ac3|dts|dts-hd|dd5|ddp\d?|dd\+?|",
            r"eac3|truehd|atmos|flac|mp3|10bit|8bit|hi10p|",
            r"proper|repack|rerip|limited|unrated|extended|internal|readnfo|nfofix|",
            r"multi|multisubs|subbed|dubbed|vostfr|truefrench|vo|vost|ultrahd|\d[ ._]?cds?|ac3d|ac3ld|ac3md|",
            r"ws|fs|dual|dual-?audio|complete|amzn|nf|hulu|dsnp|atvp|hmax|itunes|",
            r"directors?\.?cut|director'?s|uncut|remastered|imax|hsbs|sbs|htab|tab|mvc|fsbs|ftab|sbs3d|",
            r"part[ ._]?(?:\d{1,2}|i{1,3}|iv|vi{0,3}|ix)|ntsc|pal|sample|edition|criterion|collector|theatrical|stv|bdmux|brripmux|dvdivx|cd\d|part\d|dl|hq|hd|sd",
            r")(?:[ ._\])\-}+,:]|$)"
        )),
        leading_group: re(r"^\s*(?:\[[^\]]*\]|\{[^}]*\}|\([^)]*\))[ ._-]*"),
        bare_number: re(r"^\s*(\d{1,4})(?:[^0-9a-z]|$)"),
        season_words: re(concat!(
            r"(?i)(?:^|[^a-z0-9])(?:season|saison|staffel|temporada|stagione|seizoen|series)[ ._-]+",
            r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|",
            r"un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|",
            r"xx|xix|xviii|xvii|xvi|xv|xiv|xiii|xii|xi|x|ix|viii|vii|vi|v|iv|iii|ii|i)",
            r"(?:[^0-9a-z]|$)"
        )),
        season_other: re(concat!(
            r"(?i)(?:^|[^a-z0-9])(?:s(\d{1,3})(?:d\d{1,2}|extras?|complete)|(\d{1,2})xall",
            r"|(\d{1,2})\.?[ ._-]?(?:staffel|season|saison|temporada|stagione)",
            r"|(\d{1,2})(?:st|nd|rd|th)[ ._-]season)(?:[^a-z0-9]|$)"
        )),
        n_of_m: re(r"(?i)(?:^|[^a-z0-9])(\d{1,3})[ ._-]?of[ ._-]?\d{1,3}(?:[^0-9a-z]|$)"),
        lang: re(concat!(
            r"(?i)(?:^|[ ._\[(\-])(?:french|fr|german|english|eng|spanish|spa|italian|ita|dutch|",
            r"swedish|russian|japanese|castellano|latino|qc)(?:[ ._\])\-]|$)"
        )),
        lead_noise: re(concat!(
            r"(?i)^[ ._\-\[(]*(?:\d{3,4}[pi]|x26[45]|h\.?26[45]|hevc|xvid|hd|bluray|bdrip|brrip|",
            r"webrip|web-?dl|hdtv|dvdrip|video_ts)(?:[ ._\])\-:]+|$)"
        )),
        film: re(r"(?i)-f(\d{1,3})-"),
        bonus: re(r"(?i)-x(\d{1,3})(?:-|$)"),
        anime_special: re(r"(?i)(?:^|[ ._\-])(?:ova|ona|oad)(?:[ ._\-]|$)"),
        site_prefix: re(concat!(
            r"(?i)^[^\[(]*[\[(][ .]*(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*",
            r"\.(?:com|org|net|to|cc|info|tv|me|ru)[ .]*[\])][ ._-]*"
        )),
        camera: re(concat!(
            r"(?i)^(?:img|dsc|dscf|dscn|dcim|mvi|mov|vid|video|pxl|gopr|gp|gx|dji|sam|cimg|mah|",
            r"hpim|wp|pict|clip)[_-]?\d{4,}(?:[_-]\d+)*(?:[_-]\w{1,6})?$"
        )),
        special: re(r"(?i)(?:^|[ ._\-])specials?(?:[ ._\-]+(edition|cut|features?))?(?:[ ._\-]|$)"),
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
        let ext = &name[dot + 1..];
        if VIDEO_EXTS.iter().any(|e| e.eq_ignore_ascii_case(ext)) {
            return &name[..dot];
        }
    }
    name
}

/// Which pattern found the numbers, and so how much they say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    /// `S01E02`, `1x02`, `Season 1 Episode 2`, `Cap.102`.
    Strong,
    Date,
    /// `E02`, `Ep 2`, `2 of 6`: an episode without a season.
    EpisodeWord,
    /// `Season 2`, `S02`, `Saison VII`: a season without an episode.
    SeasonOnly,
    /// `Special`, `OVA`: an episode known by name, not number.
    Special,
    /// A number on its own (`Show - 06`, `Show.307`).
    Bare,
}

struct Numbers {
    start: usize,
    end: usize,
    season: Option<i32>,
    episode: Option<i32>,
    episode_end: Option<i32>,
    date: Option<String>,
    /// A year the marker itself carries (`S2013E14`, `Show 2013 Special`).
    year: Option<i32>,
    marker: Marker,
    /// Every episode (or, for a season marker, every season) when more than one is named.
    list: Vec<i32>,
}

impl Numbers {
    fn new(start: usize, end: usize, marker: Marker) -> Self {
        Numbers {
            start,
            end,
            season: None,
            episode: None,
            episode_end: None,
            date: None,
            year: None,
            marker,
            list: Vec::new(),
        }
    }
}

fn num(s: &str) -> Option<i32> {
    s.parse().ok()
}

/// Longest list a range expands to (`E01-E24`); a wider one is not a list of episodes.
const MAX_LIST: i32 = 200;

/// Appends `n` to `list`, or every number from the last one up to `n` when `range`.
fn push_numbers(list: &mut Vec<i32>, n: i32, range: bool) {
    match list.last() {
        Some(&prev) if range && n > prev && n - prev <= MAX_LIST => list.extend(prev + 1..=n),
        _ => list.push(n),
    }
}

/// Follows `S01E01` with `-E02`, `E03`, `-04`, ` 02`… and returns the last episode, the end
/// offset and every episode named (empty when there is only the first).
fn more_episodes(
    more: &Regex,
    s: &str,
    first: Option<i32>,
    mut end: usize,
) -> (Option<i32>, usize, Vec<i32>) {
    let mut last = None;
    let mut list = Vec::new();
    while let Some(c) = more.captures(&s[end..]) {
        let (Some(m0), Some(m)) = (c.get(0), c.get(1)) else {
            break;
        };
        let Some(n) = num(m.as_str()) else { break };
        // `E01 02 03`: a list written with spaces holds two-digit numbers only, each a word.
        if m0.as_str().starts_with(' ')
            && (m.len() != 2 || !matches!(s[end + m.end()..].chars().next(), None | Some(' ')))
        {
            break;
        }
        if list.is_empty() {
            list.extend(first);
        }
        // `E01-03`, `E01-E03`, `S01E01-S01E21` are ranges; `E01E02E04`, `1x01-1x02` are lists.
        let joint = &m0.as_str()[..m.start()];
        let range = joint.contains(['-', '~']) && !joint.bytes().any(|b| matches!(b, b'x' | b'X'));
        push_numbers(&mut list, n, range);
        last = Some(n);
        end += m.end();
    }
    (last, end, list)
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
    /// The season the enclosing folder names: `Season 4/Show [401]` is episode 1.
    season: Option<i32>,
    /// The file sits in a folder that names something (not `Movies`, not the root).
    in_folder: bool,
    /// A movie library: no bare number is an episode.
    movies: bool,
}

fn is_year(n: i32) -> bool {
    (1900..2100).contains(&n)
}

/// Four-digit years (1900–2099) standing as words of their own, with their offsets. A scan,
/// not a regex: adjacent years (`2012.2009`) must both be seen.
fn years(s: &str) -> impl Iterator<Item = (usize, i32)> + '_ {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(3)).filter_map(move |i| {
        let w = &b[i..i + 4];
        let century = (w[0] == b'1' && w[1] == b'9') || (w[0] == b'2' && w[1] == b'0');
        if !century || !w[2].is_ascii_digit() || !w[3].is_ascii_digit() {
            return None;
        }
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            return None;
        }
        if b.get(i + 4).is_some_and(u8::is_ascii_alphanumeric) {
            return None;
        }
        let d = |x: u8| i32::from(x - b'0');
        Some((i, d(w[0]) * 1000 + d(w[1]) * 100 + d(w[2]) * 10 + d(w[3])))
    })
}

/// `Show - 06`, `Show.307.HDTV`, `03 - Title`, `Show 02-03`: a bare number as the episode.
fn bare_number(re: &Re, s: &str, whole_name: bool, ctx: Ctx) -> Option<Numbers> {
    if ctx.movies {
        return None;
    }
    // The whole name is a number: `12.avi` in a show's folder, `0102` on its own (1x02).
    let whole = s.trim();
    if whole_name
        && !whole.is_empty()
        && whole.len() <= 4
        && whole.bytes().all(|b| b.is_ascii_digit())
    {
        let n = num(whole)?;
        if whole.len() == 4 && is_year(n) {
            return None;
        }
        let (season, episode) = if ctx.in_folder || ctx.tv {
            match ctx.season {
                Some(sn) if whole.len() >= 3 && n / 100 == sn => (Some(sn), n % 100),
                _ => (None, n),
            }
        } else if whole.len() >= 3 && n % 100 > 0 {
            (Some(n / 100), n % 100)
        } else {
            return None;
        };
        let mut out = Numbers::new(0, s.len(), Marker::Bare);
        out.season = season;
        out.episode = Some(episode);
        return Some(out);
    }
    let mut pos = 0;
    while let Some(c) = re.bare.captures_at(s, pos) {
        let (Some(m0), Some(m)) = (c.get(0), c.get(1)) else {
            break;
        };
        // The next try may reuse the separator after this number (`2005.211`).
        pos = m.end();
        let Some(n) = num(m.as_str()) else { continue };
        let end_m = c.get(2);
        let end_n = end_m.and_then(|m| num(m.as_str()));
        let digits = m.as_str().len();
        if digits == 4 && is_year(n) {
            continue;
        }
        let rest = &s[m0.end()..];
        if m.start() == 0 {
            // A leading number is an episode only when set off like one: `03 - Title`,
            // `003. Title`, `03-Title`, a zero-padded `02.Title`, or in a TV context.
            let sep = &s[m.end()..];
            let padded = digits >= 2 && m.as_str().starts_with('0');
            let set_off = sep.starts_with(" - ")
                || sep.starts_with('-')
                || sep.starts_with(". ")
                || end_n.is_some()
                || (padded && sep.len() > 1);
            if !ctx.tv && !ctx.anime && (!set_off || sep.is_empty()) {
                continue;
            }
            // `300 - 2 (2006)`: a dated name is a movie's, its leading number part of it.
            if !ctx.tv && !ctx.anime && has_paren_year(sep) {
                continue;
            }
            // `1-12 - Title`: season 1, episode 12 (a range pads both ends alike).
            if let (Some(e), Some(em)) = (end_n, end_m) {
                if digits == 1 && em.len() == 2 && s[em.end()..].starts_with(" - ") {
                    let mut out = Numbers::new(m0.start(), em.end(), Marker::Bare);
                    out.season = Some(n);
                    out.episode = Some(e);
                    return Some(out);
                }
            }
        } else {
            if digits == 1 && !ctx.tv {
                continue;
            }
            // `OSS_117--Cairo`: a double dash joins a title to its subtitle.
            if s[m.end()..].starts_with("--") {
                continue;
            }
            // `Apollo 13 (1995)`: a number followed by a year belongs to a movie title.
            if !ctx.tv && !ctx.anime && years(rest).next().is_some() {
                continue;
            }
        }
        let split_allowed = !ctx.absolute || (ctx.season.is_some() && ctx.season == Some(n / 100));
        let (season, episode, episode_end) = if (digits == 3 || digits == 4)
            && !ctx.anime
            && split_allowed
            && m.start() > 0
            && n % 100 > 0
        {
            (Some(n / 100), Some(n % 100), end_n.map(|e| e % 100))
        } else {
            (None, Some(n), end_n)
        };
        let mut end = end_m.map_or(m.end(), |e| e.end());
        let mut episode_end = episode_end;
        let mut list = Vec::new();
        if let (Some(a), Some(b)) = (episode, episode_end) {
            list.push(a);
            push_numbers(&mut list, b, true);
        }
        if season.is_none() && episode_end.is_some() {
            if let Some((first, last, len)) = and_range_end(&s[end..]) {
                push_numbers(&mut list, first, false);
                push_numbers(&mut list, last, true);
                episode_end = Some(last);
                end += len;
            }
        }
        let mut out = Numbers::new(content_start(s, m0), end, Marker::Bare);
        out.season = season;
        out.episode = episode;
        out.episode_end = episode_end;
        out.list = list;
        return Some(out);
    }
    None
}

/// Where a match's own text begins: patterns open with the separator before it.
fn content_start(s: &str, m: regex::Match<'_>) -> usize {
    match s[m.start()..].chars().next() {
        Some(c) if !c.is_alphanumeric() && m.len() > c.len_utf8() => m.start() + c.len_utf8(),
        _ => m.start(),
    }
}

fn has_paren_year(s: &str) -> bool {
    years(s).any(|(p, _)| p > 0 && s[..p].ends_with('(') && s[p + 4..].starts_with(')'))
}

/// `493-498.&.500-507`: the start and end of a further range joined by `&`, and its length.
fn and_range_end(s: &str) -> Option<(i32, i32, usize)> {
    let t = s.trim_start_matches(['.', '_', ' ']);
    let t = t.strip_prefix('&')?.trim_start_matches(['.', '_', ' ']);
    let digits = |x: &str| x.bytes().take_while(u8::is_ascii_digit).count();
    let a = digits(t);
    if a == 0 || a > 4 {
        return None;
    }
    let mut end = a;
    if let Some(r) = t[a..].strip_prefix('-') {
        let b = digits(r);
        if b > 0 && b <= 4 {
            end = a + 1 + b;
        }
    }
    let first = num(&t[..a])?;
    let last = t[..end].rsplit('-').next().and_then(num)?;
    Some((first, last, s.len() - t.len() + end))
}

fn num_at(c: &regex::Captures<'_>, i: usize) -> Option<i32> {
    c.get(i).and_then(|m| num(m.as_str()))
}

/// `Season 1-3`, `S01 S02 S03`, `Season 1.3 and 5`, `s01.to.s04`: the seasons after the first,
/// and where the list ends.
fn more_seasons(s: &str, first: i32, mut end: usize) -> (Vec<i32>, usize) {
    let mut list = vec![first];
    let b = s.as_bytes();
    loop {
        let mut i = end;
        let skip = |i: &mut usize| {
            while b.get(*i).is_some_and(|c| matches!(c, b' ' | b'.' | b'_')) {
                *i += 1;
            }
        };
        skip(&mut i);
        let rest = &s[i..];
        let lower_starts = |w: &str| {
            rest.get(..w.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(w))
                && !rest[w.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        };
        let mut range = false;
        if rest.starts_with(['-', '~']) {
            range = true;
            i += 1;
        } else if rest.starts_with(['&', ',']) {
            i += 1;
        } else if lower_starts("to") {
            range = true;
            i += 2;
        } else if lower_starts("a") {
            range = true;
            i += 1;
        } else if lower_starts("and") {
            i += 3;
        }
        skip(&mut i);
        if b.get(i).is_some_and(|c| matches!(c, b's' | b'S')) {
            i += 1;
        }
        let digits = b[i.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 2 || b.get(i + digits).is_some_and(u8::is_ascii_alphanumeric) {
            break;
        }
        let Some(n) = num(&s[i..i + digits]) else {
            break;
        };
        push_numbers(&mut list, n, range);
        end = i + digits;
    }
    (list, end)
}

/// `VII`, `sept`, `two` → 7, 7, 2.
fn season_word_value(w: &str) -> Option<i32> {
    const WORDS: &[&[&str]] = &[
        &["one", "un", "i"],
        &["two", "deux", "ii"],
        &["three", "trois", "iii"],
        &["four", "quatre", "iv"],
        &["five", "cinq", "v"],
        &["six", "vi"],
        &["seven", "sept", "vii"],
        &["eight", "huit", "viii"],
        &["nine", "neuf", "ix"],
        &["ten", "dix", "x"],
        &["eleven", "xi"],
        &["twelve", "xii"],
        &["xiii"],
        &["xiv"],
        &["xv"],
        &["xvi"],
        &["xvii"],
        &["xviii"],
        &["xix"],
        &["xx"],
    ];
    let lower = w.to_ascii_lowercase();
    WORDS
        .iter()
        .position(|names| names.contains(&lower.as_str()))
        .and_then(|i| i32::try_from(i + 1).ok())
}

/// Every episode-like marker in `s`; the earliest decides where the title ends, and a season
/// without an episode (`Temporada 1 … Cap.102`) takes the episode of a later marker.
fn find_numbers(re: &Re, s: &str, ctx: Ctx) -> Option<Numbers> {
    let mut found: Vec<Numbers> = Vec::new();
    let noise = noise_start(re, s).unwrap_or(s.len());
    for c in re.sxxexx.captures_iter(s) {
        if let (Some(sm), Some(em)) = (c.get(1), c.get(2)) {
            let (last, end, list) = more_episodes(&re.ep_more, s, num(em.as_str()), em.end());
            let mut n = Numbers::new(sm.start().saturating_sub(1), end, Marker::Strong);
            n.season = num(sm.as_str());
            n.episode = num(em.as_str());
            n.episode_end = last;
            n.list = list;
            // `S2013E14`: seasons named by year carry the year too.
            n.year = n.season.filter(|&y| sm.len() == 4 && is_year(y));
            found.push(n);
        }
    }
    if let Some(c) = re.season_episode_words.captures(s) {
        if let (Some(m0), Some(em)) = (c.get(0), c.get(2)) {
            let (last, end, list) = more_episodes(&re.ep_more, s, num(em.as_str()), em.end());
            let mut n = Numbers::new(content_start(s, m0), end, Marker::Strong);
            n.season = num_at(&c, 1);
            n.episode = num(em.as_str());
            n.episode_end = last;
            n.list = list;
            found.push(n);
        }
    }
    if let Some(c) = re.cap.captures(s) {
        if let Some(m0) = c.get(0) {
            let mut n = Numbers::new(content_start(s, m0), m0.end(), Marker::Strong);
            n.season = num_at(&c, 1);
            n.episode = num_at(&c, 2);
            n.episode_end = num_at(&c, 3);
            found.push(n);
        }
    }
    if let Some(c) = re.nxnn.captures(s) {
        if let (Some(sm), Some(em)) = (c.get(1), c.get(2)) {
            let (last, end, list) = more_episodes(&re.nx_more, s, num(em.as_str()), em.end());
            let mut n = Numbers::new(sm.start(), end, Marker::Strong);
            n.season = num(sm.as_str());
            n.episode = num(em.as_str());
            n.episode_end = last;
            n.list = list;
            n.year = n.season.filter(|&y| sm.len() == 4 && is_year(y));
            found.push(n);
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
                let mut n = Numbers::new(a.start(), b.end(), Marker::Date);
                n.date = Some(format!("{y:04}-{m:02}-{d:02}"));
                found.push(n);
            }
        }
    }
    if let Some(c) = re.episode_word.captures(s) {
        if let (Some(m0), Some(em)) = (c.get(0), c.get(1)) {
            let (last, end, list) = more_episodes(&re.ep_more, s, num(em.as_str()), em.end());
            let mut n = Numbers::new(content_start(s, m0), end, Marker::EpisodeWord);
            n.episode = num(em.as_str());
            n.episode_end = last;
            n.list = list;
            found.push(n);
        }
    }
    if let Some(c) = re.n_of_m.captures(s) {
        // `Part 1 of 2`, `CD 1 of 2`: parts of one file, not episodes.
        let part_word = |m0: regex::Match<'_>| {
            let before = s[..m0.start()].trim_end_matches([' ', '.', '_', '-']);
            let word = before.rsplit([' ', '.', '_', '-']).next().unwrap_or("");
            ["part", "pt", "cd", "disc", "disk", "dvd"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
        };
        if let (Some(m0), Some(em)) = (c.get(0).filter(|m| !part_word(*m)), c.get(1)) {
            let mut n = Numbers::new(content_start(s, m0), m0.end(), Marker::EpisodeWord);
            n.episode = num(em.as_str());
            found.push(n);
        }
    }
    if let Some(c) = re.season_only.captures(s) {
        if let (Some(m0), Some(sm)) = (c.get(0), c.get(1).or_else(|| c.get(2))) {
            let mut n = Numbers::new(content_start(s, m0), sm.end(), Marker::SeasonOnly);
            n.season = num(sm.as_str());
            if let Some(first) = n.season {
                let (list, end) = more_seasons(s, first, sm.end());
                if list.len() > 1 && list.windows(2).all(|w| w[0] < w[1]) {
                    n.list = list;
                    n.end = end;
                }
            }
            found.push(n);
        }
    }
    if let Some(c) = re.season_words.captures(s) {
        if let (Some(m0), Some(w)) = (c.get(0), c.get(1)) {
            let mut n = Numbers::new(content_start(s, m0), w.end(), Marker::SeasonOnly);
            n.season = season_word_value(w.as_str());
            found.push(n);
        }
    }
    if let Some(c) = re.season_other.captures(s) {
        let sm = (1..=4).find_map(|i| c.get(i));
        if let (Some(m0), Some(sm)) = (c.get(0), sm) {
            let mut n = Numbers::new(content_start(s, m0), m0.end(), Marker::SeasonOnly);
            n.season = num(sm.as_str());
            found.push(n);
        }
    }
    if let Some(m) = re.anime_special.find(&s[..noise]) {
        if m.start() > 0 {
            found.push(Numbers::new(content_start(s, m), m.end(), Marker::Special));
        }
    }
    // `Show 2013 Christmas Special`: a special after a year; the year ends the title.
    if let Some(c) = re.special.captures(s) {
        if let (Some(m0), None) = (c.get(0), c.get(1)) {
            if let Some((pos, y)) = years(&s[..m0.start()]).last() {
                if pos > 0 {
                    let mut n = Numbers::new(pos, pos + 4, Marker::Special);
                    n.year = Some(y);
                    found.push(n);
                }
            }
        }
    }
    let first_marker = found.iter().map(|n| n.start).min().unwrap_or(s.len());
    // A bare number only when nothing stronger names the episode (`The.100.S01E13`).
    let strong = found
        .iter()
        .any(|n| n.episode.is_some() || n.year.is_some());
    let bare_end = noise.min(first_marker);
    if let Some(n) = (!strong)
        .then(|| bare_number(re, &s[..bare_end], bare_end == s.len(), ctx))
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
    // `Show - S01E01 - [2011-09-19]`: the air date, whichever marker numbers the episode.
    if best.date.is_none() {
        best.date = found.iter().find_map(|n| n.date.clone());
    }
    if best.episode.is_none() && best.date.is_none() && best.marker != Marker::Special {
        if let Some(later) = found
            .iter()
            .filter(|n| n.episode.is_some() && n.start >= best.end)
            .min_by_key(|n| n.start)
        {
            best.episode = later.episode;
            best.episode_end = later.episode_end;
            best.season = best.season.or(later.season);
            best.list = later.list.clone();
            best.marker = Marker::Strong;
        }
    } else if best.marker == Marker::EpisodeWord && best.season.is_none() {
        // `Show.E02.S2010`: a season right after the episode.
        if let Some(later) = found.iter().find(|n| {
            n.marker == Marker::SeasonOnly
                && n.start >= best.end
                && s[best.end..n.start].len() <= 2
                && s[n.start..].starts_with(['s', 'S'])
                && s[n.start + 1..].starts_with(|c: char| c.is_ascii_digit())
        }) {
            best.season = later.season;
            best.year = later.season.filter(|&y| is_year(y));
            best.end = later.end;
            best.marker = Marker::Strong;
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
        let t = out.trim_matches(|c: char| {
            matches!(
                c,
                '-' | ' ' | '[' | ']' | '(' | ')' | '.' | ',' | '{' | '}' | '+' | '~' | ':'
            )
        });
        if t.len() == out.len() {
            break;
        }
        out = t.to_string();
    }
    out
}

/// Start of the first release-group word (resolution, codec, source…), if any. A language
/// word counts only when release words follow it (`Title.FRENCH.DVDRip`), not a year or more
/// title (`Immersion.French.2011`).
fn noise_start(re: &Re, s: &str) -> Option<usize> {
    let strong = re.noise.find(s).map(|m| {
        // The match includes the leading separator.
        if m.start() == 0 && !s[..m.end()].starts_with(|c: char| c.is_alphanumeric()) {
            0
        } else {
            m.start()
        }
    });
    let limit = strong.unwrap_or(s.len());
    let mut chain_start: Option<usize> = None;
    let mut pos = 0;
    while let Some(m) = re.lang.find_at(s, pos) {
        let cs = content_start(s, m);
        if cs >= limit {
            break;
        }
        pos = m.end().saturating_sub(1).max(cs + 1);
        if cs == 0 {
            // A name never starts with its language (`French.Immersion`).
            continue;
        }
        let start = chain_start.unwrap_or(m.start());
        if strong.is_some_and(|st| st <= m.end()) {
            return Some(start);
        }
        // `Title.FRENCH.2011.STV`: a year right after the language, unless the same word
        // comes back among the release words (`Immersion.French.2011…QC.FRENCH`).
        let word = s[cs..m.end()].trim_end_matches(|c: char| !c.is_alphanumeric());
        let rest = &s[m.end()..];
        if years(rest).next().is_some_and(|(p, _)| p == 0)
            && !rest
                .to_ascii_lowercase()
                .contains(&word.to_ascii_lowercase())
        {
            return Some(start);
        }
        // Languages in a row (`FRENCH.ENGLISH.NTSC`) stand or fall together.
        chain_start = re
            .lang
            .find_at(s, m.end().saturating_sub(1))
            .filter(|n| n.start() + 1 >= m.end() && n.start() <= m.end())
            .map(|_| start);
    }
    strong
}

/// A year that ends the title (`Title 2009 1080p`, `Title (2009)`): the last one before the
/// release words, never the first word (`2012 2009`, `1917`).
fn find_year(s: &str, limit: usize) -> Option<(usize, i32)> {
    let hay = &s[..limit.min(s.len())];
    // A year in parentheses is the release year: the first such wins.
    for (pos, y) in years(hay) {
        if pos > 0 && hay[..pos].ends_with('(') && hay[pos + 4..].starts_with(')') {
            return Some((pos, y));
        }
    }
    years(hay)
        .filter(|&(pos, _)| {
            !s[..pos]
                .trim_matches(|c: char| !c.is_alphanumeric())
                .is_empty()
        })
        .last()
}

struct NamePart {
    title: String,
    year: Option<i32>,
}

/// Words that end a title only when nothing but release words follows them: `Alien DC (1979)`
/// but `A Very Harold & Kumar 3D Christmas`.
/// Matched only when written in capitals (`This.is.Us` keeps its last word).
const WEAK_TAIL: &[&str] = &[
    "dc", "se", "3d", "hdc", "xxx", "us", "uk", "gb", "custom", "ultrahd",
];

/// Language tags that can lead a name (`Fr - Title`).
const LANG_PREFIX: &[&str] = &[
    "fr", "en", "es", "de", "it", "vo", "vf", "vost", "eng", "fre",
];

/// Title and year of a name with no episode marker before `limit`.
fn title_part(re: &Re, s: &str, limit: usize) -> NamePart {
    let limit = limit.min(s.len());
    // Release words in front (`h265 - HEVC Riddick…`, `HD 720p: Show…`) are skipped.
    let mut from = 0;
    while let Some(m) = re.lead_noise.find(&s[from..limit]) {
        if m.end() == 0 || from + m.end() >= limit {
            break;
        }
        from += m.end();
    }
    let body = &s[from..limit];
    let noise = noise_start(re, body).unwrap_or(body.len());
    let mut end = noise;
    let mut y = None;
    if let Some((pos, yr)) = find_year(body, noise) {
        end = pos;
        y = Some(yr);
    } else if let Some((_, yr)) = years(&body[noise..]).next() {
        // `Title.DVDRip.2009`: a year among the release words still dates it.
        y = Some(yr);
    }
    // `Title [Director 1987] [Xvid]`: a bracket after the title starts the release words.
    if let Some(open) = body[..end].find('[') {
        if body[..open].chars().any(char::is_alphanumeric) {
            end = open;
        }
    }
    let mut title = clean_title(&body[..end]);
    if title.is_empty() && limit == s.len() {
        // Nothing but release words or a year (`stv`, `2012`): the name is the title.
        title = clean_title(s);
    }
    if y.is_none() && title.len() == 4 {
        y = num(&title).filter(|&n| is_year(n));
    }
    // `Show Name - Other Name`, `Title - Subtitle`: the first part names it; not `300 - 2`.
    for sep in [" - ", ".-.", "--"] {
        if let Some((first, rest)) = title.split_once(sep) {
            let rest_is_number = rest.trim().bytes().all(|b| b.is_ascii_digit());
            if LANG_PREFIX.iter().any(|l| first.eq_ignore_ascii_case(l)) {
                title = clean_title(rest);
                if let Some((first, _)) = title.split_once(" - ") {
                    title = clean_title(first);
                }
            } else if first.chars().any(char::is_alphanumeric) && first.len() > 2 && !rest_is_number
            {
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
    // Trailing tags that only mean something at the end (`Aliens SE`, `The Voice UK`), and a
    // number range right before an episode marker (`Show 313-315 s16e03`).
    while let Some((head, last)) = title.rsplit_once(' ') {
        let range = limit < s.len()
            && last.split_once('-').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            });
        let ep_word = limit < s.len()
            && (last.eq_ignore_ascii_case("ep") || last.eq_ignore_ascii_case("episode"));
        if range || ep_word {
            title = head.to_string();
            continue;
        }
        // `Dragon-HDC`: a tag may hang on the last word by a dash.
        let (head, last) = match last.rsplit_once('-') {
            Some((_, tag)) => (&title[..title.len() - tag.len() - 1], tag),
            None => (head, last),
        };
        let capitals = !last.bytes().any(|b| b.is_ascii_lowercase()) || last == "3d";
        if !(capitals && WEAK_TAIL.iter().any(|w| last.eq_ignore_ascii_case(w))) {
            break;
        }
        title = head.trim_end().to_string();
    }
    NamePart { title, year: y }
}

fn strip_leading_groups<'a>(re: &Re, mut s: &'a str) -> &'a str {
    while let Some(m) = re.leading_group.find(s) {
        if m.end() >= s.len() {
            break;
        }
        // `[Group][Title][04]`: a bracketed number is the episode, not a group.
        let inner = s[..m.end()].trim_end_matches([' ', '.', '_', '-']);
        let inner = inner.get(1..inner.len().saturating_sub(1)).unwrap_or("");
        if !inner.is_empty() && inner.len() <= 4 && inner.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
        s = &s[m.end()..];
    }
    s
}

/// `blow-how.to.be.single.2016.1080p.bluray.x264`: an all-lower-case scene name whose group
/// leads instead of trailing.
fn strip_group_prefix(s: &str) -> &str {
    let lower = !s.bytes().any(|b| b.is_ascii_uppercase() || b == b' ');
    let first = s.split('.').next().unwrap_or("");
    let last = s.rsplit('.').next().unwrap_or("");
    if lower && s.contains('.') && !last.contains('-') {
        if let Some((group, _)) = first.split_once('-') {
            if !group.is_empty() && group.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return &s[group.len() + 1..];
            }
        }
    }
    s
}

/// Where an episode title ends before release words the noise list does not know: a bracket
/// (`Title (unedited)`, `Title [site]`), or a language tag in capitals or before another tag
/// (`Title ENG - sub`, `Title German DOKU`).
fn episode_title_end(re: &Re, s: &str) -> usize {
    let mut end = s.len();
    if let Some(open) = s.find(['(', '[']) {
        if s[..open].chars().any(char::is_alphanumeric) {
            end = open;
        }
    }
    let mut pos = 0;
    while let Some(m) = re.lang.find_at(s, pos) {
        let cs = content_start(s, m);
        if cs >= end {
            break;
        }
        pos = m.end().max(cs + 1);
        if cs == 0 {
            continue;
        }
        let word = s[cs..m.end()].trim_end_matches(|c: char| !c.is_alphanumeric());
        let capitals = |w: &str| w.len() >= 2 && !w.bytes().any(|b| b.is_ascii_lowercase());
        let next = s[m.end()..]
            .split(|c: char| !c.is_alphanumeric())
            .find(|w| !w.is_empty())
            .unwrap_or("");
        if capitals(word) || capitals(next) || next.is_empty() {
            return m.start();
        }
    }
    end
}

/// Placeholder file names that say nothing about the title: the folder does.
const PLACEHOLDER_STEMS: &[&str] = &["file", "video", "movie", "film", "main", "feature"];

/// Same words once accents, case and punctuation are set aside.
fn same_name(a: &str, b: &str) -> bool {
    let fold = |s: &str| super::normalize(&super::sort_key::fold_accents(s));
    let a = fold(a);
    !a.is_empty() && a == fold(b)
}

/// A folder named like a title (`Show Name (2005)`), not a release (`Show.S01.720p-GRP`), a
/// season or a generic library folder: it names the series of every file below it.
pub(super) fn is_plain_folder(f: &str) -> bool {
    let re = &*RE;
    !is_generic_folder(f)
        && season_of_folder_name(f).is_none()
        && noise_start(re, f).is_none()
        && find_numbers(re, f, Ctx::default()).is_none()
}

fn is_generic_folder(f: &str) -> bool {
    let lower = f.to_lowercase();
    GENERIC_FOLDERS.contains(&lower.as_str())
}

/// Jellyfin's 3D rules in its order: Kodi's `3d.<layout>` first, then a layout word alone.
const FORMAT_3D: &[(Option<&str>, &str)] = &[
    (Some("3d"), "hsbs"),
    (Some("3d"), "sbs"),
    (Some("3d"), "htab"),
    (Some("3d"), "tab"),
    (None, "fsbs"),
    (None, "hsbs"),
    (None, "sbs"),
    (None, "ftab"),
    (None, "htab"),
    (None, "tab"),
    (None, "sbs3d"),
    (None, "mvc"),
];

/// The 3D layout a file name declares, if any.
fn format_3d(file: &str) -> Option<&'static str> {
    let words = || {
        file.split([' ', '(', ')', '-', '.', '_', '[', ']'])
            .filter(|w| !w.is_empty())
    };
    // Cheap exit: no word of the name is a layout.
    if !words().any(|w| FORMAT_3D.iter().any(|(_, t)| w.eq_ignore_ascii_case(t))) {
        return None;
    }
    FORMAT_3D.iter().find_map(|&(before, token)| {
        let mut seen_before = before.is_none();
        for w in words() {
            if !seen_before {
                seen_before = before.is_some_and(|b| w.eq_ignore_ascii_case(b));
            } else if w.eq_ignore_ascii_case(token) {
                return Some(token);
            }
        }
        None
    })
}

/// `movie.bluray.disc` → (true, Some("bluray")); Jellyfin's stub types.
fn stub(file: &str) -> (bool, Option<&'static str>) {
    let Some((rest, ext)) = file.rsplit_once('.') else {
        return (false, None);
    };
    if !ext.eq_ignore_ascii_case("disc") {
        return (false, None);
    }
    let token = rest
        .rsplit_once('.')
        .map_or("", |(_, t)| t)
        .to_ascii_lowercase();
    let kind = match token.as_str() {
        "dvd" => Some("dvd"),
        "hddvd" => Some("hddvd"),
        "bluray" | "brrip" | "bd25" | "bd50" => Some("bluray"),
        "vhs" => Some("vhs"),
        "hdtv" | "pdtv" | "dsr" => Some("tv"),
        _ => None,
    };
    (true, kind)
}

/// What the library says before the name does.
#[derive(Debug, Clone, Copy, Default)]
struct Hint {
    /// A TV library: bare numbers are episodes.
    tv: bool,
    /// A movie library: bare numbers belong to titles (`Apollo 13`), never episodes.
    movies: bool,
}

/// Guesses everything a path's name says. `tv_hint` is true in a TV library (the CLI's
/// `--tv`); [`guess_with`] takes the library's kind as a prior.
pub fn guess(path: &str, tv_hint: bool) -> NameGuess {
    guess_hinted(
        path,
        Hint {
            tv: tv_hint,
            movies: false,
        },
    )
}

/// Guesses with the library's kind as a prior: a Movies library makes movies, a TV library
/// episodes, a Home library home videos, and a Mixed library lets the name decide (an
/// episode marker makes an episode; a movie needs decent evidence, a year, an id or a release
/// name, else it is a home video). Extras stay extras. Where the name says otherwise than the
/// library, the confidence drops below 0.5 so that the item is reviewed.
pub fn guess_with(path: &str, library: LibraryKind) -> NameGuess {
    let hint = Hint {
        tv: library == LibraryKind::Tv,
        movies: library == LibraryKind::Movies,
    };
    let mut g = guess_hinted(path, hint);
    if g.kind == "extra" {
        return g;
    }
    match library {
        LibraryKind::Movies if g.kind != "movie" => {
            g.kind = "movie";
            g.season = None;
            g.episode = None;
            g.episode_end = None;
            g.confidence = g.confidence.min(0.4);
        }
        LibraryKind::Tv if g.kind != "episode" => {
            g.kind = "episode";
            g.confidence = g.confidence.min(0.45);
        }
        LibraryKind::Home => {
            // Home videos are named freely; only a strong movie or episode name disagrees.
            g.confidence = if g.kind == "home_video" || g.confidence < 0.9 {
                0.8
            } else {
                0.5
            };
            g.kind = "home_video";
        }
        LibraryKind::Mixed if g.kind == "movie" && g.confidence < 0.6 => {
            g.kind = "home_video";
            g.confidence = 0.5;
        }
        _ => {}
    }
    g
}

fn guess_hinted(path: &str, hint: Hint) -> NameGuess {
    let mut g = guess_name(path, hint);
    // Markers of the file itself, whichever name (file or release folder) gave the rest.
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    g.format_3d = format_3d(file);
    g.is_3d = g.format_3d.is_some();
    (g.is_stub, g.stub_type) = stub(file);
    g
}

fn guess_name(path: &str, hint: Hint) -> NameGuess {
    let tv_hint = hint.tv;
    let re = &*RE;
    let parts = split_path(path);
    let Some((&file, folders)) = parts.split_last() else {
        return NameGuess {
            kind: "movie",
            ..NameGuess::default()
        };
    };
    let mut g = NameGuess::default();
    // Provider ids in matching brackets (`[tmdbid=603]`, `{imdb-tt0133093}`, `(tvdbid=1)`);
    // the deepest name that carries one wins.
    for part in parts.iter().rev() {
        for c in re.provider.captures_iter(part) {
            let (Some(open), Some(k), Some(v), Some(close)) =
                (c.get(1), c.get(2), c.get(3), c.get(4))
            else {
                continue;
            };
            let paired = matches!(
                (open.as_str(), close.as_str()),
                ("[", "]") | ("{", "}") | ("(", ")")
            );
            if !paired {
                continue;
            }
            let slot = match k.as_str().to_ascii_lowercase().as_str() {
                "tmdb" => &mut g.tmdb_id,
                "imdb" => &mut g.imdb_id,
                "tvdb" => &mut g.tvdb_id,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.as_str().to_string());
            }
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
    // Subtitles and other side files are named loosely; a video's own name is authoritative.
    let is_video = file.rsplit_once('.').is_some_and(|(_, ext)| {
        !["srt", "sub", "idx", "ass", "ssa", "nfo", "txt"]
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    });
    // A folder given as the path (`Show/Season 2`, `Show/Specials`): the season it names.
    if stem_raw.len() == file.len() {
        if let Some(season) = season_of_folder_name(file) {
            g.kind = "episode";
            g.season = Some(season);
            g.title = folders
                .iter()
                .rev()
                .find(|f| !is_generic_folder(f))
                .map(|f| title_part(re, f, f.len()).title);
            g.confidence = if g.title.as_deref().is_some_and(is_named) {
                0.7
            } else {
                0.6
            };
            return g;
        }
    }
    let stem_owned = re.provider.replace_all(stem_raw, " ");
    // `From [ WWW.SITE.COM ] - Title…`: what precedes a site's name is advertising.
    let stem_owned = match re.site_prefix.find(&stem_owned) {
        Some(m) if m.end() < stem_owned.len() => {
            std::borrow::Cow::Owned(stem_owned[m.end()..].to_string())
        }
        _ => stem_owned,
    };
    let stem_grouped = strip_leading_groups(re, &stem_owned);
    let anime = stem_grouped.len() != stem_owned.len() && stem_owned.trim_start().starts_with('[');
    // A scene group in front (`grp-the.title.2016…`), unless the folder shows the hyphen belongs
    // to the title (`Spider-Man (2002)/spider-man.2002…`).
    let folder_has_name = folders.last().is_some_and(|f| {
        let name = super::normalize(&super::title_and_year(f).0);
        !name.is_empty() && super::normalize(stem_grouped).starts_with(&name)
    });
    let stem = if folder_has_name {
        stem_grouped
    } else {
        strip_group_prefix(stem_grouped)
    };
    // Camera and phone names (`IMG_1234`, `VID_20240101_120000`): no title, no episode.
    if re.camera.is_match(stem) {
        g.kind = "home_video";
        g.title = Some(stem.to_string());
        g.confidence = 0.3;
        return g;
    }

    // Folder context: a season folder and the series folder above it.
    let season_folder = folders
        .last()
        .and_then(|f| season_of_folder_name(f))
        .map(|s| (folders.len() - 1, s));

    // Extras.
    let folder_strs: Vec<String> = folders.iter().map(|s| s.to_string()).collect();
    // A suffix (`Movie-trailer`) marks an extra only on a clean name: `Show.S03.x264-SCENE`
    // ends in a release group.
    let head = stem.rfind(['-', '.', '_', ' ']).map_or("", |i| &stem[..i]);
    let by_folder = extra_type_of(&folder_strs, "");
    let audio = file.rsplit_once('.').is_some_and(|(_, ext)| {
        ["mp3", "flac", "m4a", "ogg", "wav", "aac", "opus", "wma"]
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    });
    let extra = by_folder.or_else(|| {
        if noise_start(re, head).is_some() {
            None
        } else {
            // A theme song is audio; every other extra named so is a video.
            extra_type_of(&[], stem).filter(|&t| (t == "ThemeSong") == audio)
        }
    });
    if let Some(t) = extra {
        g.kind = "extra";
        g.extra_type = Some(t);
        if by_folder.is_some() || head.is_empty() {
            g.title = Some(clean_title(stem));
        } else {
            // `Movie (2010)-trailer`: the title and year of what it belongs to.
            let np = title_part(re, head, head.len());
            g.title = Some(np.title);
            g.year = np.year;
        }
        g.confidence = if by_folder.is_some() { 0.9 } else { 0.8 };
        return g;
    }

    // Placeholder names (`file.mkv`) inside a named folder: the folder speaks for the file.
    if PLACEHOLDER_STEMS
        .iter()
        .any(|p| stem.eq_ignore_ascii_case(p))
        && folders.last().is_some_and(|f| !is_generic_folder(f))
    {
        let mut g2 = guess_name(&folders.join("/"), hint);
        g2.tmdb_id = g2.tmdb_id.or(g.tmdb_id);
        g2.imdb_id = g2.imdb_id.or(g.imdb_id);
        g2.tvdb_id = g2.tvdb_id.or(g.tvdb_id);
        // Named by its folder: decent evidence.
        g2.confidence = g2.confidence.max(0.65);
        return g2;
    }

    // `Film Title-f01-Series Title`: the film's own title follows the marker;
    // `Title-x01-Bonus Title`: a bonus, named after what it belongs to.
    let mut name = stem;
    let mut film = false;
    if let Some(m) = re.film.find(name) {
        film = true;
        name = &name[m.end()..];
    }
    let mut bonus_rest = None;
    if let Some(m) = re.bonus.find(name) {
        let before = &name[..m.start()];
        if find_numbers(re, before, Ctx::default()).is_none() {
            bonus_rest = Some(&name[m.end()..]);
            name = before;
        }
    }
    let stem = name;

    let in_series_folder = folders.last().is_some_and(|f| {
        let (name, _) = super::title_and_year(f);
        let name = super::normalize(&name);
        !name.is_empty() && super::normalize(stem).starts_with(&name)
    });
    let ctx = Ctx {
        tv: tv_hint || season_folder.is_some(),
        movies: hint.movies,
        anime,
        absolute: season_folder.is_some() || in_series_folder,
        season: season_folder.map(|(_, s)| s),
        in_folder: folders.last().is_some_and(|f| !is_generic_folder(f)),
    };
    let numbers = find_numbers(re, stem, ctx);
    // A release folder that names the episode (`Show.S01E02.720p-GRP/abc123.mkv`,
    // `Show.S02E06.Title/Title - Show S2 (Ep 6).srt`) speaks for the file inside it when the
    // file's own name says less or the same.
    if season_folder.is_none() {
        if let Some(parent) = folders.last() {
            let pn = find_numbers(re, parent, Ctx::default());
            let use_parent = match (&numbers, &pn) {
                (None, Some(p)) => p.episode.is_some() || p.season.is_some() || p.date.is_some(),
                (Some(n), Some(p)) => {
                    p.marker == Marker::Strong
                        && p.episode.is_some()
                        && (n.marker == Marker::Bare
                            || (!is_video && (n.season, n.episode) == (p.season, p.episode)))
                }
                _ => false,
            };
            if use_parent {
                let mut g2 = guess_name(&folders.join("/"), hint);
                g2.tmdb_id = g2.tmdb_id.or(g.tmdb_id);
                g2.imdb_id = g2.imdb_id.or(g.imdb_id);
                g2.tvdb_id = g2.tvdb_id.or(g.tvdb_id);
                return g2;
            }
        }
    }
    let mut title_from_name = None;
    let mut year;
    let mut special = false;
    match &numbers {
        Some(n) => {
            let np = title_part(re, stem, n.start);
            if !np.title.is_empty() {
                title_from_name = Some(np.title);
            }
            year = np.year.or(n.year);
            g.season = n.season;
            g.episode = n.episode;
            g.episode_end = n.episode_end;
            g.date = n.date.clone();
            special = n.marker == Marker::Special;
            if n.marker == Marker::SeasonOnly && n.episode.is_none() {
                g.season_list = n.list.clone();
            } else {
                g.episode_list = n.list.clone();
            }
            // `Show.1991.E01`: a year right before a season-less episode numbers the season.
            if n.marker == Marker::EpisodeWord && g.season.is_none() {
                let before = stem[..n.start].trim_end_matches(['.', '_', ' ', '-']);
                if let Some((pos, y)) = years(before).last() {
                    if pos + 4 == before.len() && pos > 0 {
                        g.season = Some(y);
                    }
                }
            }
            let after = &stem[n.end.min(stem.len())..];
            let after = after.trim_start_matches(|c: char| !c.is_alphanumeric());
            let limit = noise_start(re, after).unwrap_or(after.len());
            let limit = years(&after[..limit])
                .next()
                .map(|(pos, _)| pos)
                .unwrap_or(limit);
            if year.is_none() {
                if let Some((0, y)) = years(after).next() {
                    year = Some(y);
                }
            }
            let limit = episode_title_end(re, &after[..limit]);
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
    if year.is_none() {
        if let Some(rest) = bonus_rest {
            year = years(rest).next().map(|(_, y)| y);
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
    let is_episode = g.season.is_some() || g.episode.is_some() || g.date.is_some() || special;
    if g.season.is_none() && g.episode.is_some() {
        g.season = season_folder.map(|(_, s)| s);
    }
    // `Show S02/E01.mkv`, `Unsafe Season 02/Show-E01.mkv`: the folder's season.
    let mut folder_marker = None;
    if g.season.is_none() && g.episode.is_some() && season_folder.is_none() {
        if let Some(parent) = folders.last() {
            if let Some(pn) = find_numbers(re, parent, Ctx::default()) {
                if pn.marker == Marker::SeasonOnly {
                    g.season = pn.season;
                    folder_marker = Some((folders.len() - 1, pn.start, pn.end));
                }
            }
        }
    }

    // The title: from the name, else from the nearest meaningful folder.
    let series_folder_idx = match season_folder {
        Some((i, _)) => i.checked_sub(1),
        None => folders.len().checked_sub(1),
    };
    let folder_title = series_folder_idx.and_then(|mut i| loop {
        let f = folders[i];
        if !is_generic_folder(f) && season_of_folder_name(f).is_none() {
            let f = strip_leading_groups(re, f);
            let marker = match folder_marker {
                Some((fi, a, b)) if fi == i => Some((a, b)),
                _ => find_numbers(re, f, Ctx::default()).map(|n| (n.start, n.end)),
            };
            let mut np = title_part(re, f, marker.map_or(f.len(), |(a, _)| a));
            if np.title.is_empty() {
                // `S02 Some Series`: the name after a leading season marker.
                if let Some((_, b)) = marker {
                    np = title_part(re, &f[b..], f.len() - b);
                }
            }
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
    let title_in_name = title_from_name.is_some();
    let folder_year = folder_title.as_ref().and_then(|f| f.year);
    match title_from_name {
        Some(t) => {
            // `La Science des Rêves (2006)/La.Science.Des.Reves.FRENCH…`: the folder writes
            // the same title better (accents, case).
            let t = match &folder_title {
                Some(ft) if ft.year.is_some() && same_name(&t, &ft.title) => ft.title.clone(),
                _ => t,
            };
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
    let bonus_episode = bonus_rest.is_some() && !film && g.year.is_none();
    let title = g.title.as_deref().unwrap_or("");
    let named = is_named(title)
        || g.year
            .is_some_and(|y| !title.is_empty() && title != y.to_string());
    let mut confidence: f32 = if is_episode || bonus_episode || (tv_hint && g.season.is_some()) {
        g.kind = "episode";
        let context = season_folder.is_some() || tv_hint || in_series_folder;
        match numbers.as_ref().map(|n| n.marker) {
            Some(Marker::Strong) if named => 0.95,
            Some(Marker::Strong) => 0.5,
            Some(Marker::Date) if named => 0.85,
            Some(Marker::EpisodeWord | Marker::SeasonOnly | Marker::Special) if named => 0.8,
            Some(Marker::Bare) if named && context => 0.75,
            Some(Marker::Bare) if named => 0.6,
            Some(_) => 0.4,
            None if named && season_folder.is_some() => 0.65,
            None => 0.45,
        }
    } else {
        g.kind = "movie";
        if !named {
            0.3
        } else if g.year.is_some() {
            0.9
        } else if noise_start(re, stem).is_some() {
            0.7
        } else if !title_in_name {
            0.65
        } else {
            0.45
        }
    };
    // The name's year against its folder's: one of them is wrong.
    if let (Some(y), Some(fy)) = (g.year, folder_year) {
        if y != fy && g.kind == "movie" {
            confidence -= 0.15;
        }
    }
    if g.tmdb_id.is_some() || g.imdb_id.is_some() || g.tvdb_id.is_some() {
        confidence = confidence.max(0.95);
    }
    g.confidence = confidence.clamp(0.0, 1.0);
    g
}

/// A title made of words, not a lone number or a stray letter.
fn is_named(title: &str) -> bool {
    title.chars().filter(|c| c.is_alphabetic()).take(2).count() >= 2
}
