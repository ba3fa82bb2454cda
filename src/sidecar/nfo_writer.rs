//! Kodi-readable NFO from a [`Metadata`] record (and the probe's stream facts), carrying
//! Kinora's marker so the reader can tell its own output from a person's edit.
//!
//! Element names and shapes follow Kodi's reader (`CVideoInfoTag::ParseNative`): `uniqueid`
//! with one default, the `ratings` block, `actor` with `order`, `credits` for writers,
//! `fileinfo/streamdetails`. Jellyfin reads the same file.

use std::fmt::Write;

use quick_xml::escape::escape;

use crate::domain::metadata::{ImageKind, Metadata, PersonKind};
use crate::domain::{MediaInfo, StreamKind};
use crate::metadata::nfo::{sign_document, NfoKind};

/// Where TMDB file paths (`/abc.jpg`) are served from; Kodi needs a full URL.
const TMDB_IMAGE_BASE: &str = "https://image.tmdb.org/t/p/original";

/// Renders the NFO for one item, marker included.
pub fn render(kind: NfoKind, md: &Metadata, streams: Option<&MediaInfo>) -> String {
    render_with_flags(kind, md, streams, &[])
}

/// [`render`], naming the fields an LLM wrote in `<llmgenerated>` (a comma-separated list Kodi
/// and Jellyfin ignore and Kinora's JSON sidecar spells out), so the file says which values no
/// person or database gave.
pub fn render_with_flags(
    kind: NfoKind,
    md: &Metadata,
    streams: Option<&MediaInfo>,
    llm_fields: &[String],
) -> String {
    let mut x = Xml::default();
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    let root = kind.root_element();
    x.open(root, "");

    x.text("title", md.title.as_deref());
    x.text("originaltitle", md.original_title.as_deref());
    x.text("sorttitle", md.sort_title.as_deref());
    match kind {
        NfoKind::Episode | NfoKind::Season => x.text("showtitle", md.series_title.as_deref()),
        NfoKind::TvShow => x.text("showtitle", md.title.as_deref()),
        NfoKind::Movie => {}
    }
    if let Some(rating) = md.rating {
        x.open("ratings", "");
        x.open("rating", " name=\"themoviedb\" max=\"10\" default=\"true\"");
        x.text("value", Some(&rating.to_string()));
        x.text("votes", md.vote_count.map(|v| v.to_string()).as_deref());
        x.close("rating");
        x.close("ratings");
    }
    match kind {
        NfoKind::Episode => {
            x.num("season", md.season_number);
            x.num("episode", md.episode_number);
            x.num("episodenumberend", md.episode_number_end);
        }
        NfoKind::Season => x.num("seasonnumber", md.season_number),
        _ => {}
    }
    x.text("plot", md.overview.as_deref());
    x.text("tagline", md.tagline.as_deref());
    x.num("runtime", md.runtime_minutes);
    x.text("mpaa", md.certification.as_deref());
    x.text("status", md.status.as_deref());
    x.text("language", md.language.as_deref());

    // Kodi takes the first `default="true"` as the item's id: TMDB's when known (Kodi's
    // default scraper since v19), else IMDb's, else TheTVDB's.
    let ids = [
        ("tmdb", md.ids.tmdb.as_deref()),
        ("imdb", md.ids.imdb.as_deref()),
        ("tvdb", md.ids.tvdb.as_deref()),
    ];
    let default = ids.iter().find(|(_, v)| v.is_some()).map(|(t, _)| *t);
    for (provider, value) in ids {
        if let Some(value) = value {
            let d = if Some(provider) == default {
                " default=\"true\""
            } else {
                ""
            };
            x.element("uniqueid", &format!(" type=\"{provider}\"{d}"), value);
        }
    }
    for g in &md.genres {
        x.text("genre", Some(g));
    }
    for s in &md.studios {
        x.text("studio", Some(s));
    }
    for t in &md.tags {
        x.text("tag", Some(t));
    }
    if let Some(set) = md.collection.as_ref().filter(|c| !c.name.trim().is_empty()) {
        let attr = set
            .tmdb_id
            .as_deref()
            .map(|id| format!(" tmdbcolid=\"{}\"", escape(id)))
            .unwrap_or_default();
        x.open("set", &attr);
        x.text("name", Some(&set.name));
        x.close("set");
    }
    let date_tag = if kind == NfoKind::Episode {
        "aired"
    } else {
        "premiered"
    };
    x.text(date_tag, md.premiere_date.as_deref());
    x.num("year", md.year);
    for t in &md.trailers {
        x.text("trailer", Some(t));
    }

    let mut backdrops = Vec::new();
    for image in &md.images {
        let url = image_url(&image.location);
        match image.kind {
            ImageKind::Poster => x.element("thumb", " aspect=\"poster\"", &url),
            ImageKind::Logo => x.element("thumb", " aspect=\"clearlogo\"", &url),
            // An episode's unqualified thumb is its still (Kodi's reading).
            ImageKind::Still => x.element("thumb", "", &url),
            ImageKind::Backdrop => backdrops.push(url),
        }
    }
    if !backdrops.is_empty() {
        x.open("fanart", "");
        for url in &backdrops {
            x.element("thumb", "", url);
        }
        x.close("fanart");
    }

    // Actors (and crew without a Kodi element of their own, typed as Jellyfin does), then
    // directors, then writers: the order the reader returns them in.
    for p in md
        .people
        .iter()
        .filter(|p| !matches!(p.kind, PersonKind::Director | PersonKind::Writer))
    {
        x.open("actor", "");
        x.text("name", Some(&p.name));
        x.text("role", p.role.as_deref());
        let type_name = match p.kind {
            PersonKind::Actor | PersonKind::Director | PersonKind::Writer => None,
            PersonKind::GuestStar => Some("GuestStar"),
            PersonKind::Producer => Some("Producer"),
            PersonKind::Composer => Some("Composer"),
            PersonKind::Creator => Some("Creator"),
        };
        x.text("type", type_name);
        x.num("order", p.order);
        x.text("thumb", p.image.as_deref().map(image_url).as_deref());
        x.close("actor");
    }
    for p in md.people.iter().filter(|p| p.kind == PersonKind::Director) {
        x.text("director", Some(&p.name));
    }
    for p in md.people.iter().filter(|p| p.kind == PersonKind::Writer) {
        x.text("credits", Some(&p.name));
    }

    if let Some(info) = streams {
        stream_details(&mut x, info);
    }
    if !llm_fields.is_empty() {
        x.text("llmgenerated", Some(&llm_fields.join(",")));
    }
    x.close(root);
    sign_document(&x.out)
}

fn stream_details(x: &mut Xml, info: &MediaInfo) {
    let of = |k: StreamKind| info.streams.iter().filter(move |s| s.kind == Some(k));
    let lower = |s: &Option<String>| s.as_ref().map(|v| v.to_ascii_lowercase());
    x.open("fileinfo", "");
    x.open("streamdetails", "");
    if let Some(v) = of(StreamKind::Video).next() {
        x.open("video", "");
        x.text("codec", lower(&v.codec).as_deref());
        if let (Some(w), Some(h)) = (v.width, v.height) {
            if h > 0 {
                let aspect = format!("{:.6}", f64::from(w) / f64::from(h));
                x.text("aspect", Some(&aspect));
            }
        }
        x.num("width", v.width);
        x.num("height", v.height);
        let secs = info
            .duration_ms
            .filter(|d| *d > 0)
            .map(|d| (d + 500) / 1000);
        x.text("durationinseconds", secs.map(|s| s.to_string()).as_deref());
        x.close("video");
    }
    for a in of(StreamKind::Audio) {
        x.open("audio", "");
        x.text("codec", lower(&a.codec).as_deref());
        x.text("language", lower(&a.language).as_deref());
        x.num("channels", a.channels);
        x.close("audio");
    }
    for s in of(StreamKind::Subtitle) {
        if let Some(lang) = lower(&s.language) {
            x.open("subtitle", "");
            x.text("language", Some(&lang));
            x.close("subtitle");
        }
    }
    x.close("streamdetails");
    x.close("fileinfo");
}

/// A TMDB file path (`/abc.jpg`: one segment) becomes a full URL; URLs and local paths stay.
fn image_url(location: &str) -> String {
    let tmdb_path = location.starts_with('/')
        && location.len() > 1
        && !location[1..].contains('/')
        && location.contains('.');
    if tmdb_path {
        format!("{TMDB_IMAGE_BASE}{location}")
    } else {
        location.to_string()
    }
}

/// Indented XML text; every value goes through quick-xml's escaping.
#[derive(Default)]
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// `attrs` is pre-rendered (` name="value"`) from constants or escaped values.
    fn open(&mut self, tag: &str, attrs: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{tag}{attrs}>");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn element(&mut self, tag: &str, attrs: &str, value: &str) {
        self.indent();
        let _ = writeln!(self.out, "<{tag}{attrs}>{}</{tag}>", escape(value.trim()));
    }

    /// Writes the element only when there is a non-blank value.
    fn text(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            self.element(tag, "", v);
        }
    }

    fn num(&mut self, tag: &str, value: Option<i32>) {
        if let Some(v) = value {
            self.element(tag, "", &v.to_string());
        }
    }
}
