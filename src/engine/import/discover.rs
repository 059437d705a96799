//! Which table each raw file (or sheet) belongs to: the map file's word, its name, or else
//! its header.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Mapping, Source, layout, read, vocabulary};
use crate::engine::contract::{self, TABLES, TableSpec};
use crate::error::{Error, Result};

/// Which table a source file belongs to: the longest table name its file name starts with,
/// followed by the end or a separator (`orders.csv`, `orders-2022-05.xlsx`, `orders/`), or a
/// Chinese name of the table (`订单-4月.xlsx`, vocabulary.rs).
pub fn table_for_name(stem: &str) -> Option<&'static TableSpec> {
    let lower = stem.to_ascii_lowercase();
    TABLES
        .iter()
        .filter(|t| {
            lower == t.name
                || lower
                    .strip_prefix(t.name)
                    .is_some_and(|rest| rest.starts_with(['-', '_', '.', ' ']))
        })
        .max_by_key(|t| t.name.len())
        .or_else(|| vocabulary::table_for_chinese_name(stem).and_then(contract::table))
}

/// What the top of a source says its table is.
enum ByHeader {
    Table(&'static TableSpec),
    /// Nothing in it (WPS's Sheet2, Sheet3).
    Empty,
    Unknown,
}

/// The table whose header the top of `source` holds, when its name says nothing: the one
/// that maps the most columns, every required one among them.
fn table_by_header(source: &Source, map: &Mapping) -> Result<ByHeader> {
    let rows = read::top_rows(source, layout::HEADER_SEARCH + 1)?;
    if rows.is_empty() {
        return Ok(ByHeader::Empty);
    }
    let rules = map.for_source(source);
    let mut best: Option<(&'static TableSpec, usize)> = None;
    for spec in TABLES {
        if let Some(score) = layout::fits(spec, &rules, &rows)
            && best.is_none_or(|(_, b)| score > b)
        {
            best = Some((spec, score));
        }
    }
    Ok(best.map_or(ByHeader::Unknown, |(spec, _)| ByHeader::Table(spec)))
}

/// What [`discover`] found: each table's sources, and the files no table matched.
#[derive(Debug, Default)]
pub struct Found {
    pub tables: BTreeMap<&'static str, Vec<Source>>,
    pub skipped: Vec<Source>,
    pub empty: Vec<Source>,
}

impl Found {
    fn add(&mut self, by: ByHeader, source: Source) {
        match by {
            ByHeader::Table(spec) => self.tables.entry(spec.name).or_default().push(source),
            ByHeader::Empty => self.empty.push(source),
            ByHeader::Unknown => self.skipped.push(source),
        }
    }
}

/// Finds the sources of each table under `src` (a folder, or a single file): by the map
/// file's `table`, the file's or sheet's name, or else its header.
pub fn discover(src: &Path, map: &Mapping) -> Result<Found> {
    let mut found = Found::default();
    let mut add_file = |path: &Path, table_hint: Option<&'static TableSpec>| -> Result<()> {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let whole = Source::file(path);
        let by_map = map.for_source(&whole).table;
        let by_name = by_map.or(table_hint).or_else(|| table_for_name(stem));
        let is_workbook = ["xlsx", "xls", "ods"]
            .iter()
            .any(|e| contract::has_extension(path, e));
        if !is_workbook {
            let spec = match by_name {
                Some(spec) => ByHeader::Table(spec),
                None => table_by_header(&whole, map)?,
            };
            found.add(spec, whole);
            return Ok(());
        }
        let sheets = {
            let workbook = read::guarded(path, || {
                calamine::open_workbook_auto(path).map_err(|e| Error::unreadable(path, e))
            })?;
            calamine::Reader::sheet_names(&workbook)
        };
        let sheet_source = |sheet: &String| Source {
            path: path.to_path_buf(),
            sheet: Some(sheet.clone()),
        };
        // Sheets named after a table go to that table, unless the map file says otherwise.
        let by_sheet: Vec<(&'static TableSpec, &String)> = sheets
            .iter()
            .filter_map(|s| table_for_name(s).map(|t| (t, s)))
            .collect();
        if by_map.is_none() && !by_sheet.is_empty() {
            for (spec, sheet) in by_sheet {
                found
                    .tables
                    .entry(spec.name)
                    .or_default()
                    .push(sheet_source(sheet));
            }
            return Ok(());
        }
        for sheet in &sheets {
            let source = sheet_source(sheet);
            let spec = match by_name {
                Some(spec) => ByHeader::Table(spec),
                None => table_by_header(&source, map)?,
            };
            found.add(spec, source);
        }
        Ok(())
    };
    if src.is_file() {
        add_file(src, None)?;
        return Ok(found);
    }
    if !src.is_dir() {
        return Err(Error::io(
            src,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        ));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(src)
        .map_err(|e| Error::io(src, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if contract::is_skipped(name) {
            continue;
        }
        if path.is_dir() {
            if let Some(spec) = table_for_name(name) {
                for part in contract::data_files_in(&path)? {
                    add_file(&part, Some(spec))?;
                }
            }
        } else if contract::is_data_file(&path) {
            add_file(&path, None)?;
        }
    }
    Ok(found)
}
