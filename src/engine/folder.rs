//! One opened data folder: its tables in a DataFusion context, the query files, and a
//! bounded cache of query results, all tied to a version of the data.
//!
//! The CLI, the pages and the exports all run queries through here, so a figure is computed
//! one way and a second view of the same figure runs no query.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use datafusion::prelude::SessionContext;

use crate::engine::contract;
use crate::engine::kept;
use crate::engine::memo::MemoTable;
use crate::engine::queries::{self, Library, QueryFile, QueryResult};
use crate::engine::settings::{Backend, Settings};
use crate::error::{Error, Result};

/// How many query results the cache keeps; the dashboards' few dozen fit many times over.
const CACHE_ENTRIES: usize = 512;

/// How many tables of `kept: memory` files for parameters other than the defaults an opened
/// folder registers: a few lockdowns' worth.
const MEMO_TABLES: usize = 64;

pub struct Engine {
    pub ctx: SessionContext,
    pub library: Library,
    pub settings: Settings,
    /// A content hash of the input tables: part of every ETag, printed in exports.
    pub version: String,
    /// Cheap to recompute (names, sizes, times): tells when the folder changed under us.
    pub fingerprint: String,
    /// Whether the folder's kept tables were current and are read ([`kept`]).
    pub kept: kept::Status,
    /// The tables held in memory once read: the folder's small tables and kept tables
    /// (`--hold-tables-under`).
    pub held: Vec<String>,
    cache: Bounded<Arc<QueryResult>>,
    /// How many tables of `kept: memory` files for other parameters are registered; held
    /// while one is.
    registered: tokio::sync::Mutex<usize>,
}

/// A map that forgets its oldest entries past a capacity. Shared by the query results here
/// and the drawn charts of the web layer.
pub struct Bounded<V> {
    capacity: usize,
    entries: Mutex<(HashMap<String, V>, VecDeque<String>)>,
}

impl<V: Clone> Bounded<V> {
    pub fn new(capacity: usize) -> Self {
        Bounded {
            capacity,
            entries: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().ok()?.0.get(key).cloned()
    }

    pub fn put(&self, key: String, value: V) {
        let Ok(mut guard) = self.entries.lock() else {
            return;
        };
        let (map, order) = &mut *guard;
        if map.insert(key.clone(), value).is_none() {
            order.push_back(key);
        }
        while order.len() > self.capacity {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.0.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Engine {
    pub async fn open(settings: &Settings) -> Result<Engine> {
        let (ctx, registration) = crate::engine::cluster::open(settings).await?;
        let mut library = settings.library()?;
        let (kept, version, kept_held) = register_library(&ctx, settings, &mut library).await?;
        let held = registration
            .held
            .iter()
            .map(|name| name.to_string())
            .chain(kept_held)
            .collect();
        Ok(Engine {
            ctx,
            library,
            kept,
            held,
            settings: settings.clone(),
            version,
            fingerprint: fingerprint(&settings.data_dir)?,
            cache: Bounded::new(CACHE_ENTRIES),
            registered: tokio::sync::Mutex::new(0),
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
        let tables = self.in_memory_for(file, params).await?;
        let sql = self.library.expand_reading(file, params, &tables)?;
        if let Some(hit) = self.cache.get(&sql) {
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
        self.cache.put(sql, result.clone());
        Ok(result)
    }

    /// Tables holding the `kept: memory` files `file` reads with parameters other than their
    /// defaults (another lockdown, say), registered the first time they are asked for and
    /// computed on first read, like those of the defaults.
    async fn in_memory_for(
        &self,
        file: &QueryFile,
        params: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>> {
        let mut tables = BTreeMap::new();
        if !self.settings.backend.holds_tables() {
            return Ok(tables);
        }
        for held in self.library.in_memory_for(file, params)? {
            let (dependency, values, table) = (held.file, held.values, held.table);
            let mut registered = self.registered.lock().await;
            if !self.ctx.table_exist(table.as_str())? {
                // Past the cap (parameters come from addresses anyone can type), inlined.
                if *registered >= MEMO_TABLES {
                    continue;
                }
                let sql = self.library.expand_reading(&dependency, &values, &tables)?;
                MemoTable::register(&self.ctx, &table, &sql).await?;
                *registered += 1;
            }
            tables.insert(dependency.name.clone(), table);
        }
        Ok(tables)
    }

    /// How many results are cached (for tests and /healthz).
    pub fn cached_results(&self) -> usize {
        self.cache.len()
    }
}

/// Makes the query files readable as tables in `ctx`: the folder's kept tables where they
/// are current ([`kept`]), then every file as a view. Returns what `kept/` held, the
/// folder's data version ([`content_version`]) and the kept tables held in memory.
pub async fn register_library(
    ctx: &SessionContext,
    settings: &Settings,
    library: &mut Library,
) -> Result<(kept::Status, String, Vec<String>)> {
    let digests = kept::Digests::of(&settings.data_dir)?;
    // A cluster's executors read files, never this process's memory.
    let hold_under = match settings.backend {
        Backend::Embedded => settings.hold_tables_under,
        Backend::Ballista(_) => 0,
    };
    let (status, held) = kept::register(
        ctx,
        &settings.data_dir,
        settings.zone,
        library,
        &digests,
        hold_under,
    )
    .await?;
    let version = digests.tables;
    // Before the views, so the views of the files that name the window carry it too. A
    // cluster's folder is Parquet on this machine too: its two small tables are read here
    // rather than sent to the cluster as a few more jobs.
    let windows = match settings.backend {
        Backend::Embedded => queries::window::study_windows(ctx, library).await?,
        Backend::Ballista(_) => {
            let (local, _) =
                crate::engine::catalog::open(&settings.data_dir, settings.zone).await?;
            queries::window::study_windows(&local, library).await?
        }
    };
    library.set_windows(windows);
    queries::register_views(ctx, library, settings.backend.holds_tables()).await?;
    Ok((status, version, held))
}

/// A hash of the data files: the same files give the same version on any machine, except
/// that files over 64 MiB count by name, size and modification time, so a copy of a large
/// folder gets a version of its own ([`contract::digest_files`]).
pub fn content_version(dir: &Path) -> Result<String> {
    contract::digest_files(dir, &contract::all_data_files(dir)?)
}

/// Names, sizes and modification times of the data files.
pub fn fingerprint(dir: &Path) -> Result<String> {
    let mut text = String::new();
    for path in contract::all_data_files(dir)? {
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
