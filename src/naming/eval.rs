//! Scores the name parser on a JSONL file in the format of
//! `shared/fixtures/naming/dev.jsonl` (`kinora naming eval`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::guess::{guess, NameGuess};

/// Accuracy of one field: cases that assert it, and how many matched.
#[derive(Debug, Default, Clone, Copy)]
pub struct FieldScore {
    pub asserted: usize,
    pub correct: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    pub cases: usize,
    pub fully_correct: usize,
    pub fields: BTreeMap<&'static str, FieldScore>,
    /// `path`, then the fields that differ as `field: expected ≠ got`.
    pub failures: Vec<(String, Vec<String>)>,
    /// The same for fields outside "fully correct" (episode title, date, extras, ids, 3D…).
    pub misses: Vec<(String, Vec<String>)>,
}

impl Report {
    pub fn share(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.fully_correct as f64 / self.cases as f64
        }
    }
}

/// Title comparison: case-insensitive, `.` `_` `-` `:` as spaces, a trailing `(year)` ignored.
pub fn norm_title(s: &str) -> String {
    let lower = s.to_lowercase().replace(['.', '_', '-', ':'], " ");
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    if let Some(last) = words.last() {
        let b = last.as_bytes();
        if b.len() == 6 && b[0] == b'(' && b[5] == b')' && b[1..5].iter().all(u8::is_ascii_digit) {
            words.pop();
        }
    }
    words.join(" ")
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn opt_int(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

fn opt_str_eq(expected: &Value, got: Option<&str>) -> bool {
    match (expected.as_str(), got) {
        (None, None) => expected.is_null(),
        (Some(e), Some(g)) => e.eq_ignore_ascii_case(g),
        _ => false,
    }
}

/// Scores one case; returns the mismatches on the fields that decide "fully correct" and on
/// the others, and records every asserted field's accuracy.
fn score_case(case: &Value, got: &NameGuess, report: &mut Report) -> (Vec<String>, Vec<String>) {
    let mut core_fail = Vec::new();
    let mut other_fail = Vec::new();
    let source = case.get("source").and_then(Value::as_str).unwrap_or("");
    let mut check = |name: &'static str, ok: bool, core: bool, exp: &Value, got: String| {
        let f = report.fields.entry(name).or_default();
        f.asserted += 1;
        if ok {
            f.correct += 1;
        } else if core {
            core_fail.push(format!("{name}: expected {exp} got {got}"));
        } else {
            other_fail.push(format!("{name}: expected {exp} got {got}"));
        }
    };
    let fmt = |v: Option<i64>| v.map_or("null".to_string(), |v| v.to_string());
    if let Some(exp) = case.get("kind") {
        if source.starts_with("guessit/") {
            let ok = match exp.as_str() {
                Some("other") => got.kind == "extra" || got.kind == "home_video",
                Some(k) => k == got.kind,
                None => false,
            };
            check("kind", ok, true, exp, got.kind.to_string());
        }
    }
    if let Some(exp) = case.get("title") {
        let g = got.title.as_deref().unwrap_or("");
        let ok = exp.as_str().is_some_and(|e| norm_title(e) == norm_title(g));
        check("title", ok, true, exp, format!("{g:?}"));
    }
    for (name, value) in [
        ("year", opt_int(got.year)),
        ("season", opt_int(got.season)),
        ("episode", opt_int(got.episode)),
    ] {
        if let Some(exp) = case.get(name) {
            check(name, int(exp) == value, true, exp, fmt(value));
        }
    }
    if let Some(exp) = case.get("episode_end") {
        let g = opt_int(got.episode_end);
        let ok = if exp.is_null() {
            g.is_none() || g == opt_int(got.episode)
        } else {
            int(exp) == g
        };
        check("episode_end", ok, true, exp, fmt(g));
    }
    if let Some(exp) = case.get("episode_title") {
        let g = got.episode_title.as_deref();
        let ok = match (exp.as_str(), g) {
            (Some(e), Some(g)) => norm_title(e) == norm_title(g),
            (None, None) => true,
            _ => false,
        };
        check("episode_title", ok, false, exp, format!("{g:?}"));
    }
    for (name, g) in [
        ("date", got.date.as_deref()),
        ("extra_type", got.extra_type),
        ("tmdb_id", got.tmdb_id.as_deref()),
        ("imdb_id", got.imdb_id.as_deref()),
        ("tvdb_id", got.tvdb_id.as_deref()),
    ] {
        if let Some(exp) = case.get(name) {
            check(name, opt_str_eq(exp, g), false, exp, format!("{g:?}"));
        }
    }
    for (name, flag, format) in [
        ("is_3d", got.is_3d, "format_3d"),
        ("is_stub", got.is_stub, "stub_type"),
    ] {
        if let Some(exp) = case.get(name) {
            let ok = exp.as_bool() == Some(flag);
            check(name, ok, false, exp, flag.to_string());
        }
        if let Some(exp) = case.get(format) {
            let g = if name == "is_3d" {
                got.format_3d
            } else {
                got.stub_type
            };
            check(format, opt_str_eq(exp, g), false, exp, format!("{g:?}"));
        }
    }
    let ints = |v: &Value| -> Vec<i64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    };
    if let Some(exp) = case.get("episode_list") {
        // Without an explicit list, a first–last pair is a range.
        let g: Vec<i64> = if !got.episode_list.is_empty() {
            got.episode_list.iter().map(|&e| i64::from(e)).collect()
        } else {
            match (got.episode, got.episode_end) {
                (Some(a), Some(b)) if b >= a => (i64::from(a)..=i64::from(b)).collect(),
                (Some(a), _) => vec![i64::from(a)],
                _ => vec![],
            }
        };
        check("episode_list", ints(exp) == g, false, exp, format!("{g:?}"));
    }
    if let Some(exp) = case.get("season_list") {
        let g: Vec<i64> = if !got.season_list.is_empty() {
            got.season_list.iter().map(|&e| i64::from(e)).collect()
        } else {
            got.season.map(i64::from).into_iter().collect()
        };
        check("season_list", ints(exp) == g, false, exp, format!("{g:?}"));
    }
    (core_fail, other_fail)
}

/// Scores every line of `jsonl` (blank lines skipped).
pub fn evaluate(jsonl: &str) -> anyhow::Result<Report> {
    let mut report = Report::default();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Value =
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))?;
        let path = case.get("path").and_then(Value::as_str).unwrap_or("");
        // The scanner hands the parser paths below the library root; so does the eval where
        // the case names that root.
        let root = case.get("library_root").and_then(Value::as_str);
        let relative = root
            .and_then(|r| path.strip_prefix(r))
            .map_or(path, |p| p.trim_start_matches(['/', '\\']));
        let got = guess(relative, false);
        report.cases += 1;
        let (fails, misses) = score_case(&case, &got, &mut report);
        if !misses.is_empty() {
            report.misses.push((path.to_string(), misses));
        }
        if fails.is_empty() {
            report.fully_correct += 1;
        } else {
            report.failures.push((path.to_string(), fails));
        }
    }
    Ok(report)
}

/// The report as `kinora naming eval` prints it.
pub fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (path, misses) in &report.misses {
        let _ = writeln!(out, "MISS {path}\n     {}", misses.join("; "));
    }
    for (path, fails) in &report.failures {
        let _ = writeln!(out, "FAIL {path}\n     {}", fails.join("; "));
    }
    let _ = writeln!(
        out,
        "\nfield                        correct/asserted  accuracy"
    );
    for (name, f) in &report.fields {
        let _ = writeln!(
            out,
            "{name:<28} {:>5}/{:<5}          {:6.2}%",
            f.correct,
            f.asserted,
            100.0 * f.correct as f64 / f.asserted.max(1) as f64
        );
    }
    let _ = writeln!(
        out,
        "fully correct: {}/{} = {:.2}%",
        report.fully_correct,
        report.cases,
        100.0 * report.share()
    );
    out
}
