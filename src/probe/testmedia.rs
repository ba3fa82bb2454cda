//! Test media synthesised with the real ffmpeg (lavfi sources), tiny and fast.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `ffmpeg -v error -y -nostdin <args> <out>`, panicking on failure.
pub(crate) fn ffmpeg(args: &[&str], out: &Path) {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .arg(out)
        .output()
        .expect("ffmpeg must be installed to run these tests");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} {} failed: {}",
        out.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// [`ffmpeg`] with the arguments given as one whitespace-separated string.
pub(crate) fn ffmpeg_words(args: &str, out: &Path) {
    let args: Vec<&str> = args.split_whitespace().collect();
    ffmpeg(&args, out);
}

/// Decodes an image to 8-bit gray: (width, height, pixels).
pub(crate) fn decode_gray(image: &Path) -> (u16, u16, Vec<u8>) {
    let bytes = std::fs::read(image).unwrap();
    let (w, h) = super::thumbnail::jpeg_dimensions(&bytes).expect("a JPEG");
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(image)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout.len(), usize::from(w) * usize::from(h));
    (w, h, output.stdout)
}

/// A temporary directory to synthesise media into.
pub(crate) struct Media {
    dir: tempfile::TempDir,
}

impl Media {
    pub(crate) fn new() -> Media {
        Media {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// 2 s, 160x90 H.264 at 25 fps + mono 48 kHz AAC in MP4: creation time,
    /// Apple make/model and a -90° display matrix (portrait phone clip).
    #[rustfmt::skip]
    pub(crate) fn rotated_mp4(&self) -> PathBuf {
        let out = self.path("phone.mp4");
        if out.exists() {
            return out;
        }
        let raw = self.path("phone-unrotated.mp4");
        ffmpeg(
            &[
                "-f", "lavfi", "-i", "testsrc2=s=160x90:d=2:r=25",
                "-f", "lavfi", "-i", "sine=d=2:sample_rate=48000",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest",
            ],
            &raw,
        );
        // ffmpeg 5.1 turns the rotate tag into a display matrix only on copy.
        ffmpeg(
            &[
                "-i", raw.to_str().unwrap(), "-map", "0", "-c", "copy",
                "-metadata", "creation_time=2021-06-01T12:34:56Z",
                "-metadata", "com.apple.quicktime.make=Apple",
                "-metadata", "com.apple.quicktime.model=iPhone 12",
                "-movflags", "use_metadata_tags", "-metadata:s:v:0", "rotate=-90",
            ],
            &out,
        );
        std::fs::remove_file(&raw).unwrap();
        out
    }

    /// A SubRip file with two cues.
    pub(crate) fn srt(&self) -> PathBuf {
        let out = self.path("signs.srt");
        std::fs::write(
            &out,
            "1\n00:00:00,000 --> 00:00:00,500\nEXIT\n\n2\n00:00:00,500 --> 00:00:01,000\nNORTH\n",
        )
        .unwrap();
        out
    }

    /// 1 s Matroska: H.264, English stereo AAC "English" (default), Japanese
    /// mono AAC, English SubRip "Signs" (default + forced).
    #[rustfmt::skip]
    pub(crate) fn multi_track_mkv(&self) -> PathBuf {
        let srt = self.srt();
        let out = self.path("movie.mkv");
        ffmpeg(
            &[
                "-f", "lavfi", "-i", "smptebars=s=160x90:d=1:r=25",
                "-f", "lavfi", "-i", "sine=f=440:d=1",
                "-f", "lavfi", "-i", "sine=f=880:d=1",
                "-i", srt.to_str().unwrap(),
                "-map", "0", "-map", "1", "-map", "2", "-map", "3",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-ac:a:0", "2", "-c:s", "srt",
                "-metadata:s:a:0", "language=eng", "-metadata:s:a:0", "title=English",
                "-metadata:s:a:1", "language=jpn",
                "-metadata:s:s:0", "language=eng", "-metadata:s:s:0", "title=Signs",
                "-disposition:a:0", "default", "-disposition:a:1", "0",
                "-disposition:s:0", "default+forced",
            ],
            &out,
        );
        out
    }

    /// 2 s, 160x90 H.264: one second of black, then one of testsrc2, with a
    /// single keyframe at 0 (so seeking must decode forward).
    #[rustfmt::skip]
    pub(crate) fn black_first_mp4(&self) -> PathBuf {
        let out = self.path("black-first.mp4");
        ffmpeg(
            &[
                "-f", "lavfi", "-i", "color=black:s=160x90:d=1:r=25",
                "-f", "lavfi", "-i", "testsrc2=s=160x90:d=1:r=25",
                "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0[v]",
                "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-g", "250",
            ],
            &out,
        );
        out
    }
}
