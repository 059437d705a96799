//! A figure bundle: `figure.png` (2× for print), `figure.svg`, `figure.csv` (UTF-8 with a
//! byte-order mark), `figure.xlsx` and `figure.json`, as a folder (`yanhuo export`) or a zip
//! (`/export/…zip`). `verify` recomputes a bundle's figure on today's data and compares every
//! number, so an editor can check a printed figure months later.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::Figure;
use crate::engine::Engine;
use crate::engine::format::CsvEncoding;
use crate::engine::settings::Settings;
use crate::error::{Error, Result};
use crate::figures::dashboards::{Dashboards, Filter};
use crate::figures::panels::{Filters, Study};
use crate::labels::Lang;

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

/// The most of `figure.json` that `--verify` reads. A figure's published rows are a few
/// kilobytes (the largest panel, daily channels by community, under a megabyte); a bundle
/// holding more is not one yanhuo wrote, and a 2 MB zip can hold gigabytes of it.
pub const MANIFEST_LIMIT: u64 = 16 << 20;

/// Reads `figure.json` from a bundle folder or zip, refusing one over `limit` bytes.
fn read_manifest(bundle: &Path, limit: u64) -> Result<Manifest> {
    let too_big = |name: &str, size: Option<u64>| {
        let size = size.map_or_else(String::new, |s| format!("{s} bytes, "));
        Error::unreadable(
            bundle,
            format!(
                "{name} is {size}more than the {limit} bytes ({} MiB) a bundle's figure.json \
                 may hold: not a bundle yanhuo wrote",
                limit >> 20
            ),
        )
    };
    // Whatever the size a zip declares, no more than one byte past the limit is read.
    let read_bounded = |reader: &mut dyn Read, name: &str| -> Result<String> {
        let mut bytes = Vec::new();
        reader
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| Error::unreadable(bundle, format!("{name}: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(too_big(name, None));
        }
        String::from_utf8(bytes)
            .map_err(|e| Error::unreadable(bundle, format!("{name}: not UTF-8: {e}")))
    };
    let text = if bundle.is_dir() {
        let path = bundle.join("figure.json");
        let mut file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let size = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if size > limit {
            return Err(too_big("figure.json", Some(size)));
        }
        read_bounded(&mut file, "figure.json")?
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
        if entry.size() > limit {
            return Err(too_big(&name, Some(entry.size())));
        }
        read_bounded(&mut entry, &name)?
    };
    serde_json::from_str(&text).map_err(|e| Error::unreadable(bundle, format!("figure.json: {e}")))
}

/// Whether a value exported then is the value computed now: the same text, or two
/// floating-point numbers equal to twelve significant digits. Sums of floats are added in the
/// order the engine's partitions finish, so a recomputation on unchanged data can differ in
/// the last digits (the WeChat-group figures' 17th); a real change of the data moves a figure
/// far more.
fn same_value(then: &Option<String>, now: &Option<String>) -> bool {
    if then == now {
        return true;
    }
    let float = |v: &Option<String>| {
        v.as_deref()
            .filter(|t| t.contains(['.', 'e', 'E']))
            .and_then(|t| t.parse::<f64>().ok())
    };
    match (float(then), float(now)) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// Recomputes the bundle's figure on the data `settings` point at and compares every value.
pub async fn verify(settings: &Settings, bundle: &Path) -> Result<Verification> {
    let manifest = read_manifest(bundle, MANIFEST_LIMIT)?;
    let engine = Engine::open(settings).await?;
    let study = Study::load(&engine).await?;
    let dashboards = Dashboards::open(&engine).await?;
    let dashboard = dashboards.get(&manifest.dashboard).ok_or_else(|| {
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
            if !same_value(a, b) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_to_twelve_digits_and_everything_else_exactly() {
        let v = |t: &str| Some(t.to_string());
        // Two runs of the event study on unchanged data (seen in a test).
        assert!(same_value(
            &v("-0.48993967760200263"),
            &v("-0.48993967760202484")
        ));
        assert!(same_value(&v("6.963957864201276"), &v("6.963957864201187")));
        // A corrected order: 60.00 → 74.00, and the rate it moves (publish.rs).
        assert!(!same_value(&v("60.00"), &v("74.00")));
        assert!(!same_value(
            &v("0.14285714285714285"),
            &v("0.1761904761904762")
        ));
        // Whole numbers and words are compared as text; an empty cell is not 0.
        assert!(!same_value(&v("12"), &v("13")));
        assert!(!same_value(&v("liyuan"), &v("meiyuan")));
        assert!(!same_value(&None, &v("0.0")));
        assert!(same_value(&None, &None));
    }

    /// A zip holding `x/figure.json` of `size` spaces.
    fn zip_of_spaces(path: &Path, size: usize) {
        let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("x/figure.json", options).unwrap();
        out.write_all(&vec![b' '; size]).unwrap();
        out.finish().unwrap();
    }

    fn refusal(bundle: &Path, limit: u64) -> String {
        let err = read_manifest(bundle, limit).unwrap_err();
        assert!(matches!(err, Error::UnreadableFile { .. }), "{err:?}");
        err.to_string()
    }

    #[test]
    fn a_figure_json_over_the_limit_is_refused_by_its_declared_size() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = tmp.path().join("b.zip");
        zip_of_spaces(&zip, 3 << 20);
        assert_eq!(
            refusal(&zip, 2 << 20),
            format!(
                "{}: x/figure.json is 3145728 bytes, more than the 2097152 bytes (2 MiB) a \
                 bundle's figure.json may hold: not a bundle yanhuo wrote",
                zip.display()
            )
        );
        let folder = tmp.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("figure.json"), vec![b' '; 3 << 20]).unwrap();
        assert_eq!(
            refusal(&folder, 2 << 20),
            format!(
                "{}: figure.json is 3145728 bytes, more than the 2097152 bytes (2 MiB) a \
                 bundle's figure.json may hold: not a bundle yanhuo wrote",
                folder.display()
            )
        );
    }

    #[test]
    fn a_zip_that_understates_its_size_is_read_only_to_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let zip = tmp.path().join("b.zip");
        zip_of_spaces(&zip, 3 << 20);
        // The uncompressed size, in the local header (offset 22) and the central directory
        // (offset 24), rewritten as 100 bytes.
        let mut bytes = std::fs::read(&zip).unwrap();
        for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
            bytes[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
        }
        std::fs::write(&zip, bytes).unwrap();
        assert_eq!(
            refusal(&zip, 2 << 20),
            format!(
                "{}: x/figure.json is more than the 2097152 bytes (2 MiB) a bundle's \
                 figure.json may hold: not a bundle yanhuo wrote",
                zip.display()
            )
        );
    }
}
