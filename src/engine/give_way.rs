//! A scan of batches held in memory that gives way to the scheduler once, after its first
//! batch, so the partitions of a join run on both cores at once.
//!
//! Why: a hash join reads its small side once for all its partitions. The partition that
//! finishes reading it wakes the others on its own worker thread, where tokio keeps a woken
//! task in a slot no other worker takes from, and tells no idle worker. A memory scan never
//! waits, and DataFusion's cooperative budget (128 batches) outlasts a partition of a city's
//! ten weeks of footfall (40 batches), so the waking partition ran to its end before the
//! other began: `footfall_change` on two partitions took as long as on one. A partition
//! giving way puts its task back in the queue an idle worker is told of and takes from, and
//! the woken one runs on the first worker. Once is enough (the small side is read before the
//! first batch of the large one); giving way after every batch cost the figures as served
//! 15–25%, their pipelines moving between cores.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{Result, Statistics};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::execution_plan::CardinalityEffect;
use datafusion::physical_plan::filter_pushdown::{
    ChildPushdownResult, FilterDescription, FilterPushdownPhase, FilterPushdownPropagation,
};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::{
    ChildStats, ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan,
    PlanProperties, RecordBatchStream, ReplaceChildrenOptions, SendableRecordBatchStream,
    StatisticsArgs, replace_children_if_necessary,
};
use futures::{Stream, StreamExt};

/// Its input's rows, partitions and properties, each partition giving way after its first batch.
#[derive(Debug, Clone)]
pub struct GiveWayExec {
    input: Arc<dyn ExecutionPlan>,
}

impl GiveWayExec {
    pub fn new(input: Arc<dyn ExecutionPlan>) -> Self {
        GiveWayExec { input }
    }
}

impl DisplayAs for GiveWayExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GiveWayExec")
    }
}

impl ExecutionPlan for GiveWayExec {
    fn name(&self) -> &str {
        "GiveWayExec"
    }

    fn schema(&self) -> SchemaRef {
        self.input.schema()
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    /// Its input is already dealt over the session's partitions: no repartition between.
    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match (children.pop(), children.is_empty()) {
            (Some(input), true) => Ok(Arc::new(GiveWayExec { input })),
            _ => datafusion::common::internal_err!("GiveWayExec takes one input"),
        }
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        Ok(Box::pin(GiveWay {
            inner: self.input.execute(partition, context)?,
            state: Turn::First,
        }))
    }

    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(partition)]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        _args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        match input_stats.first() {
            Some(stats) => Ok(Arc::clone(stats)),
            None => datafusion::common::internal_err!("GiveWayExec takes one input"),
        }
    }

    fn supports_limit_pushdown(&self) -> bool {
        true
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }

    fn try_swapping_with_projection(
        &self,
        projection: &ProjectionExec,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        match self.input.try_swapping_with_projection(projection)? {
            Some(input) => Ok(Some(replace_children_if_necessary(
                Arc::new(self.clone()),
                vec![input],
            )?)),
            None => Ok(None),
        }
    }

    fn gather_filters_for_pushdown(
        &self,
        _phase: FilterPushdownPhase,
        parent_filters: Vec<Arc<dyn PhysicalExpr>>,
        _config: &ConfigOptions,
    ) -> Result<FilterDescription> {
        FilterDescription::from_children(parent_filters, &self.children())
    }

    fn handle_child_pushdown_result(
        &self,
        _phase: FilterPushdownPhase,
        child_pushdown_result: ChildPushdownResult,
        _config: &ConfigOptions,
    ) -> Result<FilterPushdownPropagation<Arc<dyn ExecutionPlan>>> {
        Ok(FilterPushdownPropagation::if_all(child_pushdown_result))
    }
}

/// A stream that, after the first batch it gives, answers "not yet" once, having woken
/// itself: tokio then queues its task where an idle worker takes it from, and tells one.
struct GiveWay {
    inner: SendableRecordBatchStream,
    state: Turn,
}

/// Where a [`GiveWay`] stream is: before its first batch, about to give way, or past it.
enum Turn {
    First,
    GiveWay,
    Through,
}

impl Stream for GiveWay {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.state {
            Turn::GiveWay => {
                self.state = Turn::Through;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Turn::First => {
                let polled = self.inner.poll_next_unpin(cx);
                if let Poll::Ready(Some(Ok(_))) = polled {
                    self.state = Turn::GiveWay;
                }
                polled
            }
            Turn::Through => self.inner.poll_next_unpin(cx),
        }
    }
}

impl RecordBatchStream for GiveWay {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use datafusion::arrow::array::{Array, Int64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::common::stats::Precision;
    use datafusion::datasource::{MemTable, TableProvider};
    use datafusion::physical_plan::{ExecutionPlanProperties, collect};
    use datafusion::prelude::SessionContext;

    use super::*;

    struct Counted(AtomicUsize);

    impl Wake for Counted {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn batches(sizes: &[i64]) -> (SchemaRef, Vec<RecordBatch>) {
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, false)]));
        let batches = sizes
            .iter()
            .map(|&size| {
                let column = Arc::new(Int64Array::from_iter_values(0..size));
                RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap()
            })
            .collect();
        (schema, batches)
    }

    async fn scan(partitions: Vec<Vec<RecordBatch>>, schema: SchemaRef) -> Arc<dyn ExecutionPlan> {
        let ctx = SessionContext::new();
        let scan = MemTable::try_new(schema, partitions)
            .unwrap()
            .scan(&ctx.state(), None, &[], None)
            .await
            .unwrap();
        Arc::new(GiveWayExec::new(scan))
    }

    /// After its first batch the stream answers "not yet" once, having woken its task; then
    /// every other batch and the end at once.
    #[tokio::test]
    async fn a_partition_gives_way_once_after_its_first_batch() {
        let (schema, held) = batches(&[3, 2, 4]);
        let plan = scan(vec![held], schema).await;
        let mut stream = plan.execute(0, Arc::new(TaskContext::default())).unwrap();
        let counted = Arc::new(Counted(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counted));
        let mut cx = Context::from_waker(&waker);
        let mut next = || match stream.poll_next_unpin(&mut cx) {
            Poll::Ready(Some(Ok(batch))) => Some(batch.num_rows()),
            Poll::Ready(None) => None,
            Poll::Pending => Some(0),
            Poll::Ready(Some(Err(e))) => panic!("{e}"),
        };
        let polls: Vec<Option<usize>> = (0..5).map(|_| next()).collect();
        // 0: "not yet".
        assert_eq!(polls, vec![Some(3), Some(0), Some(2), Some(4), None]);
        assert_eq!(counted.0.load(Ordering::SeqCst), 1);
    }

    /// An empty partition ends at once, without giving way.
    #[tokio::test]
    async fn an_empty_partition_ends_without_giving_way() {
        let (schema, _) = batches(&[]);
        let plan = scan(vec![vec![]], schema).await;
        let mut stream = plan.execute(0, Arc::new(TaskContext::default())).unwrap();
        let counted = Arc::new(Counted(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counted));
        let mut cx = Context::from_waker(&waker);
        assert!(matches!(stream.poll_next_unpin(&mut cx), Poll::Ready(None)));
        assert_eq!(counted.0.load(Ordering::SeqCst), 0);
    }

    /// The wrapper changes when a partition runs, nothing else: the same partitions, row
    /// count (which a join's choice of its small side reads) and rows.
    #[tokio::test]
    async fn the_scan_keeps_its_partitions_statistics_and_rows() {
        let (schema, held) = batches(&[3, 2, 4, 1]);
        let plan = scan(vec![held[..2].to_vec(), held[2..].to_vec()], schema).await;
        assert_eq!(plan.output_partitioning().partition_count(), 2);
        let stats = datafusion::physical_plan::StatisticsContext::new()
            .compute(plan.as_ref(), &StatisticsArgs::new())
            .unwrap();
        assert_eq!(stats.num_rows, Precision::Exact(10));
        let rows: Vec<i64> = collect(plan, Arc::new(TaskContext::default()))
            .await
            .unwrap()
            .iter()
            .flat_map(|b| {
                let column = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
                (0..column.len())
                    .map(|i| column.value(i))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut sorted = rows.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 0, 0, 0, 1, 1, 1, 2, 2, 3]);
    }
}
