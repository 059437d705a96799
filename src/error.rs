//! One error type for the engine: every variant names the file, table, query or setting it
//! concerns, so the message alone tells a user what to fix.

use std::path::PathBuf;

use datafusion::error::DataFusionError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file that cannot be read at all: wrong header, not UTF-8, truncated Parquet.
    #[error("{path}: {message}")]
    UnreadableFile { path: PathBuf, message: String },

    #[error("data folder {path}: {message}")]
    DataFolder { path: PathBuf, message: String },

    #[error("{0}")]
    Sql(String),

    #[error("query {name}: {message}")]
    Query { name: String, message: String },

    #[error("{}{}: {message}", file, panel.as_ref().map(|p| format!(", panel {p}")).unwrap_or_default())]
    Dashboard {
        file: String,
        panel: Option<String>,
        message: String,
    },

    #[error("parameter {name}: {message}")]
    Parameter { name: String, message: String },

    #[error("setting {name}: {message}")]
    Setting { name: String, message: String },

    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn unreadable(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::UnreadableFile {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

impl From<DataFusionError> for Error {
    fn from(e: DataFusionError) -> Self {
        // DataFusion wraps errors in context layers; users want the innermost message,
        // without a backtrace.
        Error::Sql(e.find_root().to_string())
    }
}

impl From<datafusion::arrow::error::ArrowError> for Error {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        Error::Sql(e.to_string())
    }
}
