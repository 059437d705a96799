//! Settings every command shares, resolved and checked before any work starts.

use std::path::PathBuf;

use chrono_tz::Tz;

use crate::access::Access;
use crate::error::{Error, Result};
use crate::queries::Library;
use crate::sandbox::Limits;

/// Where the data is, which zone its local dates are in, and where the query files are.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The data folder: one file or folder per table (docs/DATA.md).
    pub data_dir: PathBuf,
    /// The district's zone: local dates, and timestamps written without an offset.
    pub zone: Tz,
    /// A folder of query files to use instead of the ones built into the binary.
    pub queries_dir: Option<PathBuf>,
    /// A folder of dashboard files to use instead of the ones built into the binary.
    pub dashboards_dir: Option<PathBuf>,
    /// Bytes the query engine may hold before aggregations and sorts spill to disk (None:
    /// no limit, as in tests).
    pub memory_limit: Option<usize>,
    /// What a planner's ad-hoc SQL may take (time, memory, rows, slots).
    pub sandbox: Limits,
    /// Users, tokens and roles; open (everyone admin) without a config file.
    pub access: Access,
    /// Where the figures are computed: in this process, or on a Ballista cluster.
    pub backend: Backend,
}

/// Where queries run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// DataFusion in this process.
    Embedded,
    /// The Ballista scheduler at this `host:port` (`--engine ballista://host:port`).
    Ballista(String),
}

impl Backend {
    /// Whether a figure computed once may be held as a table in this process's memory (a
    /// cluster's executors could not read it).
    pub fn holds_tables(&self) -> bool {
        matches!(self, Backend::Embedded)
    }

    pub fn parse(text: &str) -> Result<Backend> {
        if text == "embedded" {
            return Ok(Backend::Embedded);
        }
        match text.strip_prefix("ballista://") {
            Some(rest)
                if rest.rsplit_once(':').is_some_and(|(host, port)| {
                    !host.is_empty() && port.parse::<u16>().is_ok()
                }) =>
            {
                Ok(Backend::Ballista(rest.to_string()))
            }
            _ => Err(Error::Setting {
                name: "engine".into(),
                message: format!(
                    "{text:?}: expected `embedded` or `ballista://HOST:PORT` (a Ballista scheduler)"
                ),
            }),
        }
    }
}

impl Settings {
    pub fn new(data_dir: PathBuf, zone: &str, queries_dir: Option<PathBuf>) -> Result<Self> {
        Ok(Settings {
            data_dir,
            zone: parse_zone(zone)?,
            queries_dir,
            dashboards_dir: None,
            memory_limit: None,
            sandbox: Limits::default(),
            access: Access::open(),
            backend: Backend::Embedded,
        })
    }

    pub fn library(&self) -> Result<Library> {
        match &self.queries_dir {
            Some(dir) => Library::from_dir(dir),
            None => Library::embedded(),
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

/// `512M`, `3G`, `3GB`, `3GiB` or a number of bytes. Units are binary (1G = 1024³ bytes).
pub fn parse_size(text: &str) -> Result<usize> {
    let bad = || Error::Setting {
        name: "memory-limit".into(),
        message: format!("{text:?}: give a size such as 512M or 3G"),
    };
    let t = text.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(bad()),
    };
    let number: f64 = number.trim().parse().map_err(|_| bad())?;
    if number.is_nan() || number <= 0.0 {
        return Err(bad());
    }
    Ok((number * (1u64 << shift) as f64) as usize)
}

pub fn parse_zone(zone: &str) -> Result<Tz> {
    zone.parse::<Tz>().map_err(|_| Error::Setting {
        name: "zone".into(),
        message: format!("{zone:?} is not an IANA time zone such as Asia/Shanghai"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(parse_size("3G").unwrap(), 3 << 30);
        assert_eq!(parse_size("3GiB").unwrap(), 3 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5GB").unwrap(), 3 << 29);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("3X").is_err());
    }

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

    #[test]
    fn engines_are_embedded_or_a_ballista_scheduler() {
        assert_eq!(Backend::parse("embedded").unwrap(), Backend::Embedded);
        assert_eq!(
            Backend::parse("ballista://scheduler.city.lan:50050").unwrap(),
            Backend::Ballista("scheduler.city.lan:50050".into())
        );
        for wrong in [
            "ballista://host",
            "ballista://:50050",
            "ballista://h:port",
            "df://h:1",
            "duckdb",
        ] {
            assert!(Backend::parse(wrong).is_err(), "{wrong}");
        }
    }
}
