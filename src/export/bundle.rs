//! A figure bundle: `figure.png` (2× for print), `figure.svg`, `figure.csv` (UTF-8 with a
//! byte-order mark), `figure.xlsx` and `figure.json`, as a folder (`yanhuo export`) or a zip
//! (`/export/…zip`). `verify` recomputes a bundle's figure on today's data and compares every
//! number, so an editor can check a printed figure months later.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::Figure;
use crate::config::Settings;
use crate::dashboards::Filter;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::format::CsvEncoding;
use crate::labels::Lang;
use crate::panels::{Filters, Study};

/// The files of a bundle, in the order a reader wants them.
pub fn files(figure: &Figure) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let manifest = serde_json::to_vec_pretty(&figure.manifest())
        .map_err(|e| Error::Other(format!("writing figure.json: {e}")))?;
    Ok(vec![
        ("figure.png", figure.png(2)?),
        ("figure.svg", figure.svg()?.into_bytes()),
        ("figure.csv", figure.csv(CsvEncoding::Utf8Bom)?),
        ("figure.xlsx", figure.xlsx()?),
        ("figure.json", manifest),
    ])
}

/// Writes the bundle's files into `dir` (created if missing).
pub fn write_dir(figure: &Figure, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for (name, bytes) in files(figure)? {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// The bundle as one zip file, its files in a folder named after the figure.
pub fn zip(figure: &Figure) -> Result<Vec<u8>> {
    let bad = |e: zip::result::ZipError| Error::Other(format!("writing the zip: {e}"));
    let folder = format!("{}-{}", figure.dashboard, figure.panel.id);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files(figure)? {
        out.start_file(format!("{folder}/{name}"), options)
            .map_err(bad)?;
        out.write_all(&bytes)
            .map_err(|e| Error::Other(format!("writing the zip: {e}")))?;
    }
    Ok(out.finish().map_err(bad)?.into_inner())
}

/// What `figure.json` says about where the figure came from, read back.
#[derive(Debug, serde::Deserialize)]
struct Manifest {
    dashboard: String,
    panel: String,
    lang: String,
    #[serde(default)]
    filters: BTreeMap<String, String>,
    sql: String,
    data_version: String,
    exported_at: String,
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

/// The answer of `yanhuo export --verify`.
#[derive(Debug)]
pub struct Verification {
    pub figure: String,
    pub exported_at: String,
    /// Values compared.
    pub checked: usize,
    /// Each number (or row, or column) that differs today, in words.
    pub differences: Vec<String>,
    pub data_version_then: String,
    pub data_version_now: String,
    /// The SQL that computes the figure today is not the SQL in the bundle.
    pub sql_changed: bool,
}

impl Verification {
    pub fn matches(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "figure {} (exported {})", self.figure, self.exported_at)?;
        if self.data_version_then == self.data_version_now {
            writeln!(f, "data version {}: unchanged", self.data_version_now)?;
        } else {
            writeln!(
                f,
                "data version {} then, {} now: the data changed since the export",
                self.data_version_then, self.data_version_now
            )?;
        }
        if self.sql_changed {
            writeln!(f, "the query's SQL changed since the export")?;
        }
        if self.matches() {
            write!(f, "OK: all {} values still match", self.checked)
        } else {
            writeln!(
                f,
                "DIFFERENT: {} of {} values differ:",
                self.differences.len(),
                self.checked
            )?;
            for d in self.differences.iter().take(50) {
                writeln!(f, "  {d}")?;
            }
            if self.differences.len() > 50 {
                writeln!(f, "  … and {} more", self.differences.len() - 50)?;
            }
            Ok(())
        }
    }
}

/// Reads `figure.json` from a bundle folder or zip.
fn read_manifest(bundle: &Path) -> Result<Manifest> {
    let text = if bundle.is_dir() {
        let path = bundle.join("figure.json");
        std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?
    } else {
        let file = std::fs::File::open(bundle).map_err(|e| Error::io(bundle, e))?;
        let mut archive = zip::ZipArchive::new(file)
            .map_err(|e| Error::unreadable(bundle, format!("not a figure bundle zip: {e}")))?;
        let name = archive
            .file_names()
            .find(|n| n.ends_with("figure.json"))
            .map(str::to_string)
            .ok_or_else(|| Error::unreadable(bundle, "the zip holds no figure.json"))?;
        let mut entry = archive
            .by_name(&name)
            .map_err(|e| Error::unreadable(bundle, e))?;
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|e| Error::unreadable(bundle, e))?;
        text
    };
    serde_json::from_str(&text).map_err(|e| Error::unreadable(bundle, format!("figure.json: {e}")))
}

/// Recomputes the bundle's figure on the data `settings` point at and compares every value.
pub async fn verify(settings: &Settings, bundle: &Path) -> Result<Verification> {
    let manifest = read_manifest(bundle)?;
    let engine = Engine::open(settings).await?;
    let study = Study::load(&engine).await?;
    let dashboard = engine.dashboards.get(&manifest.dashboard).ok_or_else(|| {
        Error::unreadable(
            bundle,
            format!("no dashboard named {} any more", manifest.dashboard),
        )
    })?;
    let mut filters = Filters::new();
    for (param, value) in &manifest.filters {
        let filter = Filter::ALL
            .into_iter()
            .find(|f| f.param() == param)
            .ok_or_else(|| Error::unreadable(bundle, format!("unknown filter {param}")))?;
        filters.insert(filter, value.clone());
    }
    let lang = Lang::parse(Some(&manifest.lang));
    let figure = Figure::build(&engine, &study, dashboard, &manifest.panel, &filters, lang).await?;
    let columns: Vec<String> = figure.published.result.column_names();
    let rows = figure.rows();
    let mut differences = Vec::new();
    if columns != manifest.columns {
        differences.push(format!(
            "columns were {} and are now {}",
            manifest.columns.join(", "),
            columns.join(", ")
        ));
    }
    if rows.len() != manifest.rows.len() {
        differences.push(format!(
            "{} rows then, {} now",
            manifest.rows.len(),
            rows.len()
        ));
    }
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
    let mut checked = 0;
    for (r, (then, now)) in manifest.rows.iter().zip(&rows).enumerate() {
        for (c, (a, b)) in then.iter().zip(now).enumerate() {
            checked += 1;
            if a != b {
                let column = manifest.columns.get(c).map_or("?", String::as_str);
                differences.push(format!(
                    "row {}, {column}: {} then, {} now",
                    r + 1,
                    show(a),
                    show(b)
                ));
            }
        }
    }
    Ok(Verification {
        figure: format!("{}/{}", manifest.dashboard, manifest.panel),
        exported_at: manifest.exported_at,
        checked,
        differences,
        data_version_then: manifest.data_version,
        data_version_now: figure.data_version.clone(),
        sql_changed: manifest.sql != figure.sql,
    })
}
