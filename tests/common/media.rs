//! Small, distinct test videos made with the real ffmpeg. Each call varies pattern, tone and
//! length, because identical encodes are duplicates by fingerprint.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

const PATTERNS: &[&str] = &[
    "testsrc",
    "testsrc2",
    "smptebars",
    "rgbtestsrc",
    "smptehdbars",
    "yuvtestsrc",
    "pal75bars",
];

/// Writes a tiny video (160x90, ~1 s, H.264 + AAC) to `path`; the container follows the
/// extension.
pub fn video(path: &Path) {
    let n = SEQ.fetch_add(1, Ordering::SeqCst) + std::process::id() % 97;
    let pattern = PATTERNS[(n as usize) % PATTERNS.len()];
    let freq = 220 + (n % 50) * 20;
    let dur = format!("{:.2}", 1.0 + f64::from(n % 7) * 0.1);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("{pattern}=size=160x90:rate=15:duration={dur}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency={freq}:duration={dur}"))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "32k",
            "-shortest",
        ])
        .args(["-metadata", &format!("comment=kinora-test-{n}")])
        .arg(path)
        .status()
        .expect("ffmpeg must be installed for end-to-end tests");
    assert!(status.success(), "ffmpeg failed for {}", path.display());
}

/// A tiny phone-style clip (`.mov`/`.mp4`): portrait rotation, camera make and model, a
/// location and a recording date, as an iPhone writes them.
pub fn phone_video(path: &Path) {
    let n = SEQ.fetch_add(1, Ordering::SeqCst) + std::process::id() % 89;
    let pattern = PATTERNS[(n as usize + 3) % PATTERNS.len()];
    let freq = 300 + (n % 40) * 20;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("{pattern}=size=192x108:rate=30:duration=1.5"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency={freq}:duration=1.5:sample_rate=48000"
        ))
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "32k",
            "-shortest",
            "-movflags",
            "use_metadata_tags",
            "-metadata:s:v:0",
            "rotate=90",
            "-metadata",
            "creation_time=2023-07-01T10:00:00Z",
            "-metadata",
            "com.apple.quicktime.make=Apple",
            "-metadata",
            "com.apple.quicktime.model=iPhone 12",
            "-metadata",
            "com.apple.quicktime.location.ISO6709=+48.8584+002.2945+035.000/",
        ])
        .args(["-metadata", &format!("comment=kinora-phone-{n}")])
        .arg(path)
        .status()
        .expect("ffmpeg must be installed for end-to-end tests");
    assert!(status.success(), "ffmpeg failed for {}", path.display());
}
