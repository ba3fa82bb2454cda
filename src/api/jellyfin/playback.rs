//! Playback negotiation and the static stream (contract §7): `PlaybackInfo` describes every
//! version of an item as a `MediaSourceInfo` and says, against the client's `DeviceProfile`,
//! whether the file can be played as it is; `/Videos/{id}/stream` serves the file.
//!
//! Kinora has no transcoder yet, so the only thing it can deliver is the file itself:
//!
//! * `SupportsDirectPlay`: the profile lists the file's container and codecs in a `Video`
//!   `DirectPlayProfile`, its `CodecProfiles` conditions pass, and the file's bitrate fits the
//!   client's `MaxStreamingBitrate` (Jellyfin's `StreamBuilder`, reduced). No profile at all
//!   means "no restrictions" (Jellyfin leaves such sources direct-playable).
//! * `SupportsDirectStream`: the static stream URL will give the client something it can play.
//!   In Jellyfin this means "remux, codecs copied"; without a remuxer it can only be the file
//!   as-is, so it is offered when there is no profile, when the profile has no `Video`
//!   `DirectPlayProfiles` at all (Findroid's "Direct play all" profile with empty lists: the
//!   client decides by itself), or when the file's codecs and container fit the profile (then
//!   only the bitrate limit kept direct play off — streaming the file is still better than
//!   nothing). It is never offered to a client whose profile rules the file out: a browser
//!   would otherwise be handed HEVC/AC-3 in MKV and fail.
//! * `SupportsTranscoding` is false; when a source is neither direct-playable nor
//!   direct-streamable the response carries `ErrorCode: "NoCompatibleStream"`, which clients
//!   show as "no compatible stream" instead of failing in the player.
//!
//! The stream route is anonymous (Swiftfin sends no token) and serves catalogued files only,
//! by item id and optional `mediaSourceId`; nothing a client sends is used as a path.
//! `static=false` (a progressive transcode in Jellyfin) is answered with the file as-is too.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::auth::JfAuth;
use super::dto::short_container;
use super::ids::{from_wire, to_wire};
use super::query::body_field as field;
use super::query::json_i64;
use super::query::JfQuery;
use super::respond::{json, JfError};
use super::subtitles::{self, SubtitleProfile};
use super::wire_time::ms_to_ticks;
use crate::api::item_stream::ItemStreamError;
use crate::api::AppState;
use crate::db::items;
use crate::db::media_files::{self, probe_state, state};
use crate::domain::{Item, MediaFile, StoredStream, StreamInfo, StreamKind};
use crate::media::direct_play::DirectPlayError;
use crate::media::subtitles::ExternalSubtitle;

/// How long `PlaybackInfo` waits for a priority probe of a never-probed file.
const PROBE_WAIT: Duration = Duration::from_secs(10);
const PROBE_POLL: Duration = Duration::from_millis(200);
/// Priority of a probe a client is waiting for (the backlog runs at 0).
const PROBE_PRIORITY: i32 = 100;

pub const NO_COMPATIBLE_STREAM: &str = "NoCompatibleStream";

/// Registers the playback routes (lower-case; the wire middleware folds request paths).
pub fn configure_playback(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/items/{item_id}/playbackinfo",
        web::get().to(get_playback_info),
    )
    .route(
        "/items/{item_id}/playbackinfo",
        web::post().to(get_playback_info),
    )
    .route("/videos/{item_id}/stream", web::get().to(get_video_stream))
    .route("/videos/{item_id}/stream", web::head().to(get_video_stream))
    .route(
        "/videos/{item_id}/stream.{container}",
        web::get().to(get_video_stream_with_container),
    )
    .route(
        "/videos/{item_id}/stream.{container}",
        web::head().to(get_video_stream_with_container),
    );
}

// ---------------------------------------------------------------------------------------------
// Request: PlaybackInfoDto and DeviceProfile, read case-insensitively.
// ---------------------------------------------------------------------------------------------

/// What the client asked for (`PlaybackInfoDto` body and/or the same names as query).
#[derive(Debug, Clone)]
pub struct PlaybackRequest {
    pub max_streaming_bitrate: Option<i64>,
    pub audio_stream_index: Option<i32>,
    pub subtitle_stream_index: Option<i32>,
    pub media_source_id: Option<String>,
    pub enable_direct_play: bool,
    pub enable_direct_stream: bool,
    pub profile: Option<DeviceProfile>,
}

impl Default for PlaybackRequest {
    fn default() -> Self {
        PlaybackRequest {
            max_streaming_bitrate: None,
            audio_stream_index: None,
            subtitle_stream_index: None,
            media_source_id: None,
            enable_direct_play: true,
            enable_direct_stream: true,
            profile: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DeviceProfile {
    pub max_streaming_bitrate: Option<i64>,
    pub direct_play_profiles: Vec<DirectPlayProfile>,
    pub codec_profiles: Vec<CodecProfile>,
    pub subtitle_profiles: Vec<SubtitleProfile>,
}

#[derive(Debug, Clone, Default)]
pub struct DirectPlayProfile {
    /// `Video`, `Audio`, `Photo`… as sent.
    pub kind: String,
    pub container: String,
    pub video_codec: String,
    pub audio_codec: String,
}

#[derive(Debug, Clone, Default)]
pub struct CodecProfile {
    /// `Video`, `VideoAudio` or `Audio`.
    pub kind: String,
    pub codec: String,
    pub container: String,
    pub conditions: Vec<ProfileCondition>,
    pub apply_conditions: Vec<ProfileCondition>,
}

#[derive(Debug, Clone, Default)]
pub struct ProfileCondition {
    pub condition: String,
    pub property: String,
    pub value: String,
    pub is_required: bool,
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// A string field; arrays (some clients send lists) are joined with commas.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items
            .iter()
            .map(as_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

fn text_field(obj: &Value, name: &str) -> String {
    field(obj, name).map(as_text).unwrap_or_default()
}

fn array_field<'a>(obj: &'a Value, name: &str) -> &'a [Value] {
    field(obj, name)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn i32_of(v: Option<i64>) -> Option<i32> {
    v.and_then(|n| i32::try_from(n).ok())
}

impl ProfileCondition {
    fn parse(v: &Value) -> ProfileCondition {
        ProfileCondition {
            condition: text_field(v, "Condition"),
            property: text_field(v, "Property"),
            value: text_field(v, "Value"),
            is_required: field(v, "IsRequired").and_then(as_bool).unwrap_or(false),
        }
    }
}

impl DeviceProfile {
    pub fn parse(v: &Value) -> DeviceProfile {
        DeviceProfile {
            max_streaming_bitrate: field(v, "MaxStreamingBitrate").and_then(json_i64),
            direct_play_profiles: array_field(v, "DirectPlayProfiles")
                .iter()
                .map(|p| DirectPlayProfile {
                    kind: text_field(p, "Type"),
                    container: text_field(p, "Container"),
                    video_codec: text_field(p, "VideoCodec"),
                    audio_codec: text_field(p, "AudioCodec"),
                })
                .collect(),
            codec_profiles: array_field(v, "CodecProfiles")
                .iter()
                .map(|p| CodecProfile {
                    kind: text_field(p, "Type"),
                    codec: text_field(p, "Codec"),
                    container: text_field(p, "Container"),
                    conditions: array_field(p, "Conditions")
                        .iter()
                        .map(ProfileCondition::parse)
                        .collect(),
                    apply_conditions: array_field(p, "ApplyConditions")
                        .iter()
                        .map(ProfileCondition::parse)
                        .collect(),
                })
                .collect(),
            subtitle_profiles: array_field(v, "SubtitleProfiles")
                .iter()
                .map(|p| SubtitleProfile {
                    format: text_field(p, "Format"),
                    method: text_field(p, "Method"),
                })
                .collect(),
        }
    }

    fn has_video_direct_play_profiles(&self) -> bool {
        self.direct_play_profiles
            .iter()
            .any(|p| p.kind.eq_ignore_ascii_case("video"))
    }
}

impl PlaybackRequest {
    /// Query parameters win over the body (Jellyfin binds both and prefers the query).
    pub fn read(body: &Value, query: &JfQuery) -> PlaybackRequest {
        let int = |name: &str| {
            query
                .i64(name)
                .or_else(|| field(body, name).and_then(json_i64))
        };
        let flag = |name: &str| {
            query
                .bool(name)
                .or_else(|| field(body, name).and_then(as_bool))
        };
        let media_source_id = query
            .get("MediaSourceId")
            .map(str::to_string)
            .or_else(|| field(body, "MediaSourceId").map(as_text))
            .filter(|s| !s.trim().is_empty());
        PlaybackRequest {
            max_streaming_bitrate: int("MaxStreamingBitrate").filter(|b| *b > 0),
            audio_stream_index: i32_of(int("AudioStreamIndex")),
            subtitle_stream_index: i32_of(int("SubtitleStreamIndex")),
            media_source_id,
            enable_direct_play: flag("EnableDirectPlay").unwrap_or(true),
            enable_direct_stream: flag("EnableDirectStream").unwrap_or(true),
            profile: field(body, "DeviceProfile")
                .filter(|p| p.is_object())
                .map(DeviceProfile::parse),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The decision: can the client play this file as it is?
// ---------------------------------------------------------------------------------------------

/// What the decision needs to know about one file.
#[derive(Debug, Clone, Default)]
pub struct SourceFacts<'a> {
    /// Lower-case names the container answers to (`mp4`, and for the QuickTime family every
    /// name ffprobe lists: `mov`, `m4a`…; `mkv` and `matroska`).
    pub containers: Vec<String>,
    /// Overall bitrate in bits per second.
    pub bitrate: Option<i64>,
    pub video: Option<&'a StreamInfo>,
    /// The audio stream that would play.
    pub audio: Option<&'a StreamInfo>,
    pub video_streams: usize,
    pub audio_streams: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub direct_play: bool,
    pub direct_stream: bool,
    /// Why direct play is off, in Jellyfin's `TranscodeReason` names (for logs and tests).
    pub reasons: Vec<&'static str>,
}

impl Decision {
    pub fn playable(&self) -> bool {
        self.direct_play || self.direct_stream
    }
}

/// The names a container answers to, from ffprobe's format name and the file's extension.
pub fn container_names(format: Option<&str>, path: &std::path::Path) -> Vec<String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let short = match format {
        Some(f) if !f.trim().is_empty() => short_container(f, path.to_str()),
        _ => ext.clone(),
    }
    .to_ascii_lowercase();
    let mut names = vec![short.clone()];
    let mut add = |n: &str| {
        let n = n.trim().to_ascii_lowercase();
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    };
    match short.as_str() {
        "mkv" => add("matroska"),
        "ts" | "m2ts" => add("mpegts"),
        _ => {}
    }
    // The QuickTime family is one demuxer: a profile's `mp4` covers `.mov`/`.m4v` too, as it
    // does in Jellyfin (whose container for them is ffprobe's whole list).
    if let Some(f) = format.filter(|f| f.trim_start().starts_with("mov")) {
        for n in f.split(',') {
            add(n);
        }
    }
    names
}

fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Codec names clients and ffprobe spell differently.
fn canonical_codec(codec: &str) -> String {
    let c = codec.trim().to_ascii_lowercase();
    match c.as_str() {
        "h265" | "hev1" | "hvc1" => "hevc".into(),
        "avc" | "avc1" => "h264".into(),
        "dca" => "dts".into(),
        "mpeg2" => "mpeg2video".into(),
        _ => c,
    }
}

/// A profile's container list (empty = any; a leading `-` makes it an exclusion list) against
/// the names the file's container answers to.
fn container_matches(profile_list: &str, names: &[String]) -> bool {
    let trimmed = profile_list.trim();
    if let Some(excluded) = trimmed.strip_prefix('-') {
        let excluded = split_list(excluded);
        return !names.iter().any(|n| excluded.contains(n));
    }
    let wanted = split_list(trimmed);
    wanted.is_empty() || names.iter().any(|n| wanted.contains(n))
}

/// A profile's codec list (empty = any) against a stream's codec; an unknown codec only
/// passes an empty list.
fn codec_matches(profile_list: &str, codec: Option<&str>) -> bool {
    let wanted: Vec<String> = split_list(profile_list)
        .iter()
        .map(|c| canonical_codec(c))
        .collect();
    if wanted.is_empty() {
        return true;
    }
    codec.is_some_and(|c| wanted.contains(&canonical_codec(c)))
}

/// A property value as the condition evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
enum PropValue {
    Num(f64),
    Text(String),
    Flag(bool),
}

/// The property a condition names, for a video (`Video` profiles) or the playing audio stream
/// (`VideoAudio`). `Err(())` = a property Kinora does not evaluate (the condition is skipped,
/// as Jellyfin skips properties it does not know); `Ok(None)` = known property, value unknown.
fn property(facts: &SourceFacts<'_>, name: &str) -> Result<Option<PropValue>, ()> {
    let v = facts.video;
    let a = facts.audio;
    let num = |x: Option<f64>| Ok(x.map(PropValue::Num));
    match name.to_ascii_lowercase().as_str() {
        "width" => num(v.and_then(|s| s.width).map(f64::from)),
        "height" => num(v.and_then(|s| s.height).map(f64::from)),
        "videobitdepth" => num(v.and_then(video_bit_depth).map(f64::from)),
        "videobitrate" => num(v
            .and_then(|s| s.bit_rate)
            .or(facts.bitrate)
            .map(|b| b as f64)),
        "videoframerate" => num(v.and_then(|s| s.frame_rate)),
        "videolevel" => num(v.and_then(|s| s.level).map(f64::from)),
        "videoprofile" => Ok(v.and_then(|s| s.profile.clone()).map(PropValue::Text)),
        "videorangetype" => Ok(v.map(|_| PropValue::Text("SDR".into()))),
        "isinterlaced" => Ok(v.map(|_| PropValue::Flag(false))),
        "isanamorphic" => Ok(v.map(|_| PropValue::Flag(false))),
        "isavc" => Ok(v.map(|s| PropValue::Flag(is_avc(s, &facts.containers)))),
        "numvideostreams" => num(Some(facts.video_streams as f64)),
        "numaudiostreams" => num(Some(facts.audio_streams as f64)),
        "audiochannels" => num(a.and_then(|s| s.channels).map(f64::from)),
        "audiobitrate" => num(a.and_then(|s| s.bit_rate).map(|b| b as f64)),
        "audiosamplerate" => num(a.and_then(|s| s.sample_rate).map(f64::from)),
        "audiobitdepth" => num(a.and_then(|s| s.bit_depth).map(f64::from)),
        "audioprofile" => Ok(a.and_then(|s| s.profile.clone()).map(PropValue::Text)),
        // The playing audio stream is the default one, so never "secondary".
        "issecondaryaudio" => Ok(a.map(|_| PropValue::Flag(false))),
        _ => Err(()),
    }
}

fn reason_for(property: &str) -> &'static str {
    match property.to_ascii_lowercase().as_str() {
        "width" | "height" => "VideoResolutionNotSupported",
        "videobitdepth" => "VideoBitDepthNotSupported",
        "videobitrate" => "VideoBitrateNotSupported",
        "videoframerate" => "VideoFramerateNotSupported",
        "videolevel" => "VideoLevelNotSupported",
        "videoprofile" => "VideoProfileNotSupported",
        "videorangetype" => "VideoRangeTypeNotSupported",
        "isinterlaced" => "InterlacedVideoNotSupported",
        "isanamorphic" => "AnamorphicVideoNotSupported",
        "isavc" => "VideoCodecNotSupported",
        "numvideostreams" | "numaudiostreams" => "StreamCountExceedsLimit",
        "audiochannels" => "AudioChannelsNotSupported",
        "audiobitrate" => "AudioBitrateNotSupported",
        "audiosamplerate" => "AudioSampleRateNotSupported",
        "audiobitdepth" => "AudioBitDepthNotSupported",
        "audioprofile" => "AudioProfileNotSupported",
        "issecondaryaudio" => "SecondaryAudioNotSupported",
        _ => "DirectPlayError",
    }
}

/// Jellyfin's `ConditionProcessor`: an unknown value passes unless the condition is required;
/// a known value must satisfy it (a value the condition cannot be compared with fails).
fn condition_holds(c: &ProfileCondition, facts: &SourceFacts<'_>) -> bool {
    let actual = match property(facts, &c.property) {
        Err(()) => return true,
        Ok(None) => return !c.is_required,
        Ok(Some(v)) => v,
    };
    let op = c.condition.trim().to_ascii_lowercase();
    let expected = c.value.trim();
    match actual {
        PropValue::Num(x) => {
            let parse = |s: &str| s.trim().parse::<f64>().ok();
            let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
            match op.as_str() {
                "equalsany" => expected.split('|').filter_map(parse).any(|e| close(e, x)),
                _ => match parse(expected) {
                    None => false,
                    Some(e) => match op.as_str() {
                        "equals" => close(x, e),
                        "notequals" => !close(x, e),
                        "lessthanequal" => x <= e + 1e-6,
                        "greaterthanequal" => x >= e - 1e-6,
                        _ => false,
                    },
                },
            }
        }
        PropValue::Text(s) => match op.as_str() {
            "equals" => s.eq_ignore_ascii_case(expected),
            "notequals" => !s.eq_ignore_ascii_case(expected),
            "equalsany" => expected
                .split('|')
                .any(|e| e.trim().eq_ignore_ascii_case(&s)),
            "substringof" => expected
                .to_ascii_lowercase()
                .contains(&s.to_ascii_lowercase()),
            _ => false,
        },
        PropValue::Flag(b) => {
            let e = match expected.to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            };
            match (op.as_str(), e) {
                ("equals", Some(e)) => b == e,
                ("notequals", Some(e)) => b != e,
                ("equalsany", _) => expected.split('|').any(|e| {
                    e.trim()
                        .eq_ignore_ascii_case(if b { "true" } else { "false" })
                }),
                _ => false,
            }
        }
    }
}

/// Reasons the profile's codec/container rules reject the file (empty = it fits). The
/// bitrate limit is not part of this.
fn profile_blockers(profile: &DeviceProfile, facts: &SourceFacts<'_>) -> Vec<&'static str> {
    let video_codec = facts.video.and_then(|s| s.codec.as_deref());
    let audio_codec = facts.audio.and_then(|s| s.codec.as_deref());
    let video_profiles: Vec<&DirectPlayProfile> = profile
        .direct_play_profiles
        .iter()
        .filter(|p| p.kind.eq_ignore_ascii_case("video"))
        .collect();
    let by_container: Vec<&&DirectPlayProfile> = video_profiles
        .iter()
        .filter(|p| container_matches(&p.container, &facts.containers))
        .collect();
    let mut reasons = Vec::new();
    if by_container.is_empty() {
        reasons.push("ContainerNotSupported");
        // Still say which codecs would not fit either (as Jellyfin's reasons do).
        if !video_profiles
            .iter()
            .any(|p| codec_matches(&p.video_codec, video_codec))
        {
            reasons.push("VideoCodecNotSupported");
        }
        if facts.audio.is_some()
            && !video_profiles
                .iter()
                .any(|p| codec_matches(&p.audio_codec, audio_codec))
        {
            reasons.push("AudioCodecNotSupported");
        }
        return reasons;
    }
    let by_video: Vec<&&&DirectPlayProfile> = by_container
        .iter()
        .filter(|p| codec_matches(&p.video_codec, video_codec))
        .collect();
    if by_video.is_empty() {
        reasons.push("VideoCodecNotSupported");
    }
    let audio_ok =
        |p: &DirectPlayProfile| facts.audio.is_none() || codec_matches(&p.audio_codec, audio_codec);
    if by_video.is_empty() {
        if !by_container.iter().any(|p| audio_ok(p)) {
            reasons.push("AudioCodecNotSupported");
        }
    } else if !by_video.iter().any(|p| audio_ok(p)) {
        reasons.push("AudioCodecNotSupported");
    }
    if !reasons.is_empty() {
        return reasons;
    }

    for cp in &profile.codec_profiles {
        let applies_to_video = cp.kind.eq_ignore_ascii_case("video");
        let applies_to_audio = cp.kind.eq_ignore_ascii_case("videoaudio");
        let codec = if applies_to_video {
            video_codec
        } else if applies_to_audio {
            if facts.audio.is_none() {
                continue;
            }
            audio_codec
        } else {
            continue;
        };
        if !codec_matches(&cp.codec, codec) || !container_matches(&cp.container, &facts.containers)
        {
            continue;
        }
        if !cp
            .apply_conditions
            .iter()
            .all(|c| condition_holds(c, facts))
        {
            continue;
        }
        for c in &cp.conditions {
            if !condition_holds(c, facts) {
                let r = reason_for(&c.property);
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    reasons
}

/// Direct play / direct stream for one file (see the module documentation for the rules).
pub fn decide(req: &PlaybackRequest, facts: &SourceFacts<'_>) -> Decision {
    let limit = req
        .max_streaming_bitrate
        .or(req.profile.as_ref().and_then(|p| p.max_streaming_bitrate))
        .filter(|l| *l > 0);
    let over_limit = matches!((limit, facts.bitrate), (Some(l), Some(b)) if b > l);
    let (fits, unrestricted, mut reasons) = match &req.profile {
        None => (true, true, Vec::new()),
        Some(p) if !p.has_video_direct_play_profiles() => {
            // Nothing said about video: Jellyfin offers no direct play; the client decides.
            (false, true, vec!["ContainerNotSupported"])
        }
        Some(p) => {
            let r = profile_blockers(p, facts);
            (r.is_empty(), false, r)
        }
    };
    if over_limit {
        reasons.push("ContainerBitrateExceedsLimit");
    }
    if !req.enable_direct_play {
        reasons.push("DirectPlayError");
    }
    let direct_play = req.enable_direct_play && fits && !over_limit;
    let direct_stream = req.enable_direct_stream && (fits || unrestricted);
    Decision {
        direct_play,
        direct_stream,
        reasons,
    }
}

// ---------------------------------------------------------------------------------------------
// Response DTOs.
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct PlaybackInfoResponse {
    pub media_sources: Vec<MediaSourceInfo>,
    pub play_session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MediaSourceInfo {
    pub protocol: &'static str,
    pub id: String,
    pub path: String,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub container: String,
    pub size: i64,
    pub name: String,
    pub is_remote: bool,
    #[serde(rename = "ETag")]
    pub etag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_time_ticks: Option<i64>,
    pub read_at_native_framerate: bool,
    pub ignore_dts: bool,
    pub ignore_index: bool,
    pub gen_pts_input: bool,
    pub supports_transcoding: bool,
    pub supports_direct_stream: bool,
    pub supports_direct_play: bool,
    pub is_infinite_stream: bool,
    pub use_most_compatible_transcoding_profile: bool,
    pub requires_opening: bool,
    pub requires_closing: bool,
    pub requires_looping: bool,
    pub supports_probing: bool,
    pub video_type: &'static str,
    pub media_streams: Vec<MediaStreamDto>,
    pub media_attachments: Vec<Value>,
    pub formats: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
    pub required_http_headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_audio_stream_index: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_subtitle_stream_index: Option<i32>,
    pub has_segments: bool,
    pub transcoding_sub_protocol: &'static str,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MediaStreamDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_range: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_range_type: Option<&'static str>,
    pub audio_spatial_format: &'static str,
    pub display_title: String,
    pub is_interlaced: bool,
    #[serde(rename = "IsAVC", skip_serializing_if = "Option::is_none")]
    pub is_avc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_layout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_rate: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bit_depth: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_rate: Option<i32>,
    pub is_default: bool,
    pub is_forced: bool,
    pub is_hearing_impaired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub average_frame_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_frame_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    pub index: i32,
    pub is_external: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_external_url: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub is_text_subtitle_stream: bool,
    pub supports_external_stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pixel_format: Option<String>,
    pub level: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_anamorphic: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Mapping catalog values to the DTOs.
// ---------------------------------------------------------------------------------------------

/// Jellyfin's `MediaStreamType` for a probed stream; `None` = not listed (font attachments).
fn stream_type(s: &StreamInfo) -> Option<&'static str> {
    match s.kind {
        Some(StreamKind::Video) => Some("Video"),
        Some(StreamKind::Audio) => Some("Audio"),
        Some(StreamKind::Subtitle) => Some("Subtitle"),
        // Cover art (attached pictures) is an embedded image in Jellyfin; fonts are not streams.
        Some(StreamKind::Attachment) => match s.codec.as_deref() {
            Some("mjpeg" | "png" | "bmp" | "gif" | "webp" | "jpeg") => Some("EmbeddedImage"),
            _ => None,
        },
        Some(StreamKind::Data) | None => Some("Data"),
    }
}

/// Bitmap subtitle codecs; every other subtitle codec is text.
fn is_text_subtitle(codec: Option<&str>) -> bool {
    !matches!(
        codec.map(str::to_ascii_lowercase).as_deref(),
        Some(
            "hdmv_pgs_subtitle"
                | "pgssub"
                | "pgs"
                | "dvd_subtitle"
                | "dvdsub"
                | "dvb_subtitle"
                | "dvbsub"
                | "vobsub"
                | "xsub"
                | "dvb_teletext"
        )
    )
}

fn video_bit_depth(s: &StreamInfo) -> Option<i32> {
    s.bit_depth.or_else(|| {
        let pf = s.pixel_format.as_deref()?;
        Some(if pf.contains("12") {
            12
        } else if pf.contains("10") {
            10
        } else {
            8
        })
    })
}

fn is_avc(s: &StreamInfo, containers: &[String]) -> bool {
    s.codec
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("h264"))
        && !containers
            .iter()
            .any(|c| matches!(c.as_str(), "ts" | "m2ts" | "mpegts"))
}

/// `MediaStream.GetResolutionText` (Jellyfin 10.11).
fn resolution_text(width: i32, height: i32) -> Option<&'static str> {
    Some(match width {
        w if w <= 256 && height <= 144 => "144p",
        w if w <= 426 && height <= 240 => "240p",
        w if w <= 640 && height <= 360 => "360p",
        w if w <= 682 && height <= 384 => "384p",
        w if w <= 720 && height <= 404 => "404p",
        w if w <= 854 && height <= 480 => "480p",
        w if w <= 960 && height <= 544 => "540p",
        w if w <= 1024 && height <= 576 => "576p",
        w if w <= 1280 && height <= 962 => "720p",
        w if w <= 2560 && height <= 1440 => "1080p",
        w if w <= 4096 && height <= 3072 => "4K",
        w if w <= 8192 && height <= 6144 => "8K",
        _ => return None,
    })
}

/// Codes Jellyfin leaves out of display titles.
fn is_special_language(code: &str) -> bool {
    matches!(
        code.trim().to_ascii_lowercase().as_str(),
        "und" | "mis" | "mul" | "zxx" | ""
    )
}

fn language_display(code: &str) -> String {
    crate::domain::language::name(code).map_or_else(|| code.to_string(), str::to_string)
}

/// `AudioCodec.GetFriendlyName`.
fn audio_codec_name(codec: &str) -> String {
    match codec.to_ascii_lowercase().as_str() {
        "ac3" => "Dolby Digital".into(),
        "eac3" => "Dolby Digital+".into(),
        "truehd" => "Dolby TrueHD".into(),
        "dts" | "dca" => "DTS".into(),
        "opus" => "Opus".into(),
        "vorbis" => "Vorbis".into(),
        other => other.to_ascii_uppercase(),
    }
}

fn first_upper(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `5.1(side)` → `5.1`, as Jellyfin's probe normalizer stores it.
fn normalize_layout(layout: &str) -> String {
    layout
        .split('(')
        .next()
        .unwrap_or(layout)
        .trim()
        .to_string()
}

/// A title followed by the tags it does not already mention, or the tags alone.
fn with_title(title: Option<&str>, tags: Vec<String>, sep: &str) -> String {
    match title.filter(|t| !t.trim().is_empty()) {
        Some(t) => {
            let lower = t.to_lowercase();
            let mut out = t.to_string();
            for tag in tags {
                if !lower.contains(&tag.to_lowercase()) {
                    out.push_str(" - ");
                    out.push_str(&tag);
                }
            }
            out
        }
        None => tags.join(sep),
    }
}

/// `MediaStream.DisplayTitle` (Jellyfin 10.11), e.g. `1080p H264 SDR`,
/// `English - AAC - Stereo - Default`, `English - Default - SUBRIP`.
fn display_title(s: &StreamInfo, kind: &str) -> String {
    let language = s
        .language
        .as_deref()
        .filter(|l| !is_special_language(l))
        .map(language_display);
    let title = s.title.as_deref();
    match kind {
        "Video" => {
            let mut tags = Vec::new();
            if let (Some(w), Some(h)) = (s.width, s.height) {
                if let Some(r) = resolution_text(w, h) {
                    tags.push(r.to_string());
                }
            }
            if let Some(c) = &s.codec {
                tags.push(c.to_ascii_uppercase());
            }
            tags.push("SDR".into());
            match title.filter(|t| !t.trim().is_empty()) {
                Some(t) => with_title(Some(t), tags, " "),
                None => tags.join(" "),
            }
        }
        "Audio" => {
            let mut tags = Vec::new();
            tags.extend(language);
            match (&s.profile, &s.codec) {
                (Some(p), _) if !p.eq_ignore_ascii_case("lc") => tags.push(p.clone()),
                (_, Some(c)) => tags.push(audio_codec_name(c)),
                _ => {}
            }
            if let Some(layout) = s.channel_layout.as_deref().filter(|l| !l.is_empty()) {
                tags.push(first_upper(&normalize_layout(layout)));
            } else if let Some(ch) = s.channels {
                tags.push(format!("{ch} ch"));
            }
            if s.is_default {
                tags.push("Default".into());
            }
            with_title(title, tags, " - ")
        }
        "Subtitle" => {
            let mut tags = Vec::new();
            tags.extend(language);
            if s.is_default {
                tags.push("Default".into());
            }
            if s.is_forced {
                tags.push("Forced".into());
            }
            if let Some(c) = &s.codec {
                tags.push(c.to_ascii_uppercase());
            }
            with_title(title, tags, " - ")
        }
        _ => title
            .map(str::to_string)
            .or_else(|| s.codec.as_ref().map(|c| c.to_ascii_uppercase()))
            .unwrap_or_default(),
    }
}

/// `16:9`, `4:3`… for well-known shapes, else the reduced `w:h`.
fn aspect_ratio(width: i32, height: i32) -> Option<String> {
    if width <= 0 || height <= 0 {
        return None;
    }
    let r = f64::from(width) / f64::from(height);
    const KNOWN: &[(f64, &str)] = &[
        (16.0 / 9.0, "16:9"),
        (4.0 / 3.0, "4:3"),
        (1.85, "1.85:1"),
        (2.35, "2.35:1"),
        (2.39, "2.39:1"),
        (1.0, "1:1"),
    ];
    if let Some((_, name)) = KNOWN.iter().find(|(k, _)| (r - k).abs() < 0.02) {
        return Some((*name).to_string());
    }
    let (mut a, mut b) = (width, height);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    Some(format!("{}:{}", width / a, height / a))
}

pub fn media_stream(s: &StreamInfo, containers: &[String]) -> Option<MediaStreamDto> {
    let kind = stream_type(s)?;
    let is_video = kind == "Video";
    let is_subtitle = kind == "Subtitle";
    let text_sub = is_subtitle && is_text_subtitle(s.codec.as_deref());
    let frame_rate = s.frame_rate.filter(|f| f.is_finite() && *f > 0.0);
    Some(MediaStreamDto {
        codec: s.codec.clone(),
        language: s.language.clone().filter(|l| !l.trim().is_empty()),
        title: s.title.clone().filter(|t| !t.trim().is_empty()),
        video_range: is_video.then_some("SDR"),
        video_range_type: is_video.then_some("SDR"),
        audio_spatial_format: "None",
        display_title: display_title(s, kind),
        is_interlaced: false,
        is_avc: is_video.then(|| is_avc(s, containers)),
        channel_layout: s
            .channel_layout
            .as_deref()
            .filter(|l| !l.is_empty())
            .map(normalize_layout),
        bit_rate: s.bit_rate,
        bit_depth: if is_video {
            video_bit_depth(s)
        } else {
            s.bit_depth
        },
        channels: s.channels,
        sample_rate: s.sample_rate,
        is_default: s.is_default,
        is_forced: s.is_forced,
        is_hearing_impaired: false,
        height: s.height,
        width: s.width,
        average_frame_rate: frame_rate,
        real_frame_rate: frame_rate,
        profile: s.profile.clone(),
        kind,
        aspect_ratio: if is_video {
            s.width.zip(s.height).and_then(|(w, h)| aspect_ratio(w, h))
        } else {
            None
        },
        index: s.index,
        is_external: false,
        // Kodi reads DeliveryMethod on every subtitle stream; embedded ones travel in the file.
        delivery_method: is_subtitle.then_some("Embed"),
        delivery_url: None,
        is_external_url: None,
        path: None,
        is_text_subtitle_stream: text_sub,
        supports_external_stream: text_sub,
        pixel_format: s.pixel_format.clone(),
        level: s.level.map_or(0.0, f64::from),
        is_anamorphic: is_video.then_some(false),
    })
}

/// A stable tag for a file version (clients pass it back as `Tag=` on stream URLs).
fn etag(file: &MediaFile) -> String {
    let mut h = Sha256::new();
    h.update(file.id.as_bytes());
    h.update(file.size.to_le_bytes());
    h.update(file.mtime_ns.to_le_bytes());
    hex::encode(&h.finalize()[..16])
}

fn file_bitrate(file: &MediaFile) -> Option<i64> {
    file.bit_rate.filter(|b| *b > 0).or_else(|| {
        let ms = file.duration_ms.filter(|d| *d > 0)?;
        Some(file.size.saturating_mul(8).saturating_mul(1000) / ms)
    })
}

/// The streams of one file, the audio stream that plays and the decision facts.
fn pick_audio<'a>(streams: &[&'a StreamInfo], wanted: Option<i32>) -> Option<&'a StreamInfo> {
    let audio = || {
        streams
            .iter()
            .copied()
            .filter(|s| s.kind == Some(StreamKind::Audio))
    };
    wanted
        .and_then(|w| audio().find(|s| s.index == w))
        .or_else(|| audio().find(|s| s.is_default))
        .or_else(|| audio().next())
}

fn pick_subtitle(streams: &[MediaStreamDto], wanted: Option<i32>) -> Option<i32> {
    let subs: Vec<&MediaStreamDto> = streams.iter().filter(|s| s.kind == "Subtitle").collect();
    if subs.is_empty() {
        return None;
    }
    if let Some(w) = wanted {
        if w == -1 || subs.iter().any(|s| s.index == w) {
            return Some(w);
        }
    }
    Some(
        subs.iter()
            .find(|s| s.is_forced)
            .or_else(|| subs.iter().find(|s| s.is_default))
            .map_or(-1, |s| s.index),
    )
}

/// One `MediaSourceInfo` for a file of an item, decided against the request. Usable with
/// `PlaybackRequest::default()` for item listings (`Fields=MediaSources`).
pub fn media_source(
    item: &Item,
    file: &MediaFile,
    streams: &[&StreamInfo],
    externals: &[ExternalSubtitle],
    req: &PlaybackRequest,
) -> (MediaSourceInfo, Decision) {
    let containers = container_names(file.container.as_deref(), &file.path);
    let container = containers.first().cloned().unwrap_or_default();
    let video = streams
        .iter()
        .copied()
        .find(|s| s.kind == Some(StreamKind::Video));
    let audio = pick_audio(streams, req.audio_stream_index);
    let bitrate = file_bitrate(file);
    let facts = SourceFacts {
        containers: containers.clone(),
        bitrate,
        video,
        audio,
        video_streams: streams
            .iter()
            .filter(|s| s.kind == Some(StreamKind::Video))
            .count(),
        audio_streams: streams
            .iter()
            .filter(|s| s.kind == Some(StreamKind::Audio))
            .count(),
    };
    let decision = decide(req, &facts);
    let name = file
        .version_label
        .clone()
        .filter(|l| !l.trim().is_empty())
        .or_else(|| {
            file.path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| item.name.clone());
    let mut media_streams: Vec<MediaStreamDto> = streams
        .iter()
        .filter_map(|s| media_stream(s, &containers))
        .collect();
    media_streams.extend(subtitles::external_streams(
        externals,
        subtitles::first_external_index(streams),
    ));
    subtitles::set_delivery(
        &mut media_streams,
        req.profile.as_ref(),
        &to_wire(&item.id),
        &to_wire(&file.id),
    );
    let default_subtitle_stream_index = pick_subtitle(&media_streams, req.subtitle_stream_index);
    let info = MediaSourceInfo {
        protocol: "File",
        id: to_wire(&file.id),
        path: file.path.to_string_lossy().into_owned(),
        kind: "Default",
        container,
        size: file.size,
        name,
        is_remote: false,
        etag: etag(file),
        run_time_ticks: file.duration_ms.or(item.runtime_ms).map(ms_to_ticks),
        read_at_native_framerate: false,
        ignore_dts: false,
        ignore_index: false,
        gen_pts_input: false,
        supports_transcoding: false,
        supports_direct_stream: decision.direct_stream,
        supports_direct_play: decision.direct_play,
        is_infinite_stream: false,
        use_most_compatible_transcoding_profile: false,
        requires_opening: false,
        requires_closing: false,
        requires_looping: false,
        supports_probing: true,
        video_type: "VideoFile",
        media_streams,
        media_attachments: Vec::new(),
        formats: Vec::new(),
        bitrate,
        required_http_headers: BTreeMap::new(),
        default_audio_stream_index: audio.map(|a| a.index),
        default_subtitle_stream_index,
        has_segments: false,
        transcoding_sub_protocol: "http",
    };
    (info, decision)
}

// ---------------------------------------------------------------------------------------------
// Handlers.
// ---------------------------------------------------------------------------------------------

/// The item's files that play (its versions and parts), as catalogued.
pub(super) async fn active_files(
    state: &AppState,
    item_id: &str,
) -> Result<Vec<MediaFile>, JfError> {
    Ok(
        media_files::for_items(&state.catalog, &[item_id.to_string()])
            .await?
            .into_iter()
            .filter(|f| f.state == state::ACTIVE)
            .collect(),
    )
}

/// Files never probed get a priority probe; waits up to [`PROBE_WAIT`] for them.
async fn ensure_probed(
    state: &AppState,
    item_id: &str,
    files: Vec<MediaFile>,
) -> Result<Vec<MediaFile>, JfError> {
    let unprobed: Vec<&MediaFile> = files
        .iter()
        .filter(|f| f.probe_state == probe_state::NONE)
        .collect();
    if unprobed.is_empty() {
        return Ok(files);
    }
    for f in &unprobed {
        if let Err(e) = state
            .jobs
            .enqueue(crate::workers::probe_job(&f.id, PROBE_PRIORITY))
            .await
        {
            tracing::warn!(file = %f.id, error = %e, "cannot queue a priority probe");
        }
    }
    state.jobs.notify();
    tracing::debug!(item = %item_id, files = unprobed.len(), "waiting for a priority probe");
    let started = Instant::now();
    loop {
        tokio::time::sleep(PROBE_POLL).await;
        let now = active_files(state, item_id).await?;
        let waiting = now.iter().any(|f| f.probe_state == probe_state::NONE);
        if !waiting || started.elapsed() >= PROBE_WAIT {
            if waiting {
                tracing::info!(item = %item_id, "answering PlaybackInfo before the probe finished");
            }
            return Ok(now);
        }
    }
}

/// One `MediaSourceInfo` per file, decided against the request, and whether any of them plays.
pub async fn describe_sources(
    state: &AppState,
    item: &Item,
    files: &[MediaFile],
    request: &PlaybackRequest,
) -> Result<(Vec<MediaSourceInfo>, bool), JfError> {
    let ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    let streams: Vec<StoredStream> = media_files::streams_for(&state.catalog, &ids).await?;
    let mut sources = Vec::with_capacity(files.len());
    let mut any_playable = false;
    for file in files {
        let mine: Vec<&StreamInfo> = streams
            .iter()
            .filter(|s| s.media_file_id == file.id)
            .map(|s| &s.info)
            .collect();
        let externals = subtitles::externals_of(file).await;
        let (source, decision) = media_source(item, file, &mine, &externals, request);
        if !decision.direct_play {
            tracing::debug!(item = %item.id, file = %file.id, reasons = ?decision.reasons,
                direct_stream = decision.direct_stream, "no direct play");
        }
        any_playable |= decision.playable();
        sources.push(source);
    }
    Ok((sources, any_playable))
}

/// The media sources of an item as its details show them (`/Items/{id}`: jellyfin-web builds
/// its version, audio and subtitle menus from them): every active file, no device profile.
pub async fn item_sources(state: &AppState, item: &Item) -> Result<Vec<MediaSourceInfo>, JfError> {
    let files = active_files(state, &item.id).await?;
    Ok(
        describe_sources(state, item, &files, &PlaybackRequest::default())
            .await?
            .0,
    )
}

/// `GET|POST /Items/{itemId}/PlaybackInfo`.
pub async fn get_playback_info(
    _auth: JfAuth,
    req: HttpRequest,
    state: web::Data<AppState>,
    item_id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, JfError> {
    let item_id = from_wire(&item_id).ok_or(JfError::NotFound)?;
    let item = items::get(&state.catalog, &item_id)
        .await?
        .ok_or(JfError::NotFound)?;
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|e| {
            tracing::debug!(error = %e, "PlaybackInfo body is not JSON; ignored");
            Value::Null
        })
    };
    let request = PlaybackRequest::read(&body, &JfQuery::parse(req.query_string()));

    let files = active_files(&state, &item.id).await?;
    if files.is_empty() {
        return Err(JfError::NotFound);
    }
    let files = ensure_probed(&state, &item.id, files).await?;
    if files.is_empty() {
        return Err(JfError::NotFound);
    }
    // A requested source narrows the answer; the item's own id means its default version, and
    // an id Kinora does not know (a stale one) gets every version rather than nothing.
    let wanted = request.media_source_id.as_deref().and_then(from_wire);
    let files: Vec<MediaFile> = match wanted {
        Some(w) if w == item.id => files.into_iter().take(1).collect(),
        Some(w) if files.iter().any(|f| f.id == w) => {
            files.into_iter().filter(|f| f.id == w).collect()
        }
        _ => files,
    };

    let (sources, any_playable) = describe_sources(&state, &item, &files, &request).await?;
    let response = PlaybackInfoResponse {
        media_sources: sources,
        play_session_id: uuid::Uuid::new_v4().simple().to_string(),
        error_code: (!any_playable).then_some(NO_COMPATIBLE_STREAM),
    };
    Ok(json(&req, &response))
}

/// `GET|HEAD /Videos/{itemId}/stream`.
pub async fn get_video_stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    item_id: web::Path<String>,
) -> Result<HttpResponse, JfError> {
    stream(&req, &state, &item_id).await
}

/// `GET|HEAD /Videos/{itemId}/stream.{container}` (the container is the client's hint only).
pub async fn get_video_stream_with_container(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JfError> {
    stream(&req, &state, &path.0).await
}

/// Anonymous: Swiftfin's static URL carries no token. `static` is read but the answer is the
/// file either way (no transcoder yet).
async fn stream(
    req: &HttpRequest,
    state: &AppState,
    raw_item: &str,
) -> Result<HttpResponse, JfError> {
    let (item_id, wanted) = stream_target(raw_item, req.query_string()).ok_or(JfError::NotFound)?;
    crate::api::item_stream::serve_item_file(req, state, &item_id, wanted.as_deref())
        .await
        .map_err(|e| match e {
            ItemStreamError::NoPlayableFile(_)
            | ItemStreamError::File(DirectPlayError::NotFound(_)) => JfError::NotFound,
            other => JfError::Internal(other.to_string()),
        })
}

/// The item and the file a stream request names (the path's item, `MediaSourceId`); `None`
/// answers 404. Shared with the `sendfile` front, which hands the request to the handler then.
pub fn stream_target(raw_item: &str, query: &str) -> Option<(String, Option<String>)> {
    let item_id = from_wire(raw_item)?;
    let query = JfQuery::parse(query);
    let wanted = match query.get("MediaSourceId") {
        None => None,
        Some(raw) => {
            let id = from_wire(raw)?;
            // Clients pass the item id for its default version.
            (id != item_id).then_some(id)
        }
    };
    if query.bool("static") != Some(true) {
        tracing::debug!(item = %item_id, "non-static stream requested; serving the file as-is");
    }
    Some((item_id, wanted))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn stream(index: i32, kind: StreamKind, codec: &str) -> StreamInfo {
        StreamInfo {
            index,
            kind: Some(kind),
            codec: Some(codec.into()),
            ..StreamInfo::default()
        }
    }

    fn h264() -> StreamInfo {
        StreamInfo {
            profile: Some("High".into()),
            level: Some(41),
            width: Some(1920),
            height: Some(1080),
            frame_rate: Some(23.976),
            pixel_format: Some("yuv420p".into()),
            ..stream(0, StreamKind::Video, "h264")
        }
    }

    fn hevc() -> StreamInfo {
        StreamInfo {
            profile: Some("Main 10".into()),
            level: Some(150),
            width: Some(3840),
            height: Some(2160),
            pixel_format: Some("yuv420p10le".into()),
            ..stream(0, StreamKind::Video, "hevc")
        }
    }

    fn audio(codec: &str, channels: i32) -> StreamInfo {
        StreamInfo {
            channels: Some(channels),
            channel_layout: Some(if channels == 2 { "stereo" } else { "5.1(side)" }.into()),
            sample_rate: Some(48000),
            language: Some("eng".into()),
            is_default: true,
            ..stream(1, StreamKind::Audio, codec)
        }
    }

    fn facts<'a>(
        format: &str,
        path: &str,
        video: &'a StreamInfo,
        audio: &'a StreamInfo,
        bitrate: i64,
    ) -> SourceFacts<'a> {
        SourceFacts {
            containers: container_names(Some(format), std::path::Path::new(path)),
            bitrate: Some(bitrate),
            video: Some(video),
            audio: Some(audio),
            video_streams: 1,
            audio_streams: 1,
        }
    }

    fn request(body: Value) -> PlaybackRequest {
        PlaybackRequest::read(&body, &JfQuery::default())
    }

    fn chrome() -> PlaybackRequest {
        request(json!({
            "DeviceProfile": {
                "MaxStreamingBitrate": 120_000_000,
                "DirectPlayProfiles": [
                    {"Container": "mp4,m4v", "Type": "Video", "VideoCodec": "h264", "AudioCodec": "aac,mp3"},
                    {"Container": "webm", "Type": "Video", "VideoCodec": "vp8,vp9,av1", "AudioCodec": "vorbis,opus"},
                    {"Container": "mp3", "Type": "Audio"}
                ],
                "CodecProfiles": [{
                    "Type": "Video", "Codec": "h264",
                    "Conditions": [
                        {"Condition": "EqualsAny", "Property": "VideoProfile", "Value": "high|main|baseline|constrained baseline", "IsRequired": false},
                        {"Condition": "LessThanEqual", "Property": "VideoLevel", "Value": "52", "IsRequired": false}
                    ]
                }]
            }
        }))
    }

    const MP4: &str = "mov,mp4,m4a,3gp,3g2,mj2";

    #[test]
    fn browser_profile_plays_h264_mp4_but_not_hevc_ac3_mkv() {
        let (v, a) = (h264(), audio("aac", 2));
        let d = decide(&chrome(), &facts(MP4, "/m/a.mp4", &v, &a, 5_000_000));
        assert_eq!(
            d,
            Decision {
                direct_play: true,
                direct_stream: true,
                reasons: vec![]
            }
        );

        let (v, a) = (hevc(), audio("ac3", 6));
        let d = decide(
            &chrome(),
            &facts("matroska,webm", "/m/b.mkv", &v, &a, 5_000_000),
        );
        assert!(!d.direct_play && !d.direct_stream && !d.playable());
        assert_eq!(
            d.reasons,
            vec![
                "ContainerNotSupported",
                "VideoCodecNotSupported",
                "AudioCodecNotSupported"
            ]
        );

        // Right container, wrong audio.
        let (v, a) = (h264(), audio("ac3", 6));
        let d = decide(&chrome(), &facts(MP4, "/m/c.mp4", &v, &a, 5_000_000));
        assert!(!d.playable());
        assert_eq!(d.reasons, vec!["AudioCodecNotSupported"]);

        // A .mov is one of the QuickTime names: an mp4 profile covers it.
        let (v, a) = (h264(), audio("aac", 2));
        let d = decide(&chrome(), &facts(MP4, "/m/d.mov", &v, &a, 5_000_000));
        assert!(d.direct_play, "{d:?}");
    }

    #[test]
    fn no_profile_means_no_restrictions() {
        let (v, a) = (hevc(), audio("truehd", 8));
        let f = facts("matroska,webm", "/m/x.mkv", &v, &a, 80_000_000);
        let d = decide(&PlaybackRequest::default(), &f);
        assert!(d.direct_play && d.direct_stream);
        // …except what the client says outright.
        let d = decide(&request(json!({"EnableDirectPlay": false})), &f);
        assert!(!d.direct_play && d.direct_stream);
        let d = decide(
            &request(json!({"enableDirectPlay": "false", "enableDirectStream": false})),
            &f,
        );
        assert!(!d.playable());
        let d = decide(&request(json!({"MaxStreamingBitrate": "1000000"})), &f);
        assert!(!d.direct_play && d.direct_stream);
        assert_eq!(d.reasons, vec!["ContainerBitrateExceedsLimit"]);
    }

    #[test]
    fn findroid_profiles() {
        let (v, a) = (hevc(), audio("dts", 6));
        let f = facts("matroska,webm", "/m/x.mkv", &v, &a, 30_000_000);
        // Old Findroid: every list empty. No direct play (as in Jellyfin), but the file is
        // offered as a direct stream: the client plays the static URL itself.
        let empty = request(json!({
            "deviceProfile": {
                "name": "Direct play all", "maxStaticBitrate": 1_000_000_000,
                "maxStreamingBitrate": 1_000_000_000, "codecProfiles": [],
                "containerProfiles": [], "directPlayProfiles": [], "transcodingProfiles": [],
                "subtitleProfiles": [{"format": "srt", "method": "External"}]
            },
            "maxStreamingBitrate": 1_000_000_000
        }));
        let d = decide(&empty, &f);
        assert!(!d.direct_play && d.direct_stream);
        // Newer Findroid: a catch-all Video profile plays everything.
        let catch_all = request(json!({
            "deviceProfile": {
                "maxStreamingBitrate": 1_000_000_000,
                "directPlayProfiles": [{"type": "Video", "container": ""}, {"type": "Audio"}]
            }
        }));
        let d = decide(&catch_all, &f);
        assert!(d.direct_play && d.direct_stream, "{d:?}");
    }

    #[test]
    fn codec_profile_conditions() {
        let v = h264();
        let a = audio("aac", 6);
        let f = facts(MP4, "/m/a.mp4", &v, &a, 5_000_000);
        let with = |codec_profiles: Value| {
            request(json!({"DeviceProfile": {
                "DirectPlayProfiles": [{"Container": "mp4", "Type": "Video"}],
                "CodecProfiles": codec_profiles
            }}))
        };
        let cases: Vec<(Value, bool, Vec<&str>)> = vec![
            (
                json!([{"Type": "Video", "Codec": "h264", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "VideoLevel", "Value": "40", "IsRequired": false}]}]),
                false,
                vec!["VideoLevelNotSupported"],
            ),
            (
                json!([{"Type": "Video", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "Width", "Value": "1280"},
                    {"Condition": "LessThanEqual", "Property": "Height", "Value": "720"}]}]),
                false,
                vec!["VideoResolutionNotSupported"],
            ),
            // Another codec's profile does not apply.
            (
                json!([{"Type": "Video", "Codec": "hevc", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "Width", "Value": "1"}]}]),
                true,
                vec![],
            ),
            // ApplyConditions not met: the profile is skipped.
            (
                json!([{"Type": "Video", "Codec": "h264",
                    "ApplyConditions": [{"Condition": "GreaterThanEqual", "Property": "Width", "Value": "3000"}],
                    "Conditions": [{"Condition": "Equals", "Property": "VideoBitDepth", "Value": "10"}]}]),
                true,
                vec![],
            ),
            (
                json!([{"Type": "Video", "Codec": "h264", "Conditions": [
                    {"Condition": "EqualsAny", "Property": "VideoProfile", "Value": "main|HIGH"},
                    {"Condition": "Equals", "Property": "VideoBitDepth", "Value": "8"},
                    {"Condition": "NotEquals", "Property": "IsInterlaced", "Value": "true"},
                    {"Condition": "EqualsAny", "Property": "VideoRangeType", "Value": "SDR|HDR10"},
                    {"Condition": "GreaterThanEqual", "Property": "VideoFramerate", "Value": "23.976"},
                    {"Condition": "Equals", "Property": "VideoCodecTag", "Value": "avc1"}]}]),
                true,
                vec![],
            ),
            (
                json!([{"Type": "VideoAudio", "Codec": "aac", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "AudioChannels", "Value": "2", "IsRequired": true}]}]),
                false,
                vec!["AudioChannelsNotSupported"],
            ),
            // Unknown value: passes unless required.
            (
                json!([{"Type": "VideoAudio", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "AudioBitrate", "Value": "320000", "IsRequired": false}]}]),
                true,
                vec![],
            ),
            (
                json!([{"Type": "Video", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "VideoBitrate", "Value": "1000000", "IsRequired": true}]}]),
                false,
                vec!["VideoBitrateNotSupported"],
            ),
            (
                json!([{"Type": "VideoAudio", "Conditions": [
                    {"Condition": "LessThanEqual", "Property": "AudioSampleRate", "Value": "44100"}]}]),
                false,
                vec!["AudioSampleRateNotSupported"],
            ),
        ];
        for (profiles, ok, reasons) in cases {
            let d = decide(&with(profiles.clone()), &f);
            assert_eq!(d.direct_play, ok, "{profiles}: {d:?}");
            assert_eq!(d.direct_stream, ok, "{profiles}: {d:?}");
            assert_eq!(d.reasons, reasons, "{profiles}");
        }

        // A required condition on a value Kinora does not know blocks.
        let mut unknown = h264();
        unknown.level = None;
        let f = facts(MP4, "/m/a.mp4", &unknown, &a, 5_000_000);
        let d = decide(
            &with(json!([{"Type": "Video", "Conditions": [
                {"Condition": "LessThanEqual", "Property": "VideoLevel", "Value": "41", "IsRequired": true}]}])),
            &f,
        );
        assert!(!d.direct_play);
    }

    #[test]
    fn container_lists_and_codec_aliases() {
        let mkv = container_names(Some("matroska,webm"), std::path::Path::new("/a.mkv"));
        assert_eq!(mkv, vec!["mkv", "matroska"]);
        let webm = container_names(Some("matroska,webm"), std::path::Path::new("/a.webm"));
        assert_eq!(webm, vec!["webm"]);
        let unprobed = container_names(None, std::path::Path::new("/a.MP4"));
        assert_eq!(unprobed, vec!["mp4"]);
        assert!(container_matches("", &mkv));
        assert!(container_matches("MKV,mp4", &mkv));
        assert!(container_matches("matroska", &mkv));
        assert!(!container_matches("webm", &mkv));
        assert!(!container_matches("-mkv,avi", &mkv));
        assert!(container_matches("-avi", &mkv));
        assert!(codec_matches("h265,h264", Some("hevc")));
        assert!(codec_matches("dca", Some("dts")));
        assert!(codec_matches("", None));
        assert!(!codec_matches("aac", None));
    }

    #[test]
    fn request_reads_any_casing_and_query_wins() {
        let body = json!({
            "maxstreamingbitrate": "8000000", "AUDIOSTREAMINDEX": 2, "SubtitleStreamIndex": -1,
            "MediaSourceId": "abc", "EnableDirectPlay": true,
            "deviceprofile": {"directplayprofiles": [{"container": ["mp4", "mkv"], "type": "Video"}]}
        });
        let q = JfQuery::parse("MaxStreamingBitrate=4000000&enableDirectPlay=false");
        let r = PlaybackRequest::read(&body, &q);
        assert_eq!(r.max_streaming_bitrate, Some(4_000_000));
        assert_eq!(r.audio_stream_index, Some(2));
        assert_eq!(r.subtitle_stream_index, Some(-1));
        assert_eq!(r.media_source_id.as_deref(), Some("abc"));
        assert!(!r.enable_direct_play);
        assert!(r.enable_direct_stream);
        let p = r.profile.unwrap();
        assert_eq!(p.direct_play_profiles[0].container, "mp4,mkv");
        assert_eq!(p.direct_play_profiles[0].kind, "Video");
        let r = PlaybackRequest::read(&Value::Null, &JfQuery::default());
        assert!(r.enable_direct_play && r.profile.is_none());
    }

    #[test]
    fn display_titles_like_jellyfin() {
        let v = StreamInfo {
            width: Some(1920),
            height: Some(1080),
            ..stream(0, StreamKind::Video, "h264")
        };
        assert_eq!(display_title(&v, "Video"), "1080p H264 SDR");
        let tiny = StreamInfo {
            width: Some(160),
            height: Some(90),
            ..stream(0, StreamKind::Video, "hevc")
        };
        assert_eq!(display_title(&tiny, "Video"), "144p HEVC SDR");
        let mut a = audio("aac", 2);
        a.profile = Some("LC".into());
        assert_eq!(
            display_title(&a, "Audio"),
            "English - AAC - Stereo - Default"
        );
        let mut a = audio("ac3", 6);
        a.is_default = false;
        a.language = Some("und".into());
        assert_eq!(display_title(&a, "Audio"), "Dolby Digital - 5.1");
        a.title = Some("Commentary".into());
        assert_eq!(
            display_title(&a, "Audio"),
            "Commentary - Dolby Digital - 5.1"
        );
        let s = StreamInfo {
            language: Some("ger".into()),
            is_forced: true,
            ..stream(2, StreamKind::Subtitle, "subrip")
        };
        assert_eq!(display_title(&s, "Subtitle"), "German - Forced - SUBRIP");
        assert_eq!(aspect_ratio(160, 90).as_deref(), Some("16:9"));
        assert_eq!(aspect_ratio(640, 480).as_deref(), Some("4:3"));
        assert_eq!(aspect_ratio(1000, 300).as_deref(), Some("10:3"));
    }

    #[test]
    fn streams_carry_what_kodi_dereferences() {
        let containers = vec!["mkv".to_string()];
        let sub = stream(2, StreamKind::Subtitle, "subrip");
        let dto = media_stream(&sub, &containers).unwrap();
        let v = serde_json::to_value(&dto).unwrap();
        for key in [
            "Index",
            "Type",
            "IsExternal",
            "SupportsExternalStream",
            "DeliveryMethod",
            "Codec",
            "IsDefault",
            "IsForced",
            "IsTextSubtitleStream",
        ] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
        assert_eq!(v["DeliveryMethod"], "Embed");
        assert_eq!(v["IsTextSubtitleStream"], true);
        let pgs = media_stream(
            &stream(3, StreamKind::Subtitle, "hdmv_pgs_subtitle"),
            &containers,
        )
        .unwrap();
        assert!(!pgs.is_text_subtitle_stream && !pgs.supports_external_stream);
        let cover = media_stream(&stream(4, StreamKind::Attachment, "mjpeg"), &containers).unwrap();
        assert_eq!(cover.kind, "EmbeddedImage");
        assert!(media_stream(&stream(5, StreamKind::Attachment, "ttf"), &containers).is_none());
        let video = media_stream(&h264(), &containers).unwrap();
        assert_eq!(video.is_avc, Some(true));
        assert_eq!(video.delivery_method, None);
        assert_eq!(video.aspect_ratio.as_deref(), Some("16:9"));
    }

    #[test]
    fn subtitle_and_audio_selection() {
        let v = h264();
        let a1 = StreamInfo {
            is_default: false,
            ..audio("aac", 2)
        };
        let a2 = StreamInfo {
            index: 2,
            is_default: true,
            ..audio("ac3", 6)
        };
        let s = StreamInfo {
            index: 3,
            ..stream(3, StreamKind::Subtitle, "subrip")
        };
        let all = [&v, &a1, &a2, &s];
        assert_eq!(pick_audio(&all, None).map(|a| a.index), Some(2));
        assert_eq!(pick_audio(&all, Some(1)).map(|a| a.index), Some(1));
        assert_eq!(pick_audio(&all, Some(9)).map(|a| a.index), Some(2));
        let dtos = |streams: &[&StreamInfo]| -> Vec<MediaStreamDto> {
            streams
                .iter()
                .filter_map(|s| media_stream(s, &[]))
                .collect()
        };
        assert_eq!(pick_subtitle(&dtos(&all), None), Some(-1));
        assert_eq!(pick_subtitle(&dtos(&all), Some(3)), Some(3));
        assert_eq!(pick_subtitle(&dtos(&[&v, &a1]), None), None);
        let forced = StreamInfo {
            is_forced: true,
            ..stream(4, StreamKind::Subtitle, "ass")
        };
        assert_eq!(pick_subtitle(&dtos(&[&v, &s, &forced]), None), Some(4));
    }
}
