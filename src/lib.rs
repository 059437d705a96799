//! yanhuo: what a lockdown cost a street's small shops, and what its WeChat groups saved.
//!
//! The engine (this library) never imports the web framework or the CLI parser; the
//! binary, the pages and the API all call the same functions, so a figure is computed one
//! way only.
//!
//! - [`catalog`]: the tables of the data contract and how a data folder becomes tables.
//! - [`cluster`]: where figures are computed: in this process, or on a Ballista cluster
//!   (`--features ballista`: the client, and the scheduler and executor processes).
//! - [`import`]: raw files checked against the contract and merged into a data folder.
//! - [`functions`]: SQL functions yanhuo adds (`local_date`).
//! - [`queries`]: the SQL files in `queries/`: header, parameters, running them.
//! - [`format`]: one output format (table, CSV, JSON, Parquet, Excel) shared by CLI and web.
//! - [`dashboards`]: dashboard files, checked against the queries.
//! - [`engine`]: an opened data folder with its queries, dashboards and result cache.
//! - [`panels`]: what a panel shows: filtered rows, KPI numbers, table cells.
//! - [`labels`]: codes and numbers in the reader's language.
//! - [`charts`]: the plotters renderer: line, bar, stacked bar, histogram, KPI, table.
//! - [`render`]: a dashboard panel turned into a chart; `yanhuo render`.
//! - [`sandbox`]: what untrusted SQL may do: one read-only statement, the registered
//!   tables only, time and memory limits, a row cap, a few at once.
//! - [`suppress`]: small-cell suppression rules for figures that leave for print.
//! - [`export`]: figures for print: suppressed rows, chart, provenance, bundles, `--verify`.
//! - [`web`]: the axum pages, charts and downloads (the only module that knows HTTP).
//! - [`wire`]: the Postgres wire protocol over the same sandbox, for planners' own tools.
//! - [`generate`]: the synthetic district in `sample-data/`.
//! - [`access`]: roles, the users and tokens of the config file, passwords.
//! - [`config`]: the settings every command shares.
//! - [`error`]: the one error type.
//! - [`bench`]: `yanhuo bench`, speed and memory on a data folder.

pub mod access;
pub mod bench;
pub mod catalog;
pub mod charts;
pub mod cluster;
pub mod config;
pub mod dashboards;
pub mod engine;
pub mod error;
pub mod export;
pub mod format;
pub mod functions;
pub mod generate;
pub mod import;
pub mod labels;
pub mod panels;
pub mod queries;
pub mod render;
pub mod sandbox;
pub mod suppress;
pub mod web;
pub mod wire;

pub use error::{Error, Result};
