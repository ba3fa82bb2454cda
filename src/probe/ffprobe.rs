//! Parsing `ffprobe -v error -print_format json -show_format -show_streams`.
//!
//! Pure functions over the JSON text. ffprobe prints many numbers as strings
//! (`"bit_rate": "342525"`, `"sample_rate": "48000"`) and omits whatever it
//! does not know, so every field is read leniently: a missing or malformed
//! value becomes `None`, never an error. Only a body that is not ffprobe JSON
//! at all is a [`ProbeError::Parse`].

use serde_json::{Map, Value};

use super::ProbeError;
use crate::domain::{MediaInfo, StreamInfo, StreamKind};

type Object = Map<String, Value>;

/// Parses ffprobe's JSON output into a [`MediaInfo`].
///
/// Rotation is reported the way ffprobe's display matrix reports it
/// (counter-clockwise degrees), normalised to 0, 90, 180 or 270: a portrait
/// phone clip whose matrix says -90 (legacy tag `rotate=90`) becomes 270.
pub fn parse_ffprobe_json(json: &[u8]) -> Result<MediaInfo, ProbeError> {
    let root: Value =
        serde_json::from_slice(json).map_err(|e| ProbeError::Parse(format!("not JSON: {e}")))?;
    let root = root
        .as_object()
        .ok_or_else(|| ProbeError::Parse("top level is not a JSON object".to_owned()))?;

    let format = root.get("format").and_then(Value::as_object);
    let streams_json = match root.get("streams") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(list),
        Some(_) => {
            return Err(ProbeError::Parse("\"streams\" is not an array".to_owned()));
        }
    };
    if format.is_none() && streams_json.is_none() {
        return Err(ProbeError::Parse(
            "neither \"format\" nor \"streams\": not ffprobe output".to_owned(),
        ));
    }

    let empty = Object::new();
    let format = format.unwrap_or(&empty);
    let format_tags = tags(format);
    let stream_objs: Vec<&Object> = streams_json
        .map(|list| list.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();

    let streams: Vec<StreamInfo> = stream_objs
        .iter()
        .enumerate()
        .map(|(pos, s)| parse_stream(pos, s))
        .collect();

    let duration_ms = get_f64(format, "duration")
        .and_then(seconds_to_ms)
        .or_else(|| {
            stream_objs
                .iter()
                .filter_map(|s| stream_duration_ms(s))
                .max()
        });

    let creation_time = tag(format_tags, "creation_time")
        .and_then(normalize_timestamp)
        .or_else(|| {
            stream_objs
                .iter()
                .filter_map(|s| tag(tags(s), "creation_time").and_then(normalize_timestamp))
                .next()
        })
        .or_else(|| {
            tag(format_tags, "com.apple.quicktime.creationdate").and_then(normalize_timestamp)
        });

    let video = main_video(&stream_objs);
    let rotation = video.and_then(stream_rotation);
    let video_tags = video.and_then(tags);

    let camera_make = first_tag(
        format_tags,
        &[
            "com.apple.quicktime.make",
            "make",
            "com.android.manufacturer",
        ],
    );
    let camera_model = first_tag(
        format_tags,
        &["com.apple.quicktime.model", "model", "com.android.model"],
    );

    // The QuickTime key carries altitude too; the `©xyz` atom reads as `location`
    // (and `location-eng` with its language).
    let location = [
        "com.apple.quicktime.location.ISO6709",
        "location",
        "location-eng",
    ]
    .iter()
    .filter_map(|k| tag(format_tags, k))
    .find_map(|v| iso6709_location(&v));

    let device_software = tag(format_tags, "com.apple.quicktime.software")
        .or_else(|| {
            // Android writes the bare OS version ("14"): say whose version it is.
            tag(format_tags, "com.android.version").map(|v| {
                if v.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("Android {v}")
                } else {
                    v
                }
            })
        })
        .or_else(|| tag(format_tags, "firmware"));

    Ok(MediaInfo {
        container: get_str(format, "format_name"),
        duration_ms,
        bit_rate: get_i64(format, "bit_rate").filter(|&b| b > 0),
        creation_time,
        rotation,
        camera_make,
        camera_model,
        location,
        device_software,
        encoder: tag(format_tags, "encoder"),
        video_encoder: tag(video_tags, "encoder"),
        video_handler: tag(video_tags, "handler_name"),
        variable_frame_rate: video.is_some_and(variable_frame_rate),
        streams,
    })
}

/// Whether a video stream's frame timing varies.
///
/// `avg_frame_rate` is frames over duration; `r_frame_rate` is the smallest
/// rate that represents every timestamp. They agree for constant-rate video
/// and part when frame durations vary (phones drop to 20-something fps in low
/// light; `30/1` against `400/19`). Interlaced video reports its field rate as
/// `r_frame_rate` (`60000/1001` against `30000/1001`): twice, not variable.
/// A 0.5 % tolerance absorbs rounding in containers that store durations
/// coarsely (Matroska's millisecond timestamps).
fn variable_frame_rate(s: &Object) -> bool {
    let rate = |key| get_str(s, key).and_then(|r| parse_rate(&r));
    let (Some(real), Some(avg)) = (rate("r_frame_rate"), rate("avg_frame_rate")) else {
        return false;
    };
    let ratio = real / avg;
    if (ratio - 2.0).abs() < 0.01 {
        return false;
    }
    (ratio - 1.0).abs() > 0.005
}

/// An ISO 6709 position ("+48.8577+002.2950+035.000/", "-33.8688+151.2093/"),
/// trimmed, when it has at least latitude and longitude as signed numbers and
/// is not the all-zero position that devices write without a GPS fix.
fn iso6709_location(raw: &str) -> Option<String> {
    let value = raw.trim();
    let body = value.strip_suffix('/').unwrap_or(value);
    // Optional "CRSxxx" suffix after the coordinates.
    let body = body.split("CRS").next().unwrap_or(body);
    if !body.starts_with(['+', '-']) {
        return None;
    }
    let mut numbers = Vec::new();
    let mut start = 0;
    for (i, c) in body.char_indices().skip(1) {
        if c == '+' || c == '-' {
            numbers.push(&body[start..i]);
            start = i;
        }
    }
    numbers.push(&body[start..]);
    let parsed: Option<Vec<f64>> = numbers
        .iter()
        .map(|n| {
            let digits = &n[1..];
            let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            ok.then(|| n.parse::<f64>().ok()).flatten()
        })
        .collect();
    let parsed = parsed?;
    if parsed.len() < 2 || parsed.iter().take(2).all(|&v| v == 0.0) {
        return None;
    }
    Some(value.to_owned())
}

fn parse_stream(position: usize, s: &Object) -> StreamInfo {
    let kind = s
        .get("codec_type")
        .and_then(Value::as_str)
        .and_then(StreamKind::parse);
    let stream_tags = tags(s);
    let disposition = s.get("disposition").and_then(Value::as_object);
    let flag = |name: &str| disposition.is_some_and(|d| get_flag(d, name));
    let attached_pic = flag("attached_pic");
    // Cover art is a one-picture "video" stream to ffmpeg; to everyone else
    // it is an attached image, not something to play.
    let kind = match kind {
        Some(StreamKind::Video) if attached_pic => Some(StreamKind::Attachment),
        other => other,
    };
    let pixel_format = get_str(s, "pix_fmt");

    let frame_rate = if kind == Some(StreamKind::Video) && !attached_pic {
        get_str(s, "avg_frame_rate")
            .and_then(|r| parse_rate(&r))
            .or_else(|| get_str(s, "r_frame_rate").and_then(|r| parse_rate(&r)))
    } else {
        None
    };

    let bit_depth = positive_i32(s, "bits_per_raw_sample")
        .or_else(|| {
            if kind == Some(StreamKind::Video) {
                pixel_format.as_deref().and_then(bit_depth_from_pix_fmt)
            } else {
                None
            }
        })
        .or_else(|| {
            if kind == Some(StreamKind::Audio) {
                positive_i32(s, "bits_per_sample")
            } else {
                None
            }
        });

    let bit_rate = get_i64(s, "bit_rate")
        .filter(|&b| b > 0)
        // Matroska muxers (mkvmerge, ffmpeg) store statistics tags instead.
        .or_else(|| tag_prefixed(stream_tags, "BPS").and_then(|v| v.parse::<i64>().ok()))
        .filter(|&b| b > 0);

    StreamInfo {
        index: get_i64(s, "index")
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or_else(|| i32::try_from(position).unwrap_or(i32::MAX)),
        kind,
        codec: get_str(s, "codec_name"),
        profile: get_str(s, "profile").filter(|p| !p.eq_ignore_ascii_case("unknown")),
        // -99 is FF_LEVEL_UNKNOWN.
        level: get_i64(s, "level")
            .filter(|&l| l > 0)
            .and_then(|l| i32::try_from(l).ok()),
        width: positive_i32(s, "width"),
        height: positive_i32(s, "height"),
        frame_rate,
        bit_rate,
        bit_depth,
        pixel_format,
        language: tag(stream_tags, "language"),
        title: tag(stream_tags, "title"),
        channels: positive_i32(s, "channels"),
        channel_layout: get_str(s, "channel_layout"),
        sample_rate: positive_i32(s, "sample_rate"),
        is_default: flag("default"),
        is_forced: flag("forced"),
    }
}

/// The stream a viewer sees: the first video stream that is not cover art.
fn main_video<'a>(streams: &[&'a Object]) -> Option<&'a Object> {
    streams.iter().copied().find(|s| {
        s.get("codec_type").and_then(Value::as_str) == Some("video")
            && !s
                .get("disposition")
                .and_then(Value::as_object)
                .is_some_and(|d| get_flag(d, "attached_pic"))
    })
}

/// Rotation of one video stream, counter-clockwise, in {0, 90, 180, 270}.
fn stream_rotation(s: &Object) -> Option<i32> {
    let from_matrix = s
        .get("side_data_list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .find(|sd| sd.get("side_data_type").and_then(Value::as_str) == Some("Display Matrix"))
        .and_then(|sd| get_f64(sd, "rotation"));
    if let Some(degrees) = from_matrix {
        return normalize_rotation(degrees);
    }
    // Legacy ffprobe (< 5.0) exported a `rotate` tag: the clockwise angle, the
    // opposite sign of the display matrix.
    tag(tags(s), "rotate")
        .and_then(|r| r.parse::<f64>().ok())
        .and_then(|r| normalize_rotation(-r))
}

fn normalize_rotation(degrees: f64) -> Option<i32> {
    if !degrees.is_finite() {
        return None;
    }
    let quarter_turns = (degrees / 90.0).round();
    if !(-1e6..=1e6).contains(&quarter_turns) {
        return None;
    }
    // Lossless: |quarter_turns| <= 1e6 fits an i64 exactly.
    #[allow(clippy::cast_possible_truncation)]
    let q = quarter_turns as i64;
    i32::try_from(q.rem_euclid(4) * 90).ok()
}

/// Duration of one stream: `duration` (seconds) or Matroska's `DURATION` tag.
fn stream_duration_ms(s: &Object) -> Option<i64> {
    get_f64(s, "duration")
        .and_then(seconds_to_ms)
        .or_else(|| tag_prefixed(tags(s), "DURATION").and_then(|d| parse_clock(&d)))
}

fn seconds_to_ms(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() || !(0.0..=1e12).contains(&seconds) {
        return None;
    }
    // In range by the check above.
    #[allow(clippy::cast_possible_truncation)]
    Some((seconds * 1000.0).round() as i64)
}

/// "01:02:03.500000000" → 3 723 500 ms.
fn parse_clock(s: &str) -> Option<i64> {
    let mut parts = s.trim().split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let sec: f64 = sec.parse().ok()?;
    if m >= 60 || !(0.0..60.0).contains(&sec) {
        return None;
    }
    seconds_to_ms(f64::from(h) * 3600.0 + f64::from(m) * 60.0 + sec)
}

/// "30000/1001" → 29.97…; "25" → 25; "0/0" → None.
fn parse_rate(s: &str) -> Option<f64> {
    let s = s.trim();
    let rate = match s.split_once('/') {
        Some((num, den)) => {
            let num: f64 = num.trim().parse().ok()?;
            let den: f64 = den.trim().parse().ok()?;
            if den == 0.0 {
                return None;
            }
            num / den
        }
        None => s.parse().ok()?,
    };
    (rate.is_finite() && rate > 0.0).then_some(rate)
}

/// Bits per component implied by an FFmpeg pixel format name.
pub(crate) fn bit_depth_from_pix_fmt(pix_fmt: &str) -> Option<i32> {
    let base = pix_fmt
        .strip_suffix("le")
        .or_else(|| pix_fmt.strip_suffix("be"))
        .unwrap_or(pix_fmt);
    match base {
        "nv12" | "nv16" | "nv21" | "nv24" | "nv42" | "rgb24" | "bgr24" | "rgba" | "bgra"
        | "argb" | "abgr" | "rgb0" | "bgr0" | "0rgb" | "0bgr" | "yuyv422" | "uyvy422"
        | "yvyu422" | "ya8" | "pal8" | "gray" => return Some(8),
        "p010" | "p210" | "p410" | "nv20" | "x2rgb10" | "x2bgr10" | "y210" => return Some(10),
        "p012" | "p212" | "p412" | "y212" => return Some(12),
        "p016" | "p216" | "p416" | "rgb48" | "bgr48" | "rgba64" | "bgra64" | "ya16" => {
            return Some(16)
        }
        _ => {}
    }
    // Planar YUV/RGB and gray: "yuv420p" (8), "yuv420p10" (10), "gbrap12",
    // "gray10": a known family, then optional trailing digits.
    let digits_at = base
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let (prefix, digits) = base.split_at(digits_at);
    let planar = (prefix.starts_with("yuv") || prefix.starts_with("gbr")) && prefix.ends_with('p');
    if planar || prefix == "gray" {
        if digits.is_empty() {
            return Some(8);
        }
        return digits.parse::<i32>().ok().filter(|d| (1..=32).contains(d));
    }
    None
}

/// Normalises a container timestamp to RFC 3339.
///
/// Accepts `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH[:]MM]`; a missing zone is
/// taken as UTC (QuickTime and Matroska store UTC). The zero dates some
/// muxers write (1904/1970 epochs) are treated as absent.
fn normalize_timestamp(raw: String) -> Option<String> {
    let s = raw.trim();
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let shape_ok = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && (b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape_ok {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> u32 {
        b[range]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    if year <= 1904 || (year == 1970 && month == 1 && day == 1 && hour == 0 && minute == 0) {
        return None;
    }

    let mut rest = &s[19..];
    let mut frac = "";
    if let Some(after_dot) = rest.strip_prefix('.') {
        let len = after_dot
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after_dot.len());
        if len == 0 {
            return None;
        }
        frac = &rest[..=len];
        rest = &after_dot[len..];
    }
    let zone = match rest {
        "" | "Z" | "z" => "Z".to_owned(),
        _ => {
            let (sign, hhmm) = rest.split_at(1);
            if sign != "+" && sign != "-" {
                return None;
            }
            let hhmm = hhmm.replace(':', "");
            if hhmm.len() != 4 || !hhmm.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            format!("{sign}{}:{}", &hhmm[..2], &hhmm[2..])
        }
    };
    Some(format!("{}T{}{frac}{zone}", &s[..10], &s[11..19]))
}

// ---- lenient JSON accessors -------------------------------------------------

fn tags(obj: &Object) -> Option<&Object> {
    obj.get("tags").and_then(Value::as_object)
}

/// A tag value by key, case-insensitively, trimmed; empty is `None`.
fn tag(tags: Option<&Object>, key: &str) -> Option<String> {
    let tags = tags?;
    let value = tags.get(key).or_else(|| {
        tags.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })?;
    value_to_string(value)
}

/// A Matroska statistics tag, which may carry a language suffix
/// (`BPS`, `BPS-eng`, `DURATION-eng`).
fn tag_prefixed(tags: Option<&Object>, key: &str) -> Option<String> {
    tag(tags, key).or_else(|| {
        tags?
            .iter()
            .find(|(k, _)| {
                k.len() > key.len()
                    && k.is_char_boundary(key.len())
                    && k[..key.len()].eq_ignore_ascii_case(key)
                    && k[key.len()..].starts_with('-')
            })
            .and_then(|(_, v)| value_to_string(v))
    })
}

fn first_tag(tags: Option<&Object>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| tag(tags, k))
}

fn value_to_string(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn get_str(obj: &Object, key: &str) -> Option<String> {
    obj.get(key).and_then(value_to_string)
}

fn get_f64(obj: &Object, key: &str) -> Option<f64> {
    let v = match obj.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

fn get_i64(obj: &Object, key: &str) -> Option<i64> {
    match obj.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// A disposition flag: ffprobe prints 0/1; a JSON boolean is accepted too.
fn get_flag(obj: &Object, key: &str) -> bool {
    match obj.get(key) {
        Some(Value::Bool(b)) => *b,
        _ => get_i64(obj, key).is_some_and(|v| v != 0),
    }
}

fn positive_i32(obj: &Object, key: &str) -> Option<i32> {
    get_i64(obj, key)
        .filter(|&v| v > 0)
        .and_then(|v| i32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/probe")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn phone_mp4_fixture() {
        let info = parse_ffprobe_json(&fixture("phone.json")).unwrap();
        let expected = MediaInfo {
            container: s("mov,mp4,m4a,3gp,3g2,mj2"),
            duration_ms: Some(2002),
            bit_rate: Some(485_810),
            creation_time: s("2021-06-01T12:34:56Z"),
            rotation: Some(270),
            camera_make: s("Apple"),
            camera_model: s("iPhone 12"),
            location: None,
            device_software: None,
            encoder: s("Lavf59.27.100"),
            video_encoder: s("Lavc59.37.100 libx264"),
            video_handler: s("VideoHandler"),
            variable_frame_rate: false,
            streams: vec![
                StreamInfo {
                    index: 0,
                    kind: Some(StreamKind::Video),
                    codec: s("h264"),
                    profile: s("Constrained Baseline"),
                    level: Some(11),
                    width: Some(160),
                    height: Some(90),
                    frame_rate: Some(30000.0 / 1001.0),
                    bit_rate: Some(342_525),
                    bit_depth: Some(8),
                    pixel_format: s("yuv420p"),
                    language: s("und"),
                    title: None,
                    channels: None,
                    channel_layout: None,
                    sample_rate: None,
                    is_default: true,
                    is_forced: false,
                },
                StreamInfo {
                    index: 1,
                    kind: Some(StreamKind::Audio),
                    codec: s("aac"),
                    profile: s("LC"),
                    level: None,
                    width: None,
                    height: None,
                    frame_rate: None,
                    bit_rate: Some(127_974),
                    bit_depth: None,
                    pixel_format: None,
                    language: s("und"),
                    title: None,
                    channels: Some(2),
                    channel_layout: s("stereo"),
                    sample_rate: Some(48000),
                    is_default: true,
                    is_forced: false,
                },
            ],
        };
        assert_eq!(info, expected);
    }

    #[test]
    fn movie_mkv_fixture() {
        let info = parse_ffprobe_json(&fixture("movie.json")).unwrap();
        assert_eq!(info.container.as_deref(), Some("matroska,webm"));
        assert_eq!(info.duration_ms, Some(2023));
        assert_eq!(info.bit_rate, Some(217_210));
        assert_eq!(info.creation_time, None);
        assert_eq!(info.rotation, None);
        assert_eq!(info.camera_make, None);
        assert_eq!(info.camera_model, None);
        assert_eq!(info.streams.len(), 4);

        let video = &info.streams[0];
        assert_eq!(video.kind, Some(StreamKind::Video));
        assert_eq!(video.codec.as_deref(), Some("h264"));
        assert_eq!(video.frame_rate, Some(25.0));
        assert_eq!(video.bit_rate, None, "ffmpeg's mkv muxer writes no BPS tag");
        assert_eq!(video.bit_depth, Some(8));
        assert_eq!((video.width, video.height), (Some(160), Some(90)));
        assert!(!video.is_default);

        let expected_eng = StreamInfo {
            index: 1,
            kind: Some(StreamKind::Audio),
            codec: s("aac"),
            profile: s("LC"),
            level: None,
            width: None,
            height: None,
            frame_rate: None,
            bit_rate: None,
            bit_depth: None,
            pixel_format: None,
            language: s("eng"),
            title: s("English Stereo"),
            channels: Some(1),
            channel_layout: s("mono"),
            sample_rate: Some(44100),
            is_default: true,
            is_forced: false,
        };
        assert_eq!(info.streams[1], expected_eng);

        let fra = &info.streams[2];
        assert_eq!(fra.index, 2);
        assert_eq!(fra.language.as_deref(), Some("fra"));
        assert_eq!(fra.title, None);
        assert_eq!(fra.channels, Some(2));
        assert_eq!(fra.channel_layout.as_deref(), Some("stereo"));
        assert_eq!(fra.sample_rate, Some(48000));
        assert!(!fra.is_default);
        assert!(!fra.is_forced);

        let sub = &info.streams[3];
        assert_eq!(sub.kind, Some(StreamKind::Subtitle));
        assert_eq!(sub.codec.as_deref(), Some("subrip"));
        assert_eq!(sub.language.as_deref(), Some("ger"));
        assert_eq!(sub.title.as_deref(), Some("Forced"));
        assert_eq!(sub.frame_rate, None);
        assert!(sub.is_default);
        assert!(sub.is_forced);
    }

    #[test]
    fn hevc10_fixture() {
        let info = parse_ffprobe_json(&fixture("hevc10.json")).unwrap();
        assert_eq!(info.duration_ms, Some(1000));
        assert_eq!(info.bit_rate, Some(244_472));
        assert_eq!(info.creation_time, None);
        assert_eq!(info.rotation, None);
        assert_eq!(info.camera_make.as_deref(), Some("Google"));
        assert_eq!(info.camera_model.as_deref(), Some("Pixel 7"));

        let video = &info.streams[0];
        assert_eq!(video.codec.as_deref(), Some("hevc"));
        assert_eq!(video.profile.as_deref(), Some("Main 10"));
        assert_eq!(video.level, Some(30));
        assert_eq!(video.pixel_format.as_deref(), Some("yuv420p10le"));
        assert_eq!(video.bit_depth, Some(10), "derived from pix_fmt");
        assert_eq!(video.frame_rate, Some(24.0));
        assert_eq!(video.bit_rate, Some(130_328));

        let audio = &info.streams[1];
        assert_eq!(audio.codec.as_deref(), Some("opus"));
        assert_eq!(audio.profile, None);
        assert_eq!(audio.channels, Some(1));
        assert_eq!(audio.sample_rate, Some(48000));
        assert_eq!(audio.bit_rate, Some(75_978));
        assert_eq!(audio.bit_depth, None);
    }

    #[test]
    fn numbers_may_be_strings_or_numbers() {
        let json = br#"{
            "format": {"format_name": "matroska,webm", "duration": 12.3456, "bit_rate": 1000},
            "streams": [
                {"index": "0", "codec_type": "video", "width": "1920", "height": 1080,
                 "level": "41", "bit_rate": 5000000, "bits_per_raw_sample": 10,
                 "avg_frame_rate": "24000/1001"},
                {"index": 1, "codec_type": "audio", "sample_rate": 44100, "channels": "6",
                 "bits_per_raw_sample": "24", "disposition": {"default": "1", "forced": true}}
            ]
        }"#;
        let info = parse_ffprobe_json(json).unwrap();
        assert_eq!(info.duration_ms, Some(12_346));
        assert_eq!(info.bit_rate, Some(1000));
        let v = &info.streams[0];
        assert_eq!(v.index, 0);
        assert_eq!((v.width, v.height), (Some(1920), Some(1080)));
        assert_eq!(v.level, Some(41));
        assert_eq!(v.bit_rate, Some(5_000_000));
        assert_eq!(v.bit_depth, Some(10));
        assert_eq!(v.frame_rate, Some(24000.0 / 1001.0));
        let a = &info.streams[1];
        assert_eq!(a.sample_rate, Some(44100));
        assert_eq!(a.channels, Some(6));
        assert_eq!(a.bit_depth, Some(24));
        assert!(a.is_default);
        assert!(a.is_forced);
    }

    #[test]
    fn missing_fields_are_none() {
        let info = parse_ffprobe_json(br#"{"format": {}, "streams": [{}]}"#).unwrap();
        assert_eq!(
            info,
            MediaInfo {
                streams: vec![StreamInfo::default()],
                ..MediaInfo::default()
            }
        );
        let info = parse_ffprobe_json(br#"{"streams": []}"#).unwrap();
        assert_eq!(info, MediaInfo::default());
        let info = parse_ffprobe_json(br#"{"format": {"format_name": "srt"}}"#).unwrap();
        assert_eq!(info.container.as_deref(), Some("srt"));
        assert!(info.streams.is_empty());
    }

    #[test]
    fn malformed_values_are_none_not_errors() {
        let json = br#"{
            "format": {"duration": "N/A", "bit_rate": "fast", "tags": {"creation_time": "yesterday"}},
            "streams": [{"index": 3, "codec_type": "teletext", "width": -5, "height": "x",
                         "level": -99, "profile": "unknown", "avg_frame_rate": "1/0",
                         "r_frame_rate": "abc", "sample_rate": "", "tags": {"language": "  "},
                         "side_data_list": "nope", "disposition": []}]
        }"#;
        let info = parse_ffprobe_json(json).unwrap();
        assert_eq!(info.duration_ms, None);
        assert_eq!(info.bit_rate, None);
        assert_eq!(info.creation_time, None);
        let st = &info.streams[0];
        assert_eq!(
            *st,
            StreamInfo {
                index: 3,
                ..StreamInfo::default()
            }
        );
    }

    #[test]
    fn not_ffprobe_json_is_a_parse_error() {
        for body in [
            &b""[..],
            b"not json",
            b"[1, 2]",
            b"{}",
            b"{\n\n}",
            b"{\"hello\": 1}",
            b"{\"streams\": 5}",
            b"\xff\xfe",
        ] {
            match parse_ffprobe_json(body) {
                Err(ProbeError::Parse(_)) => {}
                other => panic!("{:?} → {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }

    #[test]
    fn duration_falls_back_to_longest_stream() {
        let json = br#"{
            "format": {"format_name": "matroska,webm"},
            "streams": [
                {"index": 0, "codec_type": "video", "tags": {"DURATION": "00:01:02.500000000"}},
                {"index": 1, "codec_type": "audio", "duration": "61.0"},
                {"index": 2, "codec_type": "audio", "tags": {"DURATION-eng": "01:00:00.000000000"}}
            ]
        }"#;
        let info = parse_ffprobe_json(json).unwrap();
        assert_eq!(info.duration_ms, Some(3_600_000));

        let json = br#"{"format": {"duration": "0.000000"},
                        "streams": [{"index": 0, "duration": "5"}]}"#;
        // A format duration that is present wins, even zero.
        assert_eq!(parse_ffprobe_json(json).unwrap().duration_ms, Some(0));
    }

    #[test]
    fn bit_rate_falls_back_to_matroska_bps_tag() {
        let json = br#"{"streams": [
            {"index": 0, "codec_type": "video", "tags": {"BPS-eng": "4500000"}},
            {"index": 1, "codec_type": "audio", "tags": {"BPS": "640000"}},
            {"index": 2, "codec_type": "audio", "bit_rate": "0", "tags": {"BPS": "0"}}
        ]}"#;
        let info = parse_ffprobe_json(json).unwrap();
        assert_eq!(info.streams[0].bit_rate, Some(4_500_000));
        assert_eq!(info.streams[1].bit_rate, Some(640_000));
        assert_eq!(info.streams[2].bit_rate, None);
    }

    #[test]
    fn frame_rate_rules() {
        assert_eq!(parse_rate("30000/1001"), Some(30000.0 / 1001.0));
        assert_eq!(parse_rate("25/1"), Some(25.0));
        assert_eq!(parse_rate("50"), Some(50.0));
        assert_eq!(parse_rate("0/0"), None);
        assert_eq!(parse_rate("0/1"), None);
        assert_eq!(parse_rate("24/0"), None);
        assert_eq!(parse_rate(""), None);

        let json = br#"{"streams": [
            {"index": 0, "codec_type": "video", "avg_frame_rate": "0/0", "r_frame_rate": "24000/1001"},
            {"index": 1, "codec_type": "video", "avg_frame_rate": "0/0", "r_frame_rate": "90000/1",
             "disposition": {"attached_pic": 1}},
            {"index": 2, "codec_type": "audio", "avg_frame_rate": "0/0", "r_frame_rate": "0/0"}
        ]}"#;
        let info = parse_ffprobe_json(json).unwrap();
        assert_eq!(info.streams[0].frame_rate, Some(24000.0 / 1001.0));
        assert_eq!(
            info.streams[1].frame_rate, None,
            "cover art has no frame rate"
        );
        assert_eq!(info.streams[2].frame_rate, None);
    }

    #[test]
    fn bit_depth_from_pixel_formats() {
        for (fmt, depth) in [
            ("yuv420p", Some(8)),
            ("yuvj420p", Some(8)),
            ("yuv444p", Some(8)),
            ("nv12", Some(8)),
            ("gray", Some(8)),
            ("rgb24", Some(8)),
            ("bgra", Some(8)),
            ("gbrp", Some(8)),
            ("yuv420p10le", Some(10)),
            ("yuv422p10be", Some(10)),
            ("p010le", Some(10)),
            ("gray10le", Some(10)),
            ("yuv420p12le", Some(12)),
            ("gbrap12le", Some(12)),
            ("yuva444p16le", Some(16)),
            ("rgb48le", Some(16)),
            ("p016le", Some(16)),
            ("grayf32le", None),
            ("vaapi", None),
            ("", None),
        ] {
            assert_eq!(bit_depth_from_pix_fmt(fmt), depth, "{fmt}");
        }
    }

    #[test]
    fn bits_per_raw_sample_wins_over_pix_fmt_and_audio_uses_bits_per_sample() {
        let json = br#"{"streams": [
            {"index": 0, "codec_type": "video", "pix_fmt": "yuv420p10le", "bits_per_raw_sample": "12"},
            {"index": 1, "codec_type": "audio", "codec_name": "pcm_s16le", "bits_per_sample": 16},
            {"index": 2, "codec_type": "audio", "codec_name": "aac", "bits_per_sample": 0},
            {"index": 3, "codec_type": "audio", "codec_name": "flac", "bits_per_raw_sample": "24", "bits_per_sample": 0}
        ]}"#;
        let info = parse_ffprobe_json(json).unwrap();
        let depths: Vec<_> = info.streams.iter().map(|s| s.bit_depth).collect();
        assert_eq!(depths, [Some(12), Some(16), None, Some(24)]);
    }

    #[test]
    fn rotation_from_display_matrix_and_tag() {
        let with = |stream: &str| {
            let json =
                format!(r#"{{"streams": [{{"index": 0, "codec_type": "audio"}}, {stream}]}}"#);
            parse_ffprobe_json(json.as_bytes()).unwrap().rotation
        };
        let matrix = |deg: &str| {
            format!(
                r#"{{"index": 1, "codec_type": "video", "side_data_list": [
                    {{"side_data_type": "CPB properties"}},
                    {{"side_data_type": "Display Matrix", "displaymatrix": "…", "rotation": {deg}}}]}}"#
            )
        };
        assert_eq!(with(&matrix("-90")), Some(270));
        assert_eq!(with(&matrix("90")), Some(90));
        assert_eq!(with(&matrix("180")), Some(180));
        assert_eq!(with(&matrix("-180")), Some(180));
        assert_eq!(with(&matrix("-270")), Some(90));
        assert_eq!(with(&matrix("0")), Some(0));
        assert_eq!(with(&matrix("-90.00")), Some(270));
        assert_eq!(with(&matrix("\"-90\"")), Some(270));
        assert_eq!(with(&matrix("89.99")), Some(90));

        // Legacy `rotate` tag is clockwise: 90 is the display matrix's -90.
        let tagged = |deg: &str| {
            format!(r#"{{"index": 1, "codec_type": "video", "tags": {{"rotate": "{deg}"}}}}"#)
        };
        assert_eq!(with(&tagged("90")), Some(270));
        assert_eq!(with(&tagged("270")), Some(90));
        assert_eq!(with(&tagged("180")), Some(180));
        assert_eq!(with(&tagged("0")), Some(0));
        assert_eq!(with(&tagged("sideways")), None);

        // The display matrix wins over a (stale) tag.
        assert_eq!(
            with(
                r#"{"index": 1, "codec_type": "video", "tags": {"rotate": "180"},
                    "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}]}"#
            ),
            Some(270)
        );
        assert_eq!(with(r#"{"index": 1, "codec_type": "video"}"#), None);
    }

    #[test]
    fn cover_art_is_an_attachment_not_video() {
        let json = br#"{"streams": [
            {"index": 0, "codec_type": "audio", "codec_name": "mp3"},
            {"index": 1, "codec_type": "video", "codec_name": "mjpeg", "width": 600, "height": 600,
             "avg_frame_rate": "0/0", "r_frame_rate": "90000/1",
             "disposition": {"default": 0, "attached_pic": 1}}
        ]}"#;
        let info = parse_ffprobe_json(json).unwrap();
        let cover = &info.streams[1];
        assert_eq!(cover.kind, Some(StreamKind::Attachment));
        assert_eq!(cover.codec.as_deref(), Some("mjpeg"));
        assert_eq!((cover.width, cover.height), (Some(600), Some(600)));
        assert_eq!(cover.frame_rate, None);
    }

    #[test]
    fn rotation_ignores_cover_art() {
        let json = br#"{"streams": [
            {"index": 0, "codec_type": "video", "disposition": {"attached_pic": 1},
             "tags": {"rotate": "90"}},
            {"index": 1, "codec_type": "video",
             "side_data_list": [{"side_data_type": "Display Matrix", "rotation": 180}]}
        ]}"#;
        assert_eq!(parse_ffprobe_json(json).unwrap().rotation, Some(180));
    }

    #[test]
    fn creation_time_sources_and_normalisation() {
        let with_tags = |format_tags: &str, stream_tags: &str| {
            let json = format!(
                r#"{{"format": {{"tags": {format_tags}}},
                    "streams": [{{"index": 0, "codec_type": "video", "tags": {stream_tags}}}]}}"#
            );
            parse_ffprobe_json(json.as_bytes()).unwrap().creation_time
        };
        assert_eq!(
            with_tags(r#"{"creation_time": "2021-06-01T12:34:56.000000Z"}"#, "{}").as_deref(),
            Some("2021-06-01T12:34:56.000000Z")
        );
        assert_eq!(
            with_tags("{}", r#"{"creation_time": "2019-12-31T23:59:59.000000Z"}"#).as_deref(),
            Some("2019-12-31T23:59:59.000000Z")
        );
        assert_eq!(
            with_tags(
                r#"{"CREATION_TIME": "2020-01-02 03:04:05"}"#,
                r#"{"creation_time": "2019-12-31T23:59:59Z"}"#
            )
            .as_deref(),
            Some("2020-01-02T03:04:05Z"),
            "format wins, keys are case-insensitive, space separator and missing zone"
        );
        assert_eq!(
            with_tags(
                r#"{"com.apple.quicktime.creationdate": "2021-06-01T14:34:56+0200"}"#,
                "{}"
            )
            .as_deref(),
            Some("2021-06-01T14:34:56+02:00")
        );
        assert_eq!(
            with_tags(r#"{"creation_time": "1970-01-01T00:00:00.000000Z"}"#, "{}"),
            None
        );
        assert_eq!(
            with_tags(r#"{"creation_time": "1904-01-01T00:00:00.000000Z"}"#, "{}"),
            None
        );
        assert_eq!(
            with_tags(r#"{"creation_time": "2021-13-01T00:00:00Z"}"#, "{}"),
            None
        );
        assert_eq!(
            with_tags(r#"{"creation_time": "2021-06-01T12:34:56 UTC"}"#, "{}"),
            None
        );
        assert_eq!(with_tags(r#"{"creation_time": "2021-06-01"}"#, "{}"), None);
    }

    #[test]
    fn camera_make_and_model_sources() {
        let camera = |tags: &str| {
            let json = format!(r#"{{"format": {{"tags": {tags}}}}}"#);
            let info = parse_ffprobe_json(json.as_bytes()).unwrap();
            (info.camera_make, info.camera_model)
        };
        assert_eq!(
            camera(r#"{"make": "Canon", "model": " EOS R6 "}"#),
            (s("Canon"), s("EOS R6"))
        );
        assert_eq!(
            camera(r#"{"com.android.manufacturer": "samsung", "com.android.model": "SM-G991B"}"#),
            (s("samsung"), s("SM-G991B"))
        );
        assert_eq!(
            camera(
                r#"{"com.apple.quicktime.make": "Apple", "make": "Other",
                    "com.apple.quicktime.model": "iPhone 15 Pro"}"#
            ),
            (s("Apple"), s("iPhone 15 Pro"))
        );
        assert_eq!(camera(r#"{"make": ""}"#), (None, None));
    }

    #[test]
    fn location_sources_and_validation() {
        let location = |tags: &str| {
            let json = format!(r#"{{"format": {{"tags": {tags}}}}}"#);
            parse_ffprobe_json(json.as_bytes()).unwrap().location
        };
        assert_eq!(
            location(r#"{"location": "+48.8577+002.2950/", "location-eng": "+48.8577+002.2950/"}"#),
            s("+48.8577+002.2950/")
        );
        assert_eq!(
            location(r#"{"location-eng": " -33.8688+151.2093/ "}"#),
            s("-33.8688+151.2093/")
        );
        assert_eq!(
            location(
                r#"{"location": "+48.8577+002.2950/",
                    "com.apple.quicktime.location.ISO6709": "+48.8577+002.2950+035.000/"}"#
            ),
            s("+48.8577+002.2950+035.000/"),
            "the QuickTime key (with altitude) wins"
        );
        assert_eq!(
            location(r#"{"location": "+4851.46+00217.70CRSWGS_84/"}"#),
            s("+4851.46+00217.70CRSWGS_84/"),
            "degrees-minutes form and a CRS suffix"
        );
        assert_eq!(
            location(r#"{"location": "+40.7128-074.0060/"}"#),
            s("+40.7128-074.0060/")
        );
        // No GPS fix, garbage, a lone latitude.
        assert_eq!(location(r#"{"location": "+00.0000+000.0000/"}"#), None);
        assert_eq!(location(r#"{"location": "Paris"}"#), None);
        assert_eq!(location(r#"{"location": "+48.85/"}"#), None);
        assert_eq!(location(r#"{"location": "+48.8x+002.29/"}"#), None);
        assert_eq!(location(r#"{"location": "+-/"}"#), None);
        assert_eq!(
            location(r#"{"location": "nowhere", "location-eng": "+1.5+2.5/"}"#),
            s("+1.5+2.5/"),
            "an invalid key falls through to the next"
        );
    }

    #[test]
    fn device_software_encoder_and_handler() {
        let parse = |format_tags: &str, video_tags: &str| {
            let json = format!(
                r#"{{"format": {{"tags": {format_tags}}}, "streams": [
                    {{"index": 0, "codec_type": "video", "disposition": {{"attached_pic": 1}},
                      "tags": {{"handler_name": "Cover", "encoder": "cover"}}}},
                    {{"index": 1, "codec_type": "video", "tags": {video_tags}}}]}}"#
            );
            parse_ffprobe_json(json.as_bytes()).unwrap()
        };
        let iphone = parse(
            r#"{"com.apple.quicktime.software": "17.1", "com.android.version": "14"}"#,
            r#"{"handler_name": "Core Media Video", "encoder": "H.264"}"#,
        );
        assert_eq!(iphone.device_software, s("17.1"));
        assert_eq!(iphone.encoder, None);
        assert_eq!(iphone.video_encoder, s("H.264"));
        assert_eq!(
            iphone.video_handler,
            s("Core Media Video"),
            "cover art skipped"
        );

        let pixel = parse(
            r#"{"com.android.version": "14", "encoder": "Lavf59.27.100"}"#,
            r#"{"handler_name": "VideoHandle"}"#,
        );
        assert_eq!(pixel.device_software, s("Android 14"));
        assert_eq!(pixel.encoder, s("Lavf59.27.100"));
        assert_eq!(pixel.video_handler, s("VideoHandle"));
        assert_eq!(
            parse(r#"{"com.android.version": "UpsideDownCake"}"#, "{}").device_software,
            s("UpsideDownCake")
        );

        let gopro = parse(
            r#"{"firmware": "HD9.01.01.60.00"}"#,
            r#"{"handler_name": "GoPro AVC", "encoder": "GoPro AVC encoder"}"#,
        );
        assert_eq!(gopro.device_software, s("HD9.01.01.60.00"));
        assert_eq!(gopro.video_encoder, s("GoPro AVC encoder"));

        // Matroska spells its tags in capitals.
        let mkv = parse(
            r#"{"ENCODER": "libebml v1.4.2 + libmatroska v1.6.4"}"#,
            r#"{"ENCODER": "Lavc59.37.100 libx264"}"#,
        );
        assert_eq!(mkv.encoder, s("libebml v1.4.2 + libmatroska v1.6.4"));
        assert_eq!(mkv.video_encoder, s("Lavc59.37.100 libx264"));
        assert_eq!(mkv.device_software, None);
        assert_eq!(
            parse(r#"{"encoder": "HandBrake 1.6.1 2023012300"}"#, "{}").encoder,
            s("HandBrake 1.6.1 2023012300")
        );
    }

    #[test]
    fn variable_frame_rate_rules() {
        let vfr = |r: &str, avg: &str| {
            let json = format!(
                r#"{{"streams": [{{"index": 0, "codec_type": "video",
                    "r_frame_rate": "{r}", "avg_frame_rate": "{avg}"}}]}}"#
            );
            parse_ffprobe_json(json.as_bytes())
                .unwrap()
                .variable_frame_rate
        };
        assert!(vfr("30/1", "400/19"), "phone clip dropping frames");
        assert!(vfr("90000/1", "16830/563"), "timebase-rate r_frame_rate");
        assert!(vfr("24000/1001", "10000/429"), "mixed-cadence Matroska");
        assert!(!vfr("30000/1001", "30000/1001"));
        assert!(!vfr("25/1", "25/1"));
        assert!(
            !vfr("30000/1001", "2997/100"),
            "rounded NTSC rate is not VFR"
        );
        assert!(!vfr("24000/1001", "2997/125"));
        assert!(!vfr("60000/1001", "30000/1001"), "interlaced field rate");
        assert!(!vfr("30/1", "0/0"), "unknown average");
        assert!(!vfr("0/0", "30/1"));

        // Only the main video stream counts: not cover art, not audio.
        let json = br#"{"streams": [
            {"index": 0, "codec_type": "audio", "r_frame_rate": "0/0", "avg_frame_rate": "0/0"},
            {"index": 1, "codec_type": "video", "disposition": {"attached_pic": 1},
             "r_frame_rate": "90000/1", "avg_frame_rate": "0/0"},
            {"index": 2, "codec_type": "video", "r_frame_rate": "25/1", "avg_frame_rate": "25/1"},
            {"index": 3, "codec_type": "video", "r_frame_rate": "30/1", "avg_frame_rate": "400/19"}
        ]}"#;
        assert!(!parse_ffprobe_json(json).unwrap().variable_frame_rate);
    }

    #[test]
    fn probe_json_written_before_new_fields_still_parses() {
        // A `media_files.probe_json` row as stored before location, software and VFR.
        let old = r#"{"container": "mov,mp4,m4a,3gp,3g2,mj2", "duration_ms": 2000,
            "bit_rate": 1, "creation_time": null, "rotation": 270, "camera_make": "Apple",
            "camera_model": "iPhone 12", "streams": [{"index": 0, "kind": "video",
            "codec": "h264", "profile": null, "level": null, "width": 160, "height": 90,
            "frame_rate": 25.0, "bit_rate": null, "bit_depth": 8, "pixel_format": null,
            "language": null, "title": null, "channels": null, "channel_layout": null,
            "sample_rate": null, "is_default": true, "is_forced": false}]}"#;
        let info: MediaInfo = serde_json::from_str(old).unwrap();
        assert_eq!(info.rotation, Some(270));
        assert_eq!(info.location, None);
        assert!(!info.variable_frame_rate);
        assert_eq!(info.streams.len(), 1);
        // And the current shape round-trips.
        let full = parse_ffprobe_json(&fixture("phone.json")).unwrap();
        let back: MediaInfo = serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
        assert_eq!(back, full);
    }

    #[test]
    fn stream_kinds() {
        let json = br#"{"streams": [
            {"codec_type": "video"}, {"codec_type": "audio"}, {"codec_type": "subtitle"},
            {"codec_type": "attachment"}, {"codec_type": "data"}, {"codec_type": "weird"}
        ]}"#;
        let info = parse_ffprobe_json(json).unwrap();
        let kinds: Vec<_> = info.streams.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                Some(StreamKind::Video),
                Some(StreamKind::Audio),
                Some(StreamKind::Subtitle),
                Some(StreamKind::Attachment),
                Some(StreamKind::Data),
                None
            ]
        );
        let indexes: Vec<_> = info.streams.iter().map(|s| s.index).collect();
        assert_eq!(
            indexes,
            [0, 1, 2, 3, 4, 5],
            "position when index is missing"
        );
    }
}
