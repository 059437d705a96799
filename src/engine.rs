//! One opened data folder: its tables in a DataFusion context, the query files, the
//! dashboards, and a bounded cache of query results, all tied to a version of the data.
//!
//! The CLI, the pages and the exports all run queries through here, so a figure is computed
//! one way and a second view of the same figure runs no query.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};

use crate::catalog;
use crate::config::Settings;
use crate::dashboards::Dashboards;
use crate::error::{Error, Result};
use crate::queries::{self, Library, QueryResult};

/// How many query results the cache keeps; the dashboards' few dozen fit many times over.
const CACHE_ENTRIES: usize = 512;

pub struct Engine {
    pub ctx: SessionContext,
    pub library: Library,
    pub dashboards: Dashboards,
    pub settings: Settings,
    /// A content hash of the input tables: part of every ETag, printed in exports.
    pub version: String,
    /// Cheap to recompute (names, sizes, times): tells when the folder changed under us.
    pub fingerprint: String,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<String, Arc<QueryResult>>,
    order: VecDeque<String>,
}

impl Engine {
    pub async fn open(settings: &Settings) -> Result<Engine> {
        let (ctx, _) = catalog::open(&settings.data_dir, settings.zone).await?;
        let library = settings.library()?;
        queries::register_views(&ctx, &library).await?;
        let dashboards = match &settings.dashboards_dir {
            Some(dir) => Dashboards::from_dir(dir)?,
            None => Dashboards::embedded()?,
        };
        for dashboard in &dashboards.list {
            dashboard.check(&ctx, &library).await?;
        }
        Ok(Engine {
            ctx,
            library,
            dashboards,
            settings: settings.clone(),
            version: content_version(&settings.data_dir)?,
            fingerprint: fingerprint(&settings.data_dir)?,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// Runs a query file, or answers from the cache.
    pub async fn run(
        &self,
        name: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<Arc<QueryResult>> {
        let file = self.library.get(name).ok_or_else(|| Error::Query {
            name: name.to_string(),
            message: "no such query file".into(),
        })?;
        let sql = self.library.expand(file, params)?;
        if let Some(hit) = self.cached(&sql) {
            return Ok(hit);
        }
        let result = Arc::new(
            queries::run_sql(&self.ctx, &sql)
                .await
                .map_err(|e| match e {
                    Error::Sql(message) => Error::Query {
                        name: name.to_string(),
                        message,
                    },
                    other => other,
                })?,
        );
        self.remember(sql, result.clone());
        Ok(result)
    }

    fn cached(&self, sql: &str) -> Option<Arc<QueryResult>> {
        let cache = self.cache.lock().ok()?;
        cache.entries.get(sql).cloned()
    }

    fn remember(&self, sql: String, result: Arc<QueryResult>) {
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        if cache.entries.insert(sql.clone(), result).is_none() {
            cache.order.push_back(sql);
        }
        while cache.order.len() > CACHE_ENTRIES {
            if let Some(oldest) = cache.order.pop_front() {
                cache.entries.remove(&oldest);
            }
        }
    }

    /// How many results are cached (for tests and /healthz).
    pub fn cached_results(&self) -> usize {
        self.cache.lock().map(|c| c.entries.len()).unwrap_or(0)
    }
}

fn data_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, e))? {
            let path = entry.map_err(|e| Error::io(&folder, e))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') || name == "rejects" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if ["csv", "parquet"]
                .iter()
                .any(|e| catalog::has_extension(&path, e))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Files larger than this are identified by name, size and time rather than read whole.
const HASH_LIMIT: u64 = 64 << 20;

/// A content hash of the data files: the same data gives the same version on any machine.
pub fn content_version(dir: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for path in data_files(dir)? {
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        hasher.update(relative.to_string_lossy().as_bytes());
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.len() <= HASH_LIMIT {
            hasher.update(std::fs::read(&path).map_err(|e| Error::io(&path, e))?);
        } else {
            hasher.update(meta.len().to_le_bytes());
            hasher.update(format!("{:?}", meta.modified().ok()).as_bytes());
        }
    }
    let digest = hasher.finalize();
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Names, sizes and modification times of the data files.
pub fn fingerprint(dir: &Path) -> Result<String> {
    let mut text = String::new();
    for path in data_files(dir)? {
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        text.push_str(&format!("{}:{}:{modified};", path.display(), meta.len()));
    }
    Ok(text)
}
