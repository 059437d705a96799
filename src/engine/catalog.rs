//! A data folder turned into tables in a DataFusion `SessionContext`: Parquet scanned
//! lazily, or held in memory once read when it is small; hand-placed CSV read, checked
//! against the contract and held in memory.

use std::path::Path;
use std::sync::Arc;

use chrono_tz::Tz;
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;

use crate::engine::contract::{Location, TABLES, locate};
use crate::engine::import::{self, TableLoad};
use crate::engine::memo::MemoTable;
pub use crate::engine::session::{context_with, new_context};
use crate::engine::session::{register_absent, register_parquet, stored_bytes};
use crate::engine::settings::HOLD_TABLES_UNDER;
use crate::error::{Error, Result};

/// What registering a data folder found: rows the contract turned away in CSV tables, and
/// the Parquet tables held in memory once read.
#[derive(Debug, Default)]
pub struct Registration {
    pub loads: Vec<TableLoad>,
    pub held: Vec<&'static str>,
}

/// A SessionContext with yanhuo's functions and every contract table of `dir` registered,
/// the small ones held in memory.
pub async fn open(dir: &Path, zone: Tz) -> Result<(SessionContext, Registration)> {
    open_limited(dir, zone, None, HOLD_TABLES_UNDER).await
}

/// As [`open`], with the engine's memory bounded: past `memory_limit` bytes, aggregations
/// and sorts spill to the system's temporary folder (a year of a city's orders does not fit
/// in a small server's memory), and what cannot spill fails with a message. Tables of at
/// most `hold_under` bytes of Parquet are held in memory ([`hold_small_tables`]).
pub async fn open_limited(
    dir: &Path,
    zone: Tz,
    memory_limit: Option<usize>,
    hold_under: u64,
) -> Result<(SessionContext, Registration)> {
    let ctx = new_context(zone, memory_limit)?;
    let mut registration = register_folder(&ctx, dir, zone).await?;
    registration.held = hold_small_tables(&ctx, dir, hold_under).await?;
    Ok((ctx, registration))
}

/// Holds every Parquet table of `dir` whose files take at most `hold_under` bytes in
/// memory, but the orders: read from its files the first time a query reads it, and from
/// memory after that ([`MemoTable::hold`]). Returns their names.
///
/// A figure joins its footfall to the shops, the study dates to the calendar and the
/// lockdown: every Parquet table a query names costs it a file listing, a footer, a
/// pruning predicate and a decode, which for a table of twelve communities is most of its
/// time, and planning it is part of every small figure's. The orders grow by the month and
/// are read through their statistics by date; they stay on disk.
pub async fn hold_small_tables(
    ctx: &SessionContext,
    dir: &Path,
    hold_under: u64,
) -> Result<Vec<&'static str>> {
    let mut held = Vec::new();
    for spec in TABLES {
        if spec.name == "orders" {
            continue;
        }
        let Location::Parquet(path) = locate(dir, spec)? else {
            continue;
        };
        if stored_bytes(&path)? > hold_under {
            continue;
        }
        MemoTable::hold(ctx, spec.name).await?;
        held.push(spec.name);
    }
    Ok(held)
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
