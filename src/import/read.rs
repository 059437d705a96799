//! Reading raw rows out of CSV, Parquet and Excel files, before any rule is checked.
//!
//! Every reader yields the same thing: a line number a person can find in the file, the
//! contract columns as optional strings, and the row as it stood, for the rejects file.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::catalog::{TableSpec, has_extension};
use crate::error::{Error, Result};

/// One row as read: where it came from and its cells, in contract column order.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub cells: Vec<Option<String>>,
    /// Every cell of the row as it stood, extra columns included.
    pub original: Vec<String>,
}

/// A file (or one sheet of a workbook) holding rows of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    pub sheet: Option<String>,
}

impl Source {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            sheet: None,
        }
    }

    /// How the source is named in messages and in the rejects file.
    pub fn label(&self, root: Option<&Path>) -> String {
        let path = root
            .and_then(|r| self.path.strip_prefix(r).ok())
            .unwrap_or(&self.path);
        match &self.sheet {
            Some(sheet) => format!("{}#{}", path.display(), sheet),
            None => path.display().to_string(),
        }
    }
}

/// Reads every row of `source`, calling `each` with it. Errors only when the file cannot be
/// read at all; a row that breaks a rule is the validator's business.
pub fn read_rows(
    spec: &TableSpec,
    source: &Source,
    each: &mut dyn FnMut(RawRow) -> Result<()>,
) -> Result<()> {
    let path = &source.path;
    if has_extension(path, "parquet") {
        read_parquet(spec, path, each)
    } else if has_extension(path, "xlsx")
        || has_extension(path, "xls")
        || has_extension(path, "ods")
    {
        read_sheet(spec, source, each)
    } else {
        read_csv(spec, path, each)
    }
}

/// Maps each contract column to its position in a header, or says which is missing.
fn header_positions(spec: &TableSpec, header: &[String], path: &Path) -> Result<Vec<usize>> {
    let by_name: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}'), i))
        .collect();
    let mut positions = Vec::with_capacity(spec.columns.len());
    let mut missing = Vec::new();
    for column in spec.columns {
        match by_name.get(column.name) {
            Some(&i) => positions.push(i),
            None => missing.push(column.name),
        }
    }
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(Error::unreadable(
            path,
            format!(
                "wrong header for table {}: missing column(s) {} (the header has: {})",
                spec.name,
                missing.join(", "),
                header.join(", ")
            ),
        ))
    }
}

fn cells_at(positions: &[usize], fields: &[String]) -> Vec<Option<String>> {
    positions
        .iter()
        .map(|&i| {
            fields
                .get(i)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect()
}

fn read_csv(
    spec: &TableSpec,
    path: &Path,
    each: &mut dyn FnMut(RawRow) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(record)) => record.iter().map(str::to_string).collect(),
        Some(Err(e)) => return Err(csv_error(path, e)),
        None => return Err(Error::unreadable(path, "empty file: no header row")),
    };
    let positions = header_positions(spec, &header, path)?;
    for record in records {
        let record = record.map_err(|e| csv_error(path, e))?;
        let line = record.position().map_or(0, |p| p.line());
        let original: Vec<String> = record.iter().map(str::to_string).collect();
        if original.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line is not a row
        }
        each(RawRow {
            line,
            cells: cells_at(&positions, &original),
            original,
        })?;
    }
    Ok(())
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 (save the file as UTF-8 CSV)".to_string(),
        _ => e.to_string(),
    };
    match line {
        Some(line) => Error::unreadable(path, format!("line {line}: {what}")),
        None => Error::unreadable(path, what),
    }
}

fn read_sheet(
    spec: &TableSpec,
    source: &Source,
    each: &mut dyn FnMut(RawRow) -> Result<()>,
) -> Result<()> {
    let path = &source.path;
    let mut workbook = open_workbook_auto(path).map_err(|e| Error::unreadable(path, e))?;
    let sheet = match &source.sheet {
        Some(sheet) => sheet.clone(),
        None => workbook
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| Error::unreadable(path, "workbook has no sheets"))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| Error::unreadable(path, format!("sheet {sheet}: {e}")))?;
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let first_col = range.start().map_or(0, |(_, col)| col as usize);
    let mut rows = range.rows().enumerate();
    let header: Vec<String> = match rows.next() {
        Some((_, cells)) => cells.iter().map(cell_text).collect(),
        None => {
            return Err(Error::unreadable(
                path,
                format!("sheet {sheet} is empty: no header row"),
            ));
        }
    };
    let positions = header_positions(spec, &header, path)?;
    for (i, cells) in rows {
        let mut original: Vec<String> = vec![String::new(); first_col];
        original.extend(cells.iter().map(cell_text));
        if original.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let shifted: Vec<String> = original[first_col..].to_vec();
        each(RawRow {
            // Excel numbers rows from 1, as the sheet shows them.
            line: first_row + i as u64 + 1,
            cells: cells_at(&positions, &shifted),
            original: shifted,
        })?;
    }
    Ok(())
}

/// A cell as text a person would type: dates as ISO 8601, whole numbers without `.0`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => dt.to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn read_parquet(
    spec: &TableSpec,
    path: &Path,
    each: &mut dyn FnMut(RawRow) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::unreadable(path, e))?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let positions = header_positions(spec, &header, path)?;
    let reader = builder
        .with_batch_size(8192)
        .build()
        .map_err(|e| Error::unreadable(path, e))?;
    // Timestamps keep their offset when written out, so the validator reads the same instant.
    let options = FormatOptions::default()
        .with_null("")
        .with_timestamp_tz_format(Some("%Y-%m-%dT%H:%M:%S%.f%:z"))
        .with_timestamp_format(Some("%Y-%m-%dT%H:%M:%S%.f"));
    let mut line = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| Error::unreadable(path, e))?;
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::unreadable(path, e))?;
        for row in 0..batch.num_rows() {
            line += 1;
            let original: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            each(RawRow {
                line,
                cells: cells_at(&positions, &original),
                original,
            })?;
        }
    }
    Ok(())
}

/// The data files directly inside a folder, sorted so imports are repeatable.
pub fn data_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if path.is_file()
            && !hidden
            && ["csv", "parquet", "xlsx", "xls", "ods"]
                .iter()
                .any(|ext| has_extension(&path, ext))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
