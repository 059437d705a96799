//! Query files marked `kept: memory`: their rows for one set of parameters (the defaults,
//! or those a query gave), computed the first time a query reads them and then held in
//! memory for as long as the folder is open. The folder's small tables are held the same
//! way: read from their Parquet on first read ([`MemoTable::hold`]).
//!
//! DataFusion inlines a common table expression wherever it is named, so a figure that reads
//! `wechat_shop_dates` from four places plans and runs it four times, and each of those
//! again runs `wechat_shops`, `study_dates` and `lockdown`: the plan of `wechat_effect` had
//! a thousand operators and took longer to optimise than to run. A file that many figures
//! build on, and that is small once computed, is better read from memory.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::datasource::{MemTable, TableProvider, TableType};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::{Expr, LogicalPlan, TableProviderFilterPushDown};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion::prelude::SessionContext;
use tokio::sync::OnceCell;

use crate::engine::give_way::GiveWayExec;
use crate::engine::ranges::Ranged;
use crate::error::Result;

/// A query file's plan with its parameters bound, run once on first read.
#[derive(Debug)]
pub struct MemoTable {
    plan: LogicalPlan,
    schema: SchemaRef,
    rows: OnceCell<Ranged>,
    /// A view for a query file, a base table for a table of the folder held in memory.
    table_type: TableType,
}

impl MemoTable {
    pub fn new(plan: LogicalPlan) -> Self {
        let schema = Arc::new(plan.schema().as_arrow().clone());
        MemoTable {
            plan,
            schema,
            rows: OnceCell::new(),
            table_type: TableType::View,
        }
    }

    /// Replaces the registered table `name` of `ctx` with one that reads it once, the
    /// first time a query reads it, and then answers from memory, with the same types.
    pub async fn hold(ctx: &SessionContext, name: &str) -> Result<()> {
        let plan = ctx.table(name).await?.into_unoptimized_plan();
        let table = MemoTable {
            table_type: TableType::Base,
            ..MemoTable::new(plan)
        };
        ctx.deregister_table(name)?;
        ctx.register_table(name, Arc::new(table))?;
        Ok(())
    }

    /// Registers `sql`, planned now and run on first read, as the table `name` of `ctx`.
    pub async fn register(ctx: &SessionContext, name: &str, sql: &str) -> Result<()> {
        let plan = ctx.sql(sql).await?.logical_plan().clone();
        ctx.register_table(name, Arc::new(MemoTable::new(plan)))?;
        Ok(())
    }

    /// Whether the rows have been computed (for tests).
    pub fn is_computed(&self) -> bool {
        self.rows.initialized()
    }

    /// How many rows the table holds, read first if it has not been.
    pub async fn row_count(&self, state: &dyn Session) -> DfResult<usize> {
        Ok(self.rows(state).await?.row_count())
    }

    async fn rows(&self, state: &dyn Session) -> DfResult<&Ranged> {
        self.rows
            .get_or_try_init(|| async {
                let plan = state.create_physical_plan(&self.plan).await?;
                let batches = collect(plan, state.task_ctx())
                    .await?
                    .iter()
                    .map(|batch| conform(batch, &self.schema))
                    .collect::<DfResult<Vec<_>>>()?;
                Ok(Ranged::new(self.schema.clone(), batches))
            })
            .await
    }
}

/// The batch with the columns of `schema`: the physical plan may read a string column as
/// a view type where the logical plan, which the planner of every reader saw, said Utf8.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> DfResult<RecordBatch> {
    if batch.schema().fields() == schema.fields() {
        return Ok(RecordBatch::try_new(
            schema.clone(),
            batch.columns().to_vec(),
        )?);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| cast(column, field.data_type()))
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

#[async_trait]
impl TableProvider for MemoTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// A planner's catalog lists a query file with the others, as a view; a table of the
    /// folder as a table.
    fn table_type(&self) -> TableType {
        self.table_type
    }

    /// Every filter is handed to the scan, which skips the batches it rules out
    /// ([`Ranged`]); each row is still filtered above it.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let batches = self.rows(state).await?.matching(state, filters);
        // Dealt in turn to one partition per core, as the scan of a file split in as many
        // ranges would be: no round-robin repartition in front of every join.
        let count = state.config().target_partitions().min(batches.len()).max(1);
        let mut partitions = vec![Vec::new(); count];
        for (i, batch) in batches.into_iter().enumerate() {
            partitions[i % count].push(batch);
        }
        let scan = MemTable::try_new(self.schema.clone(), partitions)?
            .scan(state, projection, &[], limit)
            .await?;
        // A plan of one partition has no other to give way to (src/engine/sized.rs).
        if state.config().target_partitions() == 1 {
            return Ok(scan);
        }
        Ok(Arc::new(GiveWayExec::new(scan)))
    }
}
