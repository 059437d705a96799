//! The figures layer: what a number means and what may leave. It may import the engine,
//! the charts and the base modules; never HTTP or the Postgres protocol.
//!
//! - [`dashboards`]: dashboard files: which query feeds which panel, checked at load.
//! - [`panels`]: what a panel shows: filtered rows, KPI numbers, table cells.
//! - [`suppress`]: small-cell suppression rules for figures that leave for print.
//! - [`render`]: a panel turned into a [`crate::charts::Chart`], and `yanhuo render`.
//! - [`export`]: figures for print: suppressed rows, chart, provenance, bundles, `--verify`.

pub mod dashboards;
pub mod export;
pub mod panels;
pub mod render;
pub mod suppress;
