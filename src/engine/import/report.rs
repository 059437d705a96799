//! What an import tells its user: per table, rows read, loaded, rejected and duplicate; per
//! file, where its header was and what mapped to what.

use std::path::PathBuf;

use super::{Reject, SourceReport};

/// What an import did, table by table.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// What was repaired before the import: leftovers of an earlier run that was killed.
    pub recovered: Vec<String>,
    pub tables: Vec<TableReport>,
    /// Each file (or sheet) read: where its header was, what mapped to what, totals left out.
    pub files: Vec<SourceReport>,
    /// `--dry-run`: nothing was written.
    pub dry_run: bool,
    /// Files and sheets no table matched, by name or header.
    pub skipped: Vec<String>,
    /// Sheets with nothing in them, skipped.
    pub empty: Vec<String>,
    /// In a dry run, the rows that would be rejected (the first [`DRY_RUN_REJECTS`]).
    pub rejects: Vec<Reject>,
    pub into: PathBuf,
    pub zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    pub read: u64,
    /// Rows of this import that are now in the data folder.
    pub loaded: u64,
    pub rejected: u64,
    /// Rows whose key was already loaded, in this import or an earlier one: kept once.
    pub duplicates: u64,
    pub naive_timestamps: u64,
    /// Rows of the table in the data folder after the import.
    pub total: u64,
}

impl ImportReport {
    pub fn rejected(&self) -> u64 {
        self.tables.iter().map(|t| t.rejected).sum()
    }
}

/// How many rejected rows a dry run prints.
pub const DRY_RUN_REJECTS: usize = 50;

fn write_source(f: &mut std::fmt::Formatter<'_>, s: &SourceReport) -> std::fmt::Result {
    if s.empty {
        return writeln!(f, "{} → {}: empty sheet, skipped", s.label, s.table);
    }
    write!(f, "{} → {}", s.label, s.table)?;
    if let Some(encoding) = s.encoding {
        write!(f, " ({encoding})")?;
    }
    write!(f, ": header on line {}", s.header_line)?;
    if s.title_rows > 0 {
        write!(
            f,
            " ({} title row{} above skipped)",
            s.title_rows,
            if s.title_rows == 1 { "" } else { "s" }
        )?;
    }
    writeln!(f)?;
    let mapped: Vec<String> = s
        .mapped
        .iter()
        .filter(|(h, c)| h != c)
        .map(|(h, c)| format!("{h} → {c}"))
        .collect();
    if !mapped.is_empty() {
        writeln!(f, "  columns: {}", mapped.join(", "))?;
    }
    for (column, value, from) in &s.fixed {
        writeln!(f, "  {column} = {value} for every row (from the {from})")?;
    }
    if s.derived_order_id {
        writeln!(f, "  order_id: none in the sheet; made from each row")?;
    }
    if !s.codes.is_empty() {
        let codes: Vec<String> = s
            .codes
            .iter()
            .map(|(c, from, to, n)| format!("{c} {from} → {to} ({n})"))
            .collect();
        writeln!(f, "  codes: {}", codes.join(", "))?;
    }
    write!(f, "  {} rows read, {} rejected", s.rows, s.rejected)?;
    if s.totals > 0 {
        write!(
            f,
            ", {} total row{} (合计) left out",
            s.totals,
            if s.totals == 1 { "" } else { "s" }
        )?;
    }
    if s.blanks > 0 {
        write!(
            f,
            ", {} blank row{} skipped",
            s.blanks,
            if s.blanks == 1 { "" } else { "s" }
        )?;
    }
    writeln!(f)
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for sentence in &self.recovered {
            writeln!(f, "{sentence}")?;
        }
        if self.dry_run {
            writeln!(
                f,
                "Dry run: nothing was written to {}.",
                self.into.display()
            )?;
        }
        // A file in the contract's own form needs no account of its layout.
        for file in self.files.iter().filter(|s| {
            s.empty
                || s.title_rows > 0
                || s.totals > 0
                || s.encoding.is_some_and(|e| e != "UTF-8")
                || !s.fixed.is_empty()
                || s.derived_order_id
                || !s.codes.is_empty()
                || s.mapped.iter().any(|(h, c)| h != c)
        }) {
            write_source(f, file)?;
        }
        for label in &self.empty {
            writeln!(f, "{label}: empty, skipped")?;
        }
        for label in &self.skipped {
            writeln!(
                f,
                "{label}: skipped, no table matches its name or header (a --map file can name its table and columns)"
            )?;
        }
        writeln!(
            f,
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>12}",
            "table", "read", "loaded", "rejected", "duplicate", "rows now"
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "{:<16} {:>10} {:>10} {:>10} {:>10} {:>12}",
                t.table, t.read, t.loaded, t.rejected, t.duplicates, t.total
            )?;
        }
        let naive: u64 = self.tables.iter().map(|t| t.naive_timestamps).sum();
        if naive > 0 {
            writeln!(
                f,
                "{naive} timestamps had no UTC offset and were read in {}.",
                self.zone
            )?;
        }
        let rejected = self.rejected();
        if self.dry_run {
            for r in &self.rejects {
                writeln!(
                    f,
                    "would reject {}, line {}: {}: {}",
                    r.file, r.line, r.rule, r.row
                )?;
            }
            if rejected > self.rejects.len() as u64 {
                writeln!(f, "... and {} more", rejected - self.rejects.len() as u64)?;
            }
            return Ok(());
        }
        if rejected > 0 {
            writeln!(
                f,
                "{rejected} row{} rejected: see {} (file, line, rule, row).",
                if rejected == 1 { " was" } else { "s were" },
                self.into.join("rejects").display()
            )?;
        }
        Ok(())
    }
}
