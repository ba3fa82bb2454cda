//! Writes every provider call to the catalog's ledger and reads today's cloud spending back for
//! the daily budget. Without a catalog (unit tests) nothing is recorded and cloud providers are
//! only usable while no budget is set.

use crate::db::llm_ledger::{self, LedgerEntry, Usage};
use crate::db::{now_ms, Catalog, CatalogError};

use super::provider::Usage as Tokens;

#[derive(Clone)]
pub struct Ledger {
    catalog: Option<Catalog>,
}

impl Ledger {
    pub fn new(catalog: Option<Catalog>) -> Ledger {
        Ledger { catalog }
    }

    /// Records one call. A failure to write is logged, not returned: the call has happened
    /// (and may have cost money) whether or not it could be written down.
    pub async fn record(&self, entry: LedgerEntry) {
        let Some(catalog) = &self.catalog else { return };
        if let Err(e) = llm_ledger::record(catalog, &entry).await {
            tracing::error!(
                error = %e,
                provider = %entry.provider,
                task = %entry.task,
                input_tokens = entry.input_tokens,
                output_tokens = entry.output_tokens,
                cost_micro_usd = entry.cost_micro_usd,
                "cannot write an LLM call to the ledger"
            );
        }
    }

    /// Cloud spending today (UTC), in micro-dollars.
    pub async fn cloud_spent_today(&self) -> Result<i64, String> {
        let Some(catalog) = &self.catalog else {
            return Err("no catalog to keep the ledger in".into());
        };
        llm_ledger::cloud_cost_on(catalog, &llm_ledger::utc_day(now_ms()))
            .await
            .map_err(|e| e.to_string())
    }

    /// Usage over the last `days` days (today included).
    pub async fn usage(&self, days: u32) -> Result<Usage, CatalogError> {
        let Some(catalog) = &self.catalog else {
            return Ok(Usage::default());
        };
        let since = now_ms() - i64::from(days.saturating_sub(1)) * 86_400_000;
        llm_ledger::usage(catalog, &llm_ledger::utc_day(since)).await
    }
}

/// What a call cost, in micro-dollars, from prices per million tokens.
pub fn cost_micro_usd(tokens: Tokens, input_per_mtok: f64, output_per_mtok: f64) -> i64 {
    // tokens × (dollars / 1e6 tokens) × 1e6 micro-dollars/dollar = tokens × price.
    let cost =
        tokens.input_tokens as f64 * input_per_mtok + tokens.output_tokens as f64 * output_per_mtok;
    cost.round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_from_prices_per_million() {
        let t = Tokens {
            input_tokens: 1_000,
            output_tokens: 200,
        };
        // $3/M in, $15/M out: 0.003 + 0.003 = $0.006.
        assert_eq!(cost_micro_usd(t, 3.0, 15.0), 6_000);
        assert_eq!(cost_micro_usd(t, 0.0, 0.0), 0);
    }
}
