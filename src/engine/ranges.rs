//! Each batch of rows held in memory with its columns' smallest and largest values, so a
//! scan with a filter skips the batches that cannot hold a row of it, as Parquet's row
//! group statistics let a file's scan skip its row groups. A city's footfall held in memory
//! is a year of counts, and a figure reads ten weeks of it.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, UInt64Array};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::pruning::PruningStatistics;
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions_aggregate::min_max::{MaxAccumulator, MinAccumulator};
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Accumulator, Expr};
use datafusion::physical_optimizer::pruning::PruningPredicateBuilder;

/// Batches and, for each column, every batch's minimum and maximum (None for a column whose
/// type has no order) and null count.
#[derive(Debug)]
pub struct Ranged {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    min: Vec<Option<ArrayRef>>,
    max: Vec<Option<ArrayRef>>,
    nulls: Vec<ArrayRef>,
    rows: ArrayRef,
}

impl Ranged {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Ranged {
        let columns = schema.fields().len();
        let bound = |i: usize, smallest: bool| -> Option<ArrayRef> {
            let data_type = schema.field(i).data_type();
            let values = batches
                .iter()
                .map(|batch| {
                    let column = [Arc::clone(batch.column(i))];
                    if smallest {
                        let mut min = MinAccumulator::try_new(data_type).ok()?;
                        min.update_batch(&column).ok()?;
                        min.evaluate().ok()
                    } else {
                        let mut max = MaxAccumulator::try_new(data_type).ok()?;
                        max.update_batch(&column).ok()?;
                        max.evaluate().ok()
                    }
                })
                .collect::<Option<Vec<ScalarValue>>>()?;
            if values.is_empty() {
                return None;
            }
            ScalarValue::iter_to_array(values).ok()
        };
        let min = (0..columns).map(|i| bound(i, true)).collect();
        let max = (0..columns).map(|i| bound(i, false)).collect();
        let nulls = (0..columns)
            .map(|i| {
                let counts = batches.iter().map(|b| b.column(i).null_count() as u64);
                Arc::new(UInt64Array::from_iter_values(counts)) as ArrayRef
            })
            .collect();
        let rows = Arc::new(UInt64Array::from_iter_values(
            batches.iter().map(|b| b.num_rows() as u64),
        ));
        Ranged {
            schema,
            batches,
            min,
            max,
            nulls,
            rows,
        }
    }

    /// The rows of every batch.
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The batches that may hold rows for which every filter is true; every batch where
    /// the filters cannot be read as a range (the scan's filter still applies to each row).
    pub fn matching(&self, state: &dyn Session, filters: &[Expr]) -> Vec<RecordBatch> {
        match self.kept(state, filters) {
            Some(keep) => self
                .batches
                .iter()
                .zip(keep)
                .filter(|(_, keep)| *keep)
                .map(|(batch, _)| batch.clone())
                .collect(),
            None => self.batches.clone(),
        }
    }

    fn kept(&self, state: &dyn Session, filters: &[Expr]) -> Option<Vec<bool>> {
        // The filters name the table's columns with the query's alias (`f.date`).
        let filter = unnormalize_col(conjunction(filters.iter().cloned())?);
        let df_schema = DFSchema::try_from(Arc::clone(&self.schema)).ok()?;
        let physical = state.create_physical_expr(filter, &df_schema).ok()?;
        // None where the filters rule out no batch.
        let predicate = PruningPredicateBuilder::new()
            .with_file_schema(Arc::clone(&self.schema))
            .build(physical)?;
        predicate.prune(self).ok()
    }

    fn index(&self, column: &Column) -> Option<usize> {
        self.schema.index_of(column.name()).ok()
    }
}

impl PruningStatistics for Ranged {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        self.min.get(self.index(column)?)?.clone()
    }

    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        self.max.get(self.index(column)?)?.clone()
    }

    fn num_containers(&self) -> usize {
        self.batches.len()
    }

    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        self.nulls.get(self.index(column)?).cloned()
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::clone(&self.rows))
    }

    // As DataFusion's own trait: a ScalarValue is a hash key there.
    #[allow(clippy::mutable_key_type)]
    fn contained(&self, _column: &Column, _values: &HashSet<ScalarValue>) -> Option<BooleanArray> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, Date32Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::prelude::{SessionContext, col, lit};

    fn day(date: &str) -> Expr {
        lit(ScalarValue::Date32(Some(days(date))))
    }

    fn days(date: &str) -> i32 {
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        (date - chrono::NaiveDate::default()).num_days() as i32
    }

    fn batch(schema: &SchemaRef, shop: &str, dates: &[Option<&str>]) -> RecordBatch {
        let dates: Date32Array = dates.iter().map(|d| d.map(days)).collect();
        RecordBatch::try_new(
            Arc::clone(schema),
            vec![
                Arc::new(StringArray::from(vec![shop; dates.len()])),
                Arc::new(dates),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_filter_keeps_the_batches_that_may_hold_its_rows() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("shop_id", DataType::Utf8, false),
            Field::new("date", DataType::Date32, true),
        ]));
        let held = Ranged::new(
            Arc::clone(&schema),
            vec![
                batch(&schema, "s1", &[Some("2022-01-01"), Some("2022-01-31")]),
                batch(&schema, "s2", &[Some("2022-03-01"), Some("2022-04-30")]),
                batch(&schema, "s3", &[Some("2022-12-01"), None]),
                batch(&schema, "s4", &[None, None]),
            ],
        );
        let ctx = SessionContext::new();
        let state = ctx.state();
        let shops = |filters: &[Expr]| -> Vec<String> {
            held.matching(&state, filters)
                .iter()
                .map(|b| b.column(0).as_string::<i32>().value(0).to_string())
                .collect()
        };
        // The study window, as a query names the table's column through its alias: only s2's
        // batch reaches into it (s4 has no date at all).
        let window = col("f.date")
            .gt_eq(day("2022-03-19"))
            .and(col("f.date").lt_eq(day("2022-05-27")));
        assert_eq!(shops(&[window]), ["s2"]);
        // Every filter must be able to hold: after February, and s3.
        let both = [
            col("date").gt(day("2022-02-01")),
            col("shop_id").eq(lit("s3")),
        ];
        assert_eq!(shops(&both), ["s3"]);
        // A filter that is no range rules nothing out, nor does none.
        assert_eq!(
            shops(&[col("shop_id").like(lit("%3"))]),
            ["s1", "s2", "s3", "s4"]
        );
        assert_eq!(shops(&[]), ["s1", "s2", "s3", "s4"]);
    }
}
