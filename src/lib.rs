//! yanhuo: what a lockdown cost a street's small shops, and what its WeChat groups saved.
//!
//! The library is four layers; a module imports only from its own layer and the ones below
//! it (docs/ARCHITECTURE.md, and a test that reads every `use crate::` keeps it so):
//!
//! - [`error`], [`labels`]: the one error type; codes, units and numbers in the reader's
//!   language. Everything may use them.
//! - [`engine`]: DataFusion. The data contract, a data folder turned into tables, imports,
//!   the query files, yanhuo's SQL functions, output formats, Ballista, the generator.
//!   No HTTP, no drawing.
//! - [`charts`]: plotters. A [`charts::Chart`] of numbers and words becomes SVG or PNG; it
//!   knows no query and no table.
//! - [`figures`]: what a figure means and what may leave: dashboards, panels, small-cell
//!   suppression, a panel as a chart, exports for print.
//! - [`serve`]: the only layer that knows HTTP or the Postgres protocol: the pages and API,
//!   the wire, the sandbox for untrusted SQL, users and roles.
//! - [`bench`]: `yanhuo bench`, which times every layer, so it sits above them all.

pub mod bench;
pub mod charts;
pub mod engine;
pub mod error;
pub mod figures;
pub mod labels;
pub mod serve;

pub use error::{Error, Result};
