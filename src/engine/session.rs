//! A DataFusion session as yanhuo opens one (its functions, the district's zone, the memory
//! bound), and the Parquet files of a data folder as yanhuo writes and reads them.
//!
//! Shared by the catalog (the contract's tables), the kept tables and the generator, which
//! must all write and read Parquet the same way.

use std::path::Path;
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{WriterProperties, WriterPropertiesBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::engine::contract::{self, Location, TableSpec};
use crate::engine::functions;
use crate::engine::sized::sized_context;
use crate::error::{Error, Result};

/// An empty context with yanhuo's functions; tables are registered separately. DataFusion's
/// own settings may be changed by `DATAFUSION_*` environment variables
/// (`DATAFUSION_EXECUTION_BATCH_SIZE=16384`), as its documentation names them, so a plan
/// can be tried with other settings without a build.
pub fn new_context(zone: Tz, memory_limit: Option<usize>) -> Result<SessionContext> {
    context_with(SessionConfig::from_env()?, zone, memory_limit)
}

/// A context like [`new_context`] on top of `config` (Ballista brings its own defaults).
/// Past `memory_limit` bytes, aggregations and sorts spill to the system's temporary folder,
/// and what cannot spill fails with a message.
pub fn context_with(
    config: SessionConfig,
    zone: Tz,
    memory_limit: Option<usize>,
) -> Result<SessionContext> {
    let config = config
        .with_information_schema(true)
        .set_str("datafusion.execution.time_zone", zone.name());
    // A first grouping that keeps more than 60% of its rows (distinct customers by shop and
    // day: 3.8 M groups of 5.4 M orders) costs more than it saves; DataFusion's default gives
    // up on it only above 80%.
    let config = unless_env(
        config,
        "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
        "0.6",
    );
    // One pass of the logical optimizer: the small figures spend half their time planning,
    // and the second and third passes over their inlined views were 15-20% of it, while the
    // figures that read every order ran no slower without them (README, issue 19).
    let config = unless_env(config, "datafusion.optimizer.max_passes", "1");
    let mut runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new();
    if let Some(limit) = memory_limit {
        runtime = runtime.with_memory_pool(std::sync::Arc::new(
            datafusion::execution::memory_pool::FairSpillPool::new(limit),
        ));
    }
    let ctx = sized_context(config, runtime.build_arc()?);
    // Expressions are simplified again after filters are pushed down (one optimizer pass
    // simplifies them only before): a range of dates a figure filters its days by arrives at
    // the orders' scan as `local_date(ordered_at) >= DATE '…'`, and only simplified is it a
    // range on `ordered_at` that Parquet's statistics prune (`local_date`'s preimage).
    ctx.add_optimizer_rule(Arc::new(SimplifyExpressions::new()));
    functions::register(&ctx, zone);
    Ok(ctx)
}

/// `config` with DataFusion's setting `key` at yanhuo's `value`, unless its `DATAFUSION_…`
/// environment variable is set, which still wins (`SessionConfig::from_env` read it).
fn unless_env(config: SessionConfig, key: &str, value: &str) -> SessionConfig {
    let variable = key.replace('.', "_").to_uppercase();
    if std::env::var_os(variable).is_some() {
        config
    } else {
        config.set_str(key, value)
    }
}

/// How every Parquet file of a data folder is written (imports, kept tables and the
/// generator): zstd at level 3, row groups of at most `row_group_rows` rows.
pub fn parquet_properties(row_group_rows: usize) -> Result<WriterPropertiesBuilder> {
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).map_err(|e| Error::Other(e.to_string()))?,
        ))
        .set_max_row_group_row_count(Some(row_group_rows)))
}

/// Registers a Parquet file, or a folder of Parquet parts, as the table `name`. Without a
/// `schema`, the files' own is read (the kept tables write theirs).
pub async fn register_parquet(
    ctx: &SessionContext,
    name: &str,
    path: &Path,
    schema: Option<SchemaRef>,
) -> Result<()> {
    let path_str = path.to_str().ok_or_else(|| Error::DataFolder {
        path: path.to_path_buf(),
        message: "path is not UTF-8".into(),
    })?;
    let url_str = if path.is_dir() {
        format!("{}/", path_str.trim_end_matches('/'))
    } else {
        path_str.to_string()
    };
    let url = ListingTableUrl::parse(&url_str)?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new(url).with_listing_options(options);
    let config = match schema {
        Some(schema) => config.with_schema(schema),
        None => config.infer_schema(&ctx.state()).await?,
    };
    // Without the session's statistics cache every query re-reads each file's statistics
    // to plan it (apache/datafusion#18952).
    let cache = ctx.runtime_env().cache_manager.get_file_statistic_cache();
    let table = ListingTable::try_new(config)?.with_cache(cache);
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// Bytes of a Parquet table's files: one file, or a folder of parts.
pub fn stored_bytes(path: &Path) -> Result<u64> {
    let files = if path.is_dir() {
        contract::data_files_in(path)?
    } else {
        vec![path.to_path_buf()]
    };
    let mut total = 0;
    for file in files {
        total += std::fs::metadata(&file)
            .map_err(|e| Error::io(&file, e))?
            .len();
    }
    Ok(total)
}

/// Registers an optional table the folder does not have, as a table with no rows.
pub fn register_absent(ctx: &SessionContext, spec: &TableSpec, zone: &Tz) -> Result<()> {
    let table = datafusion::datasource::MemTable::try_new(spec.schema(zone), vec![vec![]])?;
    ctx.register_table(spec.name, Arc::new(table))?;
    Ok(())
}

/// Registers every table of the contract that `dir` stores as Parquet, and an empty one for
/// each optional table it lacks. False if a table is stored otherwise (CSV placed by hand,
/// which only the catalog reads, checking it) or a required one is missing: then the caller
/// has an incomplete context and should not use it.
pub async fn register_stored(ctx: &SessionContext, dir: &Path, zone: Tz) -> Result<bool> {
    for spec in contract::TABLES {
        match contract::locate(dir, spec)? {
            Location::Parquet(path) => {
                register_parquet(ctx, spec.name, &path, Some(spec.schema(&zone))).await?
            }
            Location::Absent if spec.optional => register_absent(ctx, spec, &zone)?,
            Location::Absent | Location::Files(_) => return Ok(false),
        }
    }
    Ok(true)
}
