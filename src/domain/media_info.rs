//! What ffprobe tells us about one file, normalised.

use serde::{Deserialize, Serialize};

/// Kind of one elementary stream inside a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    Attachment,
    Data,
}

impl StreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Video => "video",
            StreamKind::Audio => "audio",
            StreamKind::Subtitle => "subtitle",
            StreamKind::Attachment => "attachment",
            StreamKind::Data => "data",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "video" => StreamKind::Video,
            "audio" => StreamKind::Audio,
            "subtitle" => StreamKind::Subtitle,
            "attachment" => StreamKind::Attachment,
            "data" => StreamKind::Data,
            _ => return None,
        })
    }
}

/// One stream of a media file as probed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Index inside the container (ffprobe's `index`).
    pub index: i32,
    pub kind: Option<StreamKind>,
    pub codec: Option<String>,
    pub profile: Option<String>,
    pub level: Option<i32>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Average frame rate in frames per second.
    pub frame_rate: Option<f64>,
    pub bit_rate: Option<i64>,
    pub bit_depth: Option<i32>,
    pub pixel_format: Option<String>,
    /// ISO 639-2 language tag as found in the container (e.g. "eng").
    pub language: Option<String>,
    pub title: Option<String>,
    pub channels: Option<i32>,
    pub channel_layout: Option<String>,
    pub sample_rate: Option<i32>,
    pub is_default: bool,
    pub is_forced: bool,
}

/// Everything the probe learned about one media file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// Container short name(s) as ffprobe reports them, e.g. "matroska,webm" or "mov,mp4,m4a,3gp,3g2,mj2".
    pub container: Option<String>,
    pub duration_ms: Option<i64>,
    /// Overall bit rate in bits per second.
    pub bit_rate: Option<i64>,
    /// Creation time tag (RFC 3339) when the container carries one: home videos sort by it.
    pub creation_time: Option<String>,
    /// Display rotation in degrees (phone videos), from the rotate tag or the display matrix.
    pub rotation: Option<i32>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub streams: Vec<StreamInfo>,
}
