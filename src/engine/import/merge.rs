//! What an import does with rows already in the data folder: by the table's merge rule, the
//! first row of a key stays (orders) or the newest replaces it (reference tables).

use std::collections::HashSet;

use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::record_batch::RecordBatch;

use super::TableLoad;
use super::validate::{self, Columns, Value};
use crate::engine::contract::{self, Merge, TableSpec};
use crate::error::{Error, Result};

/// Combines what a data folder holds with what is imported, by the table's merge rule.
/// Returns the merged rows, how many imported rows are in them, and how many imported rows
/// were duplicates of rows already there.
pub(super) fn merge(
    spec: &'static TableSpec,
    existing: Option<&TableLoad>,
    incoming: &TableLoad,
    zone: Tz,
) -> Result<(Vec<RecordBatch>, u64, u64)> {
    let Some(existing) = existing else {
        return Ok((incoming.batches.clone(), incoming.loaded(), 0));
    };
    let key = spec.key_indices();
    let incoming_rows = batch_rows(spec, &incoming.batches, zone)?;
    let existing_rows = batch_rows(spec, &existing.batches, zone)?;
    let mut columns = Columns::new(spec);
    let (mut loaded, mut duplicates) = (0, 0);
    match spec.merge {
        Merge::KeepFirst => {
            for row in existing_rows {
                columns.push(row);
            }
            for row in incoming_rows {
                if columns.push(row) {
                    loaded += 1;
                } else {
                    duplicates += 1;
                }
            }
        }
        Merge::Replace => {
            let incoming_keys: HashSet<String> = incoming_rows
                .iter()
                .map(|r| validate::key_of(&key, r))
                .collect();
            for row in existing_rows {
                if !incoming_keys.contains(&validate::key_of(&key, &row)) {
                    columns.push(row);
                }
            }
            for row in incoming_rows {
                columns.push(row);
                loaded += 1;
            }
        }
    }
    let batches = if columns.is_empty() {
        vec![]
    } else {
        vec![columns.to_batch(spec, &zone)?]
    };
    Ok((batches, loaded, duplicates))
}

/// Turns batches back into rows of values (for merging; tables are small enough, and orders
/// are merged by key without re-checking).
fn batch_rows(spec: &TableSpec, batches: &[RecordBatch], _zone: Tz) -> Result<Vec<Vec<Value>>> {
    use datafusion::arrow::datatypes::*;
    let mut rows = Vec::new();
    for batch in batches {
        let n = batch.num_rows();
        let mut batch_rows: Vec<Vec<Value>> = (0..n)
            .map(|_| Vec::with_capacity(spec.columns.len()))
            .collect();
        for column in spec.columns {
            let array = batch.column_by_name(column.name).ok_or_else(|| {
                Error::Other(format!("{}: column {} missing", spec.name, column.name))
            })?;
            for (i, row) in batch_rows.iter_mut().enumerate() {
                let value = if array.is_null(i) {
                    Value::Null
                } else {
                    match column.kind {
                        contract::Kind::Text => {
                            Value::Text(array.as_string::<i32>().value(i).to_string())
                        }
                        contract::Kind::Integer => {
                            Value::Integer(array.as_primitive::<Int64Type>().value(i))
                        }
                        contract::Kind::Float => {
                            Value::Float(array.as_primitive::<Float64Type>().value(i))
                        }
                        contract::Kind::Money => {
                            Value::Money(array.as_primitive::<Decimal128Type>().value(i))
                        }
                        contract::Kind::Date => {
                            Value::Date(array.as_primitive::<Date32Type>().value(i))
                        }
                        contract::Kind::Timestamp => Value::Timestamp(
                            array.as_primitive::<TimestampMicrosecondType>().value(i),
                        ),
                    }
                };
                row.push(value);
            }
        }
        rows.extend(batch_rows);
    }
    Ok(rows)
}
