//! The one part of DataFusion's `ProjectionPushdown` a plan over held tables still needs: a
//! projection of a hash join's output becomes the join's own, so the join builds only the
//! columns that are kept.
//!
//! A hash join builds each output batch by taking every column of both sides at the matched
//! rows; the projection above it then drops some. At a city, footfall_change joins 601 K
//! footfall rows to the shops and keeps the community, the date and the visitors: without
//! the projection in the join, it also took both sides' shop ids, 1.2 M strings copied to be
//! dropped (a tenth of the figure's samples in `perf`). `ProjectionPushdown`, which plans
//! over held tables skip ([`crate::engine::sized::SKIPPED_OVER_HELD`]), would move it there,
//! but it also rebuilds every node it passes and their equivalence properties, which is
//! what cost the milliseconds; this rule touches only the projections over hash joins.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::error::Result as DfResult;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::joins::HashJoinExec;
use datafusion::physical_plan::projection::{ProjectionExec, try_embed_projection};

/// DataFusion's name for the rule this one takes one part of.
pub const PROJECTION_PUSHDOWN: &str = "ProjectionPushdown";

/// Embeds each projection over a hash join in the join, as `ProjectionPushdown` would.
#[derive(Debug, Default)]
pub struct EmbedJoinProjections;

impl PhysicalOptimizerRule for EmbedJoinProjections {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(projection) = node.downcast_ref::<ProjectionExec>() else {
                return Ok(Transformed::no(node));
            };
            let Some(join) = projection.input().downcast_ref::<HashJoinExec>() else {
                return Ok(Transformed::no(node));
            };
            // DataFusion's own helper: it keeps any renaming or expression as a projection
            // above the join, and declines where nothing would be saved.
            match try_embed_projection(projection, join)? {
                Some(embedded) => Ok(Transformed::yes(embedded)),
                None => Ok(Transformed::no(node)),
            }
        })
        .data()
    }

    fn name(&self) -> &str {
        "EmbedJoinProjections"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::physical_plan::{collect, displayable};
    use datafusion::prelude::SessionContext;

    /// A join of shops to their counts, projected to two columns, planned with every
    /// physical rule but `ProjectionPushdown`: the projection sits above the join until this
    /// rule moves it in.
    #[tokio::test]
    async fn the_join_builds_only_the_columns_kept_and_returns_the_same_rows() {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE shops AS VALUES ('s1', 'c1'), ('s2', 'c2'), ('s3', 'c1')")
            .await
            .unwrap();
        ctx.sql("CREATE TABLE counts AS VALUES ('s1', 5), ('s3', 7), ('s3', 1), ('s4', 9)")
            .await
            .unwrap();
        let sql = "SELECT s.column2 AS community, c.column2 AS visitors \
                   FROM shops s JOIN counts c ON c.column1 = s.column1";
        let rules = ctx
            .state()
            .physical_optimizers()
            .iter()
            .filter(|rule| rule.name() != PROJECTION_PUSHDOWN)
            .cloned()
            .collect();
        let without = SessionStateBuilder::new_from_existing(ctx.state())
            .with_physical_optimizer_rules(rules)
            .build();
        let plan = without
            .create_physical_plan(&without.create_logical_plan(sql).await.unwrap())
            .await
            .unwrap();
        let before = displayable(plan.as_ref()).indent(false).to_string();
        assert!(before.starts_with("ProjectionExec"), "{before}");
        assert!(!before.contains("projection=["), "{before}");

        let rule = EmbedJoinProjections;
        let optimized = rule
            .optimize(Arc::clone(&plan), &ConfigOptions::default())
            .unwrap();
        let after = displayable(optimized.as_ref()).indent(false).to_string();
        // The join now outputs the community and the visitors (the projection above it
        // only names them), no longer the two shop ids.
        let join_columns = |plan: &Arc<dyn ExecutionPlan>| {
            let mut columns = None;
            plan.apply(|node| {
                if node.is::<HashJoinExec>() {
                    columns = Some(node.schema().fields().len());
                }
                Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
            })
            .unwrap();
            columns
        };
        assert_eq!(join_columns(&plan), Some(4), "{before}");
        assert_eq!(join_columns(&optimized), Some(2), "{after}");
        assert_eq!(optimized.schema(), plan.schema());

        let sorted = |batches: Vec<datafusion::arrow::record_batch::RecordBatch>| {
            let text = pretty_format_batches(&batches).unwrap().to_string();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines.sort();
            lines
        };
        let expected = sorted(collect(plan, ctx.task_ctx()).await.unwrap());
        let got = sorted(collect(optimized, ctx.task_ctx()).await.unwrap());
        assert_eq!(got, expected);
        // s1 (c1) has 5; s3 (c1) has 7 and 1; s2 and s4 have no match.
        assert_eq!(
            got.iter().filter(|l| l.starts_with("| c1")).count(),
            3,
            "{got:?}"
        );
    }
}
