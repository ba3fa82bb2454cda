//! BlurHash placeholders for item images (`ImageBlurHashes` in Jellyfin DTOs): Swiftfin,
//! Findroid and jellyfin-web paint them while the real image loads.
//!
//! ffmpeg scales the image down to a few pixels (the hash only keeps low frequencies) and the
//! `blurhash` crate encodes them. The sample is square whatever the image's shape: clients
//! decode the hash into the image's own box, which stretches it back.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use crate::process::{self, ProcessError};

/// Width and height of the pixel sample.
const SAMPLE: u32 = 32;

#[derive(Debug, thiserror::Error)]
pub enum BlurHashError {
    #[error("cannot sample {path}: {source}")]
    Sample {
        path: String,
        #[source]
        source: ProcessError,
    },
    #[error("ffmpeg gave {got} bytes for {path}, expected {expected}")]
    ShortSample {
        path: String,
        got: usize,
        expected: usize,
    },
    #[error("cannot encode a blurhash for {path}: {message}")]
    Encode { path: String, message: String },
}

/// Components along x and y: Jellyfin-like detail, more along the longer side.
fn components(width: u32, height: u32) -> (u32, u32) {
    if width >= height {
        (4, 3)
    } else {
        (3, 4)
    }
}

/// The BlurHash of an image file of `width`×`height` pixels (its shape picks the detail).
pub async fn of_image(
    ffmpeg: &Path,
    timeout: Duration,
    image: &Path,
    width: u32,
    height: u32,
) -> Result<String, BlurHashError> {
    let mut input = OsString::from("file:");
    input.push(image.as_os_str());
    let args: Vec<OsString> = vec![
        "-v".into(),
        "error".into(),
        "-nostdin".into(),
        "-i".into(),
        input,
        "-vf".into(),
        format!("scale={SAMPLE}:{SAMPLE}").into(),
        "-frames:v".into(),
        "1".into(),
        "-f".into(),
        "rawvideo".into(),
        "-pix_fmt".into(),
        "rgba".into(),
        "pipe:1".into(),
    ];
    let path = image.display().to_string();
    let out = process::run(ffmpeg, &args, timeout)
        .await
        .map_err(|source| BlurHashError::Sample {
            path: path.clone(),
            source,
        })?;
    encode_rgba(&out.stdout, &path, components(width, height))
}

fn encode_rgba(rgba: &[u8], path: &str, (x, y): (u32, u32)) -> Result<String, BlurHashError> {
    let expected = (SAMPLE * SAMPLE * 4) as usize;
    if rgba.len() < expected {
        return Err(BlurHashError::ShortSample {
            path: path.to_string(),
            got: rgba.len(),
            expected,
        });
    }
    blurhash::encode(x, y, SAMPLE, SAMPLE, &rgba[..expected]).map_err(|e| BlurHashError::Encode {
        path: path.to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_flat_colour_hashes_to_that_colour() {
        // A flat image has only its average colour: decoding gives red back.
        let red: Vec<u8> = std::iter::repeat_n([255u8, 0, 0, 255], (SAMPLE * SAMPLE) as usize)
            .flatten()
            .collect();
        let hash = encode_rgba(&red, "red", (4, 3)).unwrap();
        assert_eq!(hash.len(), 4 + 2 * 4 * 3);
        let decoded = blurhash::decode(&hash, 2, 2, 1.0).unwrap();
        assert!(
            decoded[0] > 250 && decoded[1] < 5 && decoded[2] < 5,
            "{decoded:?}"
        );
        let blue: Vec<u8> = std::iter::repeat_n([0u8, 0, 255, 255], (SAMPLE * SAMPLE) as usize)
            .flatten()
            .collect();
        assert_ne!(encode_rgba(&blue, "blue", (4, 3)).unwrap(), hash);
        assert!(matches!(
            encode_rgba(&red[..10], "short", (4, 3)),
            Err(BlurHashError::ShortSample { .. })
        ));
    }

    #[test]
    fn detail_follows_the_shape() {
        assert_eq!(components(1920, 1080), (4, 3));
        assert_eq!(components(1080, 1920), (3, 4));
    }
}
