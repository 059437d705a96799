//! `yanhuo import`: raw CSV, Parquet and Excel files checked against the data contract and
//! merged into a data folder.
//!
//! Files come as a street office has them: Chinese headers and codes (`vocabulary.rs`), a map
//! file for the rest (`mapping.rs`), titles, totals and two-row headers (`layout.rs`), GBK
//! CSV (`read.rs`). Orders without an id get one made from the row, so the same file
//! imported twice adds nothing. `--dry-run` reads and checks everything and writes nothing.
//!
//! Nothing is half-done: the new folder is built aside and swapped in at the end in one step
//! (`swap.rs`), so a file that cannot be read, or a kill, leaves the data folder as it was. Rows that break a rule are
//! written to `rejects/TABLE.csv` with their file, line and rule; none is dropped silently.

mod layout;
pub mod mapping;
mod read;
mod source;
mod store;
pub mod swap;
mod validate;
pub mod vocabulary;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::contract;
use crate::engine::contract::{Merge, Rule, TABLES, TableSpec};
use crate::engine::kept;
use crate::engine::queries::Library;
use crate::error::{Error, Result};

pub use layout::SourceReport;
pub use mapping::{MapError, Mapping};
pub use source::{RawRow, Source};
use validate::{Checked, Checker, Columns, KeyLookup};
pub use validate::{Value, half_width, parse_money};

/// A row the contract turned away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub rule: String,
    /// The row as it stood in the file, as one CSV line.
    pub row: String,
}

/// What reading one table found.
#[derive(Debug, Clone)]
pub struct TableLoad {
    pub table: &'static str,
    pub read: u64,
    pub duplicates: u64,
    pub naive_timestamps: u64,
    pub rejects: Vec<Reject>,
    pub batches: Vec<RecordBatch>,
    /// What each source's layout was.
    pub sources: Vec<SourceReport>,
}

impl TableLoad {
    pub fn loaded(&self) -> u64 {
        self.batches.iter().map(|b| b.num_rows() as u64).sum()
    }

    pub fn rejected(&self) -> u64 {
        self.rejects.len() as u64
    }
}

/// Keys of the tables loaded so far, for checking references.
#[derive(Debug, Default)]
pub struct Loaded {
    keys: HashMap<(&'static str, &'static str), HashSet<String>>,
}

impl KeyLookup for Loaded {
    fn contains(&self, table: &str, column: &str, key: &str) -> bool {
        self.keys
            .iter()
            .any(|((t, c), keys)| *t == table && *c == column && keys.contains(key))
    }
}

/// The (table, column) pairs some other table refers to.
fn referenced_columns(spec: &TableSpec) -> Vec<&'static str> {
    let mut out = Vec::new();
    for other in TABLES {
        for column in other.columns {
            if let Rule::References(table, col) = column.rule
                && table == spec.name
                && !out.contains(&col)
            {
                out.push(col);
            }
        }
    }
    out
}

impl Loaded {
    /// Records the keys of `spec` that other tables refer to, from its batches.
    pub fn add(&mut self, spec: &TableSpec, load: &TableLoad) -> Result<()> {
        self.add_batches(spec, &load.batches)
    }

    fn add_batches(&mut self, spec: &TableSpec, batches: &[RecordBatch]) -> Result<()> {
        for column in referenced_columns(spec) {
            let set = self.keys.entry((spec.name, column)).or_default();
            for batch in batches {
                let Some(array) = batch.column_by_name(column) else {
                    continue;
                };
                let strings = datafusion::arrow::compute::cast(
                    array,
                    &datafusion::arrow::datatypes::DataType::Utf8,
                )?;
                let strings = strings.as_string::<i32>();
                set.extend(strings.iter().flatten().map(str::to_string));
            }
        }
        Ok(())
    }

    /// Records the referenced keys of a table registered from Parquet.
    pub async fn note_external(&mut self, spec: &TableSpec, ctx: &SessionContext) -> Result<()> {
        for column in referenced_columns(spec) {
            let batches = ctx
                .sql(&format!(
                    "SELECT DISTINCT CAST({column} AS VARCHAR) AS k FROM {}",
                    spec.name
                ))
                .await?
                .collect()
                .await?;
            let set = self.keys.entry((spec.name, column)).or_default();
            for batch in &batches {
                // DataFusion may answer in Utf8View; take plain strings whatever it chose.
                let strings = datafusion::arrow::compute::cast(
                    batch.column(0),
                    &datafusion::arrow::datatypes::DataType::Utf8,
                )?;
                set.extend(
                    strings
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_string),
                );
            }
        }
        Ok(())
    }
}

/// Reads `files` as rows of `spec`, checking every rule. Used for CSV tables in a data
/// folder, where bad rows are reported and left out.
pub fn read_and_check(
    spec: &'static TableSpec,
    files: &[PathBuf],
    zone: Tz,
    loaded: &Loaded,
) -> Result<TableLoad> {
    let sources: Vec<Source> = files.iter().map(Source::file).collect();
    check_sources(
        spec,
        &sources,
        None,
        zone,
        &Mapping::default(),
        loaded,
        None,
    )
}

/// An order's id made from its values and how many identical orders came before it in
/// the same sheet: the same sheet imported again gives the same ids (and adds nothing), and
/// two identical orders in one sheet stay two.
fn derived_order_id(values: &[Value], seen: &mut HashMap<String, u64>) -> String {
    use sha2::{Digest, Sha256};
    let others: Vec<usize> = (1..values.len()).collect();
    let key = validate::key_of(&others, values);
    let n = seen.entry(key.clone()).or_insert(0);
    *n += 1;
    let digest = Sha256::digest(format!("{key}{n}").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("h{hex}")
}

fn check_sources(
    spec: &'static TableSpec,
    sources: &[Source],
    root: Option<&Path>,
    zone: Tz,
    map: &Mapping,
    loaded: &Loaded,
    progress: Option<&ProgressBar>,
) -> Result<TableLoad> {
    let mut columns = Columns::new(spec);
    let mut load = TableLoad {
        table: spec.name,
        read: 0,
        duplicates: 0,
        naive_timestamps: 0,
        rejects: Vec::new(),
        batches: Vec::new(),
        sources: Vec::new(),
    };
    let order_id = spec
        .column_index("order_id")
        .filter(|_| spec.name == "orders");
    for source in sources {
        let label = source.label(root);
        let rules = map.for_source(source);
        // Times without an offset are read in the map file's zone; stored in the district's.
        let mut checker = Checker::new(spec, rules.zone.unwrap_or(zone));
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut rejected = 0u64;
        let mut report = read::read_rows(spec, source, &rules, &mut |row: RawRow| {
            load.read += 1;
            if let Some(bar) = progress {
                bar.inc(1);
            }
            let derive = order_id.is_some_and(|i| {
                row.cells
                    .get(i)
                    .is_some_and(|c| c.as_deref() == Some(layout::DERIVED))
            });
            match checker.check(&row.cells, loaded) {
                Checked::Accepted(mut values) => {
                    if let (true, Some(i)) = (derive, order_id) {
                        values[i] = Value::Text(derived_order_id(&values, &mut seen));
                    }
                    if !columns.push(values) {
                        load.duplicates += 1;
                    }
                }
                Checked::Rejected(rule) => {
                    rejected += 1;
                    load.rejects.push(Reject {
                        file: label.clone(),
                        line: row.line,
                        rule,
                        row: store::csv_line(&row.original),
                    })
                }
            }
            Ok(())
        })?;
        report.label = label;
        report.rejected = rejected;
        load.naive_timestamps += checker.naive_timestamps;
        load.sources.push(report);
    }
    if !columns.is_empty() {
        load.batches.push(columns.to_batch(spec, &zone)?);
    }
    Ok(load)
}

/// What an import did, table by table.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// What was repaired before the import: leftovers of an earlier run that was killed.
    pub recovered: Vec<String>,
    pub tables: Vec<TableReport>,
    /// Each file (or sheet) read: where its header was, what mapped to what, totals left out.
    pub files: Vec<SourceReport>,
    /// `--dry-run`: nothing was written.
    pub dry_run: bool,
    /// Files and sheets no table matched, by name or header.
    pub skipped: Vec<String>,
    /// Sheets with nothing in them, skipped.
    pub empty: Vec<String>,
    /// In a dry run, the rows that would be rejected (the first [`DRY_RUN_REJECTS`]).
    pub rejects: Vec<Reject>,
    pub into: PathBuf,
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    pub read: u64,
    /// Rows of this import that are now in the data folder.
    pub loaded: u64,
    pub rejected: u64,
    /// Rows whose key was already loaded, in this import or an earlier one: kept once.
    pub duplicates: u64,
    pub naive_timestamps: u64,
    /// Rows of the table in the data folder after the import.
    pub total: u64,
}

impl ImportReport {
    pub fn rejected(&self) -> u64 {
        self.tables.iter().map(|t| t.rejected).sum()
    }
}

/// How many rejected rows a dry run prints.
pub const DRY_RUN_REJECTS: usize = 50;

fn write_source(f: &mut std::fmt::Formatter<'_>, s: &SourceReport) -> std::fmt::Result {
    if s.empty {
        return writeln!(f, "{} → {}: empty sheet, skipped", s.label, s.table);
    }
    write!(f, "{} → {}", s.label, s.table)?;
    if let Some(encoding) = s.encoding {
        write!(f, " ({encoding})")?;
    }
    write!(f, ": header on line {}", s.header_line)?;
    if s.title_rows > 0 {
        write!(
            f,
            " ({} title row{} above skipped)",
            s.title_rows,
            if s.title_rows == 1 { "" } else { "s" }
        )?;
    }
    writeln!(f)?;
    let mapped: Vec<String> = s
        .mapped
        .iter()
        .filter(|(h, c)| h != c)
        .map(|(h, c)| format!("{h} → {c}"))
        .collect();
    if !mapped.is_empty() {
        writeln!(f, "  columns: {}", mapped.join(", "))?;
    }
    for (column, value, from) in &s.fixed {
        writeln!(f, "  {column} = {value} for every row (from the {from})")?;
    }
    if s.derived_order_id {
        writeln!(f, "  order_id: none in the sheet; made from each row")?;
    }
    if !s.codes.is_empty() {
        let codes: Vec<String> = s
            .codes
            .iter()
            .map(|(c, from, to, n)| format!("{c} {from} → {to} ({n})"))
            .collect();
        writeln!(f, "  codes: {}", codes.join(", "))?;
    }
    write!(f, "  {} rows read, {} rejected", s.rows, s.rejected)?;
    if s.totals > 0 {
        write!(
            f,
            ", {} total row{} (合计) left out",
            s.totals,
            if s.totals == 1 { "" } else { "s" }
        )?;
    }
    if s.blanks > 0 {
        write!(
            f,
            ", {} blank row{} skipped",
            s.blanks,
            if s.blanks == 1 { "" } else { "s" }
        )?;
    }
    writeln!(f)
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for sentence in &self.recovered {
            writeln!(f, "{sentence}")?;
        }
        if self.dry_run {
            writeln!(
                f,
                "Dry run: nothing was written to {}.",
                self.into.display()
            )?;
        }
        // A file in the contract's own form needs no account of its layout.
        for file in self.files.iter().filter(|s| {
            s.empty
                || s.title_rows > 0
                || s.totals > 0
                || s.encoding.is_some_and(|e| e != "UTF-8")
                || !s.fixed.is_empty()
                || s.derived_order_id
                || !s.codes.is_empty()
                || s.mapped.iter().any(|(h, c)| h != c)
        }) {
            write_source(f, file)?;
        }
        for label in &self.empty {
            writeln!(f, "{label}: empty, skipped")?;
        }
        for label in &self.skipped {
            writeln!(
                f,
                "{label}: skipped, no table matches its name or header (a --map file can name its table and columns)"
            )?;
        }
        writeln!(
            f,
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>12}",
            "table", "read", "loaded", "rejected", "duplicate", "rows now"
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "{:<16} {:>10} {:>10} {:>10} {:>10} {:>12}",
                t.table, t.read, t.loaded, t.rejected, t.duplicates, t.total
            )?;
        }
        let naive: u64 = self.tables.iter().map(|t| t.naive_timestamps).sum();
        if naive > 0 {
            writeln!(
                f,
                "{naive} timestamps had no UTC offset and were read in {}.",
                self.zone
            )?;
        }
        let rejected = self.rejected();
        if self.dry_run {
            for r in &self.rejects {
                writeln!(
                    f,
                    "would reject {}, line {}: {}: {}",
                    r.file, r.line, r.rule, r.row
                )?;
            }
            if rejected > self.rejects.len() as u64 {
                writeln!(f, "... and {} more", rejected - self.rejects.len() as u64)?;
            }
            return Ok(());
        }
        if rejected > 0 {
            writeln!(
                f,
                "{rejected} row{} rejected: see {} (file, line, rule, row).",
                if rejected == 1 { " was" } else { "s were" },
                self.into.join("rejects").display()
            )?;
        }
        Ok(())
    }
}

/// Which table a source file belongs to: the longest table name its file name starts with,
/// followed by the end or a separator (`orders.csv`, `orders-2022-05.xlsx`, `orders/`), or a
/// Chinese name of the table (`订单-4月.xlsx`, vocabulary.rs).
pub fn table_for_name(stem: &str) -> Option<&'static TableSpec> {
    let lower = stem.to_ascii_lowercase();
    TABLES
        .iter()
        .filter(|t| {
            lower == t.name
                || lower
                    .strip_prefix(t.name)
                    .is_some_and(|rest| rest.starts_with(['-', '_', '.', ' ']))
        })
        .max_by_key(|t| t.name.len())
        .or_else(|| vocabulary::table_for_chinese_name(stem).and_then(contract::table))
}

/// What the top of a source says its table is.
enum ByHeader {
    Table(&'static TableSpec),
    /// Nothing in it (WPS's Sheet2, Sheet3).
    Empty,
    Unknown,
}

/// The table whose header the top of `source` holds, when its name says nothing: the one
/// that maps the most columns, every required one among them.
fn table_by_header(source: &Source, map: &Mapping) -> Result<ByHeader> {
    let rows = read::top_rows(source, layout::HEADER_SEARCH + 1)?;
    if rows.is_empty() {
        return Ok(ByHeader::Empty);
    }
    let rules = map.for_source(source);
    let mut best: Option<(&'static TableSpec, usize)> = None;
    for spec in TABLES {
        if let Some(score) = layout::fits(spec, &rules, &rows)
            && best.is_none_or(|(_, b)| score > b)
        {
            best = Some((spec, score));
        }
    }
    Ok(best.map_or(ByHeader::Unknown, |(spec, _)| ByHeader::Table(spec)))
}

/// What [`discover`] found: each table's sources, and the files no table matched.
#[derive(Debug, Default)]
pub struct Found {
    pub tables: BTreeMap<&'static str, Vec<Source>>,
    pub skipped: Vec<Source>,
    pub empty: Vec<Source>,
}

impl Found {
    fn add(&mut self, by: ByHeader, source: Source) {
        match by {
            ByHeader::Table(spec) => self.tables.entry(spec.name).or_default().push(source),
            ByHeader::Empty => self.empty.push(source),
            ByHeader::Unknown => self.skipped.push(source),
        }
    }
}

/// Finds the sources of each table under `src` (a folder, or a single file): by the map
/// file's `table`, the file's or sheet's name, or else its header.
pub fn discover(src: &Path, map: &Mapping) -> Result<Found> {
    let mut found = Found::default();
    let mut add_file = |path: &Path, table_hint: Option<&'static TableSpec>| -> Result<()> {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let whole = Source::file(path);
        let by_map = map.for_source(&whole).table;
        let by_name = by_map.or(table_hint).or_else(|| table_for_name(stem));
        let is_workbook = ["xlsx", "xls", "ods"]
            .iter()
            .any(|e| contract::has_extension(path, e));
        if !is_workbook {
            let spec = match by_name {
                Some(spec) => ByHeader::Table(spec),
                None => table_by_header(&whole, map)?,
            };
            found.add(spec, whole);
            return Ok(());
        }
        let sheets = {
            let workbook = read::guarded(path, || {
                calamine::open_workbook_auto(path).map_err(|e| Error::unreadable(path, e))
            })?;
            calamine::Reader::sheet_names(&workbook)
        };
        let sheet_source = |sheet: &String| Source {
            path: path.to_path_buf(),
            sheet: Some(sheet.clone()),
        };
        // Sheets named after a table go to that table, unless the map file says otherwise.
        let by_sheet: Vec<(&'static TableSpec, &String)> = sheets
            .iter()
            .filter_map(|s| table_for_name(s).map(|t| (t, s)))
            .collect();
        if by_map.is_none() && !by_sheet.is_empty() {
            for (spec, sheet) in by_sheet {
                found
                    .tables
                    .entry(spec.name)
                    .or_default()
                    .push(sheet_source(sheet));
            }
            return Ok(());
        }
        for sheet in &sheets {
            let source = sheet_source(sheet);
            let spec = match by_name {
                Some(spec) => ByHeader::Table(spec),
                None => table_by_header(&source, map)?,
            };
            found.add(spec, source);
        }
        Ok(())
    };
    if src.is_file() {
        add_file(src, None)?;
        return Ok(found);
    }
    if !src.is_dir() {
        return Err(Error::io(
            src,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        ));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(src)
        .map_err(|e| Error::io(src, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if contract::is_skipped(name) {
            continue;
        }
        if path.is_dir() {
            if let Some(spec) = table_for_name(name) {
                for part in contract::data_files_in(&path)? {
                    add_file(&part, Some(spec))?;
                }
            }
        } else if contract::is_data_file(&path) {
            add_file(&path, None)?;
        }
    }
    Ok(found)
}

/// Reads every table currently in a data folder, so an import can merge with it.
fn read_existing(
    into: &Path,
    spec: &'static TableSpec,
    zone: Tz,
    loaded: &Loaded,
) -> Result<Option<TableLoad>> {
    if !into.is_dir() {
        return Ok(None);
    }
    let files = contract::table_files(into, spec)?;
    if files.is_empty() {
        return Ok(None);
    }
    read_and_check(spec, &files, zone, loaded).map(Some)
}

/// How an import reads its files.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The district's zone: the data folder's, and that of times without an offset unless the
    /// map file names another.
    pub zone: Option<Tz>,
    pub map: Mapping,
    /// Read, map and check everything; write nothing.
    pub dry_run: bool,
}

/// Imports everything under `src` into the data folder `into`.
pub fn import(src: &Path, into: &Path, zone: Tz) -> Result<ImportReport> {
    import_with(
        src,
        into,
        &ImportOptions {
            zone: Some(zone),
            ..Default::default()
        },
    )
}

/// [`import`] with a map file, or as a dry run.
pub fn import_with(src: &Path, into: &Path, options: &ImportOptions) -> Result<ImportReport> {
    let zone = options.zone.unwrap_or(chrono_tz::Asia::Shanghai);
    let map = &options.map;
    // Before anything is read from `into`: a killed run may have left it missing (its old
    // folder aside), and an import from nothing would forget the old tables. A dry run
    // repairs nothing; it reads the folder as it stands.
    let recovered = if options.dry_run {
        Vec::new()
    } else {
        swap::recover(into)?
    };
    let Found {
        tables: sources,
        skipped,
        empty,
    } = discover(src, map)?;
    for source in &skipped {
        tracing::warn!(
            file = %source.label(None),
            "no table matches this file's name or header; skipped (a --map file can name its table)"
        );
    }
    if sources.is_empty() {
        return Err(Error::Other(format!(
            "{}: found no file named after a table ({}), nothing to import",
            src.display(),
            TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
        )));
    }
    let root = if src.is_dir() {
        Some(src)
    } else {
        src.parent()
    };
    let mut existing_keys = Loaded::default();
    let mut merged_keys = Loaded::default();
    let mut report = ImportReport {
        recovered,
        into: into.to_path_buf(),
        zone: zone.name().to_string(),
        dry_run: options.dry_run,
        skipped: skipped.iter().map(|s| s.label(root)).collect(),
        empty: empty.iter().map(|s| s.label(root)).collect(),
        ..Default::default()
    };
    let mut changed: Vec<(&'static TableSpec, Vec<RecordBatch>)> = Vec::new();
    let mut rejects: Vec<(&'static str, Vec<Reject>)> = Vec::new();
    // The local months of the imported orders: the months of the kept tables to recompute.
    let mut order_months = std::collections::BTreeSet::new();

    for spec in TABLES {
        let existing = read_existing(into, spec, zone, &existing_keys)?;
        if let Some(existing) = &existing {
            existing_keys.add(spec, existing)?;
        }
        let Some(table_sources) = sources.get(spec.name) else {
            if let Some(existing) = &existing {
                merged_keys.add(spec, existing)?;
            }
            continue;
        };
        let bar = progress_bar(spec.name, table_sources);
        let incoming = check_sources(
            spec,
            table_sources,
            root,
            zone,
            map,
            &merged_keys,
            Some(&bar),
        )?;
        bar.finish_and_clear();
        if spec.name == "orders" {
            for batch in &incoming.batches {
                if let Some(column) = batch.column_by_name("ordered_at") {
                    kept::months_of(column.as_ref(), zone, &mut order_months);
                }
            }
        }
        let (merged, loaded, duplicates) = merge(spec, existing.as_ref(), &incoming, zone)?;
        merged_keys.add_batches(spec, &merged)?;
        let total = merged.iter().map(|b| b.num_rows() as u64).sum();
        report.tables.push(TableReport {
            table: spec.name,
            read: incoming.read,
            loaded,
            rejected: incoming.rejected(),
            duplicates: incoming.duplicates + duplicates,
            naive_timestamps: incoming.naive_timestamps,
            total,
        });
        report.files.extend(incoming.sources.iter().cloned());
        if !incoming.rejects.is_empty() {
            rejects.push((spec.name, incoming.rejects));
        }
        changed.push((spec, merged));
    }
    if options.dry_run {
        report.rejects = rejects
            .into_iter()
            .flat_map(|(_, r)| r)
            .take(DRY_RUN_REJECTS)
            .collect();
        return Ok(report);
    }
    // Kept tables current before the import need only the months it adds orders to; any
    // others are computed afresh.
    let library = Library::embedded()?;
    let orders_changed = changed.iter().any(|(spec, _)| spec.name == "orders");
    // Hand-placed CSV orders that this import leaves alone are not Parquet to compute from.
    let orders_by_hand = !orders_changed
        && contract::table("orders").is_some_and(|spec| {
            matches!(
                contract::locate(into, spec),
                Ok(contract::Location::Files(_))
            )
        });
    let kept_months = match kept::status(into, zone, &library)? {
        _ if orders_by_hand => None,
        kept::Status::Current if !orders_changed => None,
        kept::Status::Current => Some(kept::Months::Only(order_months)),
        kept::Status::Absent | kept::Status::Stale => Some(kept::Months::All),
    };
    let kept_plan = kept_months.map(|months| (&library, months));
    store::write_folder(into, &changed, &rejects, &report, zone, kept_plan)?;
    Ok(report)
}

/// Combines what a data folder holds with what is imported, by the table's merge rule.
/// Returns the merged rows, how many imported rows are in them, and how many imported rows
/// were duplicates of rows already there.
fn merge(
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

fn progress_bar(table: &str, sources: &[Source]) -> ProgressBar {
    let bytes: u64 = sources
        .iter()
        .filter_map(|s| std::fs::metadata(&s.path).ok())
        .map(|m| m.len())
        .sum();
    // Small files finish before a bar could be read.
    if bytes < 8 << 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows ({per_sec})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(table.to_string());
    bar
}

pub use store::{csv_line, write_parquet};
