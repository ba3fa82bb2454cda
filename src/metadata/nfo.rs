//! Reader for Kodi-style NFO files (Kodi's own export, Jellyfin's writer, Sonarr/Radarr,
//! tinyMediaManager, URL-only "parsing" NFOs) into [`Metadata`], plus Kinora's own marker.
//!
//! Pure: text in, values out. The caller finds and reads the file ([`nfo_read_candidates`]).
//! Readers in the wild are lenient (Kodi, Jellyfin), and so is this one: element names are
//! matched case-insensitively, several root elements are accepted (multi-episode files), text
//! after the root is tolerated, and a file that is not XML at all may still carry TMDB or IMDb
//! URLs. What it cannot read is an error, never a panic.

use std::path::{Path, PathBuf};

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use sha2::{Digest, Sha256};

use crate::domain::metadata::{
    CollectionRef, ImageKind, ImageRef, Metadata, Person, PersonKind, ProviderIds,
};

/// The start of the comment Kinora puts in every NFO it writes; the hex SHA-256 of the rest of
/// the document follows, so an edit by hand is told apart from Kinora's own output.
pub const MARKER_PREFIX: &str = "<!-- Written by Kinora; sha256=";
const MARKER_SUFFIX: &str = " -->";

/// Deeper nesting than this is not an NFO; the limit keeps hostile input cheap.
const MAX_DEPTH: usize = 32;

/// What an NFO describes (its root element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfoKind {
    /// `<movie>`
    Movie,
    /// `<tvshow>`
    TvShow,
    /// `<season>` (Jellyfin's season.nfo; Kodi has none)
    Season,
    /// `<episodedetails>`, possibly repeated for a multi-episode file
    Episode,
}

impl NfoKind {
    pub fn root_element(self) -> &'static str {
        match self {
            NfoKind::Movie => "movie",
            NfoKind::TvShow => "tvshow",
            NfoKind::Season => "season",
            NfoKind::Episode => "episodedetails",
        }
    }

    fn from_root(name: &str) -> Option<Self> {
        Some(match name {
            "movie" => NfoKind::Movie,
            "tvshow" => NfoKind::TvShow,
            "season" => NfoKind::Season,
            "episodedetails" => NfoKind::Episode,
            _ => return None,
        })
    }
}

/// Whether an NFO carries Kinora's marker, and whether it still matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerState {
    /// No marker: someone else wrote it (a user, Kodi, Sonarr…).
    Absent,
    /// Kinora wrote it and nobody changed it since: not a user's word.
    Unedited,
    /// Kinora wrote it, then someone edited it: a user's word now.
    Edited,
}

/// One NFO file as read.
#[derive(Debug, Clone, PartialEq)]
pub struct NfoDocument {
    pub kind: NfoKind,
    pub metadata: Metadata,
    /// `fileinfo/streamdetails`, when present.
    pub streams: Option<StreamDetails>,
    pub marker: MarkerState,
    /// A "parsing" NFO: no XML, only provider URLs (so only ids are known).
    pub url_only: bool,
    /// How many root blocks were merged (more than one for a multi-episode file).
    pub blocks: usize,
    /// Ids that fit no tracked provider: an untyped `<uniqueid>`, an unknown type (`sonarr`),
    /// an episode's bare numeric `<id>`. Kept, not guessed.
    pub untyped_ids: Vec<String>,
}

impl NfoDocument {
    /// Whether the file speaks for a person (DESIGN.md, "Metadata priority"): anything but
    /// Kinora's own unedited output.
    pub fn is_users_word(&self) -> bool {
        self.marker != MarkerState::Unedited
    }
}

/// `fileinfo/streamdetails` as written by Kodi, Jellyfin or Kinora.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamDetails {
    pub video: Option<VideoDetails>,
    pub audio: Vec<AudioDetails>,
    pub subtitle_languages: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoDetails {
    pub codec: Option<String>,
    pub aspect: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub duration_seconds: Option<i64>,
    /// Kodi's `stereomode` (`left_right`, `top_bottom`).
    pub stereo_mode: Option<String>,
    /// Jellyfin's `format3d` (`HSBS`, `FSBS`, `HTAB`, `FTAB`, `MVC`).
    pub format_3d: Option<String>,
    pub hdr_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AudioDetails {
    pub codec: Option<String>,
    pub language: Option<String>,
    pub channels: Option<i32>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NfoError {
    #[error("empty NFO")]
    Empty,
    #[error("not an NFO: malformed XML ({0}) and no provider URL")]
    Malformed(String),
    #[error("unsupported NFO root element <{0}>")]
    UnknownRoot(String),
    #[error("not an NFO: neither XML nor a provider URL")]
    NotNfo,
}

/// Parses one NFO file's text.
pub fn parse_nfo(text: &str) -> Result<NfoDocument, NfoError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(NfoError::Empty);
    }
    let marker = marker_state(text);
    let tree = parse_tree(text);
    let Some(kind) = tree.roots.iter().find_map(|r| NfoKind::from_root(&r.name)) else {
        // No known root: a URL-only NFO, or not an NFO at all.
        if let Some((kind, ids)) = ids_from_urls(text) {
            return Ok(NfoDocument {
                kind,
                metadata: Metadata {
                    ids,
                    ..Metadata::default()
                },
                streams: None,
                marker,
                url_only: true,
                blocks: 0,
                untyped_ids: Vec::new(),
            });
        }
        return Err(match (tree.error, tree.roots.first()) {
            (_, Some(root)) => NfoError::UnknownRoot(root.name.clone()),
            (Some(e), None) => NfoError::Malformed(e),
            (None, None) => NfoError::NotNfo,
        });
    };
    let blocks: Vec<&Element> = tree
        .roots
        .iter()
        .filter(|r| r.name == kind.root_element())
        .collect();
    let mut read: Vec<Block> = blocks.iter().map(|b| read_block(b, kind)).collect();
    let mut first = read.remove(0);
    if kind == NfoKind::Episode && !read.is_empty() {
        merge_episodes(&mut first.metadata, &read);
    }
    // A combination NFO: XML followed by a scraper URL. The URL only fills ids the XML lacks.
    if let Some((_, ids)) = ids_from_urls(&tree.trailing_text) {
        let own = &mut first.metadata.ids;
        own.tmdb = own.tmdb.take().or(ids.tmdb);
        own.imdb = own.imdb.take().or(ids.imdb);
        own.tvdb = own.tvdb.take().or(ids.tvdb);
    }
    Ok(NfoDocument {
        kind,
        metadata: first.metadata,
        streams: first.streams,
        marker,
        url_only: false,
        blocks: blocks.len(),
        untyped_ids: first.untyped_ids,
    })
}

/// Where Kinora writes the NFO of `media_path`: `<name>.nfo` beside a movie or episode file;
/// for a series or season, `media_path` is its folder and the file is `tvshow.nfo` /
/// `season.nfo` inside it.
pub fn nfo_path_for(kind: NfoKind, media_path: &Path) -> PathBuf {
    match kind {
        NfoKind::Movie | NfoKind::Episode => media_path.with_extension("nfo"),
        NfoKind::TvShow => media_path.join("tvshow.nfo"),
        NfoKind::Season => media_path.join("season.nfo"),
    }
}

/// The files to look for, best first. A movie's own `<name>.nfo` comes before `movie.nfo` in
/// its folder: the former is unambiguous even when several movies share a folder.
pub fn nfo_read_candidates(kind: NfoKind, media_path: &Path) -> Vec<PathBuf> {
    let own = nfo_path_for(kind, media_path);
    match (kind, media_path.parent()) {
        (NfoKind::Movie, Some(folder)) => vec![own, folder.join("movie.nfo")],
        _ => vec![own],
    }
}

/// Whether `text` carries Kinora's marker and still hashes to it.
pub fn marker_state(text: &str) -> MarkerState {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(start) = text.find(MARKER_PREFIX) else {
        return MarkerState::Absent;
    };
    let after = start + MARKER_PREFIX.len();
    let Some(len) = text[after..].find(MARKER_SUFFIX) else {
        return MarkerState::Edited;
    };
    let hash = &text[after..after + len];
    let mut end = after + len + MARKER_SUFFIX.len();
    if text[end..].starts_with('\n') {
        end += 1;
    }
    let rest = format!("{}{}", &text[..start], &text[end..]);
    if hash.eq_ignore_ascii_case(&sha256_hex(&rest)) {
        MarkerState::Unedited
    } else {
        MarkerState::Edited
    }
}

/// Adds Kinora's marker to a finished document: a comment line after the XML declaration
/// carrying the SHA-256 of the document without that line.
pub fn sign_document(document: &str) -> String {
    let marker = format!("{MARKER_PREFIX}{}{MARKER_SUFFIX}\n", sha256_hex(document));
    let split = if document.starts_with("<?xml") {
        document.find('\n').map_or(document.len(), |i| i + 1)
    } else {
        0
    };
    format!("{}{marker}{}", &document[..split], &document[split..])
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// A small element tree: NFOs are tiny, and a tree makes the many optional children simple.

#[derive(Debug, Default)]
struct Element {
    /// Local name, lower-cased: writers disagree on case (`tmdbId`, `imdbid`).
    name: String,
    /// Keys lower-cased.
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The element's own text, trimmed; `None` when blank.
    fn value(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The first non-blank text among children called `name`.
    fn text_of(&self, name: &str) -> Option<String> {
        self.all(name).find_map(Element::value).map(str::to_string)
    }
}

struct Tree {
    roots: Vec<Element>,
    /// Text outside any element (a combination NFO's URL).
    trailing_text: String,
    /// The XML error that stopped reading, if any; complete roots read before it are kept.
    error: Option<String>,
}

fn element_from(start: &BytesStart<'_>) -> Element {
    let name = start.local_name().into_inner().to_ascii_lowercase();
    let attrs = start
        .attributes()
        .flatten()
        .map(|a| {
            let key = a.key.local_name().into_inner().to_ascii_lowercase();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.clone().into_owned());
            (key, value)
        })
        .collect();
    Element {
        name,
        attrs,
        ..Element::default()
    }
}

fn parse_tree(text: &str) -> Tree {
    let mut reader = Reader::from_str(text);
    // "AT&T" in a plot is common in hand-written files; Kodi reads it.
    reader.config_mut().allow_dangling_amp = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut roots = Vec::new();
    let mut trailing_text = String::new();
    let mut error = None;

    fn close(el: Element, stack: &mut [Element], roots: &mut Vec<Element>) {
        match stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None => roots.push(el),
        }
    }
    fn push_text(s: &str, stack: &mut [Element], trailing: &mut String) {
        match stack.last_mut() {
            Some(top) => top.text.push_str(s),
            None => trailing.push_str(s),
        }
    }

    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if stack.len() >= MAX_DEPTH {
                    error = Some("elements nested too deeply".to_string());
                    break;
                }
                stack.push(element_from(&e));
            }
            Ok(Event::Empty(e)) => close(element_from(&e), &mut stack, &mut roots),
            Ok(Event::End(_)) => {
                if let Some(el) = stack.pop() {
                    close(el, &mut stack, &mut roots);
                }
            }
            Ok(Event::Text(t)) => push_text(&t.xml10_content(), &mut stack, &mut trailing_text),
            Ok(Event::CData(c)) => push_text(&c.xml10_content(), &mut stack, &mut trailing_text),
            Ok(Event::GeneralRef(r)) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    resolve_xml_entity(&r).map(str::to_string)
                };
                // An unknown entity (`&nbsp;` from an HTML-minded writer) stays as written.
                let s = resolved.unwrap_or_else(|| format!("&{};", &*r));
                push_text(&s, &mut stack, &mut trailing_text);
            }
            Ok(Event::Eof) => break,
            // Declarations, comments, processing instructions, DOCTYPE: nothing to read.
            Ok(_) => {}
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    if error.is_none() && !stack.is_empty() {
        error = Some("unexpected end of file inside an element".to_string());
    }
    Tree {
        roots,
        trailing_text,
        error,
    }
}

// ---------------------------------------------------------------------------------------------
// Reading one root block.

struct Block {
    metadata: Metadata,
    streams: Option<StreamDetails>,
    untyped_ids: Vec<String>,
}

fn read_block(root: &Element, kind: NfoKind) -> Block {
    let mut md = Metadata {
        title: root.text_of("title"),
        original_title: root.text_of("originaltitle"),
        sort_title: root.text_of("sorttitle"),
        overview: root.text_of("plot").or_else(|| root.text_of("outline")),
        tagline: root.text_of("tagline"),
        language: root.text_of("language"),
        certification: root
            .text_of("mpaa")
            .or_else(|| root.text_of("certification"))
            .map(|c| c.strip_prefix("Rated ").unwrap_or(&c).trim().to_string()),
        status: root.text_of("status").map(|s| capitalize(&s)),
        genres: multi_values(root, "genre"),
        studios: multi_values(root, "studio"),
        tags: multi_values(root, "tag"),
        ..Metadata::default()
    };
    match kind {
        NfoKind::Episode | NfoKind::Season => md.series_title = root.text_of("showtitle"),
        // A series names itself in `showtitle` too; only fall back to it.
        NfoKind::TvShow if md.title.is_none() => md.title = root.text_of("showtitle"),
        _ => {}
    }

    let premiered = root
        .text_of("premiered")
        .and_then(|d| date(&d))
        .or_else(|| root.text_of("releasedate").and_then(|d| date(&d)));
    let aired = root.text_of("aired").and_then(|d| date(&d));
    md.premiere_date = match kind {
        NfoKind::Episode => aired.or(premiered),
        _ => premiered.or(aired),
    };
    md.year = md
        .premiere_date
        .as_deref()
        .and_then(|d| d[..4].parse().ok())
        .or_else(|| root.text_of("year").and_then(|y| leading_int(&y)))
        .filter(|y| *y > 0);

    // TV shows carry season/episode *counts* in Kodi exports, not an index.
    match kind {
        NfoKind::Episode => {
            md.season_number = root.text_of("season").and_then(|s| index(&s));
            md.episode_number = root.text_of("episode").and_then(|s| index(&s));
            md.episode_number_end = root.text_of("episodenumberend").and_then(|s| index(&s));
        }
        NfoKind::Season => {
            md.season_number = root
                .text_of("seasonnumber")
                .or_else(|| root.text_of("season"))
                .and_then(|s| index(&s));
        }
        _ => {}
    }

    (md.rating, md.vote_count) = read_rating(root);
    let untyped_ids = read_ids(root, kind, &mut md);
    md.people = read_people(root);
    md.images = read_images(root, kind);
    md.trailers = root
        .all("trailer")
        .filter_map(Element::value)
        .filter_map(trailer_url)
        .collect();

    let streams = root
        .child("fileinfo")
        .and_then(|f| f.child("streamdetails"))
        .map(read_streams);
    md.runtime_minutes = root
        .text_of("runtime")
        .and_then(|r| leading_int(&r))
        .filter(|m| *m > 0);
    // Kodi's rule: the measured duration wins when it is plausible (over 60% of the runtime).
    if let Some(secs) = streams
        .as_ref()
        .and_then(|s| s.video.as_ref())
        .and_then(|v| v.duration_seconds)
        .filter(|s| *s > 0)
    {
        let plausible = md
            .runtime_minutes
            .is_none_or(|m| secs as f64 > 0.6 * f64::from(m) * 60.0);
        if plausible {
            md.runtime_minutes = i32::try_from((secs + 30) / 60).ok().filter(|m| *m > 0);
        }
    }
    Block {
        metadata: md,
        streams,
        untyped_ids,
    }
}

/// Jellyfin's reading of a multi-episode file: one item whose name and overview join the
/// blocks' with " / ", from the first block's episode to the last's.
fn merge_episodes(first: &mut Metadata, rest: &[Block]) {
    let join = |own: &Option<String>, pick: fn(&Metadata) -> &Option<String>| {
        let parts: Vec<&str> = std::iter::once(own)
            .chain(rest.iter().map(|b| pick(&b.metadata)))
            .filter_map(|v| v.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" / "))
    };
    first.title = join(&first.title, |m| &m.title);
    first.overview = join(&first.overview, |m| &m.overview);
    let last = rest
        .iter()
        .filter(|b| b.metadata.season_number == first.season_number)
        .filter_map(|b| b.metadata.episode_number.max(b.metadata.episode_number_end))
        .max();
    if let (Some(start), Some(last)) = (first.episode_number, last) {
        if last > start {
            first.episode_number_end = Some(last);
        }
    }
}

fn read_rating(root: &Element) -> (Option<f64>, Option<i64>) {
    struct Named<'a> {
        name: &'a str,
        default: bool,
        value: f64,
        votes: Option<i64>,
    }
    let named: Vec<Named> = root
        .all("ratings")
        .flat_map(|r| r.all("rating"))
        .filter_map(|r| {
            let raw: f64 = r.text_of("value")?.parse().ok()?;
            let max = r
                .attr("max")
                .and_then(|m| m.parse::<f64>().ok())
                .filter(|m| *m > 0.0)
                .unwrap_or(10.0);
            let value = if max == 10.0 { raw } else { raw * 10.0 / max };
            Some(Named {
                name: r.attr("name").unwrap_or(""),
                default: r
                    .attr("default")
                    .is_some_and(|d| d.eq_ignore_ascii_case("true")),
                value,
                votes: r.text_of("votes").and_then(|v| count(&v)),
            })
        })
        .filter(|n| n.value.is_finite() && (0.0..=10.0).contains(&n.value))
        .collect();
    // `Metadata::rating` is TMDB's community rating (what the TMDB provider fills and the
    // writer labels `themoviedb`), so a TMDB-named rating wins over Kodi's default choice;
    // without one, the default, else the first.
    let pick = named
        .iter()
        .find(|n| n.name.eq_ignore_ascii_case("themoviedb") || n.name.eq_ignore_ascii_case("tmdb"))
        .or_else(|| named.iter().find(|n| n.default))
        .or(named.first());
    if let Some(n) = pick {
        return (Some(n.value), n.votes);
    }
    // The legacy form: a bare <rating> and <votes>.
    let rating = root
        .text_of("rating")
        .and_then(|r| r.parse::<f64>().ok())
        .filter(|r| r.is_finite() && (0.0..=10.0).contains(r));
    let votes = root.text_of("votes").and_then(|v| count(&v));
    (rating, votes)
}

/// Fills `md.ids` (and the collection's id); returns the ids whose provider is unknown.
/// Typed `<uniqueid>` wins over the `<tmdbid>`-style tags, which win over the legacy `<id>`.
fn read_ids(root: &Element, kind: NfoKind, md: &mut Metadata) -> Vec<String> {
    let mut ids = ProviderIds::default();
    let mut collection_id = None;
    let mut untyped = Vec::new();
    fn put(slot: &mut Option<String>, value: Option<String>) {
        if slot.is_none() {
            *slot = value;
        }
    }
    for u in root.all("uniqueid") {
        let Some(value) = u.value() else { continue };
        match u.attr("type").map(str::to_ascii_lowercase).as_deref() {
            Some("tmdb" | "themoviedb") => put(&mut ids.tmdb, digits(value)),
            Some("imdb") => put(&mut ids.imdb, imdb(value)),
            Some("tvdb" | "thetvdb") => put(&mut ids.tvdb, digits(value)),
            Some("tmdbcol" | "tmdbcolid" | "tmdbset") => put(&mut collection_id, digits(value)),
            Some(_) | None => match imdb(value) {
                Some(i) => put(&mut ids.imdb, Some(i)),
                None => untyped.push(value.to_string()),
            },
        }
    }
    for tag in ["tmdbid", "tmdb"] {
        put(&mut ids.tmdb, root.text_of(tag).and_then(|v| digits(&v)));
    }
    for tag in ["imdbid", "imdb_id", "imdb"] {
        put(&mut ids.imdb, root.text_of(tag).and_then(|v| imdb(&v)));
    }
    for tag in ["tvdbid", "tvdb"] {
        put(&mut ids.tvdb, root.text_of(tag).and_then(|v| digits(&v)));
    }
    put(
        &mut collection_id,
        root.text_of("collectionnumber").and_then(|v| digits(&v)),
    );
    if let Some(id) = root.all("id").next() {
        // Kodi 17 and older: `<id IMDB="tt…" TMDB="…">tvdb</id>` on series.
        put(&mut ids.imdb, id.attr("imdb").and_then(imdb));
        put(&mut ids.tmdb, id.attr("tmdb").and_then(digits));
        put(&mut ids.tvdb, id.attr("tvdb").and_then(digits));
        if let Some(value) = id.value() {
            if let Some(i) = imdb(value) {
                put(&mut ids.imdb, Some(i));
            } else if let Some(d) = digits(value) {
                // Jellyfin's reading: a movie's numeric `<id>` is TMDB's, a series' TVDB's.
                match kind {
                    NfoKind::Movie => put(&mut ids.tmdb, Some(d)),
                    NfoKind::TvShow => put(&mut ids.tvdb, Some(d)),
                    NfoKind::Season | NfoKind::Episode => {
                        let known = [&ids.tmdb, &ids.tvdb]
                            .iter()
                            .any(|v| v.as_ref() == Some(&d));
                        if !known && !untyped.contains(&d) {
                            untyped.push(d);
                        }
                    }
                }
            }
        }
    }
    md.ids = ids;
    md.collection = read_set(root).map(|name| CollectionRef {
        name,
        tmdb_id: root
            .child("set")
            .and_then(|s| s.attr("tmdbcolid"))
            .and_then(digits)
            .or(collection_id),
    });
    untyped
}

/// `<set><name>…</name></set>` (Kodi 17+) or `<set>Name</set>`; no set without a name.
fn read_set(root: &Element) -> Option<String> {
    let set = root.child("set")?;
    set.text_of("name")
        .or_else(|| set.value().map(str::to_string))
}

fn read_people(root: &Element) -> Vec<Person> {
    let mut actors: Vec<Person> = Vec::new();
    for a in root.all("actor") {
        if a.attr("clear")
            .is_some_and(|c| c.eq_ignore_ascii_case("true"))
        {
            actors.clear();
        }
        let Some(name) = a.text_of("name") else {
            continue;
        };
        let type_name = a.text_of("type").unwrap_or_default().to_ascii_lowercase();
        let kind = match type_name.as_str() {
            "gueststar" => PersonKind::GuestStar,
            "director" => PersonKind::Director,
            "writer" => PersonKind::Writer,
            "producer" => PersonKind::Producer,
            // No lyricist kind: a lyricist is music crew, kept with the job as the role.
            "composer" | "lyricist" => PersonKind::Composer,
            "creator" => PersonKind::Creator,
            _ => PersonKind::Actor,
        };
        let role = a
            .text_of("role")
            .or_else(|| (type_name == "lyricist").then(|| "Lyricist".to_string()));
        actors.push(Person {
            name,
            kind,
            role,
            order: a
                .text_of("order")
                .or_else(|| a.text_of("sortorder"))
                .and_then(|o| leading_int(&o))
                .filter(|o| *o >= 0),
            tmdb_id: a.text_of("tmdbid").and_then(|v| digits(&v)),
            image: a.text_of("thumb"),
        });
    }
    let crew = |tags: &[&str], kind: PersonKind| -> Vec<Person> {
        tags.iter()
            .flat_map(|t| root.all(t))
            .filter_map(Element::value)
            .flat_map(|v| v.split(" / "))
            // Hand-made lists leave separators behind ("Zack Snyder,").
            .map(|n| n.trim().trim_matches([',', ';']).trim())
            .filter(|n| !n.is_empty())
            .map(|name| Person {
                name: name.to_string(),
                kind,
                ..Person::default()
            })
            .collect()
    };
    let mut people = actors;
    people.extend(crew(&["director"], PersonKind::Director));
    people.extend(crew(&["credits", "writer"], PersonKind::Writer));
    people
}

fn read_images(root: &Element, kind: NfoKind) -> Vec<ImageRef> {
    let mut out: Vec<ImageRef> = Vec::new();
    let mut add = |kind: ImageKind, location: &str| {
        let location = location.trim();
        if !location.is_empty() && !out.iter().any(|i| i.kind == kind && i.location == location) {
            out.push(ImageRef {
                kind,
                location: location.to_string(),
                ..ImageRef::default()
            });
        }
    };
    for t in root.all("thumb") {
        // Season art inside tvshow.nfo belongs to the seasons.
        if t.attr("type")
            .is_some_and(|t| t.eq_ignore_ascii_case("season"))
        {
            continue;
        }
        let Some(location) = t.value() else { continue };
        let image_kind = match t.attr("aspect").map(str::to_ascii_lowercase).as_deref() {
            None => match kind {
                NfoKind::Episode => ImageKind::Still,
                _ => ImageKind::Poster,
            },
            Some("poster") => ImageKind::Poster,
            Some("fanart") => ImageKind::Backdrop,
            Some("clearlogo" | "logo") => ImageKind::Logo,
            Some("thumb" | "landscape") if kind == NfoKind::Episode => ImageKind::Still,
            // Banners, disc art, collection art (`set.poster`): no kind for them here.
            Some(_) => continue,
        };
        add(image_kind, location);
    }
    for fanart in root.all("fanart") {
        // Kodi 17 series: `<fanart url="http://host/banners/"><thumb>relative.jpg</thumb>`.
        let base = fanart.attr("url").unwrap_or("");
        for t in fanart.all("thumb") {
            if let Some(location) = t.value() {
                if location.contains("://") || base.is_empty() {
                    add(ImageKind::Backdrop, location);
                } else {
                    add(ImageKind::Backdrop, &format!("{base}{location}"));
                }
            }
        }
    }
    if let Some(art) = root.child("art") {
        for (tag, image_kind) in [
            ("poster", ImageKind::Poster),
            ("fanart", ImageKind::Backdrop),
            ("clearlogo", ImageKind::Logo),
            ("thumb", ImageKind::Still),
        ] {
            for a in art.all(tag) {
                if let Some(location) = a.value() {
                    add(image_kind, location);
                }
            }
        }
    }
    out
}

fn read_streams(details: &Element) -> StreamDetails {
    let lower = |e: &Element, tag: &str| e.text_of(tag).map(|v| v.to_ascii_lowercase());
    StreamDetails {
        video: details.child("video").map(|v| VideoDetails {
            codec: lower(v, "codec"),
            aspect: v.text_of("aspect").and_then(|a| a.parse().ok()),
            width: v.text_of("width").and_then(|w| leading_int(&w)),
            height: v.text_of("height").and_then(|h| leading_int(&h)),
            duration_seconds: v
                .text_of("durationinseconds")
                .and_then(|d| d.parse::<f64>().ok())
                .filter(|d| d.is_finite() && *d >= 0.0)
                .map(|d| d.round() as i64)
                // Jellyfin also writes `duration` in minutes.
                .or_else(|| {
                    v.text_of("duration")
                        .and_then(|d| leading_int(&d))
                        .map(|m| i64::from(m) * 60)
                }),
            stereo_mode: lower(v, "stereomode"),
            format_3d: v.text_of("format3d"),
            hdr_type: lower(v, "hdrtype"),
        }),
        audio: details
            .all("audio")
            .map(|a| AudioDetails {
                codec: lower(a, "codec"),
                language: lower(a, "language"),
                channels: a.text_of("channels").and_then(|c| leading_int(&c)),
            })
            .collect(),
        subtitle_languages: details
            .all("subtitle")
            .filter_map(|s| lower(s, "language"))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Values.

/// Repeated elements whose values may also hold several items separated by Kodi's " / ".
fn multi_values(root: &Element, tag: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in root.all(tag).filter_map(Element::value) {
        for part in v.split(" / ").map(str::trim).filter(|p| !p.is_empty()) {
            if !out.iter().any(|o| o == part) {
                out.push(part.to_string());
            }
        }
    }
    out
}

/// `YYYY-MM-DD`, also from `YYYY-MM-DD HH:MM:SS`; anything else is not a date.
fn date(s: &str) -> Option<String> {
    let d = s.trim().get(..10)?;
    let b = d.as_bytes();
    let shape = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    // Checked first: the slices below are then on ASCII boundaries.
    if !shape {
        return None;
    }
    let month: u32 = d[5..7].parse().ok()?;
    let day: u32 = d[8..10].parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day) && &d[..4] != "0000")
        .then(|| d.to_string())
}

/// The leading integer of "120", "120 min", "-1".
fn leading_int(s: &str) -> Option<i32> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
        .map_or(s.len(), |(i, _)| i);
    s[..end].parse().ok()
}

/// A season or episode index: 0 and up (Kodi writes -1 for "none").
fn index(s: &str) -> Option<i32> {
    leading_int(s).filter(|n| *n >= 0)
}

/// A vote count, tolerating thousands separators ("335,583").
fn count(s: &str) -> Option<i64> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '.' | ' '))
        .collect();
    cleaned.parse().ok().filter(|n| *n >= 0)
}

fn digits(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) && s != "0")
        .then(|| s.to_string())
}

fn imdb(s: &str) -> Option<String> {
    let s = s.trim();
    let rest = s.strip_prefix("tt")?;
    (rest.len() >= 5 && rest.len() <= 10 && rest.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.to_string())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Kodi's YouTube add-on links become watch URLs; other web URLs stay; anything else
/// (a local plugin path, a file name) is of no use to a client.
fn trailer_url(raw: &str) -> Option<String> {
    if raw.starts_with("plugin://plugin.video.youtube") {
        let query = raw.split_once('?')?.1;
        let id = query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            matches!(k, "videoid" | "video_id").then_some(v)
        })?;
        return Some(format!("https://www.youtube.com/watch?v={id}"));
    }
    (raw.starts_with("http://") || raw.starts_with("https://")).then(|| raw.to_string())
}

/// Provider ids from TMDB, IMDb and TheTVDB URLs anywhere in `text` (a "parsing" NFO).
fn ids_from_urls(text: &str) -> Option<(NfoKind, ProviderIds)> {
    let mut ids = ProviderIds::default();
    let mut kind = NfoKind::Movie;
    let after = |marker: &str| -> Option<&str> {
        let i = text.find(marker)?;
        Some(&text[i + marker.len()..])
    };
    let token = |s: &str, keep: fn(char) -> bool| -> String {
        s.chars().take_while(|c| keep(*c)).collect()
    };
    if let Some(rest) = after("themoviedb.org/movie/") {
        ids.tmdb = digits(&token(rest, |c| c.is_ascii_digit()));
    } else if let Some(rest) = after("themoviedb.org/tv/") {
        ids.tmdb = digits(&token(rest, |c| c.is_ascii_digit()));
        kind = NfoKind::TvShow;
    }
    if let Some(rest) = after("imdb.com/title/") {
        ids.imdb = imdb(&token(rest, |c| c.is_ascii_alphanumeric()));
    }
    if let Some(rest) = after("thetvdb.com/") {
        // `?tab=series&id=N` (old) or `/dereferrer/series/N`.
        if let Some(i) = rest.find("id=").or_else(|| rest.find("series/")) {
            let start = &rest[i..];
            let start = start
                .trim_start_matches("id=")
                .trim_start_matches("series/");
            ids.tvdb = digits(&token(start, |c| c.is_ascii_digit()));
            if ids.tvdb.is_some() && ids.tmdb.is_none() {
                kind = NfoKind::TvShow;
            }
        }
    }
    (ids != ProviderIds::default()).then_some((kind, ids))
}

#[cfg(test)]
mod tests;
