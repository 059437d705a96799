//! One output format, everywhere: the `query` command, exports and HTTP downloads all turn
//! a query result into bytes here, so adding a format touches one place.

use std::io::Write;

use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::json::{ArrayWriter, WriterBuilder as JsonWriterBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::FormatOptions;
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;
use datafusion::parquet::arrow::ArrowWriter;

use crate::error::{Error, Result};
use crate::queries::QueryResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// An aligned table for reading in a terminal.
    Table,
    /// RFC 4180 CSV with a header; ISO 8601 timestamps with their offset; nulls empty.
    Csv,
    /// A JSON array of objects, nulls explicit.
    Json,
    /// Apache Parquet, for other tools.
    Parquet,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Json,
        OutputFormat::Parquet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Parquet => "parquet",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Table => "text/plain; charset=utf-8",
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::Json => "application/json",
            OutputFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown format {s:?} (table, csv, json, parquet)"))
    }
}

/// Timestamps as ISO 8601 with their offset (fractions only when there are some), dates as
/// YYYY-MM-DD.
const TIMESTAMP_TZ: &str = "%Y-%m-%dT%H:%M:%S%.f%:z";
const TIMESTAMP: &str = "%Y-%m-%dT%H:%M:%S%.f";
const DATE: &str = "%Y-%m-%d";

pub fn write(result: &QueryResult, format: OutputFormat, out: &mut dyn Write) -> Result<()> {
    let io = |e: std::io::Error| Error::Other(format!("writing output: {e}"));
    match format {
        OutputFormat::Table => {
            let options = FormatOptions::default()
                .with_null("NULL")
                .with_timestamp_tz_format(Some(TIMESTAMP_TZ))
                .with_timestamp_format(Some(TIMESTAMP))
                .with_date_format(Some(DATE));
            let batches: Vec<RecordBatch> = if result.batches.is_empty() {
                vec![RecordBatch::new_empty(result.schema.clone())]
            } else {
                result.batches.clone()
            };
            let table = pretty_format_batches_with_options(&batches, &options)?;
            writeln!(out, "{table}").map_err(io)?;
            let rows = result.num_rows();
            writeln!(out, "{rows} row{}", if rows == 1 { "" } else { "s" }).map_err(io)?;
        }
        OutputFormat::Csv => {
            let mut writer = CsvWriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format(TIMESTAMP_TZ.into())
                .with_timestamp_format(TIMESTAMP.into())
                .with_date_format(DATE.into())
                .with_null(String::new())
                .build(&mut *out);
            if result.batches.is_empty() {
                writer.write(&RecordBatch::new_empty(result.schema.clone()))?;
            }
            for batch in &result.batches {
                writer.write(batch)?;
            }
        }
        OutputFormat::Json => {
            let mut writer: ArrayWriter<_> = JsonWriterBuilder::new()
                .with_explicit_nulls(true)
                .build(&mut *out);
            let batches: Vec<&RecordBatch> = result.batches.iter().collect();
            writer.write_batches(&batches)?;
            writer.finish()?;
            if result.batches.iter().all(|b| b.num_rows() == 0) {
                // arrow writes nothing for no rows; an empty array is still JSON.
                out.write_all(b"[]").map_err(io)?;
            }
            writeln!(out).map_err(io)?;
        }
        OutputFormat::Parquet => {
            let mut buffer = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut buffer, result.schema.clone(), None)
                .map_err(|e| Error::Other(e.to_string()))?;
            for batch in &result.batches {
                writer
                    .write(batch)
                    .map_err(|e| Error::Other(e.to_string()))?;
            }
            writer.close().map_err(|e| Error::Other(e.to_string()))?;
            out.write_all(&buffer).map_err(io)?;
        }
    }
    Ok(())
}

/// The result in `format`, as bytes.
pub fn to_bytes(result: &QueryResult, format: OutputFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(result, format, &mut out)?;
    Ok(out)
}
