//! A data folder turned into tables in a DataFusion `SessionContext`: Parquet scanned
//! lazily, hand-placed CSV read, checked against the contract and held in memory.

use std::path::Path;
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;

use crate::engine::contract::{Location, TABLES, locate};
use crate::engine::import::{self, TableLoad};
pub use crate::engine::session::{context_with, new_context};
use crate::engine::session::{register_absent, register_parquet};
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
            Location::Absent if spec.optional => register_absent(ctx, spec, &zone)?,
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
                register_parquet(ctx, spec.name, &path, Some(schema)).await?;
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
