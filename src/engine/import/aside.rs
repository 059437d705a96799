//! Rows an import writes aside as it checks them, so that it holds one batch of them at a
//! time: the folder they go to, and the Parquet file of one table's rows.
//!
//! In a real import the folder is the staging folder that is swapped in at the end, so a
//! file written aside becomes a part of the new data folder by a rename. A dry run writes
//! under the system's temporary folder. Either is removed if the import stops early, and a
//! killed import's staging folder is tidied up by the next run (`swap::recover`).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use super::swap;
use crate::engine::contract::TableSpec;
use crate::engine::session::parquet_properties;
use crate::error::{Error, Result};

/// A folder of an import's own, removed when dropped unless it was swapped in.
#[derive(Debug)]
pub(super) struct Aside {
    path: PathBuf,
    swapped: bool,
}

impl Aside {
    /// The staging folder of an import into `into` (`swap::staging`).
    pub(super) fn staging(into: &Path) -> Result<Aside> {
        Ok(Aside {
            path: swap::staging(into, "importing")?,
            swapped: false,
        })
    }

    /// A folder under the system's temporary folder, for a dry run, which writes nothing
    /// beside the data folder.
    pub(super) fn temporary() -> Result<Aside> {
        let path = std::env::temp_dir().join(format!("yanhuo-dry-run-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        }
        fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Aside {
            path,
            swapped: false,
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the folder at `into` (`swap::swap_in`); from then on it is the data folder.
    pub(super) fn swap_in(mut self, into: &Path) -> Result<()> {
        swap::swap_in(&self.path, into)?;
        self.swapped = true;
        Ok(())
    }
}

impl Drop for Aside {
    fn drop(&mut self) {
        if !self.swapped {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// One table's checked rows, written to a Parquet file as they come, with the same
/// settings as every table the import writes: the file can become a part as it is.
pub(super) struct Spill {
    path: PathBuf,
    writer: ArrowWriter<File>,
}

impl Spill {
    pub(super) fn create(path: PathBuf, spec: &TableSpec, zone: &Tz) -> Result<Spill> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let props = parquet_properties(1 << 20)?.build();
        let writer = ArrowWriter::try_new(file, spec.schema(zone), Some(props))
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        Ok(Spill { path, writer })
    }

    pub(super) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer
            .write(batch)
            .map_err(|e| Error::Other(format!("{}: {e}", self.path.display())))
    }

    /// The file, closed.
    pub(super) fn finish(self) -> Result<Spilled> {
        self.writer
            .close()
            .map_err(|e| Error::Other(format!("{}: {e}", self.path.display())))?;
        Ok(Spilled { path: self.path })
    }
}

/// A table's rows written aside.
#[derive(Debug)]
pub(super) struct Spilled {
    pub path: PathBuf,
}

impl Spilled {
    /// The rows again, one batch at a time.
    pub(super) fn read(&self) -> Result<ParquetRecordBatchReader> {
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(1 << 16).build())
            .map_err(|e| Error::Other(format!("{}: {e}", self.path.display())))
    }
}
