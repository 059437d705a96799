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

    /// Untrusted SQL the sandbox will not run (serve/sandbox): a second statement, a write, a file.
    #[error("{0}")]
    Refused(String),

    /// Untrusted SQL that ran past the sandbox's time limit and was stopped.
    #[error(
        "the query ran longer than the time limit of {seconds} s and was stopped; narrow it (a WHERE, fewer joined rows) or ask for a longer limit"
    )]
    TimeLimit { seconds: f64 },

    /// Untrusted SQL that needed more memory than one query may take. DataFusion's message
    /// names the operator and how much it asked for.
    #[error("the query needed more memory than one query may use ({limit_mib} MiB): {message}")]
    MemoryLimit { limit_mib: usize, message: String },

    /// Every slot for ad-hoc queries is taken; the caller may try again shortly.
    #[error(
        "{running} ad-hoc queries are already running, the most allowed at once; try again in a few seconds"
    )]
    Busy { running: usize },

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
