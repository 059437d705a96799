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
    /// What a planner's ad-hoc SQL may take (time, memory, rows, slots).
    pub sandbox: Limits,
    /// Users, tokens and roles; open (everyone admin) without a config file.
    pub access: Access,
}

impl Settings {
    pub fn new(data_dir: PathBuf, zone: &str, queries_dir: Option<PathBuf>) -> Result<Self> {
        Ok(Settings {
            data_dir,
            zone: parse_zone(zone)?,
            queries_dir,
            dashboards_dir: None,
            sandbox: Limits::default(),
            access: Access::open(),
        })
    }

    pub fn library(&self) -> Result<Library> {
        match &self.queries_dir {
            Some(dir) => Library::from_dir(dir),
            None => Library::embedded(),
        }
    }
}

pub fn parse_zone(zone: &str) -> Result<Tz> {
    zone.parse::<Tz>().map_err(|_| Error::Setting {
        name: "zone".into(),
        message: format!("{zone:?} is not an IANA time zone such as Asia/Shanghai"),
    })
}
