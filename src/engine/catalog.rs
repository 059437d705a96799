//! A data folder turned into tables in a DataFusion `SessionContext`: Parquet scanned
//! lazily, hand-placed CSV read, checked against the contract and held in memory.

use std::path::Path;
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::engine::contract::{Location, TABLES, TableSpec, locate};
use crate::engine::functions;
use crate::engine::import::{self, TableLoad};
use crate::error::{Error, Result};

/// What registering a data folder found: rows the contract turned away in CSV tables.
#[derive(Debug, Default)]
pub struct Registration {
    pub loads: Vec<TableLoad>,
}

/// A SessionContext with yanhuo's functions and every contract table of `dir` registered.
pub async fn open(dir: &Path, zone: Tz) -> Result<(SessionContext, Registration)> {
    open_limited(dir, zone, None).await
}

/// As [`open`], with the engine's memory bounded: past `memory_limit` bytes, aggregations
/// and sorts spill to the system's temporary folder (a year of a city's orders does not fit
/// in a small server's memory), and what cannot spill fails with a message.
pub async fn open_limited(
    dir: &Path,
    zone: Tz,
    memory_limit: Option<usize>,
) -> Result<(SessionContext, Registration)> {
    let ctx = new_context(zone, memory_limit)?;
    let registration = register_folder(&ctx, dir, zone).await?;
    Ok((ctx, registration))
}

/// An empty context with yanhuo's functions; tables are registered separately.
pub fn new_context(zone: Tz, memory_limit: Option<usize>) -> Result<SessionContext> {
    context_with(SessionConfig::new(), zone, memory_limit)
}

/// A context like [`new_context`] on top of `config` (Ballista brings its own defaults).
pub fn context_with(
    config: SessionConfig,
    zone: Tz,
    memory_limit: Option<usize>,
) -> Result<SessionContext> {
    let config = config
        .with_information_schema(true)
        .set_str("datafusion.execution.time_zone", zone.name());
    let mut runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new();
    if let Some(limit) = memory_limit {
        runtime = runtime.with_memory_pool(std::sync::Arc::new(
            datafusion::execution::memory_pool::FairSpillPool::new(limit),
        ));
    }
    let ctx = SessionContext::new_with_config_rt(config, runtime.build_arc()?);
    functions::register(&ctx, zone);
    Ok(ctx)
}

pub async fn register_folder(ctx: &SessionContext, dir: &Path, zone: Tz) -> Result<Registration> {
    // An import killed mid-swap may have left the folder aside: put it back before looking.
    // A repair that fails (another user's leftovers, a folder that cannot be listed) is said
    // and does not stop the data from being served.
    if let Err(e) = import::swap::recover(dir) {
        tracing::warn!("repairing after an interrupted import: {e}");
    }
    if !dir.is_dir() {
        return Err(Error::DataFolder {
            path: dir.to_path_buf(),
            message: "not a folder (make one with `yanhuo generate` or `yanhuo import`)".into(),
        });
    }
    let mut registration = Registration::default();
    let mut in_memory = import::Loaded::default();
    for spec in TABLES {
        let schema = spec.schema(&zone);
        match locate(dir, spec)? {
            Location::Absent if spec.optional => {
                ctx.register_table(
                    spec.name,
                    Arc::new(MemTable::try_new(schema, vec![vec![]])?),
                )?;
            }
            Location::Absent => {
                return Err(Error::DataFolder {
                    path: dir.to_path_buf(),
                    message: format!(
                        "table {} is missing: expected {name}.csv, {name}.parquet or a folder {name}/",
                        spec.name,
                        name = spec.name
                    ),
                });
            }
            Location::Parquet(path) => {
                register_parquet(ctx, spec, &path, schema).await?;
                in_memory.note_external(spec, ctx).await?;
            }
            Location::Files(files) => {
                let load = import::read_and_check(spec, &files, zone, &in_memory)?;
                let batches = load.batches.clone();
                in_memory.add(spec, &load)?;
                ctx.register_table(
                    spec.name,
                    Arc::new(MemTable::try_new(schema, vec![batches])?),
                )?;
                if load.rejected() > 0 {
                    tracing::warn!(
                        table = spec.name,
                        rejected = load.rejected(),
                        "rows that break the data contract were not loaded; run `yanhuo import` to list them in a rejects file"
                    );
                }
                registration.loads.push(load);
            }
        }
    }
    Ok(registration)
}

async fn register_parquet(
    ctx: &SessionContext,
    spec: &TableSpec,
    path: &Path,
    schema: SchemaRef,
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
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    let table = ListingTable::try_new(config)?;
    ctx.register_table(spec.name, Arc::new(table))?;
    Ok(())
}
