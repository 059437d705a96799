//! The synthetic district (being written on the `generate` branch).
use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::error::{Error, Result};

pub struct GenerateOptions {
    pub shops: usize,
    pub seed: u64,
    pub out: PathBuf,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub zone: Tz,
    pub progress: bool,
}

pub struct GenerateSummary;

impl std::fmt::Display for GenerateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "")
    }
}

pub fn generate(_options: &GenerateOptions) -> Result<GenerateSummary> {
    Err(Error::Other("not yet".into()))
}
