//! Reading raw rows out of CSV, Parquet and Excel files, before any rule is checked.
//!
//! Every reader yields rows of text cells with the line a person finds them on; the layout
//! (`layout.rs`) finds the header among them and makes them contract rows: the contract
//! columns as optional strings, and the row as it stood, for the rejects file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{Data, Dimensions, Reader, Sheets, open_workbook_auto};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::layout::{Layout, LayoutError, NoHeader, SourceReport};
use super::mapping::SourceRules;
pub use super::source::{RawRow, Source};
use crate::engine::contract::{TableSpec, has_extension};
use crate::error::{Error, Result};

/// Reads every row of `source` below its header, in contract columns, calling `each` with
/// it; says what the layout was. Errors only when the file cannot be read at all (a row that
/// breaks a rule is the validator's business), and always names the file: a reader that
/// panics on a malformed file is caught and reported as that file being unreadable.
pub fn read_rows(
    spec: &'static TableSpec,
    source: &Source,
    rules: &SourceRules,
    each: &mut dyn FnMut(RawRow) -> Result<()>,
) -> Result<SourceReport> {
    let path = &source.path;
    let sheet_like = !has_extension(path, "parquet");
    let mut layout = Layout::new(spec, rules, sheet_like);
    let mut stopped = None;
    let encoding = guarded(path, || {
        raw_rows(
            source,
            &mut |line, cells| match layout.push(line, cells, each) {
                Ok(()) => Ok(true),
                Err(e) => {
                    stopped = Some(e);
                    Ok(false)
                }
            },
        )
    })?;
    let finished = match stopped {
        Some(e) => Err(e),
        None => layout.finish(each),
    };
    match finished {
        Ok(mut report) => {
            report.encoding = encoding;
            Ok(report)
        }
        Err(LayoutError::NoHeader(NoHeader::Empty)) if source.sheet.is_some() => Ok(SourceReport {
            table: spec.name,
            empty: true,
            ..Default::default()
        }),
        Err(LayoutError::NoHeader(NoHeader::Empty)) => {
            Err(Error::unreadable(path, "empty file: no header row"))
        }
        Err(LayoutError::NoHeader(n)) => Err(Error::unreadable(
            path,
            match &source.sheet {
                Some(sheet) => format!("sheet {sheet}: {}", n.message(spec)),
                None => n.message(spec),
            },
        )),
        Err(LayoutError::Row(e)) => Err(e),
    }
}

/// Runs a reader, turning a panic inside it (a parser's bug on a malformed file) into the
/// file being unreadable, so one bad file is named instead of taking the import down.
pub(super) fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::unreadable(
                path,
                format!("the reader failed on this file (it may be damaged): {what}"),
            ))
        }
    }
}

/// The first rows of a source as they stand (for telling which table it holds), up to
/// `count` non-blank ones.
pub fn top_rows(source: &Source, count: usize) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    guarded(&source.path, || {
        raw_rows(source, &mut |_, cells| {
            if cells.iter().any(|c| !c.trim().is_empty()) {
                rows.push(cells);
            }
            Ok(rows.len() < count)
        })
    })?;
    Ok(rows)
}

/// Every row of a source as text cells, with the line a person finds it on, until `sink`
/// says stop (false). Returns the text encoding of a CSV.
fn raw_rows(
    source: &Source,
    sink: &mut dyn FnMut(u64, Vec<String>) -> Result<bool>,
) -> Result<Option<&'static str>> {
    let path = &source.path;
    if has_extension(path, "parquet") {
        parquet_rows(path, sink)?;
        Ok(None)
    } else if has_extension(path, "xlsx")
        || has_extension(path, "xls")
        || has_extension(path, "ods")
    {
        sheet_rows(source, sink)?;
        Ok(None)
    } else {
        csv_rows(path, sink).map(Some)
    }
}

/// The text encodings a CSV is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextEncoding {
    Utf8,
    Gb18030,
}

impl TextEncoding {
    fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gb18030 => "GB18030",
        }
    }
}

/// UTF-8 if every byte of the file is (a BOM or none), else GB18030 (GBK is a part of it:
/// what Excel on Chinese Windows saves) if every byte is that; never a guess that replaces
/// characters.
/// Also says whether lines end in CRLF (as Excel writes them), judged by the first megabyte.
fn detect_encoding(path: &Path) -> Result<(TextEncoding, bool)> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut chunk = vec![0u8; 1 << 20];
    let mut pending: Vec<u8> = Vec::new();
    let mut first = true;
    let mut crlf = false;
    loop {
        let n = file.read(&mut chunk).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        if first && (chunk[..n].starts_with(&[0xff, 0xfe]) || chunk[..n].starts_with(&[0xfe, 0xff]))
        {
            return Err(Error::unreadable(
                path,
                "UTF-16 text (Excel's \"Unicode text\"): save it as \"CSV UTF-8\" instead",
            ));
        }
        if first {
            crlf = chunk[..n].windows(2).any(|w| w == b"\r\n");
        }
        first = false;
        pending.extend_from_slice(&chunk[..n]);
        match std::str::from_utf8(&pending) {
            Ok(_) => pending.clear(),
            // A character cut by the chunk's end: keep its first bytes for the next chunk.
            Err(e) if e.error_len().is_none() => {
                pending.drain(..e.valid_up_to());
            }
            Err(_) => return Ok((TextEncoding::Gb18030, crlf)),
        }
    }
    if pending.is_empty() {
        Ok((TextEncoding::Utf8, crlf))
    } else {
        Ok((TextEncoding::Gb18030, crlf))
    }
}

fn csv_rows(
    path: &Path,
    sink: &mut dyn FnMut(u64, Vec<String>) -> Result<bool>,
) -> Result<&'static str> {
    let (encoding, crlf) = detect_encoding(path)?;
    let input: Box<dyn Read> = match encoding {
        TextEncoding::Utf8 => Box::new(File::open(path).map_err(|e| Error::io(path, e))?),
        TextEncoding::Gb18030 => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let text = encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .ok_or_else(|| {
                    Error::unreadable(
                        path,
                        "neither UTF-8 nor GB18030/GBK text (save the file as \"CSV UTF-8\")",
                    )
                })?;
            Box::new(std::io::Cursor::new(text.into_owned().into_bytes()))
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, input));
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, e))?;
        // The csv crate counts a record of a CRLF file as starting on the line before: at
        // the `\n` left over from the previous line's `\r\n`.
        let line = record
            .position()
            .map_or(0, |p| p.line() + u64::from(crlf && p.byte() > 0));
        let cells: Vec<String> = record
            .iter()
            .map(|s| s.trim_start_matches('\u{feff}').to_string())
            .collect();
        if !sink(line, cells)? {
            break;
        }
    }
    Ok(encoding.name())
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

/// A merged region bigger than this is not spread over its cells: a header is a few cells
/// wide, and a region over a whole sheet would be millions.
const MAX_MERGED_CELLS: u64 = 10_000;

fn sheet_rows(
    source: &Source,
    sink: &mut dyn FnMut(u64, Vec<String>) -> Result<bool>,
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
    // A merged cell holds its value in its first cell only; the others read as that value.
    let merged: Vec<Dimensions> = match &mut workbook {
        Sheets::Xlsx(x) => x
            .worksheet_merge_cells(&sheet)
            .and_then(|r| r.ok())
            .unwrap_or_default(),
        Sheets::Xls(x) => x.worksheet_merge_cells(&sheet).unwrap_or_default(),
        _ => Vec::new(),
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| Error::unreadable(path, format!("sheet {sheet}: {e}")))?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut fills: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    for region in merged {
        let (top, left) = region.start;
        let (bottom, right) = region.end;
        let area = (u64::from(bottom.saturating_sub(top)) + 1)
            * (u64::from(right.saturating_sub(left)) + 1);
        if bottom < top || right < left || area > MAX_MERGED_CELLS {
            continue;
        }
        let Some(value) = range.get_value((top, left)).map(cell_text) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        for row in top..=bottom {
            for col in left..=right {
                if (row, col) != (top, left) {
                    fills.entry(row).or_default().push((col, value.clone()));
                }
            }
        }
    }
    for (i, cells) in range.rows().enumerate() {
        let row = first_row + i as u32;
        let mut texts: Vec<String> = cells.iter().map(cell_text).collect();
        if let Some(fill) = fills.get(&row) {
            for (col, value) in fill {
                let Some(at) = col.checked_sub(first_col).map(|c| c as usize) else {
                    continue;
                };
                if let Some(cell) = texts.get_mut(at)
                    && cell.trim().is_empty()
                {
                    *cell = value.clone();
                }
            }
        }
        // Excel numbers rows from 1, as the sheet shows them.
        if !sink(u64::from(row) + 1, texts)? {
            break;
        }
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

fn parquet_rows(path: &Path, sink: &mut dyn FnMut(u64, Vec<String>) -> Result<bool>) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::unreadable(path, e))?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    if !sink(0, header)? {
        return Ok(());
    }
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
            let cells: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            if !sink(line, cells)? {
                return Ok(());
            }
        }
    }
    Ok(())
}
