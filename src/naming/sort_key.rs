/// The key items sort by, computed in Rust so SQLite and PostgreSQL order alike: lower-case,
/// a leading article dropped, numbers zero-padded so "Episode 2" sorts before "Episode 10".
pub fn sort_key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
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
