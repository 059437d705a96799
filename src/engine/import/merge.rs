//! What an import does with rows already in the data folder: by the table's merge rule, the
//! first row of a key stays (orders) or the newest replaces it (reference tables).
//!
//! Orders already kept as Parquet are not read back: the import reads only their ids
//! (`append`), and writes the new orders as one more part beside the old files, so a month
//! of a city goes into a year of it in the memory of the month alone.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{TableLoad, referenced_columns};
use super::validate::{self, Columns, Value};
use crate::engine::contract::{self, Kind, Location, Merge, TableSpec};
use crate::error::{Error, Result};

/// Whether an import adds to this table by writing one more part: the first row of a key
/// stays, the key is one text column, and no other table refers to it, so nothing needs
/// the rows already there but their keys.
pub(super) fn appendable(spec: &TableSpec) -> bool {
    spec.merge == Merge::KeepFirst
        && matches!(spec.key, [key] if spec.column_index(key)
            .is_some_and(|i| spec.columns[i].kind == Kind::Text))
        && referenced_columns(spec).is_empty()
}

/// The Parquet files that hold `spec` in the data folder `into`, if it is held as Parquet.
pub(super) fn parquet_parts(into: &Path, spec: &TableSpec) -> Result<Option<Vec<PathBuf>>> {
    if !into.is_dir() {
        return Ok(None);
    }
    Ok(match contract::locate(into, spec)? {
        Location::Parquet(path) if path.is_dir() => Some(contract::data_files_in(&path)?),
        Location::Parquet(path) => Some(vec![path]),
        Location::Files(_) | Location::Absent => None,
    })
}

/// The imported rows of an appendable table whose keys none of `parts` holds yet.
#[derive(Debug)]
pub(super) struct Appended {
    pub part: Vec<RecordBatch>,
    pub loaded: u64,
    /// Imported rows whose key the table already held.
    pub duplicates: u64,
    /// Rows of the table after the import.
    pub total: u64,
}

/// Reads the key column of each existing part, one batch at a time, and keeps the imported
/// rows with a key not among them. What is held is the import's rows and a set of their
/// keys; the existing rows are never in memory.
pub(super) fn append(spec: &TableSpec, parts: &[PathBuf], incoming: &TableLoad) -> Result<Appended> {
    let [key] = spec.key else {
        return Err(Error::Other(format!("{}: no single key to append by", spec.name)));
    };
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| Error::UnreadableFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut keys: Vec<&datafusion::arrow::array::StringArray> = Vec::new();
    for batch in &incoming.batches {
        let column = batch
            .column_by_name(key)
            .and_then(|c| c.as_string_opt::<i32>())
            .ok_or_else(|| Error::Other(format!("{}: {key} is not text", spec.name)))?;
        keys.push(column);
    }
    // Checked rows carry no duplicate key among themselves (`Columns::push`).
    let mut new: HashSet<&str> = keys.iter().flat_map(|k| k.iter().flatten()).collect();
    let mut total = 0u64;
    for path in parts {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(path, &e))?;
        total += u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        if new.is_empty() {
            continue;
        }
        let index = builder
            .schema()
            .index_of(key)
            .map_err(|e| unreadable(path, &e))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(1 << 16)
            .build()
            .map_err(|e| unreadable(path, &e))?;
        for batch in reader {
            let batch = batch.map_err(|e| unreadable(path, &e))?;
            // Whatever string type the file chose (generate writes Utf8, others may not).
            let ids = cast(batch.column(0), &DataType::Utf8)?;
            for id in ids.as_string::<i32>().iter().flatten() {
                new.remove(id);
            }
        }
    }
    let mut part = Vec::new();
    for (batch, ids) in incoming.batches.iter().zip(&keys) {
        let keep: BooleanArray = ids
            .iter()
            .map(|id| Some(id.is_some_and(|id| new.contains(id))))
            .collect();
        let kept = filter_record_batch(batch, &keep)?;
        if kept.num_rows() > 0 {
            part.push(kept);
        }
    }
    let loaded = new.len() as u64;
    Ok(Appended {
        part,
        loaded,
        duplicates: incoming.loaded() - loaded,
        total: total + loaded,
    })
}

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
