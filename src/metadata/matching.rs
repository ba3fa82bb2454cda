//! Choosing the TMDB entry a title is: candidates from a search scored by title similarity
//! (the title, the original title and the alternative titles), year (± 1 allowed: festival vs
//! cinema release), and popularity as the tie-breaker between titles that are otherwise equal
//! (remakes without a year). Pure; the confidence decides between taking the best candidate
//! and asking a person.
//!
//! Known traps this guards against: `Alien (1979)` must not become "Alien Warfare" (a longer
//! title that merely contains the query), a remake must follow the year, and a series with a
//! year in its name (`Doctor Who (2005)`) must pick that year's series.

use deunicode::deunicode;

/// One search result as the scorer needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub tmdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub alternative_titles: Vec<String>,
    pub year: Option<i32>,
    pub popularity: f64,
}

/// A candidate with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub candidate: Candidate,
    /// 0–1.
    pub confidence: f32,
    pub why: String,
}

/// Lower-case ASCII words; `&` reads as "and"; punctuation and a leading article dropped.
pub fn normalize_title(s: &str) -> Vec<String> {
    let ascii = deunicode(s).to_lowercase().replace('&', " and ");
    let mut words: Vec<String> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.len() > 1 && matches!(words[0].as_str(), "the" | "a" | "an") {
        words.remove(0);
    }
    words
}

/// Similarity of two titles, 0–1: 1 for the same words, otherwise the share of words they
/// have in common over the longer title (so a short title inside a long one scores low).
pub fn title_similarity(a: &str, b: &str) -> f32 {
    let (wa, wb) = (normalize_title(a), normalize_title(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    if wa == wb {
        return 1.0;
    }
    // Same letters, other spacing: "Spider Man" / "Spiderman".
    if wa.concat() == wb.concat() {
        return 0.95;
    }
    let mut rest = wb.clone();
    let mut common = 0usize;
    for w in &wa {
        if let Some(i) = rest.iter().position(|x| x == w) {
            rest.swap_remove(i);
            common += 1;
        }
    }
    let longer = wa.len().max(wb.len()) as f32;
    // Squared: one extra word in a two-word title is a different film, not a near miss.
    (common as f32 / longer).powi(2) * 0.9
}

fn year_score(query: Option<i32>, candidate: Option<i32>) -> (f32, &'static str) {
    match (query, candidate) {
        (None, _) => (0.6, "no year to compare"),
        (Some(_), None) => (0.4, "the candidate has no year"),
        (Some(q), Some(c)) => match (q - c).abs() {
            0 => (1.0, "same year"),
            1 => (0.85, "year off by one"),
            2 => (0.3, "year off by two"),
            _ => (0.0, "another year"),
        },
    }
}

/// Scores every candidate for `title` (and `year` when known), best first.
pub fn rank(title: &str, year: Option<i32>, candidates: &[Candidate]) -> Vec<Scored> {
    let max_pop = candidates
        .iter()
        .map(|c| c.popularity)
        .fold(0.0_f64, f64::max);
    let mut scored: Vec<Scored> = candidates
        .iter()
        .map(|c| {
            let best_title = std::iter::once(c.title.as_str())
                .chain(c.original_title.as_deref())
                .chain(c.alternative_titles.iter().map(String::as_str))
                .map(|t| title_similarity(title, t))
                .fold(0.0_f32, f32::max);
            let (ys, year_why) = year_score(year, c.year);
            let pop = if max_pop > 0.0 {
                (c.popularity / max_pop) as f32
            } else {
                0.0
            };
            let mut score = 0.65 * best_title + 0.27 * ys + 0.08 * pop;
            if ys == 0.0 {
                // The name says another year: the same title from another year is a remake
                // or a mistake, for a person to tell.
                score = score.min(0.5);
            }
            Scored {
                confidence: score.clamp(0.0, 1.0),
                why: format!(
                    "title {best_title:.2}, {year_why}, popularity {:.0}",
                    c.popularity
                ),
                candidate: c.clone(),
            }
        })
        .collect();
    scored.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    // Two candidates nearly alike (a remake when no year was given): the best is a guess.
    if let [best, second, ..] = scored.as_mut_slice() {
        if best.confidence - second.confidence < 0.05 {
            // Below the usual review threshold: a person picks between them.
            best.confidence = best.confidence.min(0.55);
            best.why.push_str(&format!(
                "; as likely as {} ({})",
                second.candidate.tmdb_id,
                second
                    .candidate
                    .year
                    .map(|y| y.to_string())
                    .unwrap_or_default()
            ));
        }
    }
    scored
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn c(id: &str, title: &str, year: Option<i32>, popularity: f64) -> Candidate {
        Candidate {
            tmdb_id: id.into(),
            title: title.into(),
            year,
            popularity,
            ..Candidate::default()
        }
    }

    #[test]
    fn alien_is_not_alien_warfare() {
        let ranked = rank(
            "Alien",
            Some(1979),
            &[
                c("560050", "Alien Warfare", Some(2019), 90.0),
                c("348", "Alien", Some(1979), 40.0),
                c("679", "Aliens", Some(1986), 35.0),
            ],
        );
        assert_eq!(ranked[0].candidate.tmdb_id, "348");
        assert!(ranked[0].confidence >= 0.85, "{ranked:?}");
        let warfare = ranked
            .iter()
            .find(|s| s.candidate.tmdb_id == "560050")
            .unwrap();
        assert!(warfare.confidence < 0.5, "{warfare:?}");
    }

    #[test]
    fn remakes_follow_the_year_and_are_doubtful_without_one() {
        let things = [
            c("1091", "The Thing", Some(1982), 30.0),
            c("60935", "The Thing", Some(2011), 20.0),
        ];
        let ranked = rank("The Thing", Some(2011), &things);
        assert_eq!(ranked[0].candidate.tmdb_id, "60935");
        assert!(ranked[0].confidence >= 0.85);
        let ranked = rank("The Thing", None, &things);
        assert_eq!(ranked[0].candidate.tmdb_id, "1091", "the more popular one");
        assert!(ranked[0].confidence < 0.6, "{ranked:?}");
        assert!(ranked[0].why.contains("as likely as 60935"));
    }

    #[test]
    fn the_right_title_from_another_year_is_doubtful() {
        let ranked = rank(
            "The Matrix",
            Some(2005),
            &[c("603", "The Matrix", Some(1999), 80.0)],
        );
        assert!(ranked[0].confidence <= 0.5, "{ranked:?}");
        assert!(ranked[0].confidence >= 0.3, "still a candidate: {ranked:?}");
    }

    #[test]
    fn a_series_with_a_year_in_its_name_picks_that_year() {
        let ranked = rank(
            "Doctor Who",
            Some(2005),
            &[
                c("121", "Doctor Who", Some(1963), 60.0),
                c("57243", "Doctor Who", Some(2005), 150.0),
            ],
        );
        assert_eq!(ranked[0].candidate.tmdb_id, "57243");
    }

    #[test]
    fn original_and_alternative_titles_count() {
        let mut amelie = c("194", "Amélie", Some(2001), 20.0);
        amelie.original_title = Some("Le Fabuleux Destin d'Amélie Poulain".into());
        let ranked = rank(
            "Le Fabuleux Destin d Amelie Poulain",
            Some(2001),
            &[amelie.clone()],
        );
        assert!(ranked[0].confidence > 0.9, "{ranked:?}");
        let mut se7en = c("807", "Se7en", Some(1995), 50.0);
        se7en.alternative_titles = vec!["Seven".into()];
        assert!(rank("Seven", Some(1995), &[se7en])[0].confidence > 0.9);
    }

    #[test]
    fn titles_compare_by_words() {
        assert_eq!(title_similarity("The Matrix", "Matrix"), 1.0);
        assert_eq!(title_similarity("Fast & Furious", "Fast and Furious"), 1.0);
        assert_eq!(title_similarity("Spider-Man", "Spiderman"), 0.95);
        assert!(title_similarity("Alien", "Alien Warfare") < 0.3);
        assert_eq!(title_similarity("", "x"), 0.0);
    }
}
