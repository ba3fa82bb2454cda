//! File fingerprint: size plus the OpenSubtitles hash (the file size plus the sum of the
//! 64-bit little-endian words of the first and last 64 KiB). Cheap to compute on any size of
//! file, stable across renames and moves, and usable for subtitle look-ups later.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const CHUNK: u64 = 64 * 1024;

/// `"<size>-<16 hex digits>"`. Fails for files it cannot read.
pub fn fingerprint(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut hash = size;
    let mut buf = vec![0u8; CHUNK as usize];
    let mut add = |buf: &[u8]| {
        for word in buf.chunks_exact(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            hash = hash.wrapping_add(u64::from_le_bytes(w));
        }
    };
    let head = read_up_to(&mut file, &mut buf)?;
    add(&buf[..head]);
    if size > CHUNK {
        file.seek(SeekFrom::Start(size.saturating_sub(CHUNK)))?;
        let tail = read_up_to(&mut file, &mut buf)?;
        add(&buf[..tail]);
    }
    Ok(format!("{size}-{hash:016x}"))
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn known_values_and_sensitivity() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, []).unwrap();
        assert_eq!(fingerprint(&a).unwrap(), "0-0000000000000000");
        std::fs::write(&a, 1u64.to_le_bytes()).unwrap();
        // size 8 + word 1
        assert_eq!(fingerprint(&a).unwrap(), "8-0000000000000009");
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&a, &big).unwrap();
        let f1 = fingerprint(&a).unwrap();
        let mut changed = big.clone();
        *changed.last_mut().unwrap() ^= 0xff;
        let b = dir.path().join("b");
        std::fs::write(&b, &changed).unwrap();
        assert_ne!(f1, fingerprint(&b).unwrap());
        std::fs::rename(&a, dir.path().join("moved")).unwrap();
        assert_eq!(f1, fingerprint(&dir.path().join("moved")).unwrap());
    }
}
