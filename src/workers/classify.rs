//! The `classify` job: what one item is, how sure, and why. It gathers the name (with the
//! library's kind as the prior), the probe's video signals and, for doubtful items, the
//! `classify` LLM task; a person's corrections win over all of them. It stores every source's
//! values, moves the item where its kind belongs (keeping its id and so its watch history),
//! and puts it in the review queue when the winner is below the threshold.
//!
//! Idempotent: a second run with the same inputs writes nothing (an LLM answer is reused while
//! its input is unchanged).

use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Pipeline;
use crate::classify::{self, corrections, llm_input, signals};
use crate::db::entities::item;
use crate::db::field_sources::{self, source, FieldValue};
use crate::db::items::ItemKind;
use crate::db::media_files::path_from_bytes;
use crate::db::review::{self, Classification};
use crate::db::CatalogError;
use crate::domain::MediaInfo;
use crate::jobs::{kinds, JobError, NewJob};
use crate::llm::{prompts, Call, DataKind, Task};
use crate::naming::{self, ParsedKind, ParsedPath};

/// The fields classification writes for the filename (the metadata step records other
/// filename and probe facts beside them).
const IDENTITY_FIELDS: &[&str] = &[
    "kind",
    "title",
    "episode_title",
    "year",
    "season",
    "episode",
    "episode_end",
    "extra_type",
];

/// The field the `classify` LLM answer is stored under.
const LLM_FIELD: &str = "classification";

/// A classification of one item. Priority above 0 jumps the backlog (a person is waiting).
pub fn classify_job(item_id: &str, priority: i32) -> NewJob {
    NewJob {
        kind: kinds::CLASSIFY,
        dedupe_key: format!("classify:{item_id}"),
        subject_id: Some(item_id.to_string()),
        payload: json!({ "item_id": item_id }),
        priority,
    }
}

pub async fn run(p: &Pipeline, item_id: &str) -> Result<(), JobError> {
    let Some(item) = item::Entity::find_by_id(item_id.to_string())
        .one(&p.catalog.write)
        .await
        .map_err(CatalogError::from)?
    else {
        return Ok(()); // deleted since: nothing to classify
    };
    let Some(kind) = ItemKind::parse(&item.kind).filter(|k| k.is_playable()) else {
        return Ok(()); // series, seasons and folders follow their children
    };
    let Some(lib) = p.library(&item.library_id).cloned() else {
        return Ok(());
    };
    let Some(file) = super::primary_file(p, &item.id).await? else {
        return Ok(()); // no file present: the item keeps what it was
    };
    let path = path_from_bytes(&file.path_raw);
    let relative = path.strip_prefix(&lib.path).unwrap_or(&path).to_path_buf();
    let relative_text = relative.to_string_lossy().into_owned();
    let file_name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let info: Option<MediaInfo> = file
        .probe_json
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok());

    let mut parsed = naming::parse_path(&relative, lib.kind);
    if kind == ItemKind::Extra {
        // An extra is what its folder made it; only a person's correction changes that.
        parsed.kind = ParsedKind::Extra;
    }
    let name_confidence = parsed.confidence.clamp(0.0, 1.0);
    let mut evidence = signals::collect(&file_name, info.as_ref());
    // What the metadata step learned from TMDB: a miss is a hint of a home video; an unsure
    // match is for a person to settle.
    let tmdb_match = field_sources::of_source(&p.catalog.write, &item.id, "tmdb")
        .await?
        .into_iter()
        .find(|v| v.field == super::metadata::MATCH_FIELD)
        .map(|v| v.value);
    let match_status = tmdb_match
        .as_ref()
        .and_then(|m| m.get("status"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if match_status == "miss" {
        evidence.add(signals::Signal::tmdb_miss());
    }
    let heuristic = classify::decide(&parsed, name_confidence, lib.kind, &evidence);

    let user = field_sources::of_source(&p.catalog.write, &item.id, source::USER).await?;
    let mut verdict = heuristic.clone();
    let corrected = corrections::apply(&mut verdict, &user);

    let mut llm_row = None;
    if !corrected
        && verdict.identity.kind != ParsedKind::Extra
        && super::stored_confidence(verdict.confidence) < p.classify.llm_threshold
    {
        let input = llm_input::prompt_input(
            &relative_text,
            lib.kind,
            &heuristic,
            info.as_ref(),
            evidence.home_video_score(),
        );
        match ask_llm(p, &item.id, &input).await? {
            LlmOutcome::Answer {
                value,
                basis,
                prompt_version,
                model,
            } => {
                if let Some(v) = llm_input::from_answer(&value, &heuristic, lib.kind, &model) {
                    if v.confidence > verdict.confidence {
                        verdict = v;
                    } else {
                        verdict.reasons.push(format!(
                            "the LLM ({model}) was no surer (confidence {:.2})",
                            v.confidence
                        ));
                    }
                } else {
                    verdict.reasons.push(format!(
                        "the LLM ({model}) answered {}, which this library's kind rules out",
                        value
                            .get("kind")
                            .and_then(Value::as_str)
                            .unwrap_or("nothing usable")
                    ));
                }
                llm_row = Some(llm_value(&value, &basis, &prompt_version));
            }
            LlmOutcome::Unavailable(why) => {
                verdict.reasons.push(format!("no LLM could help: {why}"));
            }
            LlmOutcome::NotConfigured => {}
        }
    }

    let review_threshold = p.classify.review_threshold;
    let unsure_match = match_status == "unsure" && !corrected;
    if unsure_match {
        if let Some(why) = tmdb_match
            .as_ref()
            .and_then(|m| m.get("why"))
            .and_then(Value::as_str)
        {
            verdict.reasons.push(format!(
                "{why}; answer with a tmdb_id (candidates in the item's tmdb_match)"
            ));
        }
    }
    let review_state = if corrected {
        Some(
            item.review_state
                .clone()
                .filter(|s| s == review::state::ACCEPTED)
                .unwrap_or_else(|| review::state::CORRECTED.to_string()),
        )
    } else if super::stored_confidence(verdict.confidence) < review_threshold || unsure_match {
        Some(review::state::PENDING.to_string())
    } else {
        None
    };
    let outcome = Classification {
        confidence: Some(super::stored_confidence(verdict.confidence)),
        source: Some(verdict.source.to_string()),
        review_state,
        reasons: verdict.reasons.clone(),
    };

    let txn = p.catalog.write.begin().await.map_err(CatalogError::from)?;
    field_sources::replace_source(
        &txn,
        &item.id,
        source::FILENAME,
        IDENTITY_FIELDS,
        &identity_values(&parsed, source::FILENAME, name_confidence),
    )
    .await?;
    let probe_rows = if heuristic.source == source::PROBE {
        identity_values(&heuristic.identity, source::PROBE, heuristic.confidence)
            .into_iter()
            .filter(|v| v.field == "kind")
            .collect()
    } else {
        Vec::new()
    };
    field_sources::replace_source(&txn, &item.id, source::PROBE, &["kind"], &probe_rows).await?;
    if let Some(row) = &llm_row {
        field_sources::replace_source(
            &txn,
            &item.id,
            source::LLM,
            &[LLM_FIELD],
            std::slice::from_ref(row),
        )
        .await?;
    }
    review::set_classification(&txn, &item.id, &outcome).await?;
    txn.commit().await.map_err(CatalogError::from)?;

    if verdict.identity.kind != ParsedKind::Extra || kind != ItemKind::Extra {
        let folder = relative
            .parent()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rename = verdict.source == source::USER || verdict.source == source::LLM;
        let moved =
            super::identify::place(p, &lib, &item, &verdict.identity, &folder, rename).await?;
        if moved {
            tracing::info!(
                item = %item.id,
                kind = classify::kind_name(verdict.identity.kind),
                confidence = verdict.confidence,
                source = verdict.source,
                "item reclassified"
            );
        }
    }
    if outcome.review_state.as_deref() == Some(review::state::PENDING) {
        tracing::debug!(item = %item.id, path = %relative_text, confidence = verdict.confidence, "sent to review");
    }
    // What the item is decides how it is looked up: metadata follows every classification.
    p.jobs.enqueue(super::metadata_job(&item.id, 0)).await?;
    Ok(())
}

enum LlmOutcome {
    Answer {
        value: Value,
        basis: String,
        prompt_version: String,
        model: String,
    },
    Unavailable(String),
    NotConfigured,
}

/// Asks the `classify` task, or reuses its earlier answer to the same input and prompt.
async fn ask_llm(p: &Pipeline, item_id: &str, input: &str) -> Result<LlmOutcome, CatalogError> {
    let prompt_version = prompts::CLASSIFY.version_tag();
    let basis = hex::encode(Sha256::digest(
        format!("{prompt_version}\n{input}").as_bytes(),
    ));
    let earlier = field_sources::of_source(&p.catalog.write, item_id, source::LLM).await?;
    if let Some(row) = earlier
        .into_iter()
        .find(|v| v.field == LLM_FIELD && v.basis.as_deref() == Some(&basis))
    {
        let model = row
            .value
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or("earlier answer")
            .to_string();
        return Ok(LlmOutcome::Answer {
            value: row.value,
            basis,
            prompt_version,
            model,
        });
    }
    if !p.llm.configured(Task::Classify) {
        return Ok(LlmOutcome::NotConfigured);
    }
    if !p.llm.available(Task::Classify) {
        return Ok(LlmOutcome::Unavailable(
            "every classify provider is down or skipped for now".into(),
        ));
    }
    let call = Call {
        task: Task::Classify,
        input,
        item_id: Some(item_id),
        data: &[DataKind::Paths, DataKind::ProbeFacts],
        images: &[],
    };
    match p.llm.structured(&call).await {
        Ok(answer) => {
            let mut value = answer.value;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("model".into(), Value::String(answer.model.clone()));
            }
            Ok(LlmOutcome::Answer {
                value,
                basis,
                prompt_version: answer.prompt_version,
                model: answer.model,
            })
        }
        Err(e) => {
            tracing::warn!(item = %item_id, error = %e, "classify: LLM gave no answer; the heuristic stands");
            Ok(LlmOutcome::Unavailable(e.to_string()))
        }
    }
}

/// The LLM's whole answer as one `llm_generated` value of the `classification` field (its
/// own field, so metadata's LLM fills of `title` or `year` never overwrite it).
fn llm_value(answer: &Value, basis: &str, prompt_version: &str) -> FieldValue {
    FieldValue {
        confidence: answer.get("confidence").and_then(Value::as_f64),
        llm_generated: true,
        prompt_version: Some(prompt_version.to_string()),
        basis: Some(basis.to_string()),
        ..FieldValue::new(LLM_FIELD, source::LLM, answer.clone())
    }
}

/// The identity fields of a parsed path as one source's values (`title` is the series for an
/// episode, as `kinora naming parse` reports it).
fn identity_values(id: &ParsedPath, from: &str, confidence: f32) -> Vec<FieldValue> {
    let mut out = vec![("kind", json!(classify::kind_name(id.kind)))];
    match id.kind {
        ParsedKind::Episode => {
            out.push(("title", json!(id.series.as_deref().unwrap_or(&id.title))));
            out.push(("episode_title", json!(id.title)));
            out.push(("year", json!(id.series_year)));
            out.push(("season", json!(id.season)));
            out.push(("episode", json!(id.episode)));
            out.push(("episode_end", json!(id.episode_end)));
        }
        _ => {
            out.push(("title", json!(id.title)));
            out.push(("year", json!(id.year)));
        }
    }
    if let Some(extra) = id.extra_type {
        out.push(("extra_type", json!(extra)));
    }
    out.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, value)| FieldValue {
            confidence: Some(super::stored_confidence(confidence)),
            ..FieldValue::new(field, from, value)
        })
        .collect()
}
