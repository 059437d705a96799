//! The SQL files of `queries/`: their header (title, description, parameters, the queries
//! they build on), binding parameters, and running them.
//!
//! A query file is plain SQL a planner can read and run elsewhere. Its header is comments:
//!
//! ```sql
//! -- title: 关闭时长 / Closure length
//! -- One row per closure spell that overlaps the lockdown.
//! -- param: lockdown_id text = NULL | the lockdown studied; NULL: the earliest
//! -- uses: study_dates
//! SELECT ... FROM study_dates ...
//! ```
//!
//! `uses:` names other query files the body reads as if they were tables; running the file
//! puts them in front as common table expressions, with the same parameters, so one figure
//! is defined in one file only. `kept: yes` marks a file without parameters that many others
//! read (revenue by shop and day, say): `import` and `generate` keep it as Parquet in the data
//! folder (`engine::kept`), and a folder without a current copy computes it once when opened
//! and holds it as a table (see [`register_views`]). `kept: memory` marks a file many figures
//! build on that is small once computed: the server computes it with its default parameters
//! the first time a query reads it and holds the rows in memory (`engine::memo`); a query that
//! gives it other parameters inlines it as before.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use sha2::{Digest, Sha256};

use crate::engine::contract::{parse_date, parse_timestamp};
use crate::error::{Error, Result};
use window::StudyWindows;

pub mod order;
pub mod window;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub use embedded::DASHBOARDS as EMBEDDED_DASHBOARDS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Date,
    Timestamp,
    Integer,
    Float,
}

impl ParamType {
    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "text" => ParamType::Text,
            "date" => ParamType::Date,
            "timestamp" => ParamType::Timestamp,
            "integer" => ParamType::Integer,
            "float" => ParamType::Float,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    /// A value as a user would type it, or None for SQL NULL.
    pub default: Option<String>,
    pub doc: String,
}

#[derive(Debug, Clone)]
pub struct QueryFile {
    pub name: String,
    pub title: String,
    pub description: String,
    pub params: Vec<Param>,
    pub uses: Vec<String>,
    /// `kept: yes`: a file without parameters that many others read, kept as Parquet in the
    /// data folder by `import` (`engine::kept`), or else computed once when a folder opens.
    pub kept: bool,
    /// `kept: memory`: computed by the server with its default parameters the first time a
    /// query reads it, then held in memory ([`crate::engine::memo`]).
    pub in_memory: bool,
    /// `cells: NAME`: the query file that says which shops make each of this file's rows,
    /// so a figure built from it can be suppressed before it is published (src/figures/export/).
    pub cells: Option<String>,
    /// `keys: a, b`: the columns naming a row: of the figure a cells file describes, or of a
    /// kept file (its Parquet is sorted by them).
    pub keys: Vec<String>,
    /// `measures: a, b` (a cells file with a `measure` column): the figure's columns it
    /// describes one by one; others (households in the two lists) are not about shops.
    pub measures: Vec<String>,
    /// `totals: KEY` (a cells file): the figure's cells add up, over this key (or over its
    /// `measure` columns), to a total that is published too.
    pub totals: Option<String>,
    /// The whole file, header included, as a planner would copy it.
    pub source: String,
    /// For a file whose rows may be held (`kept:`), its `ORDER BY` over its output columns
    /// ([`order::output_order`]), worked out once: rows held for it are read back in it.
    pub order: Option<Vec<String>>,
}

impl QueryFile {
    /// Reads the header of `source`. `name` is the file's stem.
    pub fn parse(name: &str, source: &str) -> Result<Self> {
        let bad = |message: String| Error::Query {
            name: name.to_string(),
            message,
        };
        let mut file = QueryFile {
            name: name.to_string(),
            title: name.to_string(),
            description: String::new(),
            params: Vec::new(),
            uses: Vec::new(),
            kept: false,
            in_memory: false,
            cells: None,
            keys: Vec::new(),
            measures: Vec::new(),
            totals: None,
            source: source.to_string(),
            order: None,
        };
        let mut description = Vec::new();
        for line in source.lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some(comment) = line.strip_prefix("--") else {
                break;
            };
            let comment = comment.trim();
            if let Some(title) = comment.strip_prefix("title:") {
                file.title = title.trim().to_string();
            } else if let Some(param) = comment.strip_prefix("param:") {
                file.params.push(parse_param(param).map_err(bad)?);
            } else if let Some(value) = comment.strip_prefix("kept:") {
                match value.trim() {
                    "yes" | "true" => file.kept = true,
                    "memory" => file.in_memory = true,
                    _ => {}
                }
            } else if let Some(uses) = comment.strip_prefix("uses:") {
                file.uses.extend(names(uses));
            } else if let Some(cells) = comment.strip_prefix("cells:") {
                file.cells = Some(cells.trim().to_string());
            } else if let Some(keys) = comment.strip_prefix("keys:") {
                file.keys.extend(names(keys));
            } else if let Some(measures) = comment.strip_prefix("measures:") {
                file.measures.extend(names(measures));
            } else if let Some(totals) = comment.strip_prefix("totals:") {
                file.totals = Some(totals.trim().to_string());
            } else {
                description.push(comment.to_string());
            }
        }
        file.description = description.join(" ").trim().to_string();
        if file.kept && !file.params.is_empty() {
            return Err(bad(
                "kept: only a file without parameters can be kept as a table".into(),
            ));
        }
        if file.kept || file.in_memory {
            file.order = order::output_order(file.body());
        }
        Ok(file)
    }

    /// The body without the header comment.
    pub fn body(&self) -> &str {
        let mut rest = self.source.as_str();
        loop {
            let trimmed = rest.trim_start();
            if trimmed.starts_with("--") {
                rest = trimmed.split_once('\n').map_or("", |(_, r)| r);
            } else {
                return trimmed;
            }
        }
    }

    /// The title in one language: titles read `中文 / English`.
    pub fn title_in(&self, english: bool) -> &str {
        crate::labels::in_lang(&self.title, english)
    }
}

/// A comma-separated list of names.
fn names(list: &str) -> impl Iterator<Item = String> + '_ {
    list.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

fn parse_param(text: &str) -> std::result::Result<Param, String> {
    let (spec, doc) = text.split_once('|').unwrap_or((text, ""));
    let (spec, default) = match spec.split_once('=') {
        Some((spec, default)) => (spec, Some(default.trim())),
        None => (spec, None),
    };
    let mut words = spec.split_whitespace();
    let name = words
        .next()
        .ok_or("param: needs a name")?
        .trim_start_matches('$')
        .to_string();
    let ty = words.next().unwrap_or("text");
    let ty = ParamType::parse(ty).ok_or(format!(
        "param {name}: unknown type {ty} (text, date, timestamp, integer, float)"
    ))?;
    let default = match default {
        None | Some("NULL") | Some("null") => None,
        Some(value) => Some(value.trim_matches('\'').to_string()),
    };
    Ok(Param {
        name,
        ty,
        default,
        doc: doc.trim().to_string(),
    })
}

/// A `kept: memory` file read with parameters other than its defaults.
#[derive(Debug, Clone)]
pub struct HeldFor {
    pub file: QueryFile,
    /// The parameters of the reading query that are the file's.
    pub values: BTreeMap<String, String>,
    /// A table name for its rows with those parameters.
    pub table: String,
}

/// Every query file, by name.
#[derive(Debug, Clone, Default)]
pub struct Library {
    files: BTreeMap<String, QueryFile>,
    /// Files registered as tables in the context the SQL will run in: read, not inlined.
    held: std::collections::BTreeSet<String>,
    /// Each lockdown's first and last study date in the folder the SQL will run on, bound
    /// as `$study_first` and `$study_last` ([`window`]); none: NULL.
    windows: StudyWindows,
}

impl Library {
    /// The query files built into the binary.
    pub fn embedded() -> Result<Self> {
        let mut library = Library::default();
        for (name, source) in embedded::QUERIES {
            library.insert(QueryFile::parse(name, source)?);
        }
        Ok(library)
    }

    /// The query files of a folder.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let mut library = Library::default();
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        paths.sort();
        for path in paths {
            let source = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            library.insert(QueryFile::parse(name, &source)?);
        }
        Ok(library)
    }

    pub fn insert(&mut self, file: QueryFile) {
        self.files.insert(file.name.clone(), file);
    }

    pub fn get(&self, name: &str) -> Option<&QueryFile> {
        self.files.get(name)
    }

    pub fn files(&self) -> impl Iterator<Item = &QueryFile> {
        self.files.values()
    }

    /// The files marked `kept: yes`.
    pub fn kept(&self) -> impl Iterator<Item = &QueryFile> {
        self.files.values().filter(|f| f.kept)
    }

    /// The files marked `kept: memory`, each after those of them it uses.
    pub fn in_memory(&self) -> Result<Vec<QueryFile>> {
        let mut order = Vec::new();
        for file in self.files.values().filter(|f| f.in_memory) {
            self.all_used(file, &mut order)?;
            order.push(file.name.clone());
        }
        let mut seen = std::collections::BTreeSet::new();
        Ok(order
            .into_iter()
            .filter(|name| seen.insert(name.clone()))
            .filter_map(|name| self.get(&name).filter(|f| f.in_memory).cloned())
            .collect())
    }

    /// Says that `name` is registered as a table in the context the SQL will run in, holding
    /// its rows with the default parameters, so the files that use it with those read it
    /// rather than inlining it.
    pub fn hold(&mut self, name: &str) {
        self.held.insert(name.to_string());
    }

    /// The same files with none held and no study window: every file a query uses is
    /// inlined, and the text is the same whichever folder it runs on (the kept files' hash).
    pub fn inlined(&self) -> Library {
        Library {
            files: self.files.clone(),
            held: Default::default(),
            windows: Default::default(),
        }
    }

    /// Binds `$study_first` and `$study_last` to these windows from now on: they must be
    /// the study windows of the folder the SQL will run on.
    pub fn set_windows(&mut self, windows: StudyWindows) {
        self.windows = windows;
    }

    /// The SQL that runs for `file`: the queries it uses as common table expressions in
    /// front of its body, and every `$param` bound to a literal.
    pub fn expand(&self, file: &QueryFile, values: &BTreeMap<String, String>) -> Result<String> {
        self.expand_reading(file, values, &BTreeMap::new())
    }

    /// Like [`Library::expand`], but each file named in `tables` is read from the table
    /// given there, which holds its rows for these `values`.
    pub fn expand_reading(
        &self,
        file: &QueryFile,
        values: &BTreeMap<String, String>,
        tables: &BTreeMap<String, String>,
    ) -> Result<String> {
        self.expand_with(file, values, tables, true)
    }

    /// The SQL that computes `file` from the files it uses, never from rows held for
    /// itself: what a published figure shows its readers as its definition.
    pub fn definition(
        &self,
        file: &QueryFile,
        values: &BTreeMap<String, String>,
    ) -> Result<String> {
        self.expand_with(file, values, &BTreeMap::new(), false)
    }

    fn expand_with(
        &self,
        file: &QueryFile,
        values: &BTreeMap<String, String>,
        tables: &BTreeMap<String, String>,
        held_rows: bool,
    ) -> Result<String> {
        let params = self.params_of(file)?;
        for name in values.keys() {
            if !params.iter().any(|p| &p.name == name) {
                return Err(Error::Parameter {
                    name: name.clone(),
                    message: format!(
                        "query {} has no such parameter (it has: {})",
                        file.name,
                        params
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        let mut literals = self.literals(&params, values)?;
        let lockdown = params
            .iter()
            .find(|p| p.name == "lockdown_id")
            .and_then(|p| values.get(&p.name).or(p.default.as_ref()));
        let window = self.windows.of(lockdown.map(String::as_str));
        for (name, date) in [
            (window::FIRST, window.map(|w| w.0)),
            (window::LAST, window.map(|w| w.1)),
        ] {
            let literal = date.map_or_else(
                || null_literal(ParamType::Date).to_string(),
                |d| format!("DATE '{d}'"),
            );
            literals.insert(name.to_string(), literal);
        }
        // A held file holds its rows for its default parameters only.
        let mut readable = std::collections::BTreeSet::new();
        for name in &self.held {
            if let Some(held) = self.get(name)
                && self.at_defaults(held, &literals)?
            {
                readable.insert(name.clone());
            }
        }
        // A file held at these values is read back rather than computed again, in the order
        // its body gives; an order not said over its output columns computes it as before.
        if held_rows
            && readable.contains(&file.name)
            && let Some(order) = &file.order
        {
            return Ok(read_back(&file.name, order));
        }
        let sql = self.with_dependencies(file, &readable, tables, &mut Vec::new())?;
        Ok(bind(&sql, &literals))
    }

    /// Each parameter bound to `values`' value, its default, or NULL.
    fn literals(
        &self,
        params: &[Param],
        values: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>> {
        let mut literals = BTreeMap::new();
        for param in params {
            let value = values.get(&param.name).or(param.default.as_ref());
            literals.insert(param.name.clone(), bound(param, value)?);
        }
        Ok(literals)
    }

    fn at_defaults(&self, file: &QueryFile, literals: &BTreeMap<String, String>) -> Result<bool> {
        for param in self.params_of(file)? {
            if literals.get(&param.name) != Some(&bound(&param, param.default.as_ref())?) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The files marked `kept: memory` that `file` reads, directly or through others, with
    /// `values` other than their defaults, each after those of them it uses, with the part
    /// of `values` that is theirs and a name for a table holding their rows for them.
    pub fn in_memory_for(
        &self,
        file: &QueryFile,
        values: &BTreeMap<String, String>,
    ) -> Result<Vec<HeldFor>> {
        let literals = self.literals(&self.params_of(file)?, values)?;
        let mut used = Vec::new();
        self.all_used(file, &mut used)?;
        let mut out = Vec::new();
        for name in used {
            let Some(dependency) = self.get(&name).filter(|f| f.in_memory) else {
                continue;
            };
            if !self.held.contains(&name) || self.at_defaults(dependency, &literals)? {
                continue;
            }
            let params = self.params_of(dependency)?;
            let own: BTreeMap<String, String> = values
                .iter()
                .filter(|(k, _)| params.iter().any(|p| &p.name == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut text = String::new();
            for param in &params {
                text.push_str(&literals[&param.name]);
                text.push('\u{1f}');
            }
            let digest = Sha256::digest(text.as_bytes());
            let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            out.push(HeldFor {
                file: dependency.clone(),
                values: own,
                table: format!("{name}__{hex}"),
            });
        }
        Ok(out)
    }

    /// Parameters of a file and of every file it uses.
    pub fn params_of(&self, file: &QueryFile) -> Result<Vec<Param>> {
        let mut params = file.params.clone();
        for used in &file.uses {
            let used = self.dependency(file, used)?;
            for p in self.params_of(used)? {
                if !params.iter().any(|q| q.name == p.name) {
                    params.push(p);
                }
            }
        }
        Ok(params)
    }

    fn dependency<'a>(&'a self, file: &QueryFile, name: &str) -> Result<&'a QueryFile> {
        self.get(name).ok_or_else(|| Error::Query {
            name: file.name.clone(),
            message: format!("uses: no query file named {name}"),
        })
    }

    /// Every query `file` uses, held or not, into `out` (see [`Library::dependencies`]).
    fn all_used(&self, file: &QueryFile, out: &mut Vec<String>) -> Result<()> {
        self.dependencies(
            file,
            &Default::default(),
            &BTreeMap::new(),
            &mut Vec::new(),
            out,
        )
    }

    /// Every query `file` uses, directly or through others, each once, in an order where a
    /// query comes after those it uses.
    fn dependencies(
        &self,
        file: &QueryFile,
        readable: &std::collections::BTreeSet<String>,
        tables: &BTreeMap<String, String>,
        stack: &mut Vec<String>,
        out: &mut Vec<String>,
    ) -> Result<()> {
        if stack.contains(&file.name) {
            return Err(Error::Query {
                name: file.name.clone(),
                message: format!("uses itself through {}", stack.join(" → ")),
            });
        }
        stack.push(file.name.clone());
        for used in &file.uses {
            let dependency = self.dependency(file, used)?;
            if readable.contains(used) {
                continue;
            }
            if !tables.contains_key(used) {
                self.dependencies(dependency, readable, tables, stack, out)?;
            }
            if !out.contains(used) {
                out.push(used.clone());
            }
        }
        stack.pop();
        Ok(())
    }

    /// The body of `file` with every query it uses in front, as one flat list of common
    /// table expressions (DataFusion, like the SQL standard, refuses a nested WITH that
    /// names one of the outer list again, so a query used twice is defined once).
    fn with_dependencies(
        &self,
        file: &QueryFile,
        readable: &std::collections::BTreeSet<String>,
        tables: &BTreeMap<String, String>,
        stack: &mut Vec<String>,
    ) -> Result<String> {
        let mut used = Vec::new();
        self.dependencies(file, readable, tables, stack, &mut used)?;
        let body = strip_trailing_semicolon(file.body());
        if used.is_empty() {
            return Ok(body.to_string());
        }
        let mut ctes = Vec::new();
        for name in &used {
            if let Some(table) = tables.get(name) {
                ctes.push(format!("{name} AS (SELECT * FROM \"{table}\")"));
                continue;
            }
            let dependency = self.dependency(file, name)?;
            let inner = strip_trailing_semicolon(dependency.body());
            ctes.push(format!("{name} AS (\n{inner}\n)"));
        }
        // A body that starts with its own WITH continues our list of common table expressions.
        let sql = match strip_keyword(body, "WITH") {
            Some(rest) => format!("WITH {},\n{rest}", ctes.join(",\n")),
            None => format!("WITH {}\n{body}", ctes.join(",\n")),
        };
        Ok(sql)
    }
}

/// The rows held as table `name`, in `order` (output columns, `order::output_order`).
fn read_back(name: &str, order: &[String]) -> String {
    if order.is_empty() {
        format!("SELECT * FROM {name}")
    } else {
        format!("SELECT * FROM {name} ORDER BY {}", order.join(", "))
    }
}

fn strip_trailing_semicolon(sql: &str) -> &str {
    sql.trim_end().trim_end_matches(';').trim_end()
}

fn strip_keyword<'a>(sql: &'a str, keyword: &str) -> Option<&'a str> {
    let head = sql.get(..keyword.len())?;
    let rest = &sql[keyword.len()..];
    (head.eq_ignore_ascii_case(keyword) && rest.starts_with(char::is_whitespace)).then_some(rest)
}

/// The literal a parameter is bound to: `value`, or NULL without one.
fn bound(param: &Param, value: Option<&String>) -> Result<String> {
    match value {
        Some(value) => literal(param, value),
        None => Ok(null_literal(param.ty).to_string()),
    }
}

fn null_literal(ty: ParamType) -> &'static str {
    match ty {
        ParamType::Text => "CAST(NULL AS VARCHAR)",
        ParamType::Date => "CAST(NULL AS DATE)",
        ParamType::Timestamp => "CAST(NULL AS TIMESTAMP)",
        ParamType::Integer => "CAST(NULL AS BIGINT)",
        ParamType::Float => "CAST(NULL AS DOUBLE)",
    }
}

/// A value checked against its type and written as a SQL literal: user input never reaches
/// the SQL text except as a quoted, escaped string or a parsed number.
fn literal(param: &Param, value: &str) -> Result<String> {
    let bad = |expected: &str| Error::Parameter {
        name: param.name.clone(),
        message: format!("{value:?} is not {expected}"),
    };
    Ok(match param.ty {
        ParamType::Text => quote(value),
        ParamType::Date => {
            let date = parse_date(value).ok_or_else(|| bad("a date (YYYY-MM-DD)"))?;
            format!("DATE '{date}'")
        }
        ParamType::Timestamp => {
            let (micros, _) = parse_timestamp(value, &chrono_tz::UTC)
                .ok_or_else(|| bad("a timestamp (2022-04-23T02:00:00+08:00)"))?;
            format!("to_timestamp_micros({micros}, 'UTC')")
        }
        ParamType::Integer => value
            .parse::<i64>()
            .map_err(|_| bad("a whole number"))?
            .to_string(),
        ParamType::Float => {
            let f = value.parse::<f64>().map_err(|_| bad("a number"))?;
            if !f.is_finite() {
                return Err(bad("a finite number"));
            }
            format!("{f:?}")
        }
    })
}

pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Replaces each `$name` (a whole identifier) by its literal.
pub fn bind(sql: &str, literals: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        match literals.get(name) {
            Some(lit) if len > 0 => out.push_str(lit),
            _ => {
                out.push('$');
                out.push_str(name);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Parses `KEY=VALUE` pairs as given on the command line or in a URL.
pub fn parse_assignments(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| Error::Parameter {
            name: pair.clone(),
            message: "write parameters as KEY=VALUE".into(),
        })?;
        out.insert(
            key.trim().trim_start_matches('$').to_string(),
            value.to_string(),
        );
    }
    Ok(out)
}

/// The result of a query: its schema (known even with no rows) and its batches.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// The result's column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
}

/// Runs one SQL statement.
pub async fn run_sql(ctx: &SessionContext, sql: &str) -> Result<QueryResult> {
    let df = ctx.sql(sql).await?;
    let schema: SchemaRef = df.schema().inner().clone();
    let batches = df.collect().await?;
    Ok(QueryResult { schema, batches })
}

/// Registers every query file as a view with its default parameters, so a planner can
/// `SELECT * FROM closure_length WHERE category = 'barber'` as if it were a table. Files
/// marked `kept: yes` that are not registered yet (from the folder's kept Parquet) are
/// computed now and held as tables, and the library reads them from there from now on;
/// files marked `kept: memory` are held the same way, but computed on first read. A file
/// that does not plan on this data is skipped with a warning rather than stopping the rest.
pub async fn register_views(
    ctx: &SessionContext,
    library: &mut Library,
    hold_in_memory: bool,
) -> Result<()> {
    // A cluster's executors cannot read this process's memory: there every file stays a view.
    let held: Vec<QueryFile> = library
        .kept()
        .filter(|f| hold_in_memory && !library.held.contains(&f.name))
        .cloned()
        .collect();
    // From every order, this takes minutes at a city's size: say what is being computed.
    let bar = indicatif::ProgressBar::new(held.len() as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "computing the kept tables in memory {bar:20} {pos}/{len} {msg} {elapsed}",
    ) {
        bar.set_style(style);
    }
    if !held.is_empty() {
        bar.enable_steady_tick(std::time::Duration::from_millis(500));
    }
    for file in held {
        bar.set_message(file.name.clone());
        if ctx.table_exist(file.name.as_str())? {
            bar.inc(1);
            continue;
        }
        let sql = library.expand(&file, &BTreeMap::new())?;
        let result = run_sql(ctx, &sql).await?;
        bar.inc(1);
        // The batches' own schema: Parquet strings arrive as views where the plan said Utf8.
        let schema = result
            .batches
            .first()
            .map_or(result.schema.clone(), |b| b.schema());
        let table = datafusion::datasource::MemTable::try_new(schema, vec![result.batches])?;
        ctx.register_table(file.name.as_str(), std::sync::Arc::new(table))?;
        library.held.insert(file.name.clone());
    }
    bar.finish_and_clear();
    if hold_in_memory {
        for file in library.in_memory()? {
            if ctx.table_exist(file.name.as_str())? {
                continue;
            }
            let sql = library.expand(&file, &BTreeMap::new())?;
            match crate::engine::memo::MemoTable::register(ctx, &file.name, &sql).await {
                Ok(()) => {
                    library.held.insert(file.name.clone());
                }
                // Left to be registered as a view below, which says why it does not plan.
                Err(e) => tracing::debug!(query = %file.name, error = %e, "not held in memory"),
            }
        }
    }
    for file in library.files() {
        if library.held.contains(&file.name) {
            continue;
        }
        if ctx.table_exist(file.name.as_str())? {
            tracing::warn!(query = %file.name, "a table has this name; the query is not registered as a view");
            continue;
        }
        let sql = library.expand(file, &BTreeMap::new())?;
        if let Err(e) = ctx
            .sql(&format!("CREATE VIEW {} AS {sql}", file.name))
            .await
        {
            tracing::warn!(query = %file.name, error = %Error::from(e), "not registered as a view");
        }
    }
    Ok(())
}

/// Runs a query file with parameters.
pub async fn run(
    ctx: &SessionContext,
    library: &Library,
    name: &str,
    params: &BTreeMap<String, String>,
) -> Result<QueryResult> {
    let file = library.get(name).ok_or_else(|| Error::Query {
        name: name.to_string(),
        message: "no such query file".into(),
    })?;
    let sql = library.expand(file, params)?;
    run_sql(ctx, &sql).await.map_err(|e| match e {
        Error::Sql(message) => Error::Query {
            name: name.to_string(),
            message,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATES: &str = "-- title: 日期 / Dates\n-- The studied dates.\n-- param: lockdown_id text = NULL | which lockdown\nSELECT $lockdown_id AS id";

    #[test]
    fn header_gives_title_params_and_description() {
        let file = QueryFile::parse("dates", DATES).unwrap();
        assert_eq!(file.title_in(false), "日期");
        assert_eq!(file.title_in(true), "Dates");
        assert_eq!(file.description, "The studied dates.");
        assert_eq!(file.params[0].name, "lockdown_id");
        assert_eq!(file.params[0].default, None);
        assert_eq!(file.body(), "SELECT $lockdown_id AS id");
    }

    #[test]
    fn uses_become_common_table_expressions_with_the_same_parameters() {
        let mut library = Library::default();
        library.insert(QueryFile::parse("dates", DATES).unwrap());
        library.insert(
            QueryFile::parse(
                "top",
                "-- uses: dates\nWITH x AS (SELECT id FROM dates) SELECT * FROM x;",
            )
            .unwrap(),
        );
        let top = library.get("top").unwrap().clone();
        let values = BTreeMap::from([("lockdown_id".to_string(), "it's".to_string())]);
        assert_eq!(
            library.expand(&top, &values).unwrap(),
            "WITH dates AS (\nSELECT 'it''s' AS id\n),\n x AS (SELECT id FROM dates) SELECT * FROM x"
        );
        let defaults = library.expand(&top, &BTreeMap::new()).unwrap();
        assert!(defaults.contains("SELECT CAST(NULL AS VARCHAR) AS id"));
    }

    #[test]
    fn a_held_file_is_read_at_its_defaults_and_inlined_with_other_parameters() {
        let mut library = Library::default();
        let memory = DATES.replace("-- param:", "-- kept: memory\n-- param:");
        library.insert(QueryFile::parse("dates", &memory).unwrap());
        library.insert(QueryFile::parse("top", "-- uses: dates\nSELECT * FROM dates").unwrap());
        assert!(library.get("dates").unwrap().in_memory);
        assert_eq!(library.in_memory().unwrap().len(), 1);
        library.hold("dates");
        let top = library.get("top").unwrap().clone();
        assert_eq!(
            library.expand(&top, &BTreeMap::new()).unwrap(),
            "SELECT * FROM dates"
        );
        let values = BTreeMap::from([("lockdown_id".to_string(), "L2".to_string())]);
        assert_eq!(
            library.expand(&top, &values).unwrap(),
            "WITH dates AS (\nSELECT 'L2' AS id\n)\nSELECT * FROM dates"
        );
        // Asked for itself at its defaults, it is read back in its body's order.
        let dates = library.get("dates").unwrap().clone();
        assert_eq!(
            library.expand(&dates, &BTreeMap::new()).unwrap(),
            "SELECT * FROM dates"
        );
        assert_eq!(
            library.expand(&dates, &values).unwrap(),
            "SELECT 'L2' AS id"
        );
        let ordered = memory.replace(
            "SELECT $lockdown_id AS id",
            "SELECT $lockdown_id AS id ORDER BY id DESC",
        );
        library.insert(QueryFile::parse("dates", &ordered).unwrap());
        let dates = library.get("dates").unwrap().clone();
        assert_eq!(
            library.expand(&dates, &BTreeMap::new()).unwrap(),
            "SELECT * FROM dates ORDER BY \"id\" DESC"
        );
        // What a published figure shows as its definition computes it.
        assert_eq!(
            library.definition(&dates, &BTreeMap::new()).unwrap(),
            "SELECT CAST(NULL AS VARCHAR) AS id ORDER BY id DESC"
        );
        // With a table holding those rows, it is read from there.
        let held = library.in_memory_for(&top, &values).unwrap();
        assert_eq!(held.len(), 1);
        let HeldFor {
            file,
            values: own,
            table,
        } = &held[0];
        assert_eq!((file.name.as_str(), own), ("dates", &values));
        assert!(table.starts_with("dates__"), "{table}");
        let tables = BTreeMap::from([("dates".to_string(), table.clone())]);
        assert_eq!(
            library.expand_reading(&top, &values, &tables).unwrap(),
            format!("WITH dates AS (SELECT * FROM \"{table}\")\nSELECT * FROM dates")
        );
        assert!(
            library
                .in_memory_for(&top, &BTreeMap::new())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unknown_and_mistyped_parameters_are_errors() {
        let mut library = Library::default();
        library.insert(QueryFile::parse("dates", DATES).unwrap());
        library.insert(QueryFile::parse("n", "-- param: days integer = 7\nSELECT $days").unwrap());
        let dates = library.get("dates").unwrap().clone();
        let unknown = BTreeMap::from([("lockdown".to_string(), "x".to_string())]);
        assert!(library.expand(&dates, &unknown).is_err());
        let n = library.get("n").unwrap().clone();
        let injected = BTreeMap::from([("days".to_string(), "1; DROP TABLE shops".to_string())]);
        assert!(library.expand(&n, &injected).is_err());
        assert_eq!(library.expand(&n, &BTreeMap::new()).unwrap(), "SELECT 7");
    }

    #[test]
    fn the_study_window_is_bound_for_the_lockdown_asked_and_null_otherwise() {
        let mut library = Library::default();
        library.insert(
            QueryFile::parse(
                "days",
                "-- param: lockdown_id text = NULL | which lockdown\nSELECT $study_first AS a, $study_last AS b",
            )
            .unwrap(),
        );
        let days = library.get("days").unwrap().clone();
        let nulls = "SELECT CAST(NULL AS DATE) AS a, CAST(NULL AS DATE) AS b";
        assert_eq!(library.expand(&days, &BTreeMap::new()).unwrap(), nulls);
        let date = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        library.set_windows(StudyWindows::from_iter([
            (None, (date("2022-03-19"), date("2022-05-27"))),
            (
                Some("L2".to_string()),
                (date("2022-05-06"), date("2022-07-09")),
            ),
        ]));
        assert_eq!(
            library.expand(&days, &BTreeMap::new()).unwrap(),
            "SELECT DATE '2022-03-19' AS a, DATE '2022-05-27' AS b"
        );
        let l2 = BTreeMap::from([("lockdown_id".to_string(), "L2".to_string())]);
        assert_eq!(
            library.expand(&days, &l2).unwrap(),
            "SELECT DATE '2022-05-06' AS a, DATE '2022-07-09' AS b"
        );
        let unknown = BTreeMap::from([("lockdown_id".to_string(), "L9".to_string())]);
        assert_eq!(library.expand(&days, &unknown).unwrap(), nulls);
        // Not a parameter: a user cannot set the window.
        let set = BTreeMap::from([("study_first".to_string(), "2022-01-01".to_string())]);
        assert!(library.expand(&days, &set).is_err());
        // Nor does the text kept files are hashed by depend on it.
        assert_eq!(
            library.inlined().expand(&days, &BTreeMap::new()).unwrap(),
            nulls
        );
    }

    #[test]
    fn bind_replaces_whole_names_only() {
        let literals = BTreeMap::from([("a".to_string(), "1".to_string())]);
        assert_eq!(bind("$a + $ab + $", &literals), "1 + $ab + $");
    }
}
