//! `/api/v1/llm/*`: the LLM providers' state and the usage ledger's totals.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::ApiKeyAuth;
use crate::api::{ApiError, AppState};
use crate::db::llm_ledger::UsageTotals;

/// `GET /api/v1/llm/providers`: each configured provider, its circuit and why it may not be
/// used. Contacts no provider.
pub async fn providers(_auth: ApiKeyAuth, state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "local_only": state.config.privacy.local_only,
        "providers": state.llm.providers(),
    }))
}

#[derive(Deserialize)]
pub struct UsageQuery {
    days: Option<u32>,
}

#[derive(Serialize)]
struct TotalsDto {
    calls: i64,
    failed: i64,
    input_tokens: i64,
    output_tokens: i64,
    cost_usd: f64,
    avg_latency_ms: i64,
}

fn totals(t: &UsageTotals) -> TotalsDto {
    TotalsDto {
        calls: t.calls,
        failed: t.failed,
        input_tokens: t.input_tokens,
        output_tokens: t.output_tokens,
        cost_usd: usd(t.cost_micro_usd),
        avg_latency_ms: if t.calls > 0 {
            t.latency_ms / t.calls
        } else {
            0
        },
    }
}

/// A group's totals with its key under the group's own name (`{"day": …, "calls": …}`).
fn keyed(name: &str, rows: &[UsageTotals]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            let mut v = serde_json::to_value(totals(r)).unwrap_or_default();
            v[name] = serde_json::Value::String(r.key.clone());
            v
        })
        .collect()
}

fn usd(micro: i64) -> f64 {
    micro as f64 / 1e6
}

/// `GET /api/v1/llm/usage?days=N`: totals by day, provider and task over the last N days
/// (default 30), today's cloud spending and the daily cloud budget.
pub async fn usage(
    _auth: ApiKeyAuth,
    state: web::Data<AppState>,
    query: web::Query<UsageQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = query.days.unwrap_or(30);
    if !(1..=3650).contains(&days) {
        return Err(ApiError::BadRequest(
            "days must be between 1 and 3650".into(),
        ));
    }
    let u = state.llm.usage(days).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "days": days,
        "since": u.since_day,
        "totals": totals(&u.totals),
        "by_day": keyed("day", &u.by_day),
        "by_provider": keyed("provider", &u.by_provider),
        "by_task": keyed("task", &u.by_task),
        "cloud_today_usd": usd(u.cloud_today_micro_usd),
        "daily_cloud_budget_usd": state.llm.daily_cloud_budget_usd(),
    })))
}
