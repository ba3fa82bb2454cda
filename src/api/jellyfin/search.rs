//! `/Search/Hints`: Jellyfin's quick search (Swiftfin's and older clients' search box; web 10.11
//! searches through `/Items?searchTerm=`). Titles whose name contains the term, folded the way
//! sort names are (case and accents ignored), as `SearchHint`s.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::auth::JfAuth;
use super::browse::{kinds, page_dtos};
use super::dto::BaseItemDto;
use super::ids::from_wire;
use super::query::JfQuery;
use super::respond::{json, JfError};
use crate::api::AppState;
use crate::db::items::{self, BrowseQuery, BrowseSort};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SearchHint {
    item_id: String,
    id: String,
    name: String,
    matched_term: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_index_number: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    production_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_image_tag: Option<String>,
    #[serde(rename = "Type")]
    kind: &'static str,
    is_folder: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    run_time_ticks: Option<i64>,
    media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    series: Option<String>,
    artists: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SearchHintResult {
    search_hints: Vec<SearchHint>,
    total_record_count: u64,
}

fn hint(dto: BaseItemDto, term: &str) -> SearchHint {
    SearchHint {
        item_id: dto.id.clone(),
        id: dto.id,
        name: dto.name,
        matched_term: term.to_string(),
        index_number: dto.index_number,
        parent_index_number: dto.parent_index_number,
        production_year: dto.production_year,
        primary_image_tag: dto.image_tags.get("Primary").cloned(),
        kind: dto.kind,
        is_folder: dto.is_folder,
        run_time_ticks: dto.run_time_ticks,
        media_type: dto.media_type,
        series: dto.series_name,
        artists: Vec::new(),
    }
}

/// `GET /Search/Hints?searchTerm=&includeItemTypes=&excludeItemTypes=&parentId=&startIndex=&limit=`.
pub async fn get_search_hints(
    req: HttpRequest,
    auth: JfAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, JfError> {
    let q = JfQuery::parse(req.query_string());
    let term = q
        .get("SearchTerm")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| JfError::BadRequest("searchTerm is required".into()))?
        .to_string();
    let (include, asked) = kinds(&q, "IncludeItemTypes");
    let (exclude, _) = kinds(&q, "ExcludeItemTypes");
    let empty = SearchHintResult {
        search_hints: Vec::new(),
        total_record_count: 0,
    };
    // Only types Kinora does not have (people, artists…), or media left out on purpose.
    if (asked && include.is_empty()) || q.bool("IncludeMedia") == Some(false) {
        return Ok(json(&req, &empty));
    }
    let parent_id = match q.get("ParentId") {
        Some(raw) => Some(from_wire(raw).ok_or(JfError::NotFound)?),
        None => None,
    };
    let query = BrowseQuery {
        user_id: auth.user_id().to_string(),
        recursive: parent_id.is_some(),
        parent_id,
        kinds: include,
        exclude_kinds: exclude,
        search: Some(term.clone()),
        sort: vec![(BrowseSort::SortName, false)],
        offset: q.i64("StartIndex").map_or(0, |s| s.max(0).unsigned_abs()),
        limit: q.i64("Limit").filter(|l| *l >= 0).map(i64::unsigned_abs),
        ..BrowseQuery::default()
    };
    let (page, total) = items::browse(&state.catalog, &query).await?;
    let dtos = page_dtos(&state, &auth, &page, false).await?;
    Ok(json(
        &req,
        &SearchHintResult {
            search_hints: dtos.into_iter().map(|d| hint(d, &term)).collect(),
            total_record_count: total,
        },
    ))
}
