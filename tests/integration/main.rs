//! Integration tests, in one binary because each test binary links DataFusion again.
//! Lighthouse's audit is the one other binary (`tests/lighthouse.rs`): it must run alone.
//!
//! - `access`: roles over HTTP (401, 403, Basic and Bearer), serve's refusal to run open
//!   on a public address, `hash-password`.
//! - `ballista` (`--features ballista`): every query file on Ballista's standalone mode and
//!   on a cluster of `yanhuo scheduler`/`executor` processes equals the embedded engine.
//! - `browser`: the served overview and the SQL console in headless Chromium, at phone and
//!   desktop widths.
//! - `http`: requests through the router without a server, and their replies.
//! - `fuzz`: random SQL at the sandbox's front door (nesting, chains, Unicode, NUL bytes)
//!   must never take the process down.
//! - `fixture`: the hand-built district every metric test reads, and helpers to read results.
//! - `impact`: "Did the WeChat groups help?" on its own hand-built district.
//! - `metrics`: each query file of queries/ against values worked out by hand.
//! - `import`: `yanhuo import` end to end: rules, rejects, idempotence, append, corrupt files;
//!   `import::kept`: the kept tables it writes, by hand; a second import's months; every
//!   figure the same from them as from the orders.
//! - `sheets`: `yanhuo import` on a street office's own books: Chinese headers and codes,
//!   titles, totals, merged headers, GBK CSV, a map file, `--dry-run`.
//! - `import_fuzz`: every reader under mutated, truncated and random files and map files.
//! - `cli`: the `yanhuo` binary as a user runs it: query output formats, errors.
//! - `publish`: figures for print: suppression thresholds, every export format, `--verify`.
//! - `pgwire`: the Postgres wire with real clients: psql and Python's psycopg.
//! - `sql`: ad-hoc SQL: the sandbox's refusals and limits, the API, canned queries, the console.
//! - `web`: pages, filters, downloads and errors through the router, without a server.
//! - `layers`: the layers of docs/ARCHITECTURE.md, read from every `use crate::` in src/.
//! - `tools`: the outside programs some tests drive, and what a missing one means.

mod access;
#[cfg(feature = "ballista")]
mod ballista;
mod browser;
mod cli;
mod fixture;
mod fuzz;
mod http;
mod impact;
mod import;
mod import_fuzz;
mod layers;
mod metrics;
mod pgwire;
mod publish;
mod sheets;
mod sql;
mod tools;
mod web;
