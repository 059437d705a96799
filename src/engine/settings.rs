//! Settings every command shares, resolved and checked before any work starts: where the
//! data and the query files are, the zone, the engine's memory, where queries run.

use std::path::PathBuf;

use chrono_tz::Tz;

use crate::engine::queries::Library;
use crate::error::{Error, Result};

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
    /// Where the figures are computed: in this process, or on a Ballista cluster.
    pub backend: Backend,
    /// Parquet tables whose files take at most this many bytes are held in memory once
    /// read ([`crate::engine::catalog::hold_small_tables`]); 0: none.
    pub hold_tables_under: u64,
}

/// How large a table's Parquet files may be for it to be held in memory, by default: a
/// city's tables but its orders (its year of footfall is 4 MB, 3.7 M rows).
pub const HOLD_TABLES_UNDER: u64 = 16 << 20;

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
            backend: Backend::Embedded,
            hold_tables_under: HOLD_TABLES_UNDER,
        })
    }

    pub fn library(&self) -> Result<Library> {
        match &self.queries_dir {
            Some(dir) => Library::from_dir(dir),
            None => Library::embedded(),
        }
    }
}

/// `512M`, `3G`, `3GB`, `3GiB` or a number of bytes, for the setting `name`. Units are
/// binary (1G = 1024³ bytes).
pub fn parse_size(name: &str, text: &str) -> Result<usize> {
    let bad = || Error::Setting {
        name: name.into(),
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
        assert_eq!(parse_size("memory-limit", "3G").unwrap(), 3 << 30);
        assert_eq!(parse_size("memory-limit", "3GiB").unwrap(), 3 << 30);
        assert_eq!(parse_size("memory-limit", "512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("memory-limit", "1.5GB").unwrap(), 3 << 29);
        assert_eq!(parse_size("memory-limit", "4096").unwrap(), 4096);
        assert!(parse_size("memory-limit", "lots").is_err());
        assert!(parse_size("memory-limit", "0").is_err());
        assert!(parse_size("memory-limit", "3X").is_err());
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
