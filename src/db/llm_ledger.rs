//! The LLM ledger (`llm_calls`): one row per provider call, answered or not. The LLM router
//! writes it; the usage API, `kinora llm usage` and the daily cloud budget read it.

use sea_orm::{ConnectionTrait, Statement};
use serde::Serialize;

use super::{Catalog, CatalogError};

/// One call as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    /// Milliseconds since the epoch, when the call started.
    pub at_ms: i64,
    pub provider: String,
    pub model: String,
    pub task: String,
    pub item_id: Option<String>,
    /// `task@version` of the prompt used, so a prompt change can find what it affects.
    pub prompt_version: Option<String>,
    pub cloud: bool,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micro_usd: i64,
    pub latency_ms: i64,
    /// `ok`, `invalid_output`, `rate_limited`, `overloaded`, `timeout`, `unreachable`, `error`.
    pub outcome: String,
    pub error: Option<String>,
}

pub async fn record(c: &Catalog, e: &LedgerEntry) -> Result<(), CatalogError> {
    let error: Option<String> = e.error.as_ref().map(|m| m.chars().take(1000).collect());
    super::execute(
        &c.write,
        "INSERT INTO llm_calls (at, day, provider, model, task, item_id, prompt_version, cloud, \
           input_tokens, output_tokens, cost_micro_usd, latency_ms, outcome, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        vec![
            e.at_ms.into(),
            utc_day(e.at_ms).into(),
            e.provider.clone().into(),
            e.model.clone().into(),
            e.task.clone().into(),
            e.item_id.clone().into(),
            e.prompt_version.clone().into(),
            e.cloud.into(),
            e.input_tokens.into(),
            e.output_tokens.into(),
            e.cost_micro_usd.into(),
            e.latency_ms.into(),
            e.outcome.clone().into(),
            error.into(),
        ],
    )
    .await?;
    Ok(())
}

/// What cloud calls cost on one UTC day (`YYYY-MM-DD`), in micro-dollars.
pub async fn cloud_cost_on(c: &Catalog, day: &str) -> Result<i64, CatalogError> {
    let stmt = Statement::from_sql_and_values(
        c.read.get_database_backend(),
        "SELECT CAST(COALESCE(SUM(cost_micro_usd), 0) AS BIGINT) AS cost FROM llm_calls \
         WHERE day = $1 AND cloud = $2",
        [day.into(), true.into()],
    );
    Ok(match c.read.query_one_raw(stmt).await? {
        Some(row) => row.try_get("", "cost")?,
        None => 0,
    })
}

/// Totals of one group (a day, a provider, a task, or everything).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    pub key: String,
    pub calls: i64,
    /// Calls whose outcome was not `ok`.
    pub failed: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_micro_usd: i64,
    pub latency_ms: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    pub since_day: String,
    pub totals: UsageTotals,
    pub by_day: Vec<UsageTotals>,
    pub by_provider: Vec<UsageTotals>,
    pub by_task: Vec<UsageTotals>,
    /// Cloud cost today (UTC), in micro-dollars: what the daily budget is checked against.
    pub cloud_today_micro_usd: i64,
}

/// Usage from `since_day` (inclusive, `YYYY-MM-DD`) to now.
pub async fn usage(c: &Catalog, since_day: &str) -> Result<Usage, CatalogError> {
    let mut grouped = Vec::new();
    for column in ["day", "provider", "task"] {
        grouped.push(group_by(c, Some(column), since_day).await?);
    }
    let totals = group_by(c, None, since_day)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let by_task = grouped.pop().unwrap_or_default();
    let by_provider = grouped.pop().unwrap_or_default();
    let by_day = grouped.pop().unwrap_or_default();
    Ok(Usage {
        since_day: since_day.to_string(),
        totals,
        by_day,
        by_provider,
        by_task,
        cloud_today_micro_usd: cloud_cost_on(c, &utc_day(super::now_ms())).await?,
    })
}

async fn group_by(
    c: &Catalog,
    column: Option<&'static str>,
    since_day: &str,
) -> Result<Vec<UsageTotals>, CatalogError> {
    // `column` is one of three fixed names, never user input.
    let (key, group) = match column {
        Some(col) => (col.to_string(), format!("GROUP BY {col} ORDER BY {col}")),
        None => ("'all'".to_string(), String::new()),
    };
    let sql = format!(
        "SELECT {key} AS k, COUNT(*) AS calls, \
           CAST(COALESCE(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END), 0) AS BIGINT) AS failed, \
           CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens, \
           CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens, \
           CAST(COALESCE(SUM(cost_micro_usd), 0) AS BIGINT) AS cost, \
           CAST(COALESCE(SUM(latency_ms), 0) AS BIGINT) AS latency \
         FROM llm_calls WHERE day >= $1 {group}"
    );
    let stmt =
        Statement::from_sql_and_values(c.read.get_database_backend(), &sql, [since_day.into()]);
    let mut out = Vec::new();
    for row in c.read.query_all_raw(stmt).await? {
        out.push(UsageTotals {
            key: row.try_get("", "k")?,
            calls: row.try_get("", "calls")?,
            failed: row.try_get("", "failed")?,
            input_tokens: row.try_get("", "input_tokens")?,
            output_tokens: row.try_get("", "output_tokens")?,
            cost_micro_usd: row.try_get("", "cost")?,
            latency_ms: row.try_get("", "latency")?,
        });
    }
    Ok(out)
}

/// The UTC calendar date of a moment, `YYYY-MM-DD` (days-from-civil inverse, H. Hinnant).
pub fn utc_day(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::utc_day;

    #[test]
    fn utc_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(86_399_999), "1970-01-01");
        assert_eq!(utc_day(86_400_000), "1970-01-02");
        // 2024-02-29 12:00:00 UTC
        assert_eq!(utc_day(1_709_208_000_000), "2024-02-29");
        // 2026-12-31 23:59:59 UTC
        assert_eq!(utc_day(1_798_761_599_000), "2026-12-31");
    }
}
