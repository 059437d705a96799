//! The engine layer: DataFusion and the data. It may import [`crate::error`] and
//! [`crate::labels`] only; no web framework, no Postgres protocol, no drawing.
//!
//! - [`contract`]: the tables of the data contract (docs/DATA.md) and their rules.
//! - [`catalog`]: a data folder turned into registered tables.
//! - [`import`]: raw files checked against the contract and merged into a data folder.
//! - [`functions`]: SQL functions yanhuo adds (`local_date`, the wild cluster bootstrap).
//! - [`queries`]: the SQL files in `queries/`: header, parameters, running them.
//! - [`kept`]: the per-day tables computed from the orders and kept in the data folder.
//! - [`memo`]: query files computed on first read and held in memory (`kept: memory`), and
//!   the folder's small tables held once read.
//! - [`ranges`]: held batches' smallest and largest values, so a filter skips batches.
//! - [`session`]: a DataFusion session as yanhuo opens one; Parquet as it writes and reads it.
//! - [`sized`]: one partition for a query over few held rows, every core for the others.
//! - [`join_projection`]: a hash join builds only the columns its parent keeps (held plans).
//! - [`format`]: one output format (table, CSV, JSON, Parquet, Excel) for every caller.
//! - [`settings`]: where the data is, its zone, the query files, memory, the backend.
//! - [`cluster`]: where queries run: in this process, or on a Ballista cluster.
//! - [`folder`]: an opened data folder with its query files and result cache ([`Engine`]).
//! - [`generate`]: the synthetic district in `sample-data/`.

pub mod catalog;
pub mod cluster;
pub mod contract;
pub mod folder;
pub mod format;
pub mod functions;
pub mod generate;
pub mod give_way;
pub mod import;
pub mod join_projection;
pub mod kept;
pub mod memo;
pub mod queries;
pub mod ranges;
pub mod session;
pub mod settings;
pub mod sized;

pub use folder::{Bounded, Engine};
