//! Poster frames: one JPEG per video that is not a black or blank frame.
//!
//! For each candidate position (about 10 % into the video first) one ffmpeg
//! run seeks there, decodes a single frame of the main video stream (cover
//! art excluded, rotation applied by ffmpeg's autorotate, non-square pixels
//! made square, at most 640 px wide) and writes it twice: as a JPEG into a
//! temporary file and as raw 8-bit gray on stdout. The gray copy is measured
//! here; the first frame that is neither almost all dark nor flat wins. When
//! every candidate is dark or flat (a genuinely black video), the one with
//! the most contrast is kept. The winner is renamed onto `out_jpeg`, so
//! readers never see a half-written file.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{check_regular_file, file_url, ProbeError, Tools};
use crate::process::{self, ProcessError};

/// Widest thumbnail produced, in pixels.
pub const MAX_WIDTH: u32 = 640;

/// The first candidate is at 10 % of the duration, but never past this.
const FIRST_POSITION_CAP_MS: i64 = 5 * 60 * 1000;

/// Gray level at or below which a pixel counts as dark (full range 0–255).
const DARK_LEVEL: u8 = 32;
/// A frame with at least this share of dark pixels is "black".
const DARK_SHARE: f64 = 0.95;
/// A frame whose luma standard deviation is below this is "blank" (flat).
const MIN_STDDEV: f64 = 6.0;

/// What [`extract_thumbnail`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThumbnailInfo {
    pub width: i32,
    pub height: i32,
    /// Where in the video the frame was taken.
    pub position_ms: i64,
}

/// Writes a JPEG poster frame of `media` to `out_jpeg` (parents created,
/// replaced atomically).
///
/// `duration_ms` (from [`super::probe_file`]) places the candidates; without
/// it a few fixed positions near the start are tried.
pub async fn extract_thumbnail(
    tools: &Tools,
    media: &Path,
    duration_ms: Option<i64>,
    out_jpeg: &Path,
) -> Result<ThumbnailInfo, ProbeError> {
    check_regular_file(media).await?;
    let file_name = out_jpeg.file_name().ok_or_else(|| ProbeError::Io {
        path: out_jpeg.to_owned(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "thumbnail path has no file name",
        ),
    })?;
    let dir = match out_jpeg.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| ProbeError::Io {
            path: dir.to_owned(),
            source,
        })?;

    let mut temps = TempFiles::default();
    let mut best: Option<(Frame, PathBuf)> = None;
    let mut last_error = None;
    for position_ms in candidate_positions_ms(duration_ms) {
        let tmp = temp_path(dir, file_name);
        temps.0.push(tmp.clone());
        let frame = match grab_frame(tools, media, position_ms, &tmp, MAX_WIDTH).await {
            Ok(Some(frame)) => frame,
            // Nothing decoded there (past the real end, say): next candidate.
            Ok(None) => continue,
            Err(ProbeError::Process(ProcessError::Failed { stderr, .. }))
                if stderr.contains("matches no streams") =>
            {
                return Err(ProbeError::NoVideoStream);
            }
            Err(err @ ProbeError::Process(ProcessError::Failed { .. })) => {
                // A decode failure at one position may not repeat at the next.
                tracing::debug!(media = %media.display(), position_ms, error = %err, "thumbnail candidate failed");
                last_error = Some(err);
                continue;
            }
            Err(err) => return Err(err),
        };
        let good = !frame.stats.is_black_or_blank();
        tracing::debug!(
            media = %media.display(),
            position_ms,
            mean = frame.stats.mean,
            stddev = frame.stats.stddev,
            dark_share = frame.stats.dark_share,
            good,
            "thumbnail candidate"
        );
        let better = best
            .as_ref()
            .is_none_or(|(b, _)| frame.stats.stddev > b.stats.stddev);
        if good || better {
            best = Some((frame, tmp));
        }
        if good {
            break;
        }
    }

    let Some((frame, tmp)) = best else {
        return Err(last_error.unwrap_or_else(|| ProbeError::NoFrame {
            path: media.to_owned(),
        }));
    };
    let jpeg = tokio::fs::read(&tmp)
        .await
        .map_err(|source| ProbeError::Io {
            path: tmp.clone(),
            source,
        })?;
    let (width, height) = jpeg_dimensions(&jpeg).ok_or_else(|| {
        ProbeError::Parse(format!(
            "ffmpeg wrote an unreadable JPEG ({} bytes)",
            jpeg.len()
        ))
    })?;
    tokio::fs::rename(&tmp, out_jpeg)
        .await
        .map_err(|source| ProbeError::Io {
            path: out_jpeg.to_owned(),
            source,
        })?;
    Ok(ThumbnailInfo {
        width: i32::from(width),
        height: i32::from(height),
        position_ms: frame.position_ms,
    })
}

/// Up to `count` small JPEG keyframes of `media` for a vision model, spread over the middle of
/// the video (20 %, 50 % and 80 % for three), at most `max_width` pixels wide.
///
/// Frames are found the way poster frames are (one ffmpeg run per position, the frame measured
/// as gray): black or flat ones tell a model nothing and are dropped, and a few positions in
/// between are tried in their place. Best effort: a file ffmpeg cannot read, or one without
/// video, gives fewer frames or none, and the caller describes it from text facts alone.
pub async fn keyframes(
    tools: &Tools,
    media: &Path,
    duration_ms: Option<i64>,
    count: usize,
    max_width: u32,
) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    if count == 0 || check_regular_file(media).await.is_err() {
        return frames;
    }
    let mut temps = TempFiles::default();
    let dir = std::env::temp_dir();
    for position_ms in keyframe_positions_ms(duration_ms, count) {
        if frames.len() >= count {
            break;
        }
        let tmp = temp_path(&dir, std::ffi::OsStr::new("kinora-keyframe"));
        temps.0.push(tmp.clone());
        match grab_frame(tools, media, position_ms, &tmp, max_width).await {
            Ok(Some(frame)) if !frame.stats.is_black_or_blank() => {
                match tokio::fs::read(&tmp).await {
                    Ok(jpeg) if jpeg_dimensions(&jpeg).is_some() => frames.push(jpeg),
                    _ => {}
                }
            }
            Ok(_) => {}
            Err(err) => {
                tracing::debug!(media = %media.display(), position_ms, error = %err, "keyframe failed");
                // Without a video stream no other position will do better.
                if matches!(&err, ProbeError::Process(ProcessError::Failed { stderr, .. })
                    if stderr.contains("matches no streams"))
                {
                    break;
                }
            }
        }
    }
    frames
}

/// The main positions for `count` keyframes, then fallbacks for black ones (at most as many
/// again, so a dark video costs a bounded number of ffmpeg runs).
fn keyframe_positions_ms(duration_ms: Option<i64>, count: usize) -> Vec<i64> {
    let Some(d) = duration_ms.filter(|&d| d > 0) else {
        // Unknown length: the very start is all that surely exists.
        return vec![0];
    };
    let share = |pct: f64| (d as f64 * pct / 100.0) as i64;
    let main: Vec<f64> = match count {
        1 => vec![50.0],
        n => (0..n)
            .map(|i| 20.0 + 60.0 * i as f64 / (n - 1) as f64)
            .collect(),
    };
    let spare = [35.0, 65.0, 10.0, 90.0, 5.0, 95.0];
    let mut positions: Vec<i64> = main.iter().map(|&p| share(p)).collect();
    positions.extend(spare.iter().take(count).map(|&p| share(p)));
    positions.dedup();
    positions
}

/// Where to look, in order of preference.
fn candidate_positions_ms(duration_ms: Option<i64>) -> Vec<i64> {
    let mut positions = match duration_ms {
        Some(d) if d > 0 => {
            let first = (d / 10).min(FIRST_POSITION_CAP_MS);
            let step = (d / 10).clamp(1000, 120_000);
            (0..4)
                .map(|k| first + k * step)
                .filter(|&p| p < d)
                .collect()
        }
        _ => vec![3000, 10_000],
    };
    // The very first frame is the last resort: often black, but always there.
    if !positions.contains(&0) {
        positions.push(0);
    }
    positions
}

/// One decoded candidate frame.
#[derive(Debug)]
struct Frame {
    position_ms: i64,
    stats: LumaStats,
}

/// Runs ffmpeg once for `position_ms`: JPEG to `tmp`, gray raw to stdout.
/// `Ok(None)` when ffmpeg decoded no frame there.
async fn grab_frame(
    tools: &Tools,
    media: &Path,
    position_ms: i64,
    tmp: &Path,
    max_width: u32,
) -> Result<Option<Frame>, ProbeError> {
    let args = frame_args(media, position_ms, tmp, max_width);
    let output = process::run(&tools.ffmpeg, &args, tools.timeout).await?;
    let jpeg_written = tokio::fs::metadata(tmp)
        .await
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if output.stdout.is_empty() || !jpeg_written {
        return Ok(None);
    }
    Ok(Some(Frame {
        position_ms,
        stats: LumaStats::of(&output.stdout),
    }))
}

/// ffmpeg arguments for one candidate: decode one frame of the main video
/// stream at `position_ms`, write it as JPEG to `tmp` and as gray to stdout.
#[rustfmt::skip]
fn frame_args(media: &Path, position_ms: i64, tmp: &Path, max_width: u32) -> Vec<OsString> {
    fn push(args: &mut Vec<OsString>, words: &[&str]) {
        args.extend(words.iter().map(OsString::from));
    }
    // `V` skips attached pictures (cover art). Square the pixels, cap the
    // width, keep the aspect; split into the JPEG and the measured gray copy.
    let graph = format!(
        "[0:V:0]scale=w='trunc(iw*sar/2)*2':h=ih,setsar=1,\
         scale=w='min({max_width},iw)':h=-2,split=2[thumb][probe];\
         [probe]format=gray[gray]"
    );
    let mut args = Vec::new();
    push(&mut args, &["-v", "error", "-hide_banner", "-nostdin", "-y"]);
    if position_ms > 0 {
        // Input seeking: fast, and still exact (decodes from the keyframe before).
        let ss = format!("{}.{:03}", position_ms / 1000, position_ms % 1000);
        push(&mut args, &["-ss", &ss]);
    }
    push(&mut args, &["-i"]);
    args.push(file_url(media));
    push(&mut args, &["-filter_complex", &graph]);
    push(&mut args, &["-map", "[thumb]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3",
                      "-f", "image2", "-update", "1"]);
    args.push(file_url(tmp));
    push(&mut args, &["-map", "[gray]", "-frames:v", "1", "-f", "rawvideo", "pipe:1"]);
    args
}

/// Brightness statistics of an 8-bit gray frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LumaStats {
    pub mean: f64,
    pub stddev: f64,
    /// Share of pixels at or below [`DARK_LEVEL`].
    pub dark_share: f64,
}

impl LumaStats {
    pub(crate) fn of(gray: &[u8]) -> LumaStats {
        if gray.is_empty() {
            return LumaStats {
                mean: 0.0,
                stddev: 0.0,
                dark_share: 1.0,
            };
        }
        let mut sum = 0u64;
        let mut sum_sq = 0u64;
        let mut dark = 0u64;
        for &p in gray {
            sum += u64::from(p);
            sum_sq += u64::from(p) * u64::from(p);
            dark += u64::from(p <= DARK_LEVEL);
        }
        // Pixel counts of real frames are far below 2^52: exact in f64.
        #[allow(clippy::cast_precision_loss)]
        let (n, sum, sum_sq, dark) = (gray.len() as f64, sum as f64, sum_sq as f64, dark as f64);
        let mean = sum / n;
        let variance = (sum_sq / n - mean * mean).max(0.0);
        LumaStats {
            mean,
            stddev: variance.sqrt(),
            dark_share: dark / n,
        }
    }

    pub(crate) fn is_black_or_blank(&self) -> bool {
        self.dark_share >= DARK_SHARE || self.stddev < MIN_STDDEV
    }
}

/// Width and height from a JPEG's start-of-frame segment.
pub(crate) fn jpeg_dimensions(jpeg: &[u8]) -> Option<(u16, u16)> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    loop {
        // Markers are 0xFF (possibly padded with more 0xFF) then a code.
        if *jpeg.get(i)? != 0xFF {
            return None;
        }
        while *jpeg.get(i)? == 0xFF {
            i += 1;
        }
        let marker = *jpeg.get(i)?;
        i += 1;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return None, // end of image / scan before any SOF
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(i)?, *jpeg.get(i + 1)?]));
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let height = u16::from_be_bytes([*jpeg.get(i + 3)?, *jpeg.get(i + 4)?]);
            let width = u16::from_be_bytes([*jpeg.get(i + 5)?, *jpeg.get(i + 6)?]);
            return (width > 0 && height > 0).then_some((width, height));
        }
        if len < 2 {
            return None;
        }
        i += len;
    }
}

/// `.<name>.<pid>-<n>.tmp.jpg` beside the destination (same file system, so
/// the final rename is atomic).
fn temp_path(dir: &Path, file_name: &std::ffi::OsStr) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = OsString::from(".");
    name.push(file_name);
    name.push(format!(".{}-{n}.tmp.jpg", std::process::id()));
    dir.join(name)
}

/// Temporary candidate files, removed when the extraction ends either way
/// (the winner has been renamed away by then).
#[derive(Default)]
struct TempFiles(Vec<PathBuf>);

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::testmedia::{decode_gray, ffmpeg, ffmpeg_words, Media};
    use super::*;
    use std::time::Duration;

    fn tools() -> Tools {
        Tools {
            timeout: Duration::from_secs(30),
            ..Tools::default()
        }
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn candidates() {
        assert_eq!(candidate_positions_ms(Some(2000)), [200, 1200, 0]);
        assert_eq!(candidate_positions_ms(Some(500)), [50, 0]);
        assert_eq!(
            candidate_positions_ms(Some(60_000)),
            [6000, 12_000, 18_000, 24_000, 0]
        );
        // Two hours: capped at five minutes, two-minute steps.
        assert_eq!(
            candidate_positions_ms(Some(7_200_000)),
            [300_000, 420_000, 540_000, 660_000, 0]
        );
        assert_eq!(candidate_positions_ms(None), [3000, 10_000, 0]);
        assert_eq!(candidate_positions_ms(Some(0)), [3000, 10_000, 0]);
        assert_eq!(candidate_positions_ms(Some(-5)), [3000, 10_000, 0]);
        assert_eq!(candidate_positions_ms(Some(5)), [0]);
    }

    #[test]
    #[rustfmt::skip]
    fn ffmpeg_arguments() {
        let args = frame_args(Path::new("/m/a.mkv"), 61_005, Path::new("/t/.p.jpg"), MAX_WIDTH);
        let args: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let graph = "[0:V:0]scale=w='trunc(iw*sar/2)*2':h=ih,setsar=1,\
                     scale=w='min(640,iw)':h=-2,split=2[thumb][probe];[probe]format=gray[gray]";
        let expected = [
            "-v", "error", "-hide_banner", "-nostdin", "-y", "-ss", "61.005", "-i",
            "file:/m/a.mkv", "-filter_complex", graph, "-map", "[thumb]", "-frames:v", "1",
            "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1", "file:/t/.p.jpg",
            "-map", "[gray]", "-frames:v", "1", "-f", "rawvideo", "pipe:1",
        ];
        assert_eq!(args, expected);
        let at_start = frame_args(Path::new("a.mkv"), 0, Path::new("b.jpg"), MAX_WIDTH);
        assert!(!at_start.iter().any(|a| a == "-ss"));
    }

    #[test]
    fn keyframe_places() {
        assert_eq!(
            keyframe_positions_ms(Some(10_000), 3),
            [2000, 5000, 8000, 3500, 6500, 1000]
        );
        assert_eq!(keyframe_positions_ms(Some(10_000), 1), [5000, 3500]);
        assert_eq!(keyframe_positions_ms(None, 3), [0]);
    }

    #[test]
    fn luma_stats() {
        let black = LumaStats::of(&[0u8; 100]);
        assert_eq!(black.mean, 0.0);
        assert_eq!(black.stddev, 0.0);
        assert_eq!(black.dark_share, 1.0);
        assert!(black.is_black_or_blank());

        let grey = LumaStats::of(&[128u8; 100]);
        assert_eq!(grey.mean, 128.0);
        assert_eq!(grey.stddev, 0.0);
        assert_eq!(grey.dark_share, 0.0);
        assert!(grey.is_black_or_blank(), "flat frames are blank");

        let half: Vec<u8> = (0..100).map(|i| if i < 50 { 0 } else { 200 }).collect();
        let stats = LumaStats::of(&half);
        assert_eq!(stats.mean, 100.0);
        assert_eq!(stats.stddev, 100.0);
        assert_eq!(stats.dark_share, 0.5);
        assert!(!stats.is_black_or_blank());

        // Dark noise (studio black 16 plus grain) is still black.
        let noisy: Vec<u8> = (0..1000).map(|i| 10 + (i % 20) as u8).collect();
        assert!(LumaStats::of(&noisy).is_black_or_blank());

        assert!(LumaStats::of(&[]).is_black_or_blank());
    }

    #[test]
    fn jpeg_dimension_parsing() {
        // SOI, APP0 (len 4), SOF0 with 8-bit, height 90, width 160.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x5A, 0x00, 0xA0, 0x03,
        ];
        assert_eq!(jpeg_dimensions(&jpeg), Some((160, 90)));
        assert_eq!(jpeg_dimensions(&jpeg[..12]), None, "truncated");
        assert_eq!(jpeg_dimensions(b"\x89PNG\r\n"), None);
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
        assert_eq!(jpeg_dimensions(&[]), None);
    }

    #[tokio::test]
    async fn skips_black_opening_and_writes_a_bright_jpeg() {
        let media = Media::new();
        let video = media.black_first_mp4();
        let out = media.dir().join("thumbs/nested/poster.jpg");
        let info = extract_thumbnail(&tools(), &video, Some(2000), &out)
            .await
            .unwrap();
        assert_eq!(
            info,
            ThumbnailInfo {
                width: 160,
                height: 90,
                position_ms: 1200
            }
        );
        let (w, h, gray) = decode_gray(&out);
        assert_eq!((w, h), (160, 90));
        let stats = LumaStats::of(&gray);
        assert!(stats.mean > 60.0, "mean luma {}", stats.mean);
        assert!(stats.stddev > 20.0, "stddev {}", stats.stddev);
        assert_eq!(
            files_in(out.parent().unwrap()),
            ["poster.jpg"],
            "temp files removed"
        );
    }

    #[tokio::test]
    async fn genuinely_black_video_still_gets_a_thumbnail() {
        let media = Media::new();
        let video = media.path("black.mp4");
        ffmpeg_words(
            "-f lavfi -i color=black:s=160x90:d=2:r=25 -c:v libx264 -preset ultrafast -pix_fmt yuv420p",
            &video,
        );
        let out = media.path("black.jpg");
        let info = extract_thumbnail(&tools(), &video, Some(2000), &out)
            .await
            .unwrap();
        assert_eq!((info.width, info.height), (160, 90));
        // All candidates equally flat: the first one is kept.
        assert_eq!(info.position_ms, 200);
        let (_, _, gray) = decode_gray(&out);
        assert!(LumaStats::of(&gray).mean < 5.0);
        assert_eq!(files_in(media.dir()), ["black.jpg", "black.mp4"]);
    }

    #[tokio::test]
    async fn rotation_is_applied() {
        let media = Media::new();
        let video = media.rotated_mp4();
        let out = media.path("rotated.jpg");
        let info = extract_thumbnail(&tools(), &video, Some(2000), &out)
            .await
            .unwrap();
        assert_eq!((info.width, info.height), (90, 160));
        assert_eq!(info.position_ms, 200);
        let (w, h, _) = decode_gray(&out);
        assert_eq!((w, h), (90, 160));
    }

    #[tokio::test]
    async fn wide_video_is_scaled_to_640_keeping_aspect() {
        let media = Media::new();
        let video = media.path("wide.mkv");
        ffmpeg_words(
            "-f lavfi -i testsrc2=s=1280x720:d=1:r=5 -c:v libx264 -preset ultrafast",
            &video,
        );
        let out = media.path("wide.jpg");
        let info = extract_thumbnail(&tools(), &video, None, &out)
            .await
            .unwrap();
        assert_eq!((info.width, info.height), (640, 360));
        // Unknown duration: 3 s and 10 s are past the end, the start remains.
        assert_eq!(info.position_ms, 0);
    }

    #[tokio::test]
    async fn anamorphic_pixels_are_squared() {
        let media = Media::new();
        let video = media.path("anamorphic.mkv");
        // 480x360 stored, 16:9 on screen (SAR 4:3) → 640x360.
        ffmpeg_words(
            "-f lavfi -i testsrc2=s=480x360:d=1:r=5 -vf setsar=4/3 -c:v libx264 -preset ultrafast",
            &video,
        );
        let out = media.path("anamorphic.jpg");
        let info = extract_thumbnail(&tools(), &video, Some(1000), &out)
            .await
            .unwrap();
        assert_eq!((info.width, info.height), (640, 360));
    }

    #[tokio::test]
    async fn replaces_an_existing_thumbnail() {
        let media = Media::new();
        let video = media.rotated_mp4();
        let out = media.path("poster.jpg");
        std::fs::write(&out, b"old").unwrap();
        extract_thumbnail(&tools(), &video, Some(2000), &out)
            .await
            .unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    }

    #[tokio::test]
    async fn keyframes_are_small_jpegs_and_skip_black() {
        let media = Media::new();
        let video = media.path("wide.mkv");
        ffmpeg_words(
            "-f lavfi -i testsrc2=s=1280x720:d=2:r=5 -c:v libx264 -preset ultrafast",
            &video,
        );
        let frames = keyframes(&tools(), &video, Some(2000), 3, 384).await;
        assert_eq!(frames.len(), 3);
        for f in &frames {
            assert_eq!(jpeg_dimensions(f), Some((384, 216)));
        }
        let black = media.path("black.mp4");
        ffmpeg_words(
            "-f lavfi -i color=black:s=160x90:d=2:r=25 -c:v libx264 -preset ultrafast -pix_fmt yuv420p",
            &black,
        );
        assert!(keyframes(&tools(), &black, Some(2000), 3, 384)
            .await
            .is_empty());
        let audio = media.path("tone.m4a");
        ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"], &audio);
        assert!(keyframes(&tools(), &audio, Some(1000), 3, 384)
            .await
            .is_empty());
    }

    #[tokio::test]
    async fn audio_only_has_no_video_stream() {
        let media = Media::new();
        let audio = media.path("tone.m4a");
        ffmpeg(&["-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac"], &audio);
        let out = media.path("tone.jpg");
        let err = extract_thumbnail(&tools(), &audio, Some(1000), &out)
            .await
            .unwrap_err();
        assert!(matches!(err, ProbeError::NoVideoStream), "{err:?}");
        assert!(!out.exists());
        assert_eq!(files_in(media.dir()), ["tone.m4a"]);
    }

    #[tokio::test]
    async fn bad_inputs() {
        let media = Media::new();
        let out = media.path("x.jpg");

        let err = extract_thumbnail(&tools(), &media.path("gone.mp4"), None, &out)
            .await
            .unwrap_err();
        assert!(matches!(err, ProbeError::Missing { .. }), "{err:?}");

        let text = media.path("notes.mkv");
        std::fs::write(&text, "not a video\n").unwrap();
        let err = extract_thumbnail(&tools(), &text, None, &out)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, ProbeError::Process(ProcessError::Failed { stderr, .. }) if stderr.contains("Invalid data")),
            "{err:?}"
        );

        let tools = Tools {
            ffmpeg: PathBuf::from("/nonexistent/ffmpeg"),
            ..tools()
        };
        let err = extract_thumbnail(&tools, &media.rotated_mp4(), Some(2000), &out)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ProbeError::Process(ProcessError::NotFound { .. })),
            "{err:?}"
        );
        assert!(!out.exists());
    }
}
