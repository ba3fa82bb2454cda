//! Pure mappings from TMDB bodies to [`Metadata`]. Images and photos keep TMDB's file paths
//! (`/abc.jpg`): the size is chosen where an image is fetched ([`super::image_url`]).

use crate::domain::metadata::{ImageKind, ImageRef, Metadata, Person, PersonKind, ProviderIds};

use super::types::{
    CastMember, ContentRatings, CrewMember, Episode, Images, Movie, ReleaseDates, Season, Tv,
};

/// Theatrical release: the one whose rating an NFO's `<mpaa>` usually carries.
const RELEASE_THEATRICAL: i32 = 3;

/// The country whose rating is used when the configured one has none.
const FALLBACK_COUNTRY: &str = "US";

/// A movie with `credits`, `external_ids` and `release_dates` appended. `country` picks the
/// age rating (ISO 3166-1, e.g. the region of the configured language).
pub fn movie_metadata(movie: &Movie, country: &str) -> Metadata {
    let mut people = Vec::new();
    if let Some(credits) = &movie.credits {
        people.extend(cast_people(&credits.cast, PersonKind::Actor));
        people.extend(crew_people(&credits.crew));
    }
    let imdb = movie
        .external_ids
        .as_ref()
        .and_then(|e| text(&e.imdb_id))
        .or_else(|| text(&movie.imdb_id));
    Metadata {
        title: text(&movie.title),
        original_title: text(&movie.original_title),
        year: year_of(&movie.release_date),
        premiere_date: date(&movie.release_date),
        overview: text(&movie.overview),
        tagline: text(&movie.tagline),
        genres: movie
            .genres
            .iter()
            .filter_map(|g| nonempty(&g.name))
            .collect(),
        studios: movie
            .production_companies
            .iter()
            .filter_map(|c| text(&c.name))
            .collect(),
        runtime_minutes: movie.runtime.filter(|m| *m > 0),
        language: text(&movie.original_language),
        certification: movie
            .release_dates
            .as_ref()
            .and_then(|r| movie_certification(r, country)),
        rating: rating(movie.vote_average, movie.vote_count),
        vote_count: movie.vote_count,
        people,
        ids: ProviderIds {
            tmdb: id(movie.id),
            imdb,
            tvdb: None,
        },
        images: {
            let mut all = images(&[
                (ImageKind::Poster, &movie.poster_path),
                (ImageKind::Backdrop, &movie.backdrop_path),
            ]);
            all.extend(best_logo(movie.images.as_ref()));
            all
        },
        ..Metadata::default()
    }
}

/// The logo to show: one with words (a language) before a text-free one, then the best rated;
/// the request already limited them to the configured language.
fn best_logo(images: Option<&Images>) -> Option<ImageRef> {
    let logos = &images?.logos;
    let best = logos
        .iter()
        .filter(|l| l.file_path.as_deref().is_some_and(|p| !p.is_empty()))
        .max_by(|a, b| {
            (a.iso_639_1.is_some(), a.vote_average.unwrap_or(0.0))
                .partial_cmp(&(b.iso_639_1.is_some(), b.vote_average.unwrap_or(0.0)))
                .unwrap_or(std::cmp::Ordering::Equal)
        })?;
    Some(ImageRef {
        kind: ImageKind::Logo,
        location: best.file_path.clone()?,
        language: best.iso_639_1.clone(),
        width: best.width,
        height: best.height,
    })
}

/// A series with `external_ids` and `content_ratings` appended.
pub fn tv_metadata(tv: &Tv, country: &str) -> Metadata {
    let mut people: Vec<Person> = tv
        .created_by
        .iter()
        .filter_map(|c| {
            Some(Person {
                name: text(&c.name)?,
                kind: PersonKind::Creator,
                role: Some("Creator".into()),
                order: None,
                tmdb_id: id(c.id),
                image: text(&c.profile_path),
            })
        })
        .collect();
    if let Some(credits) = &tv.credits {
        people.extend(cast_people(&credits.cast, PersonKind::Actor));
    }
    let external = tv.external_ids.as_ref();
    Metadata {
        title: text(&tv.name),
        original_title: text(&tv.original_name),
        year: year_of(&tv.first_air_date),
        premiere_date: date(&tv.first_air_date),
        overview: text(&tv.overview),
        tagline: text(&tv.tagline),
        genres: tv.genres.iter().filter_map(|g| nonempty(&g.name)).collect(),
        // A series' studio, as Jellyfin and Kodi show it, is its network.
        studios: tv.networks.iter().filter_map(|n| text(&n.name)).collect(),
        runtime_minutes: tv.episode_run_time.iter().copied().find(|m| *m > 0),
        language: text(&tv.original_language),
        certification: tv
            .content_ratings
            .as_ref()
            .and_then(|r| tv_certification(r, country)),
        rating: rating(tv.vote_average, tv.vote_count),
        vote_count: tv.vote_count,
        people,
        ids: ProviderIds {
            tmdb: id(tv.id),
            imdb: external.and_then(|e| text(&e.imdb_id)),
            tvdb: external
                .and_then(|e| e.tvdb_id)
                .filter(|v| *v > 0)
                .map(|v| v.to_string()),
        },
        images: images(&[
            (ImageKind::Poster, &tv.poster_path),
            (ImageKind::Backdrop, &tv.backdrop_path),
        ]),
        ..Metadata::default()
    }
}

/// A season (its own fields; its episodes map with [`season_episodes`]).
pub fn season_metadata(season: &Season) -> Metadata {
    Metadata {
        title: text(&season.name),
        year: year_of(&season.air_date),
        premiere_date: date(&season.air_date),
        overview: text(&season.overview),
        // A season's vote average comes without a count; 0 means "no votes".
        rating: season.vote_average.filter(|r| *r > 0.0),
        ids: ProviderIds {
            tmdb: id(season.id),
            ..ProviderIds::default()
        },
        images: images(&[(ImageKind::Poster, &season.poster_path)]),
        season_number: Some(season.season_number),
        ..Metadata::default()
    }
}

/// Every episode a season lists, mapped as [`episode_metadata`]: one season request describes
/// all its episodes.
pub fn season_episodes(season: &Season) -> Vec<Metadata> {
    season.episodes.iter().map(episode_metadata).collect()
}

/// An episode, with its directors, writers and guest stars.
pub fn episode_metadata(episode: &Episode) -> Metadata {
    let mut people = cast_people(&episode.guest_stars, PersonKind::GuestStar);
    people.extend(crew_people(&episode.crew));
    Metadata {
        title: text(&episode.name),
        year: year_of(&episode.air_date),
        premiere_date: date(&episode.air_date),
        overview: text(&episode.overview),
        runtime_minutes: episode.runtime.filter(|m| *m > 0),
        rating: rating(episode.vote_average, episode.vote_count),
        vote_count: episode.vote_count,
        people,
        ids: ProviderIds {
            tmdb: id(episode.id),
            ..ProviderIds::default()
        },
        images: images(&[(ImageKind::Still, &episode.still_path)]),
        season_number: Some(episode.season_number),
        episode_number: Some(episode.episode_number),
        ..Metadata::default()
    }
}

/// The movie's age rating in `country`: its theatrical release's, else the first one given;
/// when that country has none, the US one.
pub fn movie_certification(dates: &ReleaseDates, country: &str) -> Option<String> {
    let in_country = |c: &str| {
        let releases = &dates
            .results
            .iter()
            .find(|r| r.iso_3166_1.eq_ignore_ascii_case(c))?
            .release_dates;
        let rated = || {
            releases
                .iter()
                .filter_map(|r| Some((r, text(&r.certification)?)))
        };
        rated()
            .find(|(r, _)| r.kind == Some(RELEASE_THEATRICAL))
            .or_else(|| rated().next())
            .map(|(_, cert)| cert)
    };
    in_country(country).or_else(|| in_country(FALLBACK_COUNTRY))
}

/// The series' age rating in `country`, else the US one.
pub fn tv_certification(ratings: &ContentRatings, country: &str) -> Option<String> {
    let in_country = |c: &str| {
        ratings
            .results
            .iter()
            .filter(|r| r.iso_3166_1.eq_ignore_ascii_case(c))
            .find_map(|r| text(&r.rating))
    };
    in_country(country).or_else(|| in_country(FALLBACK_COUNTRY))
}

/// Actors in billing order (TMDB lists them so, but the order is the field that says it).
fn cast_people(cast: &[CastMember], kind: PersonKind) -> Vec<Person> {
    let mut people: Vec<Person> = cast
        .iter()
        .filter_map(|c| {
            Some(Person {
                name: text(&c.name)?,
                kind,
                role: text(&c.character),
                order: c.order,
                tmdb_id: id(c.id),
                image: text(&c.profile_path),
            })
        })
        .collect();
    people.sort_by_key(|p| p.order.unwrap_or(i32::MAX));
    people
}

/// The crew a media server shows: directors, writers, producers, composers. The job stays as
/// the role (`Screenplay`, `Novel`); a person credited twice in one kind appears once.
fn crew_people(crew: &[CrewMember]) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for c in crew {
        let job = text(&c.job).unwrap_or_default();
        let department = text(&c.department).unwrap_or_default();
        let kind = match (department.as_str(), job.as_str()) {
            (_, "Director") => PersonKind::Director,
            ("Writing", _) | (_, "Writer" | "Screenplay" | "Teleplay" | "Story") => {
                PersonKind::Writer
            }
            (_, "Producer") => PersonKind::Producer,
            (_, "Original Music Composer" | "Music" | "Composer") => PersonKind::Composer,
            _ => continue,
        };
        let Some(name) = text(&c.name) else { continue };
        let tmdb_id = id(c.id);
        if people
            .iter()
            .any(|p| p.kind == kind && p.name == name && p.tmdb_id == tmdb_id)
        {
            continue;
        }
        people.push(Person {
            name,
            kind,
            role: (!job.is_empty()).then_some(job),
            order: None,
            tmdb_id,
            image: text(&c.profile_path),
        });
    }
    people
}

fn images(paths: &[(ImageKind, &Option<String>)]) -> Vec<ImageRef> {
    paths
        .iter()
        .filter_map(|(kind, path)| {
            Some(ImageRef {
                kind: *kind,
                location: text(path)?,
                ..ImageRef::default()
            })
        })
        .collect()
}

/// TMDB's average is 0 when nobody voted: that is "no rating", not a rating of 0.
fn rating(average: Option<f64>, count: Option<i64>) -> Option<f64> {
    match (average, count) {
        (Some(_), Some(0)) => None,
        (Some(a), _) if a.is_finite() && a > 0.0 => Some(a),
        _ => None,
    }
}

/// TMDB ids are positive; 0 is what an absent id decodes to.
fn id(value: u64) -> Option<String> {
    (value > 0).then(|| value.to_string())
}

/// Trimmed text; TMDB writes "" for "unknown".
fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().and_then(nonempty)
}

fn nonempty(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// `YYYY-MM-DD` (a longer timestamp is cut to its date).
fn date(value: &Option<String>) -> Option<String> {
    let v = text(value)?;
    let d = v.get(..10)?;
    let ok = d.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    ok.then(|| d.to_string())
}

fn year_of(value: &Option<String>) -> Option<i32> {
    date(value)?.get(..4)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::types::{ContentRating, CountryReleases, Release};
    use super::*;

    fn release(kind: i32, cert: &str) -> Release {
        Release {
            certification: Some(cert.into()),
            kind: Some(kind),
            ..Release::default()
        }
    }

    #[test]
    fn certification_prefers_theatrical_then_any_then_us() {
        let dates = ReleaseDates {
            results: vec![
                CountryReleases {
                    iso_3166_1: "US".into(),
                    release_dates: vec![release(1, ""), release(5, "NR"), release(3, "R")],
                },
                CountryReleases {
                    iso_3166_1: "GB".into(),
                    release_dates: vec![release(1, ""), release(4, "18")],
                },
                CountryReleases {
                    iso_3166_1: "FR".into(),
                    release_dates: vec![release(3, "")],
                },
            ],
        };
        assert_eq!(movie_certification(&dates, "US").as_deref(), Some("R"));
        assert_eq!(movie_certification(&dates, "gb").as_deref(), Some("18"));
        // France gives no rating, nor does a country TMDB does not list: the US one stands in.
        assert_eq!(movie_certification(&dates, "FR").as_deref(), Some("R"));
        assert_eq!(movie_certification(&dates, "JP").as_deref(), Some("R"));
        assert_eq!(movie_certification(&ReleaseDates::default(), "US"), None);

        let ratings = ContentRatings {
            results: vec![
                ContentRating {
                    iso_3166_1: "DE".into(),
                    rating: Some("16".into()),
                },
                ContentRating {
                    iso_3166_1: "US".into(),
                    rating: Some("TV-MA".into()),
                },
            ],
        };
        assert_eq!(tv_certification(&ratings, "DE").as_deref(), Some("16"));
        assert_eq!(tv_certification(&ratings, "BR").as_deref(), Some("TV-MA"));
    }

    #[test]
    fn empty_values_are_absent_and_zero_votes_are_no_rating() {
        let movie = Movie {
            id: 1,
            title: Some("  ".into()),
            release_date: Some(String::new()),
            vote_average: Some(0.0),
            vote_count: Some(0),
            runtime: Some(0),
            poster_path: None,
            ..Movie::default()
        };
        let m = movie_metadata(&movie, "US");
        assert_eq!(m.title, None);
        assert_eq!(m.year, None);
        assert_eq!(m.premiere_date, None);
        assert_eq!(m.rating, None);
        assert_eq!(m.runtime_minutes, None);
        assert!(m.images.is_empty());
        assert_eq!(m.ids.tmdb.as_deref(), Some("1"));
        assert_eq!(rating(Some(7.5), None), Some(7.5));
        assert_eq!(
            date(&Some("2011-04-17T00:00:00.000Z".into())).as_deref(),
            Some("2011-04-17")
        );
        assert_eq!(date(&Some("17/04/2011".into())), None);
    }

    #[test]
    fn crew_keeps_the_kinds_a_server_shows_once_each() {
        let crew = |name: &str, dept: &str, job: &str| CrewMember {
            id: 7,
            name: Some(name.into()),
            department: Some(dept.into()),
            job: Some(job.into()),
            profile_path: None,
        };
        let people = crew_people(&[
            crew("D", "Directing", "Director"),
            crew("W", "Writing", "Screenplay"),
            crew("W", "Writing", "Writer"),
            crew("N", "Writing", "Novel"),
            crew("P", "Production", "Producer"),
            crew("E", "Production", "Executive Producer"),
            crew("G", "Camera", "Director of Photography"),
            crew("M", "Sound", "Original Music Composer"),
        ]);
        let got: Vec<(PersonKind, &str, Option<&str>)> = people
            .iter()
            .map(|p| (p.kind, p.name.as_str(), p.role.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (PersonKind::Director, "D", Some("Director")),
                (PersonKind::Writer, "W", Some("Screenplay")),
                (PersonKind::Writer, "N", Some("Novel")),
                (PersonKind::Producer, "P", Some("Producer")),
                (PersonKind::Composer, "M", Some("Original Music Composer")),
            ]
        );
    }
}
