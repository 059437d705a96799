//! What serving adds to the engine's settings: the limits of planners' ad-hoc SQL and the
//! users who may sign in, checked before a port is opened.

use crate::engine::settings::Settings;
use crate::error::{Error, Result};
use crate::serve::access::Access;
use crate::serve::sandbox::Limits;

/// Everything `serve` (the pages and the Postgres wire) runs with.
#[derive(Debug, Clone)]
pub struct Serving {
    pub settings: Settings,
    /// What a planner's ad-hoc SQL may take (time, memory, rows, slots).
    pub sandbox: Limits,
    /// Users, tokens and roles; open (everyone admin) without a config file.
    pub access: Access,
}

impl From<Settings> for Serving {
    fn from(settings: Settings) -> Serving {
        Serving::open(settings)
    }
}

impl Serving {
    /// Default limits, and open to everyone (tests and a laptop on loopback).
    pub fn open(settings: Settings) -> Serving {
        Serving {
            settings,
            sandbox: Limits::default(),
            access: Access::open(),
        }
    }
}

/// The sandbox's limits as a user gives them (`serve --sql-…`), before they are checked.
#[derive(Debug, Clone)]
pub struct SandboxArgs {
    pub timeout_secs: f64,
    pub memory_mib: usize,
    pub page_rows: usize,
    pub export_rows: usize,
    pub concurrent: usize,
}

/// The longest time limit: past a day a query is a batch job, and `Duration` panics on
/// numbers such as 1e20.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// Less than this and DataFusion cannot plan a join.
pub const MIN_MEMORY_MIB: usize = 16;
/// 1 TiB: larger numbers overflowed to 0 bytes when turned into bytes (2^44 MiB is 2^64).
pub const MAX_MEMORY_MIB: usize = 1 << 20;
/// More slots than this are no limit at all (and tokio's semaphore refuses past 2^61).
pub const MAX_CONCURRENT: usize = 1024;

impl SandboxArgs {
    /// The limits, or the first setting out of range with the range it must be in.
    pub fn check(&self) -> Result<Limits> {
        let bad = |name: &str, message: String| Error::Setting {
            name: name.into(),
            message,
        };
        let t = self.timeout_secs;
        if !(t.is_finite() && t > 0.0) {
            return Err(bad(
                "sql-timeout",
                format!("{t} is not a positive number of seconds"),
            ));
        }
        if t > MAX_TIMEOUT_SECS {
            return Err(bad(
                "sql-timeout",
                format!("{t} s is more than a day: give at most {MAX_TIMEOUT_SECS} seconds"),
            ));
        }
        let m = self.memory_mib;
        if !(MIN_MEMORY_MIB..=MAX_MEMORY_MIB).contains(&m) {
            return Err(bad(
                "sql-memory",
                format!(
                    "{m} MiB is out of range: give from {MIN_MEMORY_MIB} MiB to {MAX_MEMORY_MIB} MiB (1 TiB)"
                ),
            ));
        }
        for (name, rows) in [
            ("sql-rows", self.page_rows),
            ("sql-export-rows", self.export_rows),
        ] {
            if rows == 0 {
                return Err(bad(name, "0 rows: give at least 1".into()));
            }
        }
        let c = self.concurrent;
        if !(1..=MAX_CONCURRENT).contains(&c) {
            return Err(bad(
                "sql-concurrency",
                format!("{c} queries at once is out of range: give from 1 to {MAX_CONCURRENT}"),
            ));
        }
        Ok(Limits {
            timeout: std::time::Duration::from_secs_f64(t),
            memory: m << 20,
            page_rows: self.page_rows,
            export_rows: self.export_rows,
            concurrent: c,
            ..Limits::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox(timeout_secs: f64, memory_mib: usize) -> SandboxArgs {
        SandboxArgs {
            timeout_secs,
            memory_mib,
            page_rows: 10,
            export_rows: 10,
            concurrent: 2,
        }
    }

    fn setting_error(args: &SandboxArgs) -> String {
        args.check().unwrap_err().to_string()
    }

    #[test]
    fn sandbox_settings_are_checked_with_their_range() {
        let limits = sandbox(86_400.0, 1 << 20).check().unwrap();
        assert_eq!(limits.timeout.as_secs(), 86_400);
        assert_eq!(limits.memory, 1 << 40);
        assert_eq!(
            setting_error(&sandbox(1e20, 512)),
            "setting sql-timeout: 100000000000000000000 s is more than a day: give at most 86400 seconds"
        );
        assert_eq!(
            setting_error(&sandbox(0.0, 512)),
            "setting sql-timeout: 0 is not a positive number of seconds"
        );
        assert_eq!(
            setting_error(&sandbox(f64::NAN, 512)),
            "setting sql-timeout: NaN is not a positive number of seconds"
        );
        assert_eq!(
            setting_error(&sandbox(10.0, 1 << 44)),
            "setting sql-memory: 17592186044416 MiB is out of range: give from 16 MiB to 1048576 MiB (1 TiB)"
        );
        assert_eq!(
            setting_error(&sandbox(10.0, 15)),
            "setting sql-memory: 15 MiB is out of range: give from 16 MiB to 1048576 MiB (1 TiB)"
        );
        let mut rows = sandbox(10.0, 512);
        rows.export_rows = 0;
        assert_eq!(
            setting_error(&rows),
            "setting sql-export-rows: 0 rows: give at least 1"
        );
        let mut slots = sandbox(10.0, 512);
        slots.concurrent = 0;
        assert_eq!(
            setting_error(&slots),
            "setting sql-concurrency: 0 queries at once is out of range: give from 1 to 1024"
        );
    }
}
