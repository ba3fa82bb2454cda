//! The `metadata` job: real metadata for one item. Sources, strongest first (DESIGN.md,
//! "Metadata priority"): a person's values (`user`), a user's own NFO next to the media (`nfo`),
//! TMDB (`tmdb`), the LLM for what nobody else gave (`llm`, every field marked), then what the
//! probe and the file name say. Every source's values are kept as field values; the winners go
//! onto the item, images into the data dir, and NFO + JSON sidecars next to the media.
//!
//! Idempotent: TMDB answers come from the catalog's cache, an LLM answer is reused while its
//! input is unchanged, and nothing is written (rows, images, sidecars) when nothing changed.

use std::path::{Path, PathBuf};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::metadata_output::{fetch_images, write_sidecars, SidecarPlace};
use super::Pipeline;
use crate::db::entities::{item, media_file};
use crate::db::field_sources::{self, source, FieldValue};
use crate::db::items::ItemKind;
use crate::db::libraries::Library;
use crate::db::media_files::{path_from_bytes, state};
use crate::db::CatalogError;
use crate::domain::metadata::{Metadata, ProviderIds};
use crate::domain::MediaInfo;
use crate::jobs::{kinds, JobError, NewJob};
use crate::llm::{prompts, Call, DataKind, Task};
use crate::metadata::llm_fill::{self, Facts};
use crate::metadata::matching::{self, Candidate};
use crate::metadata::merge::{self, flatten, SourceValues};
use crate::metadata::nfo::{self, NfoKind};
use crate::metadata::tmdb::{self, TmdbError};

/// TMDB as a source name.
const TMDB: &str = "tmdb";
/// A user's NFO as a source name.
const NFO: &str = "nfo";
/// The field under which the TMDB match (or why there is none) is recorded.
pub const MATCH_FIELD: &str = "tmdb_match";

/// Enrich one item. Priority above 0 jumps the backlog.
pub fn metadata_job(item_id: &str, priority: i32) -> NewJob {
    NewJob {
        kind: kinds::METADATA,
        dedupe_key: format!("metadata:{item_id}"),
        subject_id: Some(item_id.to_string()),
        payload: json!({ "item_id": item_id }),
        priority,
    }
}

/// How the item's TMDB entry was found, or why there is none.
#[derive(Debug, Clone, PartialEq)]
struct MatchInfo {
    /// `matched`, `unsure`, `miss`, `skipped`.
    status: &'static str,
    tmdb_id: Option<u64>,
    confidence: Option<f32>,
    why: String,
    /// For `unsure`: the best candidates, for the review queue.
    candidates: Vec<Value>,
}

impl MatchInfo {
    fn skipped(why: impl Into<String>) -> MatchInfo {
        MatchInfo {
            status: "skipped",
            tmdb_id: None,
            confidence: None,
            why: why.into(),
            candidates: Vec::new(),
        }
    }

    fn to_value(&self) -> Value {
        json!({
            "status": self.status,
            "tmdb_id": self.tmdb_id.map(|id| id.to_string()),
            "confidence": self.confidence.map(super::stored_confidence),
            "why": self.why,
            "candidates": self.candidates,
        })
    }
}

pub async fn run(p: &Pipeline, item_id: &str) -> Result<(), JobError> {
    let Some(item) = find_item(p, item_id).await? else {
        return Ok(());
    };
    let Some(lib) = p.library(&item.library_id).cloned() else {
        return Ok(());
    };
    match ItemKind::parse(&item.kind) {
        Some(ItemKind::Movie) => enrich_movie(p, &lib, &item).await,
        Some(ItemKind::Series) => enrich_series(p, &lib, &item).await.map(|_| ()),
        Some(ItemKind::Season) => enrich_season(p, &lib, &item).await,
        Some(ItemKind::Episode) => enrich_episode(p, &lib, &item).await,
        Some(ItemKind::Video) => enrich_home_video(p, &lib, &item).await,
        // Extras and folders carry what their files say.
        _ => Ok(()),
    }
}

async fn find_item(p: &Pipeline, id: &str) -> Result<Option<item::Model>, CatalogError> {
    Ok(item::Entity::find_by_id(id.to_string())
        .one(&p.catalog.write)
        .await?)
}

pub(super) fn probe_of(file: &media_file::Model) -> Option<MediaInfo> {
    file.probe_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
}

/// What a person said (review corrections, later edits): title and year belong to the title
/// itself, so an episode's (its series' name) are left to the series.
async fn user_source(
    p: &Pipeline,
    item: &item::Model,
) -> Result<Option<SourceValues>, CatalogError> {
    let rows = field_sources::of_source(&p.catalog.write, &item.id, source::USER).await?;
    let get = |f: &str| rows.iter().find(|v| v.field == f).map(|v| v.value.clone());
    let mut m = Metadata::default();
    if item.kind != ItemKind::Episode.as_str() {
        m.title = get("title").and_then(|v| v.as_str().map(str::to_string));
        m.year = get("year")
            .and_then(|v| v.as_i64())
            .and_then(|y| i32::try_from(y).ok());
        m.ids.tmdb = get("tmdb_id").and_then(|v| v.as_str().map(str::to_string));
    }
    // Any metadata field a person set directly.
    let fields: std::collections::BTreeMap<String, Value> = rows
        .iter()
        .filter(|v| !crate::classify::corrections::FIELDS.contains(&v.field.as_str()))
        .map(|v| (v.field.clone(), v.value.clone()))
        .collect();
    if !fields.is_empty() {
        let mut all = flatten(&m);
        all.extend(fields);
        m = merge::unflatten(&all);
    }
    if m == Metadata::default() {
        return Ok(None);
    }
    let mut s = SourceValues::new(source::USER, m);
    s.confidence = Some(1.0);
    Ok(Some(s))
}

/// A user's NFO next to the media (Kinora's own, unedited, is not a user's word).
async fn nfo_source(candidates: Vec<PathBuf>) -> Option<SourceValues> {
    let found = tokio::task::spawn_blocking(move || {
        candidates
            .into_iter()
            .find_map(|path| std::fs::read_to_string(&path).ok().map(|t| (path, t)))
    })
    .await
    .ok()
    .flatten()?;
    let (path, text) = found;
    match nfo::parse_nfo(&text) {
        Ok(doc) if doc.is_users_word() => {
            let mut s = SourceValues::new(NFO, doc.metadata);
            s.confidence = Some(1.0);
            Some(s)
        }
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "unreadable NFO; ignored");
            None
        }
    }
}

/// What classification read from the file name: the weakest source.
async fn filename_source(
    p: &Pipeline,
    item: &item::Model,
) -> Result<Option<SourceValues>, CatalogError> {
    let db = &p.catalog.write;
    let episode = item.kind == ItemKind::Episode.as_str();
    // When classification took the LLM's reading of the file, that reading is the baseline
    // (and says it came from a model); otherwise what the file name says.
    let llm_reading = if item.classify_source.as_deref() == Some(source::LLM) && !episode {
        field_sources::of_source(db, &item.id, source::LLM)
            .await?
            .into_iter()
            .find(|v| v.field == "classification")
            .map(|v| v.value)
    } else {
        None
    };
    let rows = field_sources::of_source(db, &item.id, source::FILENAME).await?;
    let from_rows = |f: &str| rows.iter().find(|v| v.field == f).map(|v| v.value.clone());
    let get = |f: &str| match &llm_reading {
        Some(answer) => answer.get(f).cloned().filter(|v| !v.is_null()),
        None => from_rows(f),
    };
    let title = if episode {
        get("episode_title")
    } else {
        get("title")
    };
    // Only what classification recorded: the item's own name and year may be an earlier
    // winner (TMDB's), and feeding them back would make a rerun search for something else.
    let m = Metadata {
        title: title
            .and_then(|v| v.as_str().map(str::to_string))
            .or_else(|| rows.is_empty().then(|| item.name.clone())),
        year: if episode {
            None
        } else {
            get("year")
                .and_then(|v| v.as_i64())
                .and_then(|y| i32::try_from(y).ok())
        },
        ..Metadata::default()
    };
    let mut s = SourceValues::new(source::FILENAME, m);
    s.confidence = item.classify_confidence;
    s.llm_generated = llm_reading.is_some();
    Ok(Some(s))
}

/// Probe facts: the runtime, and a home video's recording date.
fn probe_source(info: Option<&MediaInfo>, with_date: bool) -> Option<SourceValues> {
    let info = info?;
    let m = Metadata {
        runtime_minutes: info
            .duration_ms
            .map(|ms| i32::try_from((ms + 30_000) / 60_000).unwrap_or(i32::MAX)),
        premiere_date: if with_date {
            info.creation_time
                .as_deref()
                .and_then(|t| t.get(..10))
                .map(str::to_string)
        } else {
            None
        },
        ..Metadata::default()
    };
    (m != Metadata::default()).then(|| SourceValues::new(source::PROBE, m))
}

/// The TMDB id a source names, if any.
fn named_tmdb_id(sources: &[&SourceValues]) -> Option<u64> {
    sources
        .iter()
        .find_map(|s| s.metadata.ids.tmdb.as_deref())
        .and_then(|id| id.trim().parse().ok())
}

fn named_imdb_id(sources: &[&SourceValues]) -> Option<String> {
    sources.iter().find_map(|s| s.metadata.ids.imdb.clone())
}

fn year_of(date: Option<&str>) -> Option<i32> {
    date.and_then(|d| d.get(..4)).and_then(|y| y.parse().ok())
}

/// Finds the TMDB entry: an id someone named (user, NFO, file name) first, then a search scored
/// by [`matching::rank`].
async fn find_match(
    p: &Pipeline,
    movie: bool,
    named: Option<u64>,
    imdb: Option<String>,
    title: &str,
    year: Option<i32>,
) -> Result<MatchInfo, TmdbError> {
    if !p.tmdb.is_configured() {
        return Ok(MatchInfo::skipped(
            "no TMDB API key configured (tmdb.api_key or tmdb.read_token)",
        ));
    }
    if let Some(id) = named {
        return Ok(MatchInfo {
            status: "matched",
            tmdb_id: Some(id),
            confidence: Some(1.0),
            why: "TMDB id given".into(),
            candidates: Vec::new(),
        });
    }
    if let Some(imdb) = imdb {
        let found = p.tmdb.find_imdb(&imdb).await?;
        let id = if movie {
            found.movie_results.first().map(|m| m.id)
        } else {
            found.tv_results.first().map(|t| t.id)
        };
        if let Some(id) = id {
            return Ok(MatchInfo {
                status: "matched",
                tmdb_id: Some(id),
                confidence: Some(1.0),
                why: format!("found by IMDb id {imdb}"),
                candidates: Vec::new(),
            });
        }
    }
    if title.trim().is_empty() {
        return Ok(MatchInfo {
            status: "miss",
            tmdb_id: None,
            confidence: None,
            why: "no title to search for".into(),
            candidates: Vec::new(),
        });
    }
    let mut candidates = search(p, movie, title, year).await?;
    if candidates.is_empty() && year.is_some() {
        // The year may be off (a festival screening, a re-release): ask once without it.
        candidates = search(p, movie, title, None).await?;
    }
    let ranked = matching::rank(title, year, &candidates);
    let Some(best) = ranked.first() else {
        return Ok(MatchInfo {
            status: "miss",
            tmdb_id: None,
            confidence: None,
            why: format!(
                "TMDB knows no {} called {title:?}",
                if movie { "movie" } else { "series" }
            ),
            candidates: Vec::new(),
        });
    };
    let listed: Vec<Value> = ranked
        .iter()
        .take(3)
        .map(|s| {
            json!({
                "tmdb_id": s.candidate.tmdb_id,
                "title": s.candidate.title,
                "year": s.candidate.year,
                "confidence": super::stored_confidence(s.confidence),
                "why": s.why,
            })
        })
        .collect();
    let threshold = p.classify.review_threshold as f32;
    let id = best.candidate.tmdb_id.parse().ok();
    Ok(if best.confidence >= threshold && id.is_some() {
        MatchInfo {
            status: "matched",
            tmdb_id: id,
            confidence: Some(best.confidence),
            why: best.why.clone(),
            candidates: Vec::new(),
        }
    } else if best.confidence < 0.3 {
        MatchInfo {
            status: "miss",
            tmdb_id: None,
            confidence: Some(best.confidence),
            why: format!("no TMDB entry resembles {title:?}"),
            candidates: listed,
        }
    } else {
        MatchInfo {
            status: "unsure",
            tmdb_id: None,
            confidence: Some(best.confidence),
            why: format!(
                "TMDB match unsure: best is {} {:?} ({})",
                best.candidate.tmdb_id, best.candidate.title, best.why
            ),
            candidates: listed,
        }
    })
}

async fn search(
    p: &Pipeline,
    movie: bool,
    title: &str,
    year: Option<i32>,
) -> Result<Vec<Candidate>, TmdbError> {
    match search_once(p, movie, title, year).await {
        // No results, however TMDB (or a proxy) says it.
        Err(TmdbError::NotFound { .. }) => Ok(Vec::new()),
        other => other,
    }
}

async fn search_once(
    p: &Pipeline,
    movie: bool,
    title: &str,
    year: Option<i32>,
) -> Result<Vec<Candidate>, TmdbError> {
    Ok(if movie {
        p.tmdb
            .search_movie(title, year)
            .await?
            .results
            .into_iter()
            .map(|r| Candidate {
                tmdb_id: r.id.to_string(),
                title: r.title.unwrap_or_default(),
                original_title: r.original_title,
                alternative_titles: Vec::new(),
                year: year_of(r.release_date.as_deref()),
                popularity: r.popularity.unwrap_or(0.0),
            })
            .collect()
    } else {
        p.tmdb
            .search_tv(title, year)
            .await?
            .results
            .into_iter()
            .map(|r| Candidate {
                tmdb_id: r.id.to_string(),
                title: r.name.unwrap_or_default(),
                original_title: r.original_name,
                alternative_titles: Vec::new(),
                year: year_of(r.first_air_date.as_deref()),
                popularity: r.popularity.unwrap_or(0.0),
            })
            .collect()
    })
}

/// Finds a movie's (`movie`) or a series' TMDB entry and fetches its details as a source.
async fn look_up(
    p: &Pipeline,
    movie: bool,
    named: &[&SourceValues],
    title: &str,
    year: Option<i32>,
) -> Result<(MatchInfo, Option<SourceValues>), JobError> {
    let found = find_match(
        p,
        movie,
        named_tmdb_id(named),
        named_imdb_id(named),
        title,
        year,
    )
    .await;
    let matched = match found {
        Ok(m) => m,
        Err(e) => tmdb_failure(e)?,
    };
    let Some(id) = matched.tmdb_id.filter(|_| matched.status == "matched") else {
        return Ok((matched, None));
    };
    let country = p.tmdb.certification_country();
    let details = if movie {
        p.tmdb
            .movie(id)
            .await
            .map(|m| tmdb::movie_metadata(&m, country))
    } else {
        p.tmdb.tv(id).await.map(|t| tmdb::tv_metadata(&t, country))
    };
    match details {
        Ok(m) => {
            let source = tmdb_source(m, matched.confidence);
            Ok((matched, Some(source)))
        }
        Err(e) => Ok((tmdb_failure(e)?, None)),
    }
}

/// A TMDB failure: retried later when it may pass (rate limit, network), otherwise recorded.
fn tmdb_failure(e: TmdbError) -> Result<MatchInfo, JobError> {
    match e {
        TmdbError::NotConfigured => Ok(MatchInfo::skipped(e.to_string())),
        TmdbError::NotFound { .. } => Ok(MatchInfo {
            status: "miss",
            tmdb_id: None,
            confidence: None,
            why: e.to_string(),
            candidates: Vec::new(),
        }),
        e if e.is_retryable() => Err(JobError::retry(format!("TMDB: {e}"))),
        e => Ok(MatchInfo::skipped(format!("TMDB failed: {e}"))),
    }
}

fn tmdb_source(m: Metadata, confidence: Option<f32>) -> SourceValues {
    let mut s = SourceValues::new(TMDB, m);
    s.confidence = confidence.map(super::stored_confidence);
    s
}

/// Keyframes shown to a vision model: enough to tell a beach from a birthday, few and small
/// enough to stay cheap in tokens and quick to extract.
const KEYFRAMES: usize = 3;
const KEYFRAME_WIDTH: u32 = 384;

/// The video whose keyframes a vision model may see.
#[derive(Clone, Copy)]
struct FrameSource<'a> {
    media: &'a Path,
    duration_ms: Option<i64>,
}

/// Asks the LLM (`describe` for home videos, `fill_metadata` for the gaps of a title), or
/// reuses the stored answer to the same question.
async fn llm_source(
    p: &Pipeline,
    item_id: &str,
    task: Task,
    facts: &Facts,
    known: Option<&Metadata>,
    only: Option<Vec<String>>,
    frames: Option<FrameSource<'_>>,
) -> Result<Option<SourceValues>, CatalogError> {
    if !p.llm.configured(task) {
        return Ok(None);
    }
    let prompt = match task {
        Task::Describe => &prompts::DESCRIBE,
        _ => &prompts::FILL_METADATA,
    };
    let input = llm_fill::prompt_input(facts, known);
    let version = prompt.version_tag();
    // Whether frames are part of the question depends on the configuration, not on a vision
    // provider's passing outage, so the stored answer stays valid while it is down; enabling
    // vision changes the question and asks once more. Without vision the basis is what it
    // always was, so existing answers are kept.
    let frames = frames.filter(|_| p.llm.vision_configured(task));
    let mut question = format!("{version}\n{input}\n{only:?}");
    if frames.is_some() {
        question.push_str(&format!("\nframes:{KEYFRAMES}"));
    }
    let basis = hex::encode(Sha256::digest(question.as_bytes()));
    let fields = merge::field_names();
    let earlier: Vec<FieldValue> = field_sources::of_source(&p.catalog.write, item_id, source::LLM)
        .await?
        .into_iter()
        .filter(|v| fields.contains(&v.field))
        .collect();
    if !earlier.is_empty() && earlier.iter().all(|v| v.basis.as_deref() == Some(&basis)) {
        let values: std::collections::BTreeMap<String, Value> = earlier
            .iter()
            .map(|v| (v.field.clone(), v.value.clone()))
            .collect();
        let mut s = SourceValues::new(source::LLM, merge::unflatten(&values));
        s.llm_generated = true;
        s.prompt_version = Some(version);
        s.basis = Some(basis);
        s.field_confidence = earlier
            .iter()
            .filter_map(|v| v.confidence.map(|c| (v.field.clone(), c)))
            .collect();
        return Ok(Some(s));
    }
    if !p.llm.available(task) {
        return Ok(None);
    }
    // Extracted only now, on a cache miss with someone able to look at them: each frame is an
    // ffmpeg run.
    let images = match frames {
        Some(f) if p.llm.vision_available(task) => {
            crate::probe::keyframes(&p.tools, f.media, f.duration_ms, KEYFRAMES, KEYFRAME_WIDTH)
                .await
        }
        _ => Vec::new(),
    };
    let call = Call {
        task,
        input: &input,
        item_id: Some(item_id),
        // The router adds frames to what it logs for the providers that receive them.
        data: &[DataKind::Paths, DataKind::ProbeFacts, DataKind::Metadata],
        images: &images,
    };
    match p.llm.structured(&call).await {
        Ok(answer) => Ok(Some(llm_fill::answer_to_source(
            &answer.value,
            &answer.prompt_version,
            only.as_deref(),
        ))
        .map(|mut s| {
            s.prompt_version = Some(version.clone());
            s.basis = Some(basis.clone());
            s
        })),
        Err(e) => {
            tracing::warn!(item = %item_id, task = task.as_str(), error = %e, "LLM gave no metadata; left for later");
            Ok(None)
        }
    }
}

/// Facts about a file for the LLM.
fn facts(
    lib: &Library,
    file: Option<&media_file::Model>,
    kind: &str,
    title: Option<String>,
    year: Option<i32>,
) -> Facts {
    let info = file.and_then(probe_of);
    let relative = file
        .map(|f| {
            let path = path_from_bytes(&f.path_raw);
            path.strip_prefix(&lib.path)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let camera: Vec<&str> = info
        .iter()
        .flat_map(|i| [i.camera_make.as_deref(), i.camera_model.as_deref()])
        .flatten()
        .collect();
    Facts {
        relative_path: relative,
        kind: kind.to_string(),
        title,
        year,
        duration_minutes: info
            .as_ref()
            .and_then(|i| i.duration_ms)
            .map(|ms| (ms + 30_000) / 60_000),
        resolution: file.and_then(|f| Some(format!("{}x{}", f.width?, f.height?))),
        recorded_on: info
            .as_ref()
            .and_then(|i| i.creation_time.as_deref())
            .and_then(|t| t.get(..10))
            .map(str::to_string),
        camera: (!camera.is_empty()).then(|| camera.join(" ")),
        has_location: info.as_ref().is_some_and(|i| i.location.is_some()),
    }
}

/// Fields no other source gave, which the LLM may fill (and Kinora's own ratings).
fn gaps(m: &Metadata) -> Vec<String> {
    let mut out = Vec::new();
    if m.title.is_none() {
        out.push("title".to_string());
    }
    if m.year.is_none() {
        out.push("year".to_string());
    }
    if m.overview.is_none() {
        out.push("overview".to_string());
    }
    if m.genres.is_empty() {
        out.push("genres".to_string());
    }
    if m.tagline.is_none() {
        out.push("tagline".to_string());
    }
    // Kinora's own ratings come from the LLM whenever one is configured.
    out.extend(["moods", "family_safety", "family_safety_reason"].map(String::from));
    out
}

async fn enrich_movie(p: &Pipeline, lib: &Library, item: &item::Model) -> Result<(), JobError> {
    let file = super::primary_file(p, &item.id).await?;
    let media_path = file.as_ref().map(|f| path_from_bytes(&f.path_raw));
    let user = user_source(p, item).await?;
    let nfo = match &media_path {
        Some(path) => nfo_source(nfo::nfo_read_candidates(NfoKind::Movie, path)).await,
        None => None,
    };
    let filename = filename_source(p, item).await?;
    let name_ids = media_path
        .as_deref()
        .map(|path| {
            let rel = path.strip_prefix(&lib.path).unwrap_or(path);
            let g = crate::naming::guess(&rel.to_string_lossy(), false);
            ProviderIds {
                tmdb: g.tmdb_id,
                imdb: g.imdb_id,
                tvdb: g.tvdb_id,
            }
        })
        .unwrap_or_default();
    let name_src = SourceValues::new(
        source::FILENAME,
        Metadata {
            ids: name_ids,
            ..Metadata::default()
        },
    );
    let named: Vec<&SourceValues> = [user.as_ref(), nfo.as_ref(), Some(&name_src)]
        .into_iter()
        .flatten()
        .collect();
    let title = named
        .iter()
        .copied()
        .chain(filename.iter())
        .find_map(|s| s.metadata.title.clone())
        .unwrap_or_else(|| item.name.clone());
    let year = named
        .iter()
        .copied()
        .chain(filename.iter())
        .find_map(|s| s.metadata.year);
    let (matched, tmdb_src) = look_up(p, true, &named, &title, year).await?;
    let mut sources: Vec<SourceValues> = [
        user,
        nfo,
        tmdb_src,
        probe_source(file.as_ref().and_then(probe_of).as_ref(), false),
        filename,
    ]
    .into_iter()
    .flatten()
    .collect();
    // The LLM fills only what no other source gave: a title the file name or TMDB gives is
    // never replaced by a model's guess.
    let known = merge::merge(&sources).winners;
    let facts = facts(lib, file.as_ref(), "movie", Some(title.clone()), year);
    if let Some(llm) = llm_source(
        p,
        &item.id,
        Task::FillMetadata,
        &facts,
        Some(&known),
        Some(gaps(&known)),
        None,
    )
    .await?
    {
        sources.push(llm);
    }
    let target = media_path.map(|path| (NfoKind::Movie, path));
    finish(p, lib, item, sources, &matched, target, file.as_ref()).await
}

async fn enrich_home_video(
    p: &Pipeline,
    lib: &Library,
    item: &item::Model,
) -> Result<(), JobError> {
    let file = super::primary_file(p, &item.id).await?;
    let media_path = file.as_ref().map(|f| path_from_bytes(&f.path_raw));
    let user = user_source(p, item).await?;
    let nfo = match &media_path {
        Some(path) => nfo_source(nfo::nfo_read_candidates(NfoKind::Movie, path)).await,
        None => None,
    };
    let filename = filename_source(p, item).await?;
    let info = file.as_ref().and_then(probe_of);
    // What the file says, not the item's current name: that may be the LLM's own earlier
    // title, and feeding it back would make every refresh a new question.
    let facts = facts(
        lib,
        file.as_ref(),
        "home_video",
        filename.as_ref().and_then(|f| f.metadata.title.clone()),
        filename.as_ref().and_then(|f| f.metadata.year),
    );
    let frames = media_path.as_deref().map(|media| FrameSource {
        media,
        duration_ms: info.as_ref().and_then(|i| i.duration_ms),
    });
    let llm = llm_source(p, &item.id, Task::Describe, &facts, None, None, frames).await?;
    let sources: Vec<SourceValues> = [user, nfo, llm, probe_source(info.as_ref(), true), filename]
        .into_iter()
        .flatten()
        .collect();
    let matched = MatchInfo::skipped("home videos are not looked up on TMDB");
    let target = media_path.map(|path| (NfoKind::Movie, path));
    finish(p, lib, item, sources, &matched, target, file.as_ref()).await
}

/// The folder of a series: the first folder (below the library root) of any of its episodes'
/// files, when episodes sit in one.
async fn series_folder(
    p: &Pipeline,
    lib: &Library,
    series_id: &str,
) -> Result<Option<PathBuf>, CatalogError> {
    let seasons: Vec<String> = item::Entity::find()
        .filter(item::Column::ParentId.eq(series_id))
        .all(&p.catalog.write)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if seasons.is_empty() {
        return Ok(None);
    }
    let episodes: Vec<String> = item::Entity::find()
        .filter(item::Column::ParentId.is_in(seasons))
        .all(&p.catalog.write)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let Some(file) = media_file::Entity::find()
        .filter(media_file::Column::ItemId.is_in(episodes))
        .filter(media_file::Column::State.eq(state::ACTIVE))
        .one(&p.catalog.write)
        .await?
    else {
        return Ok(None);
    };
    let path = path_from_bytes(&file.path_raw);
    let Ok(rel) = path.strip_prefix(&lib.path) else {
        return Ok(None);
    };
    let mut parts = rel.components();
    let first = parts.next();
    // A file directly in the library root has no series folder.
    Ok(match (first, parts.next()) {
        (Some(top), Some(_)) => Some(lib.path.join(top.as_os_str())),
        _ => None,
    })
}

/// Enriches a series; returns its TMDB id when matched.
async fn enrich_series(
    p: &Pipeline,
    lib: &Library,
    item: &item::Model,
) -> Result<Option<u64>, JobError> {
    let folder = series_folder(p, lib, &item.id).await?;
    let user = user_source(p, item).await?;
    let nfo = match &folder {
        Some(f) => nfo_source(vec![nfo::nfo_path_for(NfoKind::TvShow, f)]).await,
        None => None,
    };
    let baseline = {
        let mut s = SourceValues::new(
            source::FILENAME,
            Metadata {
                title: Some(item.name.clone()),
                year: item.year,
                ..Metadata::default()
            },
        );
        s.confidence = Some(0.5);
        s
    };
    let named: Vec<&SourceValues> = [user.as_ref(), nfo.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    let title = named
        .iter()
        .find_map(|s| s.metadata.title.clone())
        .unwrap_or_else(|| item.name.clone());
    let year = named.iter().find_map(|s| s.metadata.year).or(item.year);
    let (matched, tmdb_src) = look_up(p, false, &named, &title, year).await?;
    let sources: Vec<SourceValues> = [user, nfo, tmdb_src, Some(baseline)]
        .into_iter()
        .flatten()
        .collect();
    let id = (matched.status == "matched")
        .then_some(matched.tmdb_id)
        .flatten();
    let target = folder.map(|f| (NfoKind::TvShow, f));
    finish(p, lib, item, sources, &matched, target, None).await?;
    Ok(id)
}

/// The series' TMDB id, enriching the series first when it never was.
async fn series_tmdb_id(
    p: &Pipeline,
    lib: &Library,
    series: &item::Model,
) -> Result<Option<u64>, JobError> {
    let rows = field_sources::of_source(&p.catalog.write, &series.id, TMDB).await?;
    if let Some(m) = rows.iter().find(|v| v.field == MATCH_FIELD) {
        return Ok(m
            .value
            .get("tmdb_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok()));
    }
    enrich_series(p, lib, series).await
}

async fn parents(
    p: &Pipeline,
    item: &item::Model,
) -> Result<(Option<item::Model>, Option<item::Model>), CatalogError> {
    let Some(season_id) = &item.parent_id else {
        return Ok((None, None));
    };
    let season = find_item(p, season_id)
        .await?
        .filter(|s| s.kind == ItemKind::Season.as_str());
    let series = match season.as_ref().and_then(|s| s.parent_id.clone()) {
        Some(id) => find_item(p, &id).await?,
        None => None,
    };
    Ok((season, series))
}

async fn enrich_season(p: &Pipeline, lib: &Library, item: &item::Model) -> Result<(), JobError> {
    let Some(series) = item.parent_id.as_deref() else {
        return Ok(());
    };
    let Some(series) = find_item(p, series).await? else {
        return Ok(());
    };
    let (tv_id, number) = (series_tmdb_id(p, lib, &series).await?, item.season_number);
    let mut tmdb_src = None;
    let matched = match (tv_id, number.and_then(|n| u32::try_from(n).ok())) {
        (Some(tv), Some(n)) => match p.tmdb.season(tv, n).await {
            Ok(season) => {
                tmdb_src = Some(tmdb_source(tmdb::season_metadata(&season), Some(1.0)));
                MatchInfo {
                    status: "matched",
                    tmdb_id: Some(tv),
                    confidence: Some(1.0),
                    why: format!("season {n} of series {tv}"),
                    candidates: Vec::new(),
                }
            }
            Err(e) => tmdb_failure(e)?,
        },
        _ => MatchInfo::skipped("the series has no TMDB match"),
    };
    let sources: Vec<SourceValues> = tmdb_src.into_iter().collect();
    finish(p, lib, item, sources, &matched, None, None).await
}

async fn enrich_episode(p: &Pipeline, lib: &Library, item: &item::Model) -> Result<(), JobError> {
    let file = super::primary_file(p, &item.id).await?;
    let media_path = file.as_ref().map(|f| path_from_bytes(&f.path_raw));
    let (season, series) = parents(p, item).await?;
    let user = user_source(p, item).await?;
    let nfo = match &media_path {
        Some(path) => nfo_source(nfo::nfo_read_candidates(NfoKind::Episode, path)).await,
        None => None,
    };
    let filename = filename_source(p, item).await?;
    let tv_id = match &series {
        Some(s) => series_tmdb_id(p, lib, s).await?,
        None => None,
    };
    if let Some(season) = &season {
        let done = field_sources::of_source(&p.catalog.write, &season.id, TMDB)
            .await?
            .iter()
            .any(|v| v.field == MATCH_FIELD);
        if !done {
            p.jobs.enqueue(metadata_job(&season.id, 0)).await?;
        }
    }
    let (s, e) = (item.season_number, item.episode_number);
    let mut tmdb_src = None;
    let matched = match (tv_id, s.and_then(|n| u32::try_from(n).ok()), e) {
        (Some(tv), Some(s), Some(e)) => match p.tmdb.season(tv, s).await {
            // One season answer (cached) serves all its episodes.
            Ok(season) => match tmdb::season_episodes(&season)
                .into_iter()
                .find(|m| m.episode_number == Some(e))
            {
                Some(m) => {
                    tmdb_src = Some(tmdb_source(m, Some(1.0)));
                    MatchInfo {
                        status: "matched",
                        tmdb_id: Some(tv),
                        confidence: Some(1.0),
                        why: format!("S{s:02}E{e:02} of series {tv}"),
                        candidates: Vec::new(),
                    }
                }
                None => MatchInfo {
                    status: "miss",
                    tmdb_id: None,
                    confidence: None,
                    why: format!("series {tv} has no episode {e} in season {s}"),
                    candidates: Vec::new(),
                },
            },
            Err(err) => tmdb_failure(err)?,
        },
        _ => MatchInfo::skipped("the series has no TMDB match, or the episode no number"),
    };
    let sources: Vec<SourceValues> = [
        user,
        nfo,
        tmdb_src,
        probe_source(file.as_ref().and_then(probe_of).as_ref(), false),
        filename,
    ]
    .into_iter()
    .flatten()
    .collect();
    let target = media_path.map(|path| (NfoKind::Episode, path));
    finish(p, lib, item, sources, &matched, target, file.as_ref()).await
}

/// Stores every source's values and the match, puts the winners on the item, fetches its
/// images and writes its sidecars.
async fn finish(
    p: &Pipeline,
    lib: &Library,
    item: &item::Model,
    sources: Vec<SourceValues>,
    matched: &MatchInfo,
    sidecar_target: Option<(NfoKind, PathBuf)>,
    file: Option<&media_file::Model>,
) -> Result<(), JobError> {
    let merged = merge::merge(&sources);
    let fields = merge::field_names();
    let scope: Vec<&str> = fields.iter().map(String::as_str).collect();
    let db = &p.catalog.write;
    // The sources this job speaks for; `user` belongs to the API, `filename` to classification.
    for src in [NFO, TMDB, source::LLM, source::PROBE] {
        let values: Vec<FieldValue> = merged
            .values
            .iter()
            .filter(|v| v.source == src)
            .cloned()
            .collect();
        if src == source::LLM && values.is_empty() {
            // Not asked this time (not configured, or down): earlier answers stay.
            continue;
        }
        if src == source::PROBE {
            // Classification records the probe's `kind` beside these.
            field_sources::replace_source(
                db,
                &item.id,
                src,
                &["runtime_minutes", "premiere_date"],
                &values,
            )
            .await?;
        } else {
            field_sources::replace_source(db, &item.id, src, &scope, &values).await?;
        }
    }
    let previous = field_sources::of_source(db, &item.id, TMDB)
        .await?
        .into_iter()
        .find(|v| v.field == MATCH_FIELD)
        .and_then(|v| {
            v.value
                .get("status")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let match_row = FieldValue {
        confidence: matched.confidence.map(super::stored_confidence),
        ..FieldValue::new(MATCH_FIELD, TMDB, matched.to_value())
    };
    field_sources::replace_source(
        db,
        &item.id,
        TMDB,
        &[MATCH_FIELD],
        std::slice::from_ref(&match_row),
    )
    .await?;

    let main = merged
        .main_source()
        .unwrap_or_else(|| source::FILENAME.to_string());
    crate::db::metadata::apply(db, &item.id, &merged.winners, &main).await?;
    fetch_images(p, item, &merged.winners).await?;
    if let Some((kind, target)) = sidecar_target {
        // The poster as it is now: TMDB's when fetched, else the keyframe thumbnail.
        let poster = find_item(p, &item.id)
            .await?
            .and_then(|i| i.image_path)
            .map(PathBuf::from);
        let place = SidecarPlace {
            kind,
            target,
            poster,
        };
        write_sidecars(lib, item, &place, &merged, &matched.to_value(), file).await;
    }
    // What the match says is evidence for classification (a TMDB miss hints at a home video),
    // and an unsure match is for a person to settle: classification owns the review queue.
    // Only a miss or an unsure match (coming or going) changes what classification decides.
    let playable = ItemKind::parse(&item.kind).is_some_and(|k| k.is_playable());
    let matters = |s: Option<&str>| matches!(s, Some("miss" | "unsure"));
    if playable
        && previous.as_deref() != Some(matched.status)
        && (matters(previous.as_deref()) || matters(Some(matched.status)))
    {
        p.jobs.enqueue(super::classify_job(&item.id, 0)).await?;
    }
    Ok(())
}
