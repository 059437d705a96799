//! Writing a data folder: tables as Parquet (zstd), rejects as CSV, built aside and swapped
//! in whole (`swap.rs`) so a failed or killed import changes nothing.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;

use super::aside::Aside;
use super::{ImportReport, Reject, swap};
use crate::engine::contract;
use crate::engine::contract::{TABLES, TableSpec};
use crate::engine::format::csv_text;
use crate::engine::kept;
use crate::engine::queries::Library;
use crate::engine::session::parquet_properties;
use crate::error::{Error, Result};

/// Cells joined as one CSV line (RFC 4180 quoting), without the line break.
pub fn csv_line(cells: &[String]) -> String {
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    if writer.write_record(cells).is_err() {
        return cells.join(",");
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches(['\r', '\n'])
        .to_string()
}

/// Writes batches of one table to a Parquet file with zstd compression.
pub fn write_parquet(
    path: &Path,
    spec: &TableSpec,
    batches: &[RecordBatch],
    zone: &Tz,
) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let props = parquet_properties(1 << 20)?.build();
    let mut writer = ArrowWriter::try_new(file, spec.schema(zone), Some(props))
        .map_err(|e| Error::Other(e.to_string()))?;
    for batch in batches {
        writer
            .write(batch)
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    }
    writer
        .close()
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    Ok(())
}

fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    let mut writer = csv::Writer::from_path(path)
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
    let io = |e: csv::Error| Error::Other(format!("{}: {e}", path.display()));
    writer
        .write_record(["file", "line", "rule", "row"])
        .map_err(io)?;
    for r in rejects {
        // The row is a planner's own data, shown in a spreadsheet: its text cells go through
        // the same neutralising as every other CSV the project writes.
        writer
            .write_record([
                csv_text(&r.file).as_ref(),
                &r.line.to_string(),
                csv_text(&r.rule).as_ref(),
                csv_text(&r.row).as_ref(),
            ])
            .map_err(io)?;
    }
    writer.flush().map_err(|e| Error::io(path, e))?;
    Ok(())
}

/// What an import writes of one table.
#[derive(Debug)]
pub(super) enum Written {
    /// The whole table, as one file.
    Whole(Vec<RecordBatch>),
    /// The table's Parquet files as they were, and its new rows, written aside, as one more
    /// part beside them in the table's folder (`merge::append`); with no files before, the
    /// new rows are the table's one file.
    Appended { parts: Vec<PathBuf>, part: PathBuf },
}

/// Everything in a data folder that belongs to `spec`, in any of its forms.
fn table_paths(dir: &Path, spec: &TableSpec) -> [PathBuf; 3] {
    [
        dir.join(format!("{}.parquet", spec.name)),
        dir.join(format!("{}.csv", spec.name)),
        dir.join(spec.name),
    ]
}

/// Builds the new data folder beside `into`, then swaps it in (`swap.rs`).
pub(super) fn write_folder(
    into: &Path,
    staging: Aside,
    changed: &[(&'static TableSpec, Written)],
    rejects: &[(&'static str, Vec<Reject>)],
    report: &ImportReport,
    zone: Tz,
    kept: Option<(&Library, kept::Months)>,
) -> Result<()> {
    build_staging(into, staging.path(), changed, rejects, report, zone)?;
    // In the new folder before it is swapped in: its kept tables are never behind.
    if let Some((library, months)) = kept {
        kept::build_blocking(staging.path(), zone, library, months)?;
    }
    staging.swap_in(into)
}

fn build_staging(
    into: &Path,
    staging: &Path,
    changed: &[(&'static TableSpec, Written)],
    rejects: &[(&'static str, Vec<Reject>)],
    report: &ImportReport,
    zone: Tz,
) -> Result<()> {
    // Keep everything that this import does not replace: other tables, notes, READMEs.
    if into.is_dir() {
        let replaced: Vec<PathBuf> = changed
            .iter()
            .flat_map(|(spec, _)| table_paths(into, spec))
            .chain([into.join("rejects"), into.join(swap::UNFINISHED)])
            .collect();
        for entry in fs::read_dir(into).map_err(|e| Error::io(into, e))? {
            let path = entry.map_err(|e| Error::io(into, e))?.path();
            if replaced.contains(&path) {
                continue;
            }
            let Some(file_name) = path.file_name() else {
                continue;
            };
            link_or_copy(&path, &staging.join(file_name))?;
        }
    }
    for (spec, written) in changed {
        match written {
            Written::Whole(batches) => write_parquet(
                &staging.join(format!("{}.parquet", spec.name)),
                spec,
                batches,
                &zone,
            )?,
            Written::Appended { parts, part } if parts.is_empty() => {
                let path = staging.join(format!("{}.parquet", spec.name));
                fs::rename(part, &path).map_err(|e| Error::io(&path, e))?;
            }
            Written::Appended { parts, part } => {
                let dir = staging.join(spec.name);
                fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                for path in parts {
                    // A table kept as one file becomes a folder of parts, that file first.
                    let name = match path.parent() {
                        Some(parent) if parent.ends_with(spec.name) => path.file_name(),
                        _ => None,
                    };
                    let name = name.map_or_else(|| "part-0000.parquet".into(), |n| n.to_owned());
                    link_or_copy(path, &dir.join(name))?;
                }
                let path = new_part(&dir);
                fs::rename(part, &path).map_err(|e| Error::io(&path, e))?;
            }
        }
    }
    if !rejects.is_empty() {
        let dir = staging.join("rejects");
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        for (table, rows) in rejects {
            write_rejects(&dir.join(format!("{table}.csv")), rows)?;
        }
        let summary = dir.join("report.txt");
        fs::write(&summary, report.to_string()).map_err(|e| Error::io(&summary, e))?;
    }
    // A folder imported into must still open: every required table present.
    for spec in TABLES.iter().filter(|t| !t.optional) {
        if matches!(contract::locate(staging, spec)?, contract::Location::Absent) {
            tracing::warn!(
                table = spec.name,
                "the data folder has no {} table yet; import it before serving",
                spec.name
            );
        }
    }
    Ok(())
}

/// The first free `import-NNNN.parquet` in a table's folder: names that sort after the
/// parts `generate` writes, in the order the imports came.
fn new_part(dir: &Path) -> PathBuf {
    (1..)
        .map(|n| dir.join(format!("import-{n:04}.parquet")))
        .find(|path| !path.exists())
        .unwrap_or_else(|| dir.join("import.parquet"))
}

fn link_or_copy(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
        for entry in fs::read_dir(from).map_err(|e| Error::io(from, e))? {
            let path = entry.map_err(|e| Error::io(from, e))?.path();
            if let Some(name) = path.file_name() {
                link_or_copy(&path, &to.join(name))?;
            }
        }
        return Ok(());
    }
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).map_err(|e| Error::io(from, e))?;
    }
    Ok(())
}
