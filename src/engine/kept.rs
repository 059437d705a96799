//! The kept tables: the query files marked `kept: yes` (revenue, channels and customers by
//! shop and day) computed from the orders and stored in the data folder as
//! `kept/NAME/YYYY-MM.parquet`, one file per local month, so that a dashboard reads thousands
//! of rows instead of every order.
//!
//! `import` and `generate` write them. An import recomputes only the months its orders fall
//! in: every kept table groups by local date, so a month's rows depend on that month's
//! orders alone. `yanhuo keep` recomputes them all.
//!
//! `kept/manifest.json` records what they were computed from: a digest of the orders files,
//! the zone, and each kept file's SQL. An opened folder reads `kept/` only when the manifest
//! matches. Otherwise it computes the kept files in memory as if `kept/` were absent, so a
//! stale copy can make a figure slower but can never change it.

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
use crate::engine::queries::Library;
use crate::engine::session;
use crate::error::{Error, Result};

const MANIFEST: &str = "manifest.json";

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

fn expected(dir: &Path, zone: Tz, library: &Library) -> Result<Manifest> {
    let mut queries = BTreeMap::new();
    for file in library.kept() {
        let sql = library.expand(file, &BTreeMap::new())?;
        let digest = Sha256::digest(sql.as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        queries.insert(file.name.clone(), hex);
    }
    Ok(Manifest {
        zone: zone.name().to_string(),
        orders: contract::digest_files(dir, &contract::table_files(dir, orders_spec()?)?)?,
        queries,
    })
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
    if !dir.join(KEPT_FOLDER).is_dir() {
        return Ok(Status::Absent);
    }
    Ok(match read_manifest(dir) {
        Some(found) if found == expected(dir, zone, library)? => Status::Current,
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
/// without completed orders) is left to be computed.
pub async fn register(
    ctx: &SessionContext,
    dir: &Path,
    zone: Tz,
    library: &mut Library,
) -> Result<Status> {
    let found = status(dir, zone, library)?;
    if found == Status::Stale {
        tracing::warn!(
            folder = %dir.display(),
            "the kept tables were computed from other orders or query files; computing them in memory (run `yanhuo keep` to refresh them)"
        );
    }
    if found != Status::Current {
        return Ok(found);
    }
    let names: Vec<String> = library.kept().map(|f| f.name.clone()).collect();
    for name in names {
        let folder = dir.join(KEPT_FOLDER).join(&name);
        if parquet_files(&folder)?.is_empty() || ctx.table_exist(name.as_str())? {
            continue;
        }
        session::register_parquet(ctx, &name, &folder, None).await?;
        library.hold(&name);
    }
    Ok(found)
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
            let rows = write_month(&ctx, &sql, &path).await.map_err(|e| match e {
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
    // Last, so a build cut short leaves a manifest that no longer matches: stale, not wrong.
    let manifest = expected(dir, zone, library)?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Other(e.to_string()))?;
    replace_file(&kept.join(MANIFEST), text.as_bytes())?;
    Ok(built)
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
/// `path` may be a hard link into the folder an import replaces). No rows: no file.
async fn write_month(ctx: &SessionContext, sql: &str, path: &Path) -> Result<u64> {
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let mut writer: Option<ArrowWriter<File>> = None;
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        if batch.num_rows() == 0 {
            continue;
        }
        if writer.is_none() {
            let file = File::create(&partial).map_err(|e| Error::io(&partial, e))?;
            let props = session::parquet_properties(1 << 20)?.build();
            writer = Some(
                ArrowWriter::try_new(file, batch.schema(), Some(props))
                    .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?,
            );
        }
        if let Some(w) = writer.as_mut() {
            w.write(&batch)
                .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        }
        rows += batch.num_rows() as u64;
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
