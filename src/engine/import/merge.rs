//! What an import does with rows already in the data folder: by the table's merge rule, the
//! first row of a key stays (orders) or the newest replaces it (reference tables).
//!
//! Orders already kept as Parquet are not read back: the import reads only their ids
//! (`append`), and writes the new orders as one more part beside the old files. With the
//! imported rows written aside as they are checked (`aside.rs`), a month of a city goes into
//! a year of it holding the fingerprints of the month's order ids and one batch.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::{cast, filter_record_batch};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use indicatif::{ProgressBar, ProgressStyle};

use super::aside::{Spill, Spilled};
use super::validate::{self, Columns, Value};
use super::{TableLoad, referenced_columns};
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

/// The Parquet files that hold `spec` in the data folder `into` (none if it has no such
/// table yet), or None if it is held as CSV, which is merged whole.
pub(super) fn parquet_parts(into: &Path, spec: &TableSpec) -> Result<Option<Vec<PathBuf>>> {
    if !into.is_dir() {
        return Ok(Some(Vec::new()));
    }
    Ok(match contract::locate(into, spec)? {
        Location::Files(_) => None,
        Location::Parquet(_) | Location::Absent => Some(contract::table_files(into, spec)?),
    })
}

/// What appending an import's rows to a table's parts comes to.
#[derive(Debug)]
pub(super) struct Appended {
    /// The new rows, written aside; None when every imported row was already there.
    pub part: Option<PathBuf>,
    pub loaded: u64,
    /// Imported rows whose key the table already held.
    pub duplicates: u64,
    /// Rows of the table after the import.
    pub total: u64,
}

/// Keeps the imported rows (`spilled`, whose key fingerprints are `keys`) with a key that
/// none of the existing `parts` holds. Of the parts only the key column is read, one batch
/// at a time, so what is held is the set of the import's keys and one batch.
pub(super) fn append(
    spec: &TableSpec,
    parts: &[PathBuf],
    mut keys: HashSet<u128>,
    spilled: Spilled,
    zone: &Tz,
) -> Result<Appended> {
    let [key] = spec.key else {
        return Err(Error::Other(format!(
            "{}: no single key to append by",
            spec.name
        )));
    };
    let unreadable = |path: &Path, e: &dyn std::fmt::Display| Error::UnreadableFile {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut buf = String::new();
    let mut readers = Vec::with_capacity(parts.len());
    let mut total = 0u64;
    for path in parts {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| unreadable(path, &e))?;
        total += u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        readers.push((path, builder));
    }
    // A year of a city is 174 M ids: a minute's reading.
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {bar:30} {human_pos}/{human_len} ids ({per_sec})")
    {
        bar.set_style(style);
    }
    bar.set_message(format!("{}: the ids already there", spec.name));
    let mut duplicates = 0u64;
    for (path, builder) in readers {
        if keys.is_empty() {
            break;
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
                if keys.remove(&validate::text_key_fingerprint(id, &mut buf)) {
                    duplicates += 1;
                }
            }
            bar.inc(batch.num_rows() as u64);
        }
    }
    bar.finish_and_clear();
    let loaded = keys.len() as u64;
    let part = if loaded == 0 {
        fs::remove_file(&spilled.path).map_err(|e| Error::io(&spilled.path, e))?;
        None
    } else if duplicates == 0 {
        // The usual case, a new month: the rows as written aside are the part.
        Some(spilled.path)
    } else {
        let kept_path = spilled.path.with_extension("new.parquet");
        let mut kept = Spill::create(kept_path, spec, zone)?;
        let index = spec
            .column_index(key)
            .ok_or_else(|| Error::Other(format!("{}: no column {key}", spec.name)))?;
        for batch in spilled.read()? {
            let batch = batch.map_err(|e| unreadable(&spilled.path, &e))?;
            let ids = cast(batch.column(index), &DataType::Utf8)?;
            let keep: BooleanArray = ids
                .as_string::<i32>()
                .iter()
                .map(|id| {
                    Some(id.is_some_and(|id| {
                        keys.contains(&validate::text_key_fingerprint(id, &mut buf))
                    }))
                })
                .collect();
            kept.write(&filter_record_batch(&batch, &keep)?)?;
        }
        fs::remove_file(&spilled.path).map_err(|e| Error::io(&spilled.path, e))?;
        Some(kept.finish()?.path)
    };
    Ok(Appended {
        part,
        loaded,
        duplicates,
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
