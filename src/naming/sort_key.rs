/// The key items sort by, computed in Rust so SQLite and PostgreSQL order alike: lower-case,
/// a leading article dropped, numbers zero-padded so "Episode 2" sorts before "Episode 10".
pub fn sort_key(name: &str) -> String {
    // Accents fold to their base letters ("Élan" sorts with "elan", not after "zebra").
    let lower = fold_accents(name.trim()).to_lowercase();
    let body = ["the ", "a ", "an "]
        .iter()
        .find_map(|article| lower.strip_prefix(article))
        .filter(|rest| !rest.trim().is_empty())
        .unwrap_or(&lower);
    let mut out = String::with_capacity(body.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            let trimmed = digits.trim_start_matches('0');
            let width = 10usize.saturating_sub(trimmed.len());
            out.extend(std::iter::repeat_n('0', width));
            out.push_str(trimmed);
            digits.clear();
        }
    };
    for ch in body.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
        } else {
            flush(&mut digits, &mut out);
            out.push(ch);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// Latin letters with diacritics → their base letters; other scripts are kept as they are
/// (transliterating them would sort CJK titles by a romanisation nobody reads).
pub(super) fn fold_accents(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii() || !c.is_alphabetic() {
                return c.to_string();
            }
            let t = deunicode::deunicode_char(c).unwrap_or("");
            let latin_letter = !t.is_empty()
                && t.len() <= 2
                && t.chars().all(|x| x.is_ascii_alphabetic())
                && matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF);
            if latin_letter {
                t.to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
