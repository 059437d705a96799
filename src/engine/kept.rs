//! The kept tables: the query files marked `kept: yes` (revenue, channels and customers by
//! shop and day) computed from the orders and stored in the data folder as
//! `kept/NAME/YYYY-MM.parquet`, one file per local month, so that a dashboard reads thousands
//! of rows instead of every order.
//!
//! `import` and `generate` write them. An import recomputes only the months its orders fall
//! in: every kept table groups by local date, so a month's rows depend on that month's
//! orders alone. `yanhuo keep` recomputes them all.
//!
//! The files marked `kept: memory` (the study's dates, the closure spells, revenue by shop
//! for the study, ...) are kept too, each as `kept/NAME/defaults.parquet`: its rows for its
//! default parameters, computed from every table of the folder once the months are written.
//! They are small, but a server would otherwise compute them on the first view after each
//! start, and a Ballista cluster, whose executors cannot read the server's memory, in every
//! query that reads them.
//!
//! `kept/manifest.json` records what they were computed from: a digest of the orders files,
//! the zone and each kept file's SQL; for the files kept at their defaults, a digest of every
//! table's files and each one's SQL. An opened folder reads a kept file only when the
//! manifest matches. Otherwise it computes the file as if `kept/` were absent, so a stale
//! copy can make a figure slower but can never change it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::{Datelike, Days, Months as ChronoMonths, NaiveDate};
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{SessionContext, col, lit};
use datafusion::scalar::ScalarValue;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::contract::{self, KEPT_FOLDER, Location};
use crate::engine::queries::{Library, QueryFile};
use crate::engine::session;
use crate::error::{Error, Result};

const MANIFEST: &str = "manifest.json";

/// The memory bound of the files computed at their defaults: a server's default
/// (`--memory-limit 3G`), under which it would compute them itself. DataFusion counts a
/// buffer shared by several batches once per batch, so the window of `wechat_shop_dates`
/// over a city's 10,000 shops asks a pool for over 2 GiB while the process holds 300 MiB;
/// the month builds' 1 GiB is too little for it.
const DEFAULTS_MEMORY: usize = 3 << 30;

/// The file of a `kept: memory` file's rows for its default parameters, in `kept/NAME/`.
const DEFAULTS: &str = "defaults.parquet";

/// The memory a build may use before its groupings and sorts spill to disk: a month of a
/// city's orders is grouped at a time, inside an import's bound.
const BUILD_MEMORY: usize = 1 << 30;

/// What the kept tables of a folder were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    zone: String,
    /// [`contract::digest_files`] of the orders table's files.
    orders: String,
    /// A hash of each kept file's SQL: a changed query file makes the copy stale.
    queries: BTreeMap<String, String>,
    /// [`contract::digest_files`] of every table's files (the data version): what the files
    /// kept at their defaults were computed from. Empty in a manifest from before them.
    #[serde(default)]
    tables: String,
    /// A hash of the SQL of each `kept: memory` file stored at its defaults, with every file
    /// it uses inlined.
    #[serde(default)]
    defaults: BTreeMap<String, String>,
}

impl Manifest {
    /// Whether the kept tables by month were computed from these orders, zone and SQL.
    fn months_match(&self, expected: &Manifest) -> bool {
        self.zone == expected.zone
            && self.orders == expected.orders
            && self.queries == expected.queries
    }
}

/// The local months a build recomputes, each named by its first day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Months {
    All,
    Only(BTreeSet<NaiveDate>),
}

/// What an opened folder found in `kept/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No kept tables: the folder was written by hand or by an older yanhuo.
    Absent,
    /// Kept tables computed from other orders, another zone or other query files.
    Stale,
    /// Registered and read.
    Current,
}

/// The first day of the local month holding `date`.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The local months of the instants in a column of `ordered_at` (microseconds).
pub fn months_of(array: &dyn Array, zone: Tz, into: &mut BTreeSet<NaiveDate>) {
    let Some(micros) = array.as_primitive_opt::<TimestampMicrosecondType>() else {
        return;
    };
    for value in micros.iter().flatten() {
        if let Some(instant) = chrono::DateTime::from_timestamp_micros(value) {
            into.insert(month_of(instant.with_timezone(&zone).date_naive()));
        }
    }
}

/// The digests an opening of a folder compares `kept/manifest.json` with, from one reading
/// of each file: every table's files (the data version) and the orders' files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub tables: String,
    pub orders: String,
}

impl Digests {
    pub fn of(dir: &Path) -> Result<Digests> {
        let (tables, orders) = contract::digest_files_and_part(
            dir,
            &contract::all_data_files(dir)?,
            &contract::table_files(dir, orders_spec()?)?,
        )?;
        Ok(Digests { tables, orders })
    }
}

fn orders_digest(dir: &Path) -> Result<String> {
    contract::digest_files(dir, &contract::table_files(dir, orders_spec()?)?)
}

/// What a current manifest says about kept tables by month of these `orders` (their
/// digest); `tables` and `defaults` are left for the caller, which knows the data version
/// and what it stored.
fn expected(zone: Tz, library: &Library, orders: String) -> Result<Manifest> {
    let library = library.inlined();
    let mut queries = BTreeMap::new();
    for file in library.kept() {
        queries.insert(file.name.clone(), sql_hash(&library, file)?);
    }
    Ok(Manifest {
        zone: zone.name().to_string(),
        orders,
        queries,
        tables: String::new(),
        defaults: BTreeMap::new(),
    })
}

/// A hash of `file`'s SQL at its defaults as `library` expands it.
fn sql_hash(library: &Library, file: &QueryFile) -> Result<String> {
    let sql = library.expand(file, &BTreeMap::new())?;
    let digest = Sha256::digest(sql.as_bytes());
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

fn orders_spec() -> Result<&'static contract::TableSpec> {
    contract::table("orders").ok_or_else(|| Error::Other("the contract has no orders".into()))
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(dir.join(KEPT_FOLDER).join(MANIFEST)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Whether `dir` has kept tables computed from its present orders, zone and query files.
pub fn status(dir: &Path, zone: Tz, library: &Library) -> Result<Status> {
    status_for(dir, zone, library, || orders_digest(dir))
}

/// [`status`] with the orders' digest from `orders`, asked for only if `kept/` exists.
fn status_for(
    dir: &Path,
    zone: Tz,
    library: &Library,
    orders: impl FnOnce() -> Result<String>,
) -> Result<Status> {
    if !dir.join(KEPT_FOLDER).is_dir() {
        return Ok(Status::Absent);
    }
    Ok(match read_manifest(dir) {
        Some(found) if found.months_match(&expected(zone, library, orders()?)?) => Status::Current,
        _ => Status::Stale,
    })
}

fn parquet_files(folder: &Path) -> Result<Vec<PathBuf>> {
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    contract::data_files_in(folder)
}

/// Registers the kept tables of `dir` in `ctx` when they are current, and tells `library`
/// to read them instead of inlining their SQL. A kept file with no rows at all (a folder
/// without completed orders) is left to be computed. `digests` are the folder's
/// ([`Digests::of`]): the files kept at their defaults must have been computed from its
/// data version. A kept table of at most `hold_under` bytes is held in memory once read, as
/// the folder's small tables are ([`crate::engine::catalog::hold_small_tables`]); returns the
/// status and the names of those.
pub async fn register(
    ctx: &SessionContext,
    dir: &Path,
    zone: Tz,
    library: &mut Library,
    digests: &Digests,
    hold_under: u64,
) -> Result<(Status, Vec<String>)> {
    let found = status_for(dir, zone, library, || Ok(digests.orders.clone()))?;
    if found == Status::Stale {
        tracing::warn!(
            folder = %dir.display(),
            "the kept tables were computed from other orders or query files; computing them in memory (run `yanhuo keep` to refresh them)"
        );
    }
    if found != Status::Current {
        return Ok((found, Vec::new()));
    }
    let mut held = Vec::new();
    let names: Vec<String> = library.kept().map(|f| f.name.clone()).collect();
    for name in names {
        let folder = dir.join(KEPT_FOLDER).join(&name);
        if parquet_files(&folder)?.is_empty() || ctx.table_exist(name.as_str())? {
            continue;
        }
        session::register_parquet(ctx, &name, &folder, None).await?;
        hold_if_small(ctx, &name, &folder, hold_under, &mut held).await?;
        library.hold(&name);
    }
    let defaults = current_defaults(dir, library, &digests.tables)?;
    if defaults.is_empty() && read_manifest(dir).is_some_and(|m| !m.defaults.is_empty()) {
        tracing::warn!(
            folder = %dir.display(),
            "the files kept at their defaults were computed from other tables; each is computed when first read (run `yanhuo keep` to refresh them)"
        );
    }
    for name in defaults {
        if ctx.table_exist(name.as_str())? {
            continue;
        }
        let path = dir.join(KEPT_FOLDER).join(&name).join(DEFAULTS);
        session::register_parquet(ctx, &name, &path, None).await?;
        hold_if_small(ctx, &name, &path, hold_under, &mut held).await?;
        library.hold(&name);
    }
    Ok((found, held))
}

/// Holds the kept table `name`, stored at `path`, in memory once read if it takes at most
/// `hold_under` bytes, and notes it in `held`.
async fn hold_if_small(
    ctx: &SessionContext,
    name: &str,
    path: &Path,
    hold_under: u64,
    held: &mut Vec<String>,
) -> Result<()> {
    if session::stored_bytes(path)? <= hold_under {
        crate::engine::memo::MemoTable::hold(ctx, name).await?;
        held.push(name.to_string());
    }
    Ok(())
}

/// The `kept: memory` files whose rows at their defaults `dir` keeps for data version
/// `version` and their present SQL, each after those of them it uses.
pub fn current_defaults(dir: &Path, library: &Library, version: &str) -> Result<Vec<String>> {
    let Some(manifest) = read_manifest(dir) else {
        return Ok(Vec::new());
    };
    if manifest.tables != version {
        return Ok(Vec::new());
    }
    let inlined = library.inlined();
    let mut names = Vec::new();
    for file in library.in_memory()? {
        let path = dir.join(KEPT_FOLDER).join(&file.name).join(DEFAULTS);
        if manifest.defaults.get(&file.name) == Some(&sql_hash(&inlined, &file)?) && path.is_file()
        {
            names.push(file.name.clone());
        }
    }
    Ok(names)
}

/// What a build wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The months recomputed.
    pub months: usize,
    /// Rows written, by kept table.
    pub rows: BTreeMap<String, u64>,
}

/// Computes the kept tables of the data folder `dir` for `months` from its orders, then
/// writes the manifest. The orders must be Parquet, as `import` and `generate` write them.
pub async fn build(dir: &Path, zone: Tz, library: &Library, months: Months) -> Result<Built> {
    let spec = orders_spec()?;
    let location = match contract::locate(dir, spec)? {
        Location::Parquet(path) => Some(path),
        Location::Absent => None,
        Location::Files(_) => {
            return Err(Error::DataFolder {
                path: dir.to_path_buf(),
                message: "the kept tables are computed from orders stored as Parquet; \
                          `yanhuo import` writes them so"
                    .into(),
            });
        }
    };
    let kept = dir.join(KEPT_FOLDER);
    fs::create_dir_all(&kept).map_err(|e| Error::io(&kept, e))?;
    let ctx = session::new_context(zone, Some(BUILD_MEMORY))?;
    let chosen = match (&location, months) {
        (None, _) => BTreeSet::new(),
        (Some(path), Months::All) => {
            session::register_parquet(&ctx, "all_orders", path, Some(spec.schema(&zone))).await?;
            // A full build starts from nothing: a month whose orders are gone loses its file.
            for file in library.kept() {
                let folder = kept.join(&file.name);
                if folder.is_dir() {
                    fs::remove_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
                }
            }
            all_months(&ctx, zone).await?
        }
        (Some(path), Months::Only(months)) => {
            session::register_parquet(&ctx, "all_orders", path, Some(spec.schema(&zone))).await?;
            months
        }
    };
    let files: Vec<_> = library.kept().collect();
    let bar = progress(chosen.len() * files.len());
    let mut built = Built {
        months: chosen.len(),
        ..Default::default()
    };
    for month in &chosen {
        let next = *month + ChronoMonths::new(1);
        narrow_orders(&ctx, zone, *month, next).await?;
        for file in &files {
            // Sorted by the file's keys: the same orders give the same bytes, and a shop's
            // rows sit together for the statistics to skip the others.
            let order = if file.keys.is_empty() {
                "k.shop_id, k.date".to_string()
            } else {
                file.keys
                    .iter()
                    .map(|k| format!("k.{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let sql = format!(
                "SELECT * FROM ({}) k WHERE k.date >= DATE '{month}' AND k.date < DATE '{next}' \
                 ORDER BY {order}",
                library.expand(file, &BTreeMap::new())?
            );
            let folder = kept.join(&file.name);
            fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
            let path = folder.join(format!("{}.parquet", month.format("%Y-%m")));
            let rows = write_rows(&ctx, &sql, &path, false)
                .await
                .map_err(|e| match e {
                    Error::Sql(message) => Error::Query {
                        name: file.name.clone(),
                        message,
                    },
                    other => other,
                })?;
            *built.rows.entry(file.name.clone()).or_default() += rows;
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let digests = Digests::of(dir)?;
    let defaults = build_defaults(dir, zone, library).await?;
    let mut manifest = expected(zone, library, digests.orders)?;
    manifest.tables = digests.tables;
    for (name, (hash, rows)) in defaults {
        built.rows.insert(name.clone(), rows);
        manifest.defaults.insert(name, hash);
    }
    // Last, so a build cut short leaves a manifest that no longer matches: stale, not wrong.
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Other(e.to_string()))?;
    replace_file(&kept.join(MANIFEST), text.as_bytes())?;
    Ok(built)
}

/// Computes every `kept: memory` file at its defaults from the tables of `dir` and the kept
/// tables just written, and stores each as `kept/NAME/defaults.parquet`. Returns the hash of
/// each stored file's SQL and its rows. A folder with a table that is not Parquet (placed by
/// hand as CSV) stores none: its files are computed when read, as before. A file that does
/// not plan on this folder is left out with a warning rather than failing the import.
async fn build_defaults(
    dir: &Path,
    zone: Tz,
    library: &Library,
) -> Result<BTreeMap<String, (String, u64)>> {
    let kept = dir.join(KEPT_FOLDER);
    let files = library.in_memory()?;
    // The files of an earlier data version, which the manifest will no longer name.
    for file in &files {
        let path = kept.join(&file.name).join(DEFAULTS);
        if path.exists() {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    let mut stored = BTreeMap::new();
    let ctx = session::new_context(zone, Some(DEFAULTS_MEMORY))?;
    if !session::register_stored(&ctx, dir, zone).await? {
        return Ok(stored);
    }
    let inlined = library.inlined();
    let mut reading = library.inlined();
    for file in library.kept() {
        let folder = kept.join(&file.name);
        if !parquet_files(&folder)?.is_empty() {
            session::register_parquet(&ctx, &file.name, &folder, None).await?;
            reading.hold(&file.name);
        }
    }
    for file in &files {
        let sql = reading.expand(file, &BTreeMap::new())?;
        let folder = kept.join(&file.name);
        fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let path = folder.join(DEFAULTS);
        // Even with no rows: an empty file still says what was computed.
        match write_rows(&ctx, &sql, &path, true).await {
            Ok(rows) => {
                session::register_parquet(&ctx, &file.name, &path, None).await?;
                reading.hold(&file.name);
                stored.insert(file.name.clone(), (sql_hash(&inlined, file)?, rows));
            }
            Err(e) => tracing::warn!(
                query = %file.name,
                error = %e,
                "not kept at its defaults; it is computed when first read"
            ),
        }
    }
    Ok(stored)
}

/// [`build`] from code that is not async (an import, the generator), on a runtime of its own.
pub fn build_blocking(dir: &Path, zone: Tz, library: &Library, months: Months) -> Result<Built> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::Other(format!("starting a runtime: {e}")))?
                    .block_on(build(dir, zone, library, months))
            })
            .join()
            .map_err(|_| Error::Other("computing the kept tables stopped unexpectedly".into()))?
    })
}

/// Every local month from the first order to the last.
async fn all_months(ctx: &SessionContext, zone: Tz) -> Result<BTreeSet<NaiveDate>> {
    let batches = ctx
        .sql("SELECT MIN(ordered_at) AS first, MAX(ordered_at) AS last FROM all_orders")
        .await?
        .collect()
        .await?;
    let mut ends = BTreeSet::new();
    for batch in &batches {
        for column in batch.columns() {
            months_of(column.as_ref(), zone, &mut ends);
        }
    }
    let mut months = BTreeSet::new();
    if let (Some(first), Some(last)) = (ends.first(), ends.last()) {
        let mut month = *first;
        while month <= *last {
            months.insert(month);
            month = month + ChronoMonths::new(1);
        }
    }
    Ok(months)
}

/// Registers `orders` as the orders that can fall on a local date of [`month`, `next`): a
/// day either side in UTC covers every zone, and a range on `ordered_at` itself lets the
/// Parquet statistics skip the other months.
async fn narrow_orders(
    ctx: &SessionContext,
    zone: Tz,
    month: NaiveDate,
    next: NaiveDate,
) -> Result<()> {
    let micros = |date: NaiveDate| -> Result<ScalarValue> {
        let instant = date
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros())
            .ok_or_else(|| Error::Other(format!("no midnight on {date}")))?;
        Ok(ScalarValue::TimestampMicrosecond(
            Some(instant),
            Some(zone.name().into()),
        ))
    };
    let from = micros(month - Days::new(1))?;
    let to = micros(next + Days::new(1))?;
    let narrowed = ctx
        .table("all_orders")
        .await?
        .filter(col("ordered_at").gt_eq(lit(from)))?
        .filter(col("ordered_at").lt(lit(to)))?;
    ctx.deregister_table("orders")?;
    ctx.register_table("orders", narrowed.into_view())?;
    Ok(())
}

/// Runs `sql` and writes its rows to `path` (through a hidden file renamed over it, since
/// `path` may be a hard link into the folder an import replaces). No rows: no file, unless
/// `keep_empty`, then a file of the plan's columns and no rows.
async fn write_rows(ctx: &SessionContext, sql: &str, path: &Path, keep_empty: bool) -> Result<u64> {
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let open = |schema| -> Result<ArrowWriter<File>> {
        let file = File::create(&partial).map_err(|e| Error::io(&partial, e))?;
        let props = session::parquet_properties(1 << 20)?.build();
        ArrowWriter::try_new(file, schema, Some(props))
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))
    };
    let mut writer: Option<ArrowWriter<File>> = None;
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        if batch.num_rows() == 0 {
            continue;
        }
        if writer.is_none() {
            // The batch's own schema: Parquet strings arrive as views where the plan said Utf8.
            writer = Some(open(batch.schema())?);
        }
        if let Some(w) = writer.as_mut() {
            w.write(&batch)
                .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        }
        rows += batch.num_rows() as u64;
    }
    if writer.is_none() && keep_empty {
        writer = Some(open(stream.schema())?);
    }
    match writer {
        Some(w) => {
            w.close()
                .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
            fs::rename(&partial, path).map_err(|e| Error::io(path, e))?;
        }
        None if path.exists() => fs::remove_file(path).map_err(|e| Error::io(path, e))?,
        None => {}
    }
    Ok(rows)
}

fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let partial = path.with_extension("partial");
    fs::write(&partial, bytes).map_err(|e| Error::io(&partial, e))?;
    fs::rename(&partial, path).map_err(|e| Error::io(path, e))
}

fn progress(steps: usize) -> ProgressBar {
    let bar = ProgressBar::new(steps as u64);
    if let Ok(style) = ProgressStyle::with_template("kept tables {bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    bar
}
