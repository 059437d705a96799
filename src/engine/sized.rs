//! How many partitions a query is planned with: as many as the session has cores for a
//! query that reads the orders, one for a query that reads only a few held rows.
//!
//! DataFusion splits every plan into `target_partitions` streams, however little it reads.
//! For the figures over the folder's small tables (the two lists: 22 K rows at a city;
//! footfall at a district: 104 K) the second partition costs more than it saves: hash
//! repartitions in front of every aggregation and join, partitions handing batches between
//! the cores, and more plan for the optimizer to rewrite. DuckDB gives a thread to each
//! row group of 122,880 rows, so it runs those figures on one. Planned with one partition,
//! two_lists at a city took 6.3 ms instead of 9.4 and footfall_change at a district
//! 18 ms instead of 26 (README, "One partition for a few rows").
//!
//! A plan over held tables also skips the physical rules that only move projections and
//! limits down ([`SKIPPED_OVER_HELD`]): over rows in memory they save less than the
//! milliseconds they take to plan, all but one thing, a hash join's projection, which
//! [`EmbedJoinProjections`] does alone.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::source_as_provider;
use datafusion::error::Result as DfResult;
use datafusion::execution::context::QueryPlanner;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::engine::join_projection::{EmbedJoinProjections, PROJECTION_PUSHDOWN};
use crate::engine::memo::MemoTable;

/// Rows one partition is given before a plan gets a second: the figures' operators take
/// 50-100 ns a row, so below this a second core saves less than the 2-4 ms a second
/// partition costs to plan and to coordinate.
pub const ROWS_PER_PARTITION: usize = 250_000;

/// DataFusion's physical rules a plan over held tables is optimized without. Each moves
/// projections or limits down a plan that is already right: the logical optimizer has
/// handed a held table's scan its columns and its limit, and what is left for these rules
/// is merging and moving the operators above it, which a few hundred thousand rows in
/// memory do not notice. What they cost is planning: each rebuilds the nodes it passes and
/// their equivalence properties, 3.1 of footfall_change's 16.7 ms at a district (README,
/// "Fewer physical rules over held tables"). The rules that decide how a plan runs (its
/// partitions, sorts, join sides, cooperative yielding) and the final check all stay.
pub const SKIPPED_OVER_HELD: [&str; 2] = [PROJECTION_PUSHDOWN, "LimitPushdown"];

/// A context whose queries are planned with as many partitions as their rows need
/// ([`SizedPlanner`]); otherwise DataFusion's defaults, as `new_with_config_rt` makes them.
/// Ballista replaces the planner with its own.
pub fn sized_context(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> SessionContext {
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_query_planner(Arc::new(SizedPlanner))
        .build();
    SessionContext::new_with_state(state)
}

/// DataFusion's planner, given a session with fewer partitions and fewer physical rules
/// when the plan reads only held rows ([`sized`]).
#[derive(Debug, Default)]
pub struct SizedPlanner;

#[async_trait]
impl QueryPlanner for SizedPlanner {
    async fn create_physical_plan(
        &self,
        plan: &LogicalPlan,
        session: &dyn Session,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let planner = DefaultPhysicalPlanner::default();
        match session.as_any().downcast_ref::<SessionState>() {
            Some(state) => {
                let state = sized(plan, state).await?;
                planner.create_physical_plan(plan, state.as_ref()).await
            }
            None => planner.create_physical_plan(plan, session).await,
        }
    }
}

/// `state`, or a copy of it for a plan that reads only tables held in memory: one partition
/// per [`ROWS_PER_PARTITION`] rows they hold, and the physical rules but
/// [`SKIPPED_OVER_HELD`]. A table whose size is not known before it is read (the orders'
/// Parquet) keeps the session as it is.
pub async fn sized<'a>(
    plan: &LogicalPlan,
    state: &'a SessionState,
) -> DfResult<Cow<'a, SessionState>> {
    let Some(rows) = rows_read(plan, state).await? else {
        return Ok(Cow::Borrowed(state));
    };
    let rules = held_rules(state.physical_optimizers());
    let partitions = partitions_for(rows, state.config().target_partitions());
    let mut held = SessionStateBuilder::new_from_existing(state.clone())
        .with_physical_optimizer_rules(rules)
        .build();
    held.config_mut().options_mut().execution.target_partitions = partitions;
    Ok(Cow::Owned(held))
}

/// A physical optimizer rule as a session holds it.
type Rule = Arc<dyn PhysicalOptimizerRule + Send + Sync>;

/// `rules` without [`SKIPPED_OVER_HELD`], and with [`EmbedJoinProjections`] where the last
/// `ProjectionPushdown` was: of what that rule does, the projections it moves into hash joins
/// save more than they cost to plan (601 K rows a join need not copy the shop ids of, at a
/// city's footfall).
fn held_rules(rules: &[Rule]) -> Vec<Rule> {
    let last_projection = rules
        .iter()
        .rposition(|rule| rule.name() == PROJECTION_PUSHDOWN);
    let mut held = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        if Some(i) == last_projection {
            held.push(Arc::new(EmbedJoinProjections) as Rule);
        }
        if !SKIPPED_OVER_HELD.contains(&rule.name()) {
            held.push(Arc::clone(rule));
        }
    }
    held
}

/// One partition per [`ROWS_PER_PARTITION`] rows, at least one and at most `target`.
pub fn partitions_for(rows: usize, target: usize) -> usize {
    rows.div_ceil(ROWS_PER_PARTITION).clamp(1, target.max(1))
}

/// The rows the tables `plan` scans hold (every scan counted), or None where one of them is
/// not held in memory. Held tables not yet read are read now, as their scan would.
async fn rows_read(plan: &LogicalPlan, state: &SessionState) -> DfResult<Option<usize>> {
    let mut providers = Vec::new();
    let mut unknown = false;
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            // A source that is not a registered provider is of unknown size, as is any
            // provider that does not hold its rows.
            match source_as_provider(&scan.source) {
                Ok(provider) if provider.is::<MemoTable>() => providers.push(provider),
                _ => {
                    unknown = true;
                    return Ok(TreeNodeRecursion::Stop);
                }
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    if unknown {
        return Ok(None);
    }
    let mut rows = 0;
    for provider in providers {
        if let Some(memo) = provider.downcast_ref::<MemoTable>() {
            rows += memo.row_count(state).await?;
        }
    }
    Ok(Some(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    use datafusion::physical_plan::ExecutionPlanProperties;

    #[test]
    fn one_partition_per_quarter_million_rows_up_to_the_cores() {
        assert_eq!(partitions_for(0, 2), 1);
        assert_eq!(partitions_for(250_000, 2), 1);
        assert_eq!(partitions_for(250_001, 2), 2);
        assert_eq!(partitions_for(3_135_225, 2), 2);
        assert_eq!(partitions_for(600_000, 16), 3);
        assert_eq!(partitions_for(10, 0), 1);
    }

    /// A session of four partitions whatever the machine, with a held table of three rows.
    async fn context() -> SessionContext {
        let config = SessionConfig::new().with_target_partitions(4);
        let ctx = sized_context(config, Arc::new(RuntimeEnv::default()));
        ctx.sql("CREATE TABLE few AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'a')) t(n, s)")
            .await
            .unwrap();
        MemoTable::hold(&ctx, "few").await.unwrap();
        ctx
    }

    /// The partitions the session that plans `sql` has.
    async fn planned_partitions(ctx: &SessionContext, sql: &str) -> usize {
        let plan = ctx.state().create_logical_plan(sql).await.unwrap();
        let plan = ctx.state().optimize(&plan).unwrap();
        sized(&plan, &ctx.state())
            .await
            .unwrap()
            .config()
            .target_partitions()
    }

    #[tokio::test]
    async fn a_plan_over_few_held_rows_gets_one_partition() {
        let ctx = context().await;
        let sql = "SELECT s, COUNT(*) FROM few a JOIN few b USING (s) GROUP BY s";
        assert_eq!(planned_partitions(&ctx, sql).await, 1);
        let plan = ctx
            .sql(sql)
            .await
            .unwrap()
            .create_physical_plan()
            .await
            .unwrap();
        assert_eq!(plan.output_partitioning().partition_count(), 1);
        let text = datafusion::physical_plan::displayable(plan.as_ref())
            .indent(false)
            .to_string();
        assert!(!text.contains("RepartitionExec"), "{text}");
    }

    #[tokio::test]
    async fn a_plan_over_a_table_not_held_keeps_every_partition() {
        let ctx = context().await;
        ctx.sql("CREATE TABLE loose AS VALUES (1), (2)")
            .await
            .unwrap();
        let sql = "SELECT * FROM few JOIN loose ON few.n = loose.column1";
        assert_eq!(planned_partitions(&ctx, sql).await, 4);
    }

    /// The physical rules the session's planner runs for `sql`.
    async fn planned_rules(ctx: &SessionContext, sql: &str) -> Vec<String> {
        let state = ctx.state();
        let plan = state
            .optimize(&state.create_logical_plan(sql).await.unwrap())
            .unwrap();
        let sized = sized(&plan, &state).await.unwrap();
        sized
            .physical_optimizers()
            .iter()
            .map(|r| r.name().to_string())
            .collect()
    }

    #[tokio::test]
    async fn a_plan_over_held_tables_trades_the_projection_and_limit_rules_for_one_of_its_own() {
        let ctx = context().await;
        let every: Vec<String> = ctx
            .state()
            .physical_optimizers()
            .iter()
            .map(|r| r.name().to_string())
            .collect();
        // Both are DataFusion's names: a rule renamed upstream would run again unnoticed.
        for name in SKIPPED_OVER_HELD {
            assert!(every.iter().any(|r| r == name), "{name} in {every:?}");
        }
        let held = planned_rules(&ctx, "SELECT s, COUNT(*) FROM few GROUP BY s LIMIT 1").await;
        let kept: Vec<String> = every
            .iter()
            .filter(|r| !SKIPPED_OVER_HELD.contains(&r.as_str()))
            .cloned()
            .collect();
        // And one rule of yanhuo's, after the rules that place the joins.
        let embed = held.iter().position(|r| r == "EmbedJoinProjections");
        let ensure = held.iter().position(|r| r == "EnsureRequirements");
        assert!(
            matches!((ensure, embed), (Some(e), Some(j)) if e < j),
            "{held:?}"
        );
        let held_theirs: Vec<String> = held
            .iter()
            .filter(|r| *r != "EmbedJoinProjections")
            .cloned()
            .collect();
        assert_eq!(held_theirs, kept);
        assert!(held.iter().any(|r| r == "SanityCheckPlan"), "{held:?}");

        ctx.sql("CREATE TABLE loose AS VALUES (1), (2)")
            .await
            .unwrap();
        let mixed = planned_rules(
            &ctx,
            "SELECT * FROM few JOIN loose ON few.n = loose.column1",
        )
        .await;
        assert_eq!(mixed, every);
    }

    /// Without those rules, a held plan still returns what it did: the limit, the columns
    /// and the order are the logical plan's.
    #[tokio::test]
    async fn a_plan_over_held_tables_keeps_its_limit_columns_and_order() {
        let ctx = context().await;
        let batches = ctx
            .sql("SELECT b.s, a.n + b.n AS total FROM few a JOIN few b USING (s) ORDER BY total DESC, b.s LIMIT 3")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        // s='a' holds n 1 and 3 (pairs sum 2, 4, 4, 6); s='b' holds 2 (4).
        let expected = "\
+---+-------+
| s | total |
+---+-------+
| a | 6     |
| a | 4     |
| a | 4     |
+---+-------+";
        assert_eq!(text, expected);
    }

    #[tokio::test]
    async fn rows_are_counted_once_per_scan_and_in_subqueries() {
        let ctx = context().await;
        let sql = "SELECT * FROM few WHERE n IN (SELECT n FROM few) AND s IN (SELECT s FROM few)";
        let plan = ctx.state().create_logical_plan(sql).await.unwrap();
        assert_eq!(rows_read(&plan, &ctx.state()).await.unwrap(), Some(9));
    }
}
