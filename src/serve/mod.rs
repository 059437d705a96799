//! The serving layer: the only one that knows HTTP or the Postgres protocol. It may import
//! every layer below.
//!
//! - [`web`]: the axum pages, charts, downloads and the SQL console.
//! - [`wire`]: the Postgres wire protocol over the same sandbox, for planners' own tools.
//! - [`sandbox`]: what untrusted SQL may do: one read-only statement, the registered
//!   tables only, time and memory limits, a row cap, a few at once; the Postgres catalog.
//! - [`access`]: roles, the users and tokens of the config file, passwords.
//! - [`settings`]: what serving adds to the engine's settings: the sandbox's limits, users.

pub mod access;
pub mod sandbox;
pub mod settings;
pub mod web;
pub mod wire;
