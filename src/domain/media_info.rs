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
///
/// Stored as JSON (`media_files.probe_json`): `#[serde(default)]` lets a row
/// written before a field existed still parse, with that field empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// ISO 6709 position written by phones and cameras ("+48.8577+002.2950+035.000/"),
    /// verbatim; absent when the device had no fix (all zeros).
    pub location: Option<String>,
    /// Firmware or OS of the recording device: `com.apple.quicktime.software` ("17.1"),
    /// `com.android.version` (kept as "Android 14"), or a camera's `firmware` tag.
    pub device_software: Option<String>,
    /// The container's writing application or library (format `encoder` tag):
    /// "Lavf59.27.100", "HandBrake 1.6.1 2023012300", "libebml v1.4.2 + libmatroska v1.6.4".
    pub encoder: Option<String>,
    /// The main video stream's `encoder` tag: "GoPro AVC encoder", "H.264" (iPhone),
    /// "Lavc59.37.100 libx264".
    pub video_encoder: Option<String>,
    /// The main video track's handler name in MP4/MOV: "Core Media Video" (Apple),
    /// "VideoHandle" (Android), "GoPro AVC", "VideoHandler" (ffmpeg).
    pub video_handler: Option<String>,
    /// The main video stream's `r_frame_rate` and `avg_frame_rate` disagree: phones
    /// record at a variable frame rate, mastered films and episodes almost never do.
    pub variable_frame_rate: bool,
    pub streams: Vec<StreamInfo>,
}
