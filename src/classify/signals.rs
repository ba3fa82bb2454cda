//! Video signals: what a file's name and its probe say about home video versus produced content.
//!
//! Pure: no filesystem, no async, no catalog. [`collect`] turns a file name and an optional
//! [`MediaInfo`] into a list of [`Signal`]s. A weight is a log-odds contribution: positive
//! points to a home video (camera or phone footage), negative to produced content (a film or a
//! TV episode), and [`VideoSignals::home_video_score`] is the logistic of their sum, so evidence
//! from elsewhere (an LLM, [`Signal::tmdb_miss`]) adds on the same scale.
//!
//! Weights are judgement, sized by how rarely the evidence shows up on the other side:
//!
//! | name | weight | why |
//! |---|---|---|
//! | `camera_name` | +2.5 | `IMG_1234`, `PXL_…`, `GOPR0001`: only devices name files so |
//! | `release_name` | −1.5 … −3.5 | `1080p`, `BluRay`, `x264`, `S01E02`: release groups do |
//! | `camera` | +2.5 | make/model tags are written by the recording device |
//! | `location` | +2.5 | GPS position: a device with a fix recorded this |
//! | `rotation` | +2.0 / +1.0 | a display rotation is how phones store portrait/upside-down |
//! | `device_software` | +1.5 | iOS/Android version or camera firmware tag |
//! | `portrait` | +1.5 | portrait pixels without rotation: screen recordings, some phones |
//! | `camera_software` | +1.2 | handler or encoder named after a camera/phone (GoPro, Core Media) |
//! | `variable_frame_rate` | +1.0 | phones vary frame timing; masters rarely do (VFR anime exists) |
//! | `tmdb_miss` | +1.0 | no TMDB match for the title; obscure films miss too |
//! | `duration` | +0.8, +0.5 / −0.6, −1.0 | clips are short; episodes and features have set lengths |
//! | `frame_rate` | +0.8, +0.4 / −0.4 … −1.2 | camera rates and sizes vs film cadence in wide frames |
//! | `release_tool` | −1.0 / −0.8 | HandBrake, mkvmerge wrote the file: a rip or release |
//! | `audio_languages` | −1.5 | several dubbed languages: produced for distribution |
//! | `subtitles` | −0.8 / −1.5 | cameras and phones do not write subtitle tracks |
//! | `audio` | +0.3 / −1.0 | 48 kHz mono/stereo AAC or PCM as devices record, vs 5.1+/DTS/TrueHD/EAC3 |
//! | `creation_time` | +0.3 | devices write it, but so do many encoders and muxers |

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::{MediaInfo, StreamInfo, StreamKind};

/// One piece of evidence. weight > 0 points to a home video (camera/phone footage), < 0 to
/// produced content (film or TV episode).
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Stable identifier (`"camera"`, `"rotation"`, …), for code and tests.
    pub name: &'static str,
    /// Log-odds contribution towards "home video".
    pub weight: f32,
    /// Human-readable evidence for the review queue: "camera make Apple iPhone 12".
    pub detail: String,
}

impl Signal {
    pub fn new(name: &'static str, weight: f32, detail: impl Into<String>) -> Signal {
        Signal {
            name,
            weight,
            detail: detail.into(),
        }
    }

    /// The metadata issue adds this when TMDB has no match for the title.
    ///
    /// Moderate: home videos never match, but obscure films and mis-parsed titles miss too.
    pub fn tmdb_miss() -> Signal {
        Signal::new("tmdb_miss", 1.0, "no TMDB match for the title")
    }
}

/// The evidence gathered about one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoSignals {
    pub signals: Vec<Signal>,
}

impl VideoSignals {
    pub fn add(&mut self, s: Signal) {
        self.signals.push(s);
    }

    /// The summed log-odds of all signals.
    pub fn total_weight(&self) -> f32 {
        self.signals.iter().map(|s| s.weight).sum()
    }

    /// Probability-like score 0..1 that the file is a home video (logistic of the summed
    /// weights; 0.5 with no evidence).
    pub fn home_video_score(&self) -> f32 {
        1.0 / (1.0 + (-self.total_weight()).exp())
    }

    /// "camera make Apple iPhone 12", "portrait (rotation 90)", … for the review queue's "why",
    /// strongest evidence first (either direction).
    pub fn reasons(&self) -> Vec<String> {
        let mut ordered: Vec<&Signal> = self.signals.iter().collect();
        ordered.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        ordered.into_iter().map(|s| s.detail.clone()).collect()
    }

    /// The first signal with this name.
    pub fn get(&self, name: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.name == name)
    }
}

/// Everything the file name and the probe say. `info` is None before the probe ran.
///
/// `file_name` may be a bare name or a path (either separator); only the last component counts.
pub fn collect(file_name: &str, info: Option<&MediaInfo>) -> VideoSignals {
    let mut out = VideoSignals::default();
    let stem = file_stem(file_name);
    if let Some(s) = camera_name(stem) {
        out.add(s);
    }
    if let Some(s) = release_name(stem) {
        out.add(s);
    }
    if let Some(info) = info {
        probe_signals(info, &mut out);
    }
    out
}

// ---- names ---------------------------------------------------------------------------------

/// The last path component without its extension.
fn file_stem(file_name: &str) -> &str {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => name,
    }
}

/// (what the review queue calls it, pattern on the stem): names cameras, phones and their
/// apps give files. Anchored at the start: people append words ("IMG_1234 beach") but rarely
/// prepend to a device name.
const CAMERA_NAME_PATTERNS: &[(&str, &str)] = &[
    // Phones and apps that stamp date and time: IMG_20240101_123456, VID_20240101_123456,
    // PXL_20240101_123456789, VID20240101123456 (Huawei), MVIMG_… (motion photos).
    (
        "phone date-time name",
        r"(?i)^(?:IMG|VID|PXL|MVIMG)[_-]?\d{8}[_-]?\d{6}",
    ),
    // WhatsApp: VID-20240101-WA0001, "WhatsApp Video 2024-01-01 at 12.34.56".
    ("WhatsApp name", r"(?i)^(?:VID|IMG)-\d{8}-WA\d{4}"),
    ("WhatsApp name", r"(?i)^WhatsApp Video \d{4}-\d{2}-\d{2}"),
    // iPhone and Canon counters.
    ("IMG_ counter", r"(?i)^IMG_\d{4}"),
    // Sony DSC01234, Nikon DSCN1234 / DSC_1234, Fujifilm DSCF1234.
    ("DSC counter", r"(?i)^DSC[NF_]?\d{4,5}"),
    // Canon MVI_1234, generic MOV_0001 / MOV0001, Sony MAH00123 and XAVC C0001.
    (
        "camera counter",
        r"(?i)^(?:MVI_\d{4}|MOV_?\d{4}|MAH\d{5}|C\d{4}(?:$|[^0-9]))",
    ),
    // GoPro: GOPR0001 (HERO ≤ 5), GP010001 chapters, GH/GX/GL010001 (HERO 6+, low-res proxies).
    ("GoPro name", r"(?i)^(?:GOPR\d{4}|GP\d{6}|G[HXL]\d{6})"),
    // DJI_0001 and DJI_20240101123456_0001_D.
    ("DJI name", r"(?i)^DJI_\d{4}"),
    // Samsung and many Android cameras: 20240101_123456.
    ("date-time name", r"^\d{8}_\d{6}"),
    // Screen recorders: macOS/iOS "Screen Recording 2024-01-01 at …", Samsung
    // "Screen_Recording_20240101-…", Android "screen-20240101-…", iOS RPReplay_Final….
    (
        "screen recording name",
        r"(?i)^(?:Screen[ _-]?Record(?:ing)?|screen-\d{8}|RPReplay_)",
    ),
    // iOS edits and trims: FullSizeRender, trim.6A7B1C2D-….
    (
        "iOS edit name",
        r"(?i)^(?:FullSizeRender|trim\.[0-9A-F]{8}-)",
    ),
];

/// The compiled [`CAMERA_NAME_PATTERNS`]; a pattern that failed to compile would be skipped,
/// which the tests rule out.
static CAMERA_NAMES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    CAMERA_NAME_PATTERNS
        .iter()
        .filter_map(|(label, pattern)| Regex::new(pattern).ok().map(|re| (*label, re)))
        .collect()
});

fn camera_name(stem: &str) -> Option<Signal> {
    let (label, _) = CAMERA_NAMES.iter().find(|(_, re)| re.is_match(stem))?;
    // Devices name files so and almost nothing else does.
    Some(Signal::new(
        "camera_name",
        2.5,
        format!("camera-style name \"{stem}\" ({label})"),
    ))
}

/// Release-name vocabulary by kind; one kind alone may be a person's own label ("Beach 4K"),
/// several together are a release name.
const RELEASE_WORDS: &[(&str, &[&str])] = &[
    (
        "resolution",
        &[
            "2160p", "1080p", "1080i", "720p", "576p", "480p", "4k", "uhd",
        ],
    ),
    (
        "source",
        &[
            "bluray", "bdrip", "brrip", "bdremux", "remux", "webdl", "webrip", "hdtv", "dvdrip",
            "hdrip", "amzn", "dsnp", "hmax", "atvp",
        ],
    ),
    (
        "video codec",
        &[
            "x264", "x265", "h264", "h265", "hevc", "xvid", "divx", "av1", "10bit", "hdr", "hdr10",
        ],
    ),
    (
        "audio codec",
        &[
            "ac3", "eac3", "dts", "dtshd", "truehd", "atmos", "dd5", "ddp5", "dd2", "ddp2", "ddp",
            "aac2",
        ],
    ),
    (
        "release flag",
        &[
            "proper",
            "repack",
            "extended",
            "unrated",
            "remastered",
            "imax",
            "internal",
        ],
    ),
];

fn release_name(stem: &str) -> Option<Signal> {
    // Join the words that separators split: WEB-DL, Blu-ray, H.264, DTS-HD.
    let lower = stem
        .to_lowercase()
        .replace("web-dl", "webdl")
        .replace("blu-ray", "bluray")
        .replace("h.264", "h264")
        .replace("h.265", "h265")
        .replace("dts-hd", "dtshd");
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut found: Vec<&str> = Vec::new();
    let mut kinds = 0usize;
    for (_, words) in RELEASE_WORDS {
        let hits: Vec<&str> = tokens
            .iter()
            .copied()
            .filter(|t| words.contains(t))
            .collect();
        if !hits.is_empty() {
            kinds += 1;
            found.extend(hits);
        }
    }
    if let Some(marker) = tokens.iter().copied().find(|t| is_episode_marker(t)) {
        kinds += 1;
        found.push(marker);
    }
    if kinds == 0 {
        return None;
    }
    found.dedup();
    // One kind is suggestive, each further kind makes it a release name.
    let weight = -(1.5 + 1.0 * (kinds - 1) as f32).min(3.5);
    Some(Signal::new(
        "release_name",
        weight,
        format!("release-style name ({})", found.join(", ")),
    ))
}

/// `s01e02`, `s1e2`, `s01e01e02`, `s2024e100` (lower-cased token).
fn is_episode_marker(token: &str) -> bool {
    let Some(rest) = token.strip_prefix('s') else {
        return false;
    };
    let season_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    // Up to four digits: some shows number seasons by year (S2024E01).
    if !(1..=4).contains(&season_len) {
        return false;
    }
    let mut rest = &rest[season_len..];
    let mut episodes = 0;
    while let Some(after) = rest.strip_prefix('e') {
        let n = after.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=4).contains(&n) {
            return false;
        }
        episodes += 1;
        rest = &after[n..];
    }
    episodes > 0 && rest.is_empty()
}

// ---- probe ---------------------------------------------------------------------------------

fn probe_signals(info: &MediaInfo, out: &mut VideoSignals) {
    if let Some(created) = &info.creation_time {
        // Weak: devices write it, but so do ffmpeg, mkvmerge and most muxers.
        out.add(Signal::new(
            "creation_time",
            0.3,
            format!("creation time {created}"),
        ));
    }
    if let Some(detail) = camera_detail(info) {
        // Make/model tags are written by the recording device itself.
        out.add(Signal::new("camera", 2.5, detail));
    }
    if let Some(location) = &info.location {
        // A GPS fix: only a device that was somewhere writes one.
        out.add(Signal::new("location", 2.5, format!("location {location}")));
    }
    if let Some(software) = &info.device_software {
        out.add(Signal::new(
            "device_software",
            1.5,
            format!("device software {software}"),
        ));
    }
    software_signals(info, out);

    let video = main_video(info);
    let rotation = info.rotation.unwrap_or(0);
    match rotation {
        // How phones store portrait footage: landscape pixels plus a display rotation.
        90 | 270 => out.add(Signal::new(
            "rotation",
            2.0,
            format!("portrait (rotation {rotation})"),
        )),
        // A phone held upside down; mastered video is never stored rotated.
        180 => out.add(Signal::new(
            "rotation",
            1.0,
            "upside down (rotation 180)".to_owned(),
        )),
        _ => {}
    }
    if let Some((w, h)) = video.and_then(stored_size) {
        let (dw, dh) = if matches!(rotation, 90 | 270) {
            (h, w)
        } else {
            (w, h)
        };
        // Portrait pixels with no rotation to explain them: screen recordings, some phones,
        // vertical social-media clips. Films and episodes are landscape.
        if dh > dw && !matches!(rotation, 90 | 270) {
            out.add(Signal::new(
                "portrait",
                1.5,
                format!("portrait frame {dw}x{dh}"),
            ));
        }
        if let Some(s) = video.and_then(|v| frame_rate_signal(v, dw, dh)) {
            out.add(s);
        }
    }
    if info.variable_frame_rate {
        // Phones vary frame timing with the light; mastered films and episodes keep a
        // constant rate (mixed-cadence anime is the exception, hence only +1).
        out.add(Signal::new(
            "variable_frame_rate",
            1.0,
            "variable frame rate".to_owned(),
        ));
    }
    if let Some(s) = info.duration_ms.and_then(duration_signal) {
        out.add(s);
    }
    track_signals(info, out);
}

fn camera_detail(info: &MediaInfo) -> Option<String> {
    match (info.camera_make.as_deref(), info.camera_model.as_deref()) {
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
            Some(format!("camera model {model}"))
        }
        (Some(make), Some(model)) => Some(format!("camera make {make} {model}")),
        (Some(make), None) => Some(format!("camera make {make}")),
        (None, Some(model)) => Some(format!("camera model {model}")),
        (None, None) => None,
    }
}

/// Handler and encoder names made by cameras and phones, lower-case substrings. Apple's
/// "Core Media Video" also marks Mac exports (iMovie, QuickTime), which are mostly home video.
const CAMERA_SOFTWARE: &[&str] = &[
    "gopro",
    "dji",
    "ambarella",
    "insta360",
    "core media",
    "iphone",
    "samsung",
    "sony",
    "panasonic",
    "canon",
    "nikon",
    "fujifilm",
];

/// Encoders that mark a rip or a release: HandBrake re-encodes discs and downloads, mkvmerge
/// (libebml + libmatroska) is the release muxer. ffmpeg's own "Lavf" says nothing: phones never
/// write it, but people's own tools and every release pipeline do.
const RELEASE_TOOLS: &[(&str, f32)] = &[
    ("handbrake", -1.0),
    ("libmatroska", -0.8),
    ("mkvmerge", -0.8),
];

fn software_signals(info: &MediaInfo, out: &mut VideoSignals) {
    let names = [
        info.video_handler.as_deref(),
        info.video_encoder.as_deref(),
        info.encoder.as_deref(),
    ];
    // Android's handler is exactly "VideoHandle"; ffmpeg writes "VideoHandler" everywhere.
    let camera = names.iter().flatten().copied().find(|n| {
        let lower = n.to_lowercase();
        n.trim() == "VideoHandle" || CAMERA_SOFTWARE.iter().any(|c| lower.contains(c))
    });
    if let Some(name) = camera {
        out.add(Signal::new(
            "camera_software",
            1.2,
            format!("recorded by {name}"),
        ));
    }
    let release = names.iter().flatten().copied().find_map(|n| {
        let lower = n.to_lowercase();
        RELEASE_TOOLS
            .iter()
            .find(|(tool, _)| lower.contains(tool))
            .map(|(_, w)| (n, *w))
    });
    if let Some((name, weight)) = release {
        out.add(Signal::new(
            "release_tool",
            weight,
            format!("written by {name}"),
        ));
    }
}

fn main_video(info: &MediaInfo) -> Option<&StreamInfo> {
    info.streams
        .iter()
        .find(|s| s.kind == Some(StreamKind::Video))
}

fn stored_size(v: &StreamInfo) -> Option<(i32, i32)> {
    Some((v.width?, v.height?)).filter(|&(w, h)| w > 0 && h > 0)
}

/// Frame sizes cameras and phones record, long side × short side.
const CAMERA_SIZES: &[(i32, i32)] = &[
    (640, 480),
    (1280, 720),
    (1440, 1080),
    (1920, 1080),
    (1920, 1440),
    (2560, 1440),
    (2704, 1520),
    (2704, 2028),
    (3840, 2160),
    (4096, 2160),
    (4000, 3000),
];

/// Camera rates and sizes against film cadence in a wide frame; `dw`×`dh` is the displayed size.
fn frame_rate_signal(v: &StreamInfo, dw: i32, dh: i32) -> Option<Signal> {
    let fps = v.frame_rate?;
    let near = |target: f64| (fps - target).abs() < 0.05;
    let (long, short) = (dw.max(dh), dw.min(dh));
    let aspect = f64::from(long) / f64::from(short);
    let shown = format!("{fps:.3}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned();
    if fps >= 100.0 {
        // Slow motion (120/240 fps) is a camera feature; nothing is distributed so.
        return Some(Signal::new(
            "frame_rate",
            0.8,
            format!("high frame rate {shown} fps (slow motion)"),
        ));
    }
    if [29.97, 30.0, 59.94, 60.0].into_iter().any(near) && CAMERA_SIZES.contains(&(long, short)) {
        // Weak: US television is 29.97/59.94 at these sizes too.
        return Some(Signal::new(
            "frame_rate",
            0.4,
            format!("{shown} fps at {dw}x{dh}, as phones and cameras record"),
        ));
    }
    let ratio = format!("{aspect:.2}:1");
    if near(23.976) || near(24.0) {
        // Film cadence; cropped to scope (2.0+:1) it is almost surely a film encode.
        if aspect >= 2.0 {
            return Some(Signal::new(
                "frame_rate",
                -1.2,
                format!("film cadence {shown} fps, cinema-scope {dw}x{dh} ({ratio})"),
            ));
        }
        if aspect >= 1.7 {
            return Some(Signal::new(
                "frame_rate",
                -0.8,
                format!("film cadence {shown} fps, widescreen {dw}x{dh}"),
            ));
        }
    }
    if near(25.0) && aspect >= 1.7 {
        // PAL television and films; PAL-region camcorders shoot 25 too, hence weak.
        return Some(Signal::new(
            "frame_rate",
            -0.4,
            format!("PAL cadence 25 fps, widescreen {dw}x{dh} ({ratio})"),
        ));
    }
    None
}

fn duration_signal(ms: i64) -> Option<Signal> {
    let minutes = ms as f64 / 60_000.0;
    let shown = clock(ms);
    // Phone clips run seconds to minutes; episodes and features have their set lengths. Long
    // home recordings (a wedding, a school play) exist, so the negatives stay moderate.
    let (weight, what) = if minutes < 3.0 {
        (0.8, "short clip")
    } else if minutes < 10.0 {
        (0.5, "short clip")
    } else if (20.0..65.0).contains(&minutes) {
        (-0.6, "episode length")
    } else if (75.0..=240.0).contains(&minutes) {
        (-1.0, "feature length")
    } else {
        return None;
    };
    Some(Signal::new("duration", weight, format!("{what} {shown}")))
}

/// 42 s → "0:42", 2 h → "2:00:00".
fn clock(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Language tags that name no language.
const NO_LANGUAGE: &[&str] = &["und", "unk", "zxx", "mis", "mul", "qaa"];

fn track_signals(info: &MediaInfo, out: &mut VideoSignals) {
    let audio: Vec<&StreamInfo> = info
        .streams
        .iter()
        .filter(|s| s.kind == Some(StreamKind::Audio))
        .collect();
    let mut languages: Vec<String> = Vec::new();
    for lang in audio.iter().filter_map(|s| s.language.as_deref()) {
        let lang = lang.to_lowercase();
        if !NO_LANGUAGE.contains(&lang.as_str()) && !languages.contains(&lang) {
            languages.push(lang);
        }
    }
    if languages.len() >= 2 {
        // Dubs are made for distribution; a camera records one soundtrack.
        out.add(Signal::new(
            "audio_languages",
            -1.5,
            format!(
                "{} audio languages ({})",
                languages.len(),
                languages.join(", ")
            ),
        ));
    }

    let subtitles = info
        .streams
        .iter()
        .filter(|s| s.kind == Some(StreamKind::Subtitle))
        .count();
    // Cameras and phones write no subtitles; one track is mild because a few drones embed
    // telemetry as a text track, several are a release.
    match subtitles {
        0 => {}
        1 => out.add(Signal::new(
            "subtitles",
            -0.8,
            "1 subtitle track".to_owned(),
        )),
        n => out.add(Signal::new(
            "subtitles",
            -1.5,
            format!("{n} subtitle tracks"),
        )),
    }

    let main_audio = audio
        .iter()
        .copied()
        .find(|s| s.is_default)
        .or_else(|| audio.first().copied());
    if let Some(a) = main_audio {
        if let Some(s) = audio_signal(a) {
            out.add(s);
        }
    }
}

fn audio_signal(a: &StreamInfo) -> Option<Signal> {
    let codec = a.codec.as_deref().unwrap_or("").to_lowercase();
    let channels = a.channels.unwrap_or(0);
    let cinema_codec = matches!(codec.as_str(), "dts" | "truehd" | "eac3" | "mlp");
    if channels >= 6 || cinema_codec {
        // Surround mixes and disc/streaming codecs are mastered, not recorded by a phone.
        let layout = a
            .channel_layout
            .clone()
            .unwrap_or_else(|| format!("{channels} channels"));
        return Some(Signal::new(
            "audio",
            -1.0,
            format!("{layout} {} audio", codec.to_uppercase()),
        ));
    }
    let device_codec = codec == "aac" || codec.starts_with("pcm_");
    if device_codec && (1..=2).contains(&channels) && a.sample_rate == Some(48_000) {
        // Weak: what phones and cameras record, but also common in web releases.
        let layout = if channels == 1 { "mono" } else { "stereo" };
        return Some(Signal::new(
            "audio",
            0.3,
            format!(
                "{layout} {} 48 kHz, as cameras record",
                codec.to_uppercase()
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn video(w: i32, h: i32, fps: f64) -> StreamInfo {
        StreamInfo {
            index: 0,
            kind: Some(StreamKind::Video),
            codec: Some("h264".to_owned()),
            width: Some(w),
            height: Some(h),
            frame_rate: Some(fps),
            ..StreamInfo::default()
        }
    }

    fn audio(codec: &str, channels: i32, rate: i32, lang: Option<&str>) -> StreamInfo {
        StreamInfo {
            index: 1,
            kind: Some(StreamKind::Audio),
            codec: Some(codec.to_owned()),
            channels: Some(channels),
            sample_rate: Some(rate),
            language: lang.map(str::to_owned),
            ..StreamInfo::default()
        }
    }

    fn subtitle(lang: &str) -> StreamInfo {
        StreamInfo {
            index: 2,
            kind: Some(StreamKind::Subtitle),
            codec: Some("subrip".to_owned()),
            language: Some(lang.to_owned()),
            ..StreamInfo::default()
        }
    }

    /// A neutral probe: 10–20 min, odd size and rate, no tags, no audio.
    fn neutral() -> MediaInfo {
        MediaInfo {
            duration_ms: Some(15 * 60_000),
            streams: vec![video(500, 300, 12.5)],
            ..MediaInfo::default()
        }
    }

    fn only(info: &MediaInfo, name: &str) -> Signal {
        let found = collect("clip.mp4", Some(info));
        let matching: Vec<_> = found.signals.iter().filter(|s| s.name == name).collect();
        assert_eq!(matching.len(), 1, "{name} in {:?}", found.signals);
        let others: Vec<_> = found.signals.iter().filter(|s| s.name != name).collect();
        assert!(others.is_empty(), "only {name}, also {others:?}");
        matching[0].clone()
    }

    fn absent(info: &MediaInfo, name: &str) {
        let found = collect("clip.mp4", Some(info));
        assert!(found.get(name).is_none(), "{name} in {:?}", found.signals);
    }

    #[test]
    fn neutral_probe_has_no_signal() {
        assert_eq!(collect("clip.mp4", Some(&neutral())).signals, vec![]);
        assert_eq!(collect("clip.mp4", None).signals, vec![]);
    }

    #[test]
    fn score_is_logistic_of_the_sum() {
        let mut v = VideoSignals::default();
        assert_eq!(v.home_video_score(), 0.5);
        v.add(Signal::new("a", 2.0, "a"));
        v.add(Signal::new("b", -2.0, "b"));
        assert!((v.home_video_score() - 0.5).abs() < 1e-6);
        v.add(Signal::tmdb_miss());
        assert!((v.home_video_score() - 1.0 / (1.0 + (-1.0f32).exp())).abs() < 1e-6);
        v.add(Signal::new("huge", 500.0, "x"));
        assert_eq!(v.home_video_score(), 1.0);
        v.add(Signal::new("huge", -1000.0, "x"));
        assert_eq!(v.home_video_score(), 0.0);
    }

    #[test]
    fn tmdb_miss_points_to_home_video() {
        let s = Signal::tmdb_miss();
        assert_eq!(s.name, "tmdb_miss");
        assert!(s.weight > 0.0);
        let mut film = collect("Movie.2010.1080p.BluRay.x264.mkv", None);
        let before = film.home_video_score();
        film.add(Signal::tmdb_miss());
        assert!(film.home_video_score() > before);
        assert!(film
            .reasons()
            .contains(&"no TMDB match for the title".to_owned()));
    }

    #[test]
    fn reasons_strongest_first() {
        let mut v = VideoSignals::default();
        v.add(Signal::new("weak", 0.3, "weak"));
        v.add(Signal::new("strong_minus", -2.0, "strong minus"));
        v.add(Signal::new("mid", 1.0, "mid"));
        assert_eq!(v.reasons(), ["strong minus", "mid", "weak"]);
    }

    #[test]
    fn creation_time_is_weak_positive() {
        let info = MediaInfo {
            creation_time: Some("2021-06-01T12:34:56Z".to_owned()),
            ..neutral()
        };
        let s = only(&info, "creation_time");
        assert!(s.weight > 0.0 && s.weight < 1.0, "{s:?}");
        assert_eq!(s.detail, "creation time 2021-06-01T12:34:56Z");
    }

    #[test]
    fn camera_make_and_model() {
        let with = |make: Option<&str>, model: Option<&str>| MediaInfo {
            camera_make: make.map(str::to_owned),
            camera_model: model.map(str::to_owned),
            ..neutral()
        };
        let s = only(&with(Some("Apple"), Some("iPhone 12")), "camera");
        assert!(s.weight >= 2.0);
        assert_eq!(s.detail, "camera make Apple iPhone 12");
        assert_eq!(
            only(&with(Some("Canon"), Some("Canon EOS R6")), "camera").detail,
            "camera model Canon EOS R6"
        );
        assert_eq!(
            only(&with(Some("samsung"), None), "camera").detail,
            "camera make samsung"
        );
        assert_eq!(
            only(&with(None, Some("Pixel 7")), "camera").detail,
            "camera model Pixel 7"
        );
        absent(&with(None, None), "camera");
    }

    #[test]
    fn location_is_strong_positive() {
        let info = MediaInfo {
            location: Some("+48.8577+002.2950/".to_owned()),
            ..neutral()
        };
        let s = only(&info, "location");
        assert!(s.weight >= 2.0);
        assert_eq!(s.detail, "location +48.8577+002.2950/");
    }

    #[test]
    fn device_software_is_positive() {
        let info = MediaInfo {
            device_software: Some("Android 14".to_owned()),
            ..neutral()
        };
        let s = only(&info, "device_software");
        assert!(s.weight > 1.0);
        assert_eq!(s.detail, "device software Android 14");
    }

    #[test]
    fn camera_software_and_release_tools() {
        let sw = |handler: Option<&str>, venc: Option<&str>, enc: Option<&str>| MediaInfo {
            video_handler: handler.map(str::to_owned),
            video_encoder: venc.map(str::to_owned),
            encoder: enc.map(str::to_owned),
            ..neutral()
        };
        let s = only(
            &sw(Some("Core Media Video"), Some("H.264"), None),
            "camera_software",
        );
        assert!(s.weight > 0.0);
        assert_eq!(s.detail, "recorded by Core Media Video");
        let s = only(
            &sw(Some("GoPro AVC"), Some("GoPro AVC encoder"), None),
            "camera_software",
        );
        assert_eq!(s.detail, "recorded by GoPro AVC");
        assert_eq!(
            only(&sw(Some("VideoHandle"), None, None), "camera_software").detail,
            "recorded by VideoHandle"
        );
        assert_eq!(
            only(&sw(None, None, Some("DJIMini2")), "camera_software").detail,
            "recorded by DJIMini2"
        );
        // ffmpeg's own names are neutral.
        let ffmpeg = sw(
            Some("VideoHandler"),
            Some("Lavc59.37.100 libx264"),
            Some("Lavf59.27.100"),
        );
        assert_eq!(collect("clip.mp4", Some(&ffmpeg)).signals, vec![]);

        let s = only(
            &sw(None, None, Some("HandBrake 1.6.1 2023012300")),
            "release_tool",
        );
        assert!(s.weight < 0.0);
        assert_eq!(s.detail, "written by HandBrake 1.6.1 2023012300");
        let s = only(
            &sw(None, None, Some("libebml v1.4.2 + libmatroska v1.6.4")),
            "release_tool",
        );
        assert!(s.weight < 0.0);
    }

    #[test]
    fn rotation_signals() {
        let rotated = |r: Option<i32>| MediaInfo {
            rotation: r,
            ..neutral()
        };
        for r in [90, 270] {
            let s = only(&rotated(Some(r)), "rotation");
            assert!(s.weight >= 2.0);
            assert_eq!(s.detail, format!("portrait (rotation {r})"));
        }
        let s = only(&rotated(Some(180)), "rotation");
        assert!(s.weight > 0.0 && s.weight < 2.0);
        assert_eq!(s.detail, "upside down (rotation 180)");
        assert_eq!(collect("clip.mp4", Some(&rotated(Some(0)))).signals, vec![]);
        assert_eq!(collect("clip.mp4", Some(&rotated(None))).signals, vec![]);
    }

    #[test]
    fn portrait_frame_without_rotation() {
        let info = MediaInfo {
            streams: vec![video(300, 500, 12.5)],
            ..neutral()
        };
        let s = only(&info, "portrait");
        assert!(s.weight > 0.0);
        assert_eq!(s.detail, "portrait frame 300x500");
        // Rotation already tells portrait: counted once, as rotation.
        let rotated = MediaInfo {
            rotation: Some(90),
            streams: vec![video(500, 300, 12.5)],
            ..neutral()
        };
        absent(&rotated, "portrait");
        // Portrait pixels turned a quarter are shown landscape.
        let turned = MediaInfo {
            rotation: Some(270),
            streams: vec![video(300, 500, 12.5)],
            ..neutral()
        };
        absent(&turned, "portrait");
    }

    #[test]
    fn variable_frame_rate_is_positive() {
        let info = MediaInfo {
            variable_frame_rate: true,
            ..neutral()
        };
        let s = only(&info, "variable_frame_rate");
        assert!(s.weight > 0.0);
    }

    #[test]
    fn frame_rate_and_size() {
        let fr = |w: i32, h: i32, fps: f64| {
            collect(
                "clip.mp4",
                Some(&MediaInfo {
                    streams: vec![video(w, h, fps)],
                    ..neutral()
                }),
            )
            .get("frame_rate")
            .cloned()
        };
        // Camera rates at camera sizes, either orientation: weak +.
        for (w, h, fps) in [
            (1920, 1080, 30000.0 / 1001.0),
            (1080, 1920, 30.0),
            (3840, 2160, 60.0),
            (1280, 720, 60000.0 / 1001.0),
            (640, 480, 30.0),
        ] {
            let s = fr(w, h, fps).unwrap_or_else(|| panic!("{w}x{h}@{fps}"));
            assert!(s.weight > 0.0 && s.weight < 1.0, "{s:?}");
        }
        assert_eq!(
            fr(1920, 1080, 30000.0 / 1001.0).unwrap().detail,
            "29.97 fps at 1920x1080, as phones and cameras record"
        );
        // Slow motion.
        let s = fr(1920, 1080, 240.0).unwrap();
        assert!(s.weight > 0.4);
        assert_eq!(s.detail, "high frame rate 240 fps (slow motion)");
        // Camera rate at an encode's size: nothing.
        assert_eq!(fr(1920, 800, 30.0), None);
        // Film cadence: widescreen −, scope more −.
        let wide = fr(1920, 1080, 24000.0 / 1001.0).unwrap();
        let scope = fr(1920, 800, 24000.0 / 1001.0).unwrap();
        assert!(wide.weight < 0.0 && scope.weight < wide.weight);
        assert_eq!(
            scope.detail,
            "film cadence 23.976 fps, cinema-scope 1920x800 (2.40:1)"
        );
        assert!(fr(1920, 1040, 24.0).unwrap().weight < 0.0);
        let pal = fr(1024, 576, 25.0).unwrap();
        assert!(pal.weight < 0.0 && pal.weight > wide.weight);
        // 4:3 at 24/25: no claim.
        assert_eq!(fr(720, 540, 24.0), None);
        assert_eq!(fr(720, 576, 25.0), None);
    }

    #[test]
    fn duration_ranges() {
        let dur = |minutes: f64| {
            collect(
                "clip.mp4",
                Some(&MediaInfo {
                    duration_ms: Some((minutes * 60_000.0) as i64),
                    ..neutral()
                }),
            )
            .get("duration")
            .cloned()
        };
        let clip = dur(0.7).unwrap();
        assert!(clip.weight > 0.0);
        assert_eq!(clip.detail, "short clip 0:42");
        assert!(dur(9.0).unwrap().weight > 0.0);
        assert!(dur(9.0).unwrap().weight < clip.weight);
        assert_eq!(dur(12.0), None);
        let episode = dur(42.0).unwrap();
        assert!(episode.weight < 0.0);
        assert_eq!(episode.detail, "episode length 42:00");
        assert_eq!(dur(70.0), None);
        let feature = dur(120.0).unwrap();
        assert!(feature.weight < episode.weight);
        assert_eq!(feature.detail, "feature length 2:00:00");
        assert_eq!(dur(300.0), None);
    }

    #[test]
    fn camera_style_names() {
        for name in [
            "IMG_1234.MOV",
            "IMG_1234 (1).mov",
            "img_0001-beach.mp4",
            "IMG_20240101_123456.mp4",
            "VID_20240101_123456.mp4",
            "VID20240101123456.mp4",
            "VID-20240101-WA0001.mp4",
            "WhatsApp Video 2024-01-01 at 12.34.56.mp4",
            "DSC01234.MP4",
            "DSCN1234.AVI",
            "DSCF1234.MOV",
            "DSC_1234.MOV",
            "MVI_1234.MOV",
            "MOV_0001.mp4",
            "MAH00123.MP4",
            "C0001.MP4",
            "GOPR0001.MP4",
            "GP010001.MP4",
            "GH010001.MP4",
            "GX010001.MP4",
            "PXL_20240101_123456789.mp4",
            "PXL_20240101_123456789.TS.mp4",
            "DJI_0001.MP4",
            "DJI_20240101123456_0001_D.MP4",
            "20240101_123456.mp4",
            "Screen Recording 2024-01-01 at 12.34.56.mov",
            "Screen_Recording_20240101-123456_Chrome.mp4",
            "screen-20240101-123456.mp4",
            "RPReplay_Final1700000000.MP4",
            "FullSizeRender.mov",
            "/media/Home/2024/IMG_1234.MOV",
            r"C:\Videos\GX010001.MP4",
        ] {
            let found = collect(name, None);
            let s = found
                .get("camera_name")
                .unwrap_or_else(|| panic!("{name}: {:?}", found.signals));
            assert!(s.weight >= 2.0, "{name}");
            assert!(found.home_video_score() > 0.9, "{name}");
        }
        assert_eq!(
            collect("IMG_1234.MOV", None).reasons(),
            ["camera-style name \"IMG_1234\" (IMG_ counter)"]
        );
        for name in [
            "clip.mp4",
            "Birthday 2019.mp4",
            "The Image 1234.mkv",
            "MIMG_1234.mp4",
            "C00012.mp4",
            "Movie (2010).mkv",
            "DSC.mp4",
            "2024-01-01 holiday.mp4",
        ] {
            assert!(
                collect(name, None).get("camera_name").is_none(),
                "{name}: {:?}",
                collect(name, None).signals
            );
        }
    }

    #[test]
    fn camera_name_patterns_all_compile() {
        assert_eq!(CAMERA_NAMES.len(), CAMERA_NAME_PATTERNS.len());
    }

    #[test]
    fn release_style_names() {
        let release = |name: &str| collect(name, None).get("release_name").cloned();
        let film = release("Movie.2010.1080p.BluRay.x264.mkv").unwrap();
        assert_eq!(film.detail, "release-style name (1080p, bluray, x264)");
        assert!(film.weight <= -3.0);
        let s = release("Show.Name.S01E02.720p.WEB-DL.DDP5.1.H.264-GRP.mkv").unwrap();
        assert_eq!(
            s.detail,
            "release-style name (720p, webdl, h264, ddp5, s01e02)"
        );
        assert!(s.weight >= -3.5);
        assert_eq!(
            release("Show - s1e2.mkv").unwrap().detail,
            "release-style name (s1e2)"
        );
        let one = release("Beach 4K.mp4").unwrap();
        assert!(one.weight < 0.0 && one.weight > film.weight);
        for name in [
            "clip.mp4",
            "Movie (2010).mkv",
            "IMG_1234.MOV",
            "Season 1 party.mp4",
            "x2640.mp4",
            "The 1080 Project.mp4",
            "s01.mp4",
            "sea.mp4",
        ] {
            assert_eq!(release(name), None, "{name}");
        }
    }

    #[test]
    fn audio_languages_and_subtitles() {
        let info = MediaInfo {
            streams: vec![
                video(500, 300, 12.5),
                audio("opus", 2, 44_100, Some("eng")),
                audio("opus", 2, 44_100, Some("jpn")),
                audio("opus", 2, 44_100, Some("und")),
                audio("opus", 2, 44_100, Some("ENG")),
            ],
            ..neutral()
        };
        let s = only(&info, "audio_languages");
        assert!(s.weight < 0.0);
        assert_eq!(s.detail, "2 audio languages (eng, jpn)");
        let one_language = MediaInfo {
            streams: vec![
                audio("opus", 2, 44_100, Some("eng")),
                audio("opus", 2, 44_100, Some("und")),
            ],
            ..neutral()
        };
        absent(&one_language, "audio_languages");

        let subs = |n: usize| MediaInfo {
            streams: (0..n).map(|_| subtitle("eng")).collect(),
            ..neutral()
        };
        let one = only(&subs(1), "subtitles");
        let three = only(&subs(3), "subtitles");
        assert!(one.weight < 0.0 && three.weight < one.weight);
        assert_eq!(three.detail, "3 subtitle tracks");
    }

    #[test]
    fn camera_audio_versus_cinema_audio() {
        let with_audio = |a: StreamInfo| MediaInfo {
            streams: vec![video(500, 300, 12.5), a],
            ..neutral()
        };
        let s = only(&with_audio(audio("aac", 2, 48_000, None)), "audio");
        assert!(s.weight > 0.0 && s.weight < 1.0);
        assert_eq!(s.detail, "stereo AAC 48 kHz, as cameras record");
        assert!(only(&with_audio(audio("pcm_s16le", 1, 48_000, None)), "audio").weight > 0.0);
        absent(&with_audio(audio("aac", 2, 44_100, None)), "audio");
        absent(&with_audio(audio("ac3", 2, 48_000, None)), "audio");

        let mut surround = audio("ac3", 6, 48_000, None);
        surround.channel_layout = Some("5.1(side)".to_owned());
        let s = only(&with_audio(surround), "audio");
        assert!(s.weight < 0.0);
        assert_eq!(s.detail, "5.1(side) AC3 audio");
        for codec in ["dts", "truehd", "eac3"] {
            assert!(only(&with_audio(audio(codec, 2, 48_000, None)), "audio").weight < 0.0);
        }
        // The default track decides, not the first.
        let mut commentary = audio("aac", 2, 48_000, None);
        commentary.is_default = false;
        let mut main = audio("eac3", 6, 48_000, None);
        main.is_default = true;
        let info = MediaInfo {
            streams: vec![commentary, main],
            ..neutral()
        };
        assert!(
            collect("clip.mp4", Some(&info))
                .get("audio")
                .unwrap()
                .weight
                < 0.0
        );
    }

    fn phone_clip() -> MediaInfo {
        MediaInfo {
            container: Some("mov,mp4,m4a,3gp,3g2,mj2".to_owned()),
            duration_ms: Some(34_000),
            creation_time: Some("2021-06-01T12:34:56Z".to_owned()),
            rotation: Some(90),
            camera_make: Some("Apple".to_owned()),
            camera_model: Some("iPhone 12".to_owned()),
            location: Some("+48.8577+002.2950+035.000/".to_owned()),
            streams: vec![
                video(1920, 1080, 30000.0 / 1001.0),
                audio("aac", 2, 44_100, None),
            ],
            ..MediaInfo::default()
        }
    }

    fn film() -> MediaInfo {
        let mut a = audio("ac3", 6, 48_000, Some("eng"));
        a.channel_layout = Some("5.1(side)".to_owned());
        a.is_default = true;
        MediaInfo {
            container: Some("matroska,webm".to_owned()),
            duration_ms: Some(2 * 3_600_000),
            streams: vec![video(1920, 1080, 24000.0 / 1001.0), a],
            ..MediaInfo::default()
        }
    }

    #[test]
    fn score_ordering() {
        let phone = collect("clip.mp4", Some(&phone_clip()));
        assert!(phone.home_video_score() > 0.9, "{:?}", phone.reasons());
        assert_eq!(
            phone.reasons()[..2],
            [
                "camera make Apple iPhone 12",
                "location +48.8577+002.2950+035.000/"
            ]
        );
        let film_named = collect("Movie.2010.1080p.BluRay.x264.mkv", Some(&film()));
        assert!(
            film_named.home_video_score() < 0.1,
            "{}: {:?}",
            film_named.home_video_score(),
            film_named.reasons()
        );
        // Even without its release name the film's probe leans produced.
        let film_plain = collect("Movie.mkv", Some(&film()));
        assert!(film_plain.home_video_score() < 0.1);
        let unknown = collect("clip.mp4", None).home_video_score();
        assert!((0.5..=0.65).contains(&unknown), "{unknown}");
        // A camera-named clip probed as a phone clip beats the bare probe.
        let named_phone = collect("IMG_1234.MOV", Some(&phone_clip()));
        assert!(named_phone.home_video_score() > phone.home_video_score());
        assert!(film_named.home_video_score() < film_plain.home_video_score());
        assert!(film_plain.home_video_score() < unknown);
        assert!(unknown < phone.home_video_score());
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("IMG_1234.MOV"), "IMG_1234");
        assert_eq!(file_stem("/a/b/IMG_1234.MOV"), "IMG_1234");
        assert_eq!(file_stem(r"C:\a\IMG_1234.MOV"), "IMG_1234");
        assert_eq!(
            file_stem("PXL_20240101_123456789.TS.mp4"),
            "PXL_20240101_123456789.TS"
        );
        assert_eq!(file_stem("noext"), "noext");
        assert_eq!(file_stem(".hidden"), ".hidden");
        assert_eq!(file_stem("a.b c"), "a.b c");
        assert_eq!(file_stem(""), "");
    }

    #[test]
    fn episode_markers() {
        for t in ["s01e02", "s1e2", "s01e01e02", "s2024e100"] {
            assert!(is_episode_marker(t), "{t}");
        }
        for t in ["s01", "se01", "s01e", "s01e02x", "sea", "s00001e01", "e01"] {
            assert!(!is_episode_marker(t), "{t}");
        }
    }
}
