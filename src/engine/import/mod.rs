//! `yanhuo import`: raw CSV, Parquet and Excel files checked against the data contract and
//! merged into a data folder.
//!
//! Files come as a street office has them: Chinese headers and codes (`vocabulary.rs`), a map
//! file for the rest (`mapping.rs`), titles, totals and two-row headers (`layout.rs`), GBK
//! CSV (`read.rs`). Orders without an id get one made from the row, so the same file
//! imported twice adds nothing. `--dry-run` reads and checks everything and writes nothing.
//!
//! Which file is which table is `discover.rs`; what happens to rows already there,
//! `merge.rs`; orders written aside as they are checked, `aside.rs`; what the user is told,
//! `report.rs`.
//!
//! Nothing is half-done: the new folder (with its kept tables, `engine::kept`) is built
//! aside and swapped in at the end in one step (`swap.rs`), so a file that cannot be read,
//! or a kill, leaves the data folder as it was. Rows that break a rule are written to
//! `rejects/TABLE.csv` with their file, line and rule; none is dropped silently.

mod aside;
mod discover;
mod layout;
pub mod mapping;
mod merge;
mod read;
mod report;
mod source;
mod store;
pub mod swap;
mod validate;
pub mod vocabulary;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::array::AsArray;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::contract;
use crate::engine::contract::{Rule, TABLES, TableSpec};
use crate::engine::kept;
use crate::engine::queries::Library;
use crate::error::{Error, Result};

pub use discover::{Found, discover, table_for_name};
pub use layout::SourceReport;
pub use mapping::{MapError, Mapping};
pub use report::{DRY_RUN_REJECTS, ImportReport, TableReport};
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
    /// The fingerprints of the rows' keys (`validate::fingerprint`).
    pub keys: HashSet<u128>,
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
        Outlets::default(),
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

/// Where rows go as they are checked, besides the table: a bar that counts them, and a sink
/// that takes each batch of them instead of the table holding it (`aside.rs`).
#[derive(Default)]
struct Outlets<'a> {
    progress: Option<&'a ProgressBar>,
    aside: Option<&'a mut dyn FnMut(RecordBatch) -> Result<()>>,
}

impl Outlets<'_> {
    /// Hands a batch to the sink, or without one keeps it in `batches`.
    fn send(&mut self, batch: RecordBatch, batches: &mut Vec<RecordBatch>) -> Result<()> {
        match self.aside.as_mut() {
            Some(aside) => aside(batch),
            None => {
                batches.push(batch);
                Ok(())
            }
        }
    }
}

/// Rows checked before they are turned into one Arrow batch.
const BATCH_ROWS: usize = 1 << 16;

fn check_sources(
    spec: &'static TableSpec,
    sources: &[Source],
    root: Option<&Path>,
    zone: Tz,
    map: &Mapping,
    loaded: &Loaded,
    mut outlets: Outlets<'_>,
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
        keys: HashSet::new(),
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
            if let Some(bar) = outlets.progress {
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
                    } else if columns.len() >= BATCH_ROWS {
                        outlets.send(columns.take_batch(spec, &zone)?, &mut load.batches)?;
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
        outlets.send(columns.take_batch(spec, &zone)?, &mut load.batches)?;
    }
    load.keys = columns.into_keys();
    Ok(load)
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
    let mut changed: Vec<(&'static TableSpec, Written)> = Vec::new();
    let mut rejects: Vec<(&'static str, Vec<Reject>)> = Vec::new();
    // The local months of the imported orders: the months of the kept tables to recompute.
    let mut order_months = std::collections::BTreeSet::new();
    // Where rows are written aside as they are checked: the new folder itself, built beside
    // the old one until it is swapped in.
    let aside = if options.dry_run {
        Aside::temporary()?
    } else {
        Aside::staging(into)?
    };

    for spec in TABLES {
        let table_sources = sources.get(spec.name);
        // Orders into a folder holding them as Parquet, or none: the import's rows are
        // written aside as they are checked, and of the old ones only their ids are read.
        let parts = match table_sources {
            Some(_) if merge::appendable(spec) => merge::parquet_parts(into, spec)?,
            _ => None,
        };
        // A table is read whole only to be merged whole, or for the keys other tables'
        // rows refer to.
        let needed =
            parts.is_none() && (table_sources.is_some() || !referenced_columns(spec).is_empty());
        let existing = if needed {
            read_existing(into, spec, zone, &existing_keys)?
        } else {
            None
        };
        if let Some(existing) = &existing {
            existing_keys.add(spec, existing)?;
        }
        let Some(table_sources) = table_sources else {
            if let Some(existing) = &existing {
                merged_keys.add(spec, existing)?;
            }
            continue;
        };
        let bar = progress_bar(spec.name, table_sources);
        let mut spill = match &parts {
            Some(_) => Some(Spill::create(
                aside
                    .path()
                    .join(format!(".incoming-{}.parquet", spec.name)),
                spec,
                &zone,
            )?),
            None => None,
        };
        let mut months = |batch: &RecordBatch| {
            if spec.name == "orders"
                && let Some(column) = batch.column_by_name("ordered_at")
            {
                kept::months_of(column.as_ref(), zone, &mut order_months);
            }
        };
        let mut write_aside = |batch: RecordBatch| match spill.as_mut() {
            Some(spill) => {
                months(&batch);
                spill.write(&batch)
            }
            None => Ok(()),
        };
        let mut incoming = check_sources(
            spec,
            table_sources,
            root,
            zone,
            map,
            &merged_keys,
            Outlets {
                progress: Some(&bar),
                aside: parts
                    .is_some()
                    .then_some(&mut write_aside as &mut dyn FnMut(RecordBatch) -> Result<()>),
            },
        )?;
        bar.finish_and_clear();
        for batch in &incoming.batches {
            months(batch);
        }
        let (written, loaded, duplicates, total) = match (parts, spill) {
            (Some(parts), Some(spill)) => {
                let appended = merge::append(
                    spec,
                    &parts,
                    std::mem::take(&mut incoming.keys),
                    spill.finish()?,
                    &zone,
                )?;
                // Nothing new: the table stays as it is, files and all.
                let written = appended.part.map(|part| Written::Appended { parts, part });
                (
                    written,
                    appended.loaded,
                    appended.duplicates,
                    appended.total,
                )
            }
            _ => {
                let (merged, loaded, duplicates) =
                    merge::merge(spec, existing.as_ref(), &incoming, zone)?;
                merged_keys.add_batches(spec, &merged)?;
                let total = merged.iter().map(|b| b.num_rows() as u64).sum();
                (Some(Written::Whole(merged)), loaded, duplicates, total)
            }
        };
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
        if let Some(written) = written {
            changed.push((spec, written));
        }
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
        // No month to recompute, but the files kept at their defaults read every table.
        kept::Status::Current if !orders_changed => Some(kept::Months::Only(Default::default())),
        kept::Status::Current => Some(kept::Months::Only(order_months)),
        kept::Status::Absent | kept::Status::Stale => Some(kept::Months::All),
    };
    let kept_plan = kept_months.map(|months| (&library, months));
    store::write_folder(into, aside, &changed, &rejects, &report, zone, kept_plan)?;
    Ok(report)
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

use aside::{Aside, Spill};
use store::Written;
pub use store::{csv_line, write_parquet};
