//! One output format, everywhere: the `query` command, exports and HTTP downloads all turn
//! a query result into bytes here, so adding a format touches one place.

use std::io::Write;

use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::json::{ArrayWriter, WriterBuilder as JsonWriterBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;
use datafusion::parquet::arrow::ArrowWriter;

use crate::engine::queries::QueryResult;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// An aligned table for reading in a terminal.
    Table,
    /// RFC 4180 CSV with a header; ISO 8601 timestamps with their offset; nulls empty; text
    /// that a spreadsheet would take for a formula starts with `'` ([`csv_text`]).
    Csv,
    /// A JSON array of objects, nulls explicit.
    Json,
    /// Apache Parquet, for other tools.
    Parquet,
    /// An Excel workbook: one sheet of typed columns (numbers, dates, text).
    Xlsx,
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 5] = [
        OutputFormat::Table,
        OutputFormat::Csv,
        OutputFormat::Json,
        OutputFormat::Parquet,
        OutputFormat::Xlsx,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Table => "text/plain; charset=utf-8",
            OutputFormat::Csv => "text/csv; charset=utf-8",
            OutputFormat::Json => "application/json",
            OutputFormat::Parquet => "application/vnd.apache.parquet",
            OutputFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown format {s:?} (table, csv, json, parquet, xlsx)"))
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
            let mut writer = CsvWriter::new(&mut *out);
            if result.batches.is_empty() {
                writer.write(&RecordBatch::new_empty(result.schema.clone()))?;
            }
            for batch in &result.batches {
                writer.write(batch)?;
            }
        }
        OutputFormat::Json => {
            let mut buffer = Vec::new();
            let mut writer: ArrayWriter<_> = JsonWriterBuilder::new()
                .with_explicit_nulls(true)
                .build(&mut buffer);
            let batches: Vec<&RecordBatch> = result.batches.iter().collect();
            writer.write_batches(&batches)?;
            writer.finish()?;
            // arrow writes nothing for no batches and `[]` for an empty one; either way an
            // empty result is one empty array.
            if buffer.is_empty() {
                buffer.extend_from_slice(b"[]");
            }
            out.write_all(&buffer).map_err(io)?;
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
        OutputFormat::Xlsx => {
            out.write_all(&xlsx(result, &Workbook::default())?)
                .map_err(io)?;
        }
    }
    Ok(())
}

/// The characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`) or
/// that Excel skips before looking for one (tab, carriage return): OWASP's list for CSV
/// injection.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as it may go into a CSV: one that a spreadsheet would run as a formula gets a
/// leading `'`, which Excel and LibreOffice show as text and do not display. A community
/// named `=HYPERLINK(…)` must reach a planner's spreadsheet as a name, not as a link that
/// sends the sheet's cells elsewhere. Only text goes through here: numbers stay numbers.
pub fn csv_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Every CSV the project writes from rows goes through this writer (the `query` command,
/// dashboard downloads, bundles, `/q/…csv`, `/sql/result.csv`), so its text cells and
/// headings are neutralised by [`csv_text`] in one place. Batch by batch, so a download can
/// stream.
pub struct CsvWriter<W: Write> {
    inner: datafusion::arrow::csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// RFC 4180 with a header; ISO 8601 timestamps with their offset; nulls empty.
    pub fn new(out: W) -> Self {
        CsvWriter {
            inner: CsvWriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format(TIMESTAMP_TZ.into())
                .with_timestamp_format(TIMESTAMP.into())
                .with_date_format(DATE.into())
                .with_null(String::new())
                .build(out),
        }
    }

    /// Writes the batch's rows (and, for the first batch, the header).
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.inner.write(&neutralised(batch)?)?;
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.inner.into_inner()
    }
}

/// Whether arrow writes a column of this type as text of the data (not a number, date or
/// time, whose first character is never one of [`FORMULA_STARTS`] but a digit or a minus).
fn is_text(data_type: &datafusion::arrow::datatypes::DataType) -> bool {
    use datafusion::arrow::datatypes::DataType;
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// The batch with [`csv_text`] applied to its column names and text cells; the batch itself
/// when nothing needs it, which is nearly always.
fn neutralised(batch: &RecordBatch) -> Result<RecordBatch> {
    use datafusion::arrow::array::{ArrayRef, AsArray, StringArray};
    use datafusion::arrow::datatypes::{DataType, Schema};
    use std::borrow::Cow;
    use std::sync::Arc;
    let schema = batch.schema();
    let mut changed = false;
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let mut field = field.as_ref().clone();
        let mut column = column.clone();
        if let Cow::Owned(name) = csv_text(field.name()) {
            field = field.with_name(name);
            changed = true;
        }
        if is_text(field.data_type()) {
            let text = datafusion::arrow::compute::cast(&column, &DataType::Utf8)?;
            let text = text.as_string::<i32>();
            if text.iter().flatten().any(|t| t.starts_with(FORMULA_STARTS)) {
                let safe: StringArray = text.iter().map(|t| t.map(csv_text)).collect();
                column = Arc::new(safe);
                field = field.with_data_type(DataType::Utf8);
                changed = true;
            }
        }
        fields.push(field);
        columns.push(column);
    }
    if !changed {
        return Ok(batch.clone());
    }
    let schema = Schema::new_with_metadata(fields, schema.metadata().clone());
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

/// How a CSV is encoded for the program that will open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvEncoding {
    /// UTF-8 with a byte-order mark: Excel then reads Chinese correctly.
    #[default]
    Utf8Bom,
    /// Plain UTF-8, for programs that take the mark for data.
    Utf8,
    /// GB18030, which older Excel on Chinese Windows expects.
    Gb18030,
}

impl CsvEncoding {
    /// From a download's `encoding` and `bom` options (`encoding=gb18030`, `bom=0`).
    pub fn from_options(
        encoding: Option<&str>,
        bom: Option<&str>,
    ) -> std::result::Result<Self, String> {
        match (encoding.map(str::to_ascii_lowercase).as_deref(), bom) {
            (Some("gb18030"), _) => Ok(CsvEncoding::Gb18030),
            (None | Some("utf-8") | Some("utf8"), Some("0") | Some("false") | Some("no")) => {
                Ok(CsvEncoding::Utf8)
            }
            (None | Some("utf-8") | Some("utf8"), _) => Ok(CsvEncoding::Utf8Bom),
            (Some(other), _) => Err(format!("encoding {other:?}: use utf-8 or gb18030")),
        }
    }
}

/// CSV text in `encoding`.
pub fn encode_csv(text: &str, encoding: CsvEncoding) -> Vec<u8> {
    match encoding {
        CsvEncoding::Utf8Bom => {
            let mut out = Vec::with_capacity(text.len() + 3);
            out.extend_from_slice(b"\xEF\xBB\xBF");
            out.extend_from_slice(text.as_bytes());
            out
        }
        CsvEncoding::Utf8 => text.as_bytes().to_vec(),
        // GB18030 encodes every Unicode character, so nothing is lost.
        CsvEncoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
    }
}

/// What a workbook carries besides the rows.
#[derive(Debug, Clone, Default)]
pub struct Workbook {
    /// The data sheet's name (default "Data").
    pub sheet: Option<String>,
    /// Column headings a reader understands; default: the column names.
    pub headings: Option<Vec<String>>,
    /// A second sheet of label / text rows: title, source, notes, query, parameters.
    pub about: Option<(String, Vec<(String, String)>)>,
    /// Notes on single cells (row, column of the data, text): why a value is empty.
    pub notes: Vec<(usize, usize, String)>,
    /// An extra last column of text per row (the suppression note).
    pub last_column: Option<(String, Vec<Option<String>>)>,
    /// Excel number formats by column (`0.0%` for shares, `#,##0.00` for yuan).
    pub number_formats: Vec<(usize, String)>,
}

/// The rows as an Excel workbook: numbers as numbers, dates as dates, text as text.
pub fn xlsx(result: &QueryResult, book: &Workbook) -> Result<Vec<u8>> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::{DataType, Float64Type};
    use rust_xlsxwriter::{Format, Note, Workbook as Book};
    let bad = |e: rust_xlsxwriter::XlsxError| Error::Other(format!("writing the workbook: {e}"));
    let mut workbook = Book::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(book.sheet.as_deref().unwrap_or("Data"))
        .map_err(bad)?;
    let fields = result.schema.fields();
    for (c, field) in fields.iter().enumerate() {
        let heading = book
            .headings
            .as_ref()
            .and_then(|h| h.get(c))
            .map_or(field.name().as_str(), String::as_str);
        sheet
            .write_string_with_format(0, c as u16, heading, &bold)
            .map_err(bad)?;
    }
    if let Some((heading, _)) = &book.last_column {
        sheet
            .write_string_with_format(0, fields.len() as u16, heading, &bold)
            .map_err(bad)?;
    }
    let texts = text_rows(result);
    let number_formats: Vec<Option<Format>> = (0..fields.len())
        .map(|c| {
            book.number_formats
                .iter()
                .find(|(column, _)| *column == c)
                .map(|(_, f)| Format::new().set_num_format(f))
        })
        .collect();
    let mut row = 0usize;
    for batch in &result.batches {
        for (c, field) in fields.iter().enumerate() {
            let array = batch.column(c);
            let numbers = if field.data_type().is_numeric() {
                Some(datafusion::arrow::compute::cast(array, &DataType::Float64)?)
            } else {
                None
            };
            for r in 0..batch.num_rows() {
                if array.is_null(r) {
                    continue;
                }
                let (x, y) = ((row + r + 1) as u32, c as u16);
                let text = texts
                    .get(row + r)
                    .and_then(|t| t.get(c))
                    .map_or("", String::as_str);
                match (field.data_type(), &numbers) {
                    (_, Some(numbers)) => {
                        let value = numbers.as_primitive::<Float64Type>().value(r);
                        match &number_formats[c] {
                            Some(format) => sheet.write_number_with_format(x, y, value, format),
                            None => sheet.write_number(x, y, value),
                        }
                        .map_err(bad)?;
                    }
                    (DataType::Date32 | DataType::Date64, _) => {
                        match excel_date(text) {
                            Some(d) => sheet.write_datetime_with_format(x, y, &d, &date),
                            None => sheet.write_string(x, y, text),
                        }
                        .map_err(bad)?;
                    }
                    (DataType::Timestamp(..), _) => {
                        match excel_datetime(text) {
                            Some(d) => sheet.write_datetime_with_format(x, y, &d, &datetime),
                            None => sheet.write_string(x, y, text),
                        }
                        .map_err(bad)?;
                    }
                    _ => {
                        sheet.write_string(x, y, text).map_err(bad)?;
                    }
                }
            }
        }
        row += batch.num_rows();
    }
    if let Some((_, values)) = &book.last_column {
        for (r, value) in values.iter().enumerate() {
            if let Some(value) = value {
                sheet
                    .write_string((r + 1) as u32, fields.len() as u16, value)
                    .map_err(bad)?;
            }
        }
    }
    for (r, c, text) in &book.notes {
        sheet
            .insert_note(
                (r + 1) as u32,
                *c as u16,
                &Note::new(text).set_author("yanhuo"),
            )
            .map_err(bad)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(bad)?;
    sheet.autofit_to_max_width(400);
    if let Some((name, rows)) = &book.about {
        let about = workbook.add_worksheet();
        about.set_name(name).map_err(bad)?;
        let wrap = Format::new().set_text_wrap();
        about.set_column_width(0, 18).map_err(bad)?;
        about.set_column_width(1, 100).map_err(bad)?;
        for (r, (label, text)) in rows.iter().enumerate() {
            about
                .write_string_with_format(r as u32, 0, label, &bold)
                .map_err(bad)?;
            about
                .write_string_with_format(r as u32, 1, text, &wrap)
                .map_err(bad)?;
        }
    }
    workbook.save_to_buffer().map_err(bad)
}

/// `2022-04-23` as an Excel date.
fn excel_date(text: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let d: chrono::NaiveDate = text.get(..10)?.parse().ok()?;
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).ok()
}

/// `2022-04-23 02:00` (local wall time, as the pages show it) as an Excel date and time.
fn excel_datetime(text: &str) -> Option<rust_xlsxwriter::ExcelDateTime> {
    let t = chrono::NaiveDateTime::parse_from_str(text.get(..16)?, "%Y-%m-%d %H:%M").ok()?;
    use chrono::Timelike;
    excel_date(text)?
        .and_hms(t.hour() as u16, t.minute() as u8, t.second())
        .ok()
}

/// The result in `format`, as bytes.
pub fn to_bytes(result: &QueryResult, format: OutputFormat) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(result, format, &mut out)?;
    Ok(out)
}

/// How a cell reads as text: nulls empty, dates as 2022-04-23, instants to the minute.
pub fn text_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("")
        .with_date_format(Some("%Y-%m-%d"))
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M"))
}

/// Every cell of column `index` of a result as display text, as [`text_rows`] gives it:
/// the other columns are not formatted (a publishing check reads millions of rows).
pub fn text_column(result: &QueryResult, index: usize) -> Vec<String> {
    let options = text_options();
    let mut texts = Vec::with_capacity(result.num_rows());
    for batch in &result.batches {
        let Some(column) = batch.columns().get(index) else {
            continue;
        };
        match ArrayFormatter::try_new(column.as_ref(), &options) {
            Ok(formatter) => {
                texts.extend((0..batch.num_rows()).map(|row| formatter.value(row).to_string()));
            }
            Err(_) => texts.extend(std::iter::repeat_n(String::new(), batch.num_rows())),
        }
    }
    texts
}

/// Every cell of a result as display text (nulls empty).
pub fn text_rows(result: &QueryResult) -> Vec<Vec<String>> {
    let options = text_options();
    let mut rows = Vec::new();
    for batch in &result.batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .filter_map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::Arc;

    use datafusion::arrow::array::{Date32Array, Float64Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn result() -> QueryResult {
        let schema = Arc::new(Schema::new(vec![
            Field::new("date", DataType::Date32, false),
            Field::new("shops", DataType::Int64, true),
            Field::new("rate", DataType::Float64, true),
            Field::new("name", DataType::Utf8, true),
        ]));
        // 2022-03-19 is day 19070 of the Unix epoch and day 44639 of Excel's.
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Date32Array::from(vec![19070])),
                Arc::new(Int64Array::from(vec![None])),
                Arc::new(Float64Array::from(vec![0.25])),
                Arc::new(StringArray::from(vec!["黎园社区"])),
            ],
        )
        .unwrap();
        QueryResult {
            schema,
            batches: vec![batch],
        }
    }

    #[test]
    fn one_column_reads_as_it_does_among_all_of_them() {
        let result = result();
        assert_eq!(text_rows(&result), [["2022-03-19", "", "0.25", "黎园社区"]]);
        for index in 0..4 {
            assert_eq!(
                text_column(&result, index),
                [text_rows(&result)[0][index].clone()]
            );
        }
        assert_eq!(text_column(&result, 4), Vec::<String>::new());
    }

    #[test]
    fn excel_columns_keep_their_types_and_nulls_stay_empty() {
        let bytes = to_bytes(&result(), OutputFormat::Xlsx).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut sheet = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        let row = sheet.split("<row r=\"2\"").nth(1).unwrap();
        // A date: Excel's day number with a date format (a style), not text.
        assert!(
            row.contains("<c r=\"A2\" s=\"") && row.contains("<v>44639</v>"),
            "{row}"
        );
        assert!(
            !row.contains("<c r=\"B2\""),
            "a null is an empty cell: {row}"
        );
        assert!(row.contains("<c r=\"C2\"><v>0.25</v></c>"), "{row}");
        assert!(row.contains("<c r=\"D2\" t=\"s\">"), "{row}");
    }

    #[test]
    fn an_empty_result_is_one_empty_json_array() {
        let empty = QueryResult {
            schema: result().schema,
            batches: Vec::new(),
        };
        assert_eq!(to_bytes(&empty, OutputFormat::Json).unwrap(), b"[]\n");
        let mut one_empty_batch = result();
        one_empty_batch.batches[0] = one_empty_batch.batches[0].slice(0, 0);
        assert_eq!(
            to_bytes(&one_empty_batch, OutputFormat::Json).unwrap(),
            b"[]\n"
        );
    }

    #[test]
    fn text_that_starts_a_formula_gets_a_quote_and_other_text_is_untouched() {
        for (cell, safe) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-3.5", "'-3.5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("黎园社区", "黎园社区"),
            ("a=b", "a=b"),
            (" =1", " =1"),
            ("'=1", "'=1"),
            ("", ""),
        ] {
            assert_eq!(csv_text(cell), safe, "{cell:?}");
        }
        assert!(matches!(csv_text("黎园"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn csv_neutralises_text_cells_and_headings_but_not_numbers() {
        use datafusion::arrow::array::{DictionaryArray, StringViewArray};
        use datafusion::arrow::datatypes::Int32Type;
        let schema = Arc::new(Schema::new(vec![
            Field::new("name", DataType::Utf8, true),
            Field::new("view", DataType::Utf8View, true),
            Field::new(
                "dict",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            ),
            Field::new("change", DataType::Float64, true),
            Field::new("n", DataType::Int64, true),
            Field::new("=x", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("=HYPERLINK(\"http://x/\"&A1,\"黎园\")"),
                    Some("黎园社区"),
                    None,
                ])),
                Arc::new(StringViewArray::from(vec![Some("@a"), Some("b"), None])),
                Arc::new(
                    vec![Some("-1"), Some("c"), None]
                        .into_iter()
                        .collect::<DictionaryArray<Int32Type>>(),
                ),
                Arc::new(Float64Array::from(vec![Some(-3.5), Some(2.0), None])),
                Arc::new(Int64Array::from(vec![Some(-7), Some(0), None])),
                Arc::new(StringArray::from(vec![Some("x"), Some("+y"), None])),
            ],
        )
        .unwrap();
        let csv = to_bytes(
            &QueryResult {
                schema,
                batches: vec![batch],
            },
            OutputFormat::Csv,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "name,view,dict,change,n,'=x\n\
             \"'=HYPERLINK(\"\"http://x/\"\"&A1,\"\"黎园\"\")\",'@a,'-1,-3.5,-7,x\n\
             黎园社区,b,c,2.0,0,'+y\n\
             ,,,,,\n"
        );
    }

    #[test]
    fn csv_encodings_for_excel_old_and_new() {
        assert_eq!(
            encode_csv("社区\n", CsvEncoding::Utf8Bom),
            b"\xEF\xBB\xBF\xE7\xA4\xBE\xE5\x8C\xBA\n"
        );
        assert_eq!(encode_csv("社区\n", CsvEncoding::Utf8), "社区\n".as_bytes());
        // 社 is C9 E7 and 区 is C7 F8 in GB2312, which GB18030 contains.
        assert_eq!(
            encode_csv("社区\n", CsvEncoding::Gb18030),
            b"\xC9\xE7\xC7\xF8\n"
        );
        assert_eq!(
            CsvEncoding::from_options(Some("GB18030"), None),
            Ok(CsvEncoding::Gb18030)
        );
        assert_eq!(
            CsvEncoding::from_options(None, Some("0")),
            Ok(CsvEncoding::Utf8)
        );
        assert!(CsvEncoding::from_options(Some("latin1"), None).is_err());
    }
}
