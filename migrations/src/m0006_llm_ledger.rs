use sea_orm_migration::prelude::*;

/// The LLM ledger: one row per call to an LLM provider (answered or not), so tokens, cost,
/// latency and outcomes can be totalled by day, provider and task, and the daily cloud budget
/// enforced. Cost is integer micro-dollars so sums are exact on SQLite and PostgreSQL alike;
/// `day` is the UTC date as `YYYY-MM-DD`, computed in Rust (the two backends' date functions
/// differ).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_llm_ledger"
    }
}

#[derive(DeriveIden)]
enum LlmCalls {
    Table,
    Id,
    At,
    Day,
    Provider,
    Model,
    Task,
    ItemId,
    PromptVersion,
    Cloud,
    InputTokens,
    OutputTokens,
    CostMicroUsd,
    LatencyMs,
    Outcome,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let text = |c: LlmCalls| ColumnDef::new(c).text().not_null().take();
        let big = |c: LlmCalls| ColumnDef::new(c).big_integer().not_null().default(0).take();
        m.create_table(
            Table::create()
                .table(LlmCalls::Table)
                .col(
                    ColumnDef::new(LlmCalls::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(big(LlmCalls::At))
                .col(ColumnDef::new(LlmCalls::Day).string_len(10).not_null())
                .col(text(LlmCalls::Provider))
                .col(text(LlmCalls::Model))
                .col(text(LlmCalls::Task))
                // Not a foreign key: the ledger outlives deleted items.
                .col(ColumnDef::new(LlmCalls::ItemId).string_len(36).null())
                .col(ColumnDef::new(LlmCalls::PromptVersion).text().null())
                .col(
                    ColumnDef::new(LlmCalls::Cloud)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(big(LlmCalls::InputTokens))
                .col(big(LlmCalls::OutputTokens))
                .col(big(LlmCalls::CostMicroUsd))
                .col(big(LlmCalls::LatencyMs))
                .col(text(LlmCalls::Outcome))
                .col(ColumnDef::new(LlmCalls::Error).text().null())
                .take(),
        )
        .await?;
        // The budget check sums today's cloud rows before every cloud call.
        m.create_index(
            Index::create()
                .name("idx_llm_calls_day")
                .table(LlmCalls::Table)
                .col(LlmCalls::Day)
                .col(LlmCalls::Cloud)
                .take(),
        )
        .await
    }
}
