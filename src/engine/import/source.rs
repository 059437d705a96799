//! What a reader hands on: a source (a file, or one sheet of a workbook) and its rows as
//! text, before the layout finds the header and the rules are checked.

use std::path::{Path, PathBuf};

/// One row as read: where it came from and its cells, in contract column order.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub cells: Vec<Option<String>>,
    /// Every cell of the row as it stood, extra columns included.
    pub original: Vec<String>,
}

/// A file (or one sheet of a workbook) holding rows of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub path: PathBuf,
    pub sheet: Option<String>,
}

impl Source {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Source {
            path: path.into(),
            sheet: None,
        }
    }

    /// How the source is named in messages and in the rejects file.
    pub fn label(&self, root: Option<&Path>) -> String {
        let path = root
            .and_then(|r| self.path.strip_prefix(r).ok())
            .unwrap_or(&self.path);
        match &self.sheet {
            Some(sheet) => format!("{}#{}", path.display(), sheet),
            None => path.display().to_string(),
        }
    }
}
