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
