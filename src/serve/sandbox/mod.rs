//! What untrusted SQL may do: the SQL console, `POST /api/sql` and the Postgres wire all
//! run a planner's SQL through here, never through [`crate::engine::queries::run_sql`].
//!
//! - **One read-only statement**: parsed with DataFusion's own parser first, so a second
//!   statement, a write, DDL, `COPY`, `SET` or `EXPLAIN ANALYZE` is refused with its kind
//!   named, before anything is planned; DataFusion's `SQLOptions` then refuse DDL, DML and
//!   statements again at planning, in case the parser and the planner ever disagree.
//! - **Only the registered tables**: each query gets a fresh `SessionContext` holding the
//!   contract's tables and the query files' views, and nothing else. DataFusion 55 reads
//!   files named in `FROM '/path/file.csv'` only when a context calls `enable_url_table()`
//!   (the fresh context does not), `CREATE EXTERNAL TABLE` and `COPY` are refused above, and
//!   its only table functions (`generate_series`, `range`) read no files. A table name that
//!   looks like a path or URL is refused with a message saying so.
//! - **`customer_ref` stays inside**: the sandbox's `orders` has every column but
//!   `customer_ref`; `shop_day_customers` offers distinct customers per shop and local date.
//! - **Limits**: a time limit that stops the work (the query runs in its own task, aborted
//!   when the limit passes or the caller goes away: dropping DataFusion's stream cancels its
//!   tasks), a memory pool per query with spilling to disk switched off (over it, a clear
//!   error), a row cap, and a semaphore so at most N ad-hoc queries run at once. The slot
//!   is held by the query's task, so it is free again only once the work has stopped.
//! - **Bounded before parsing** ([`front`]): length, tokens and bracket depth, so no tree is
//!   deeper than the big stacks of the sandbox's threads hold; parsing, planning and running
//!   all happen on those threads, never on the server's.
//! - **Memory that operators do not count** ([`bounded`]): functions that build strings or
//!   lists (`repeat`, `lpad`, `||`, …) refuse past a size; every batch between two operators
//!   and the collected result are counted in the query's pool.
//! - **`EXPLAIN` without the server's paths**: the data folder reads as `<data>`.

mod bounded;
mod dialect;
mod front;
pub mod postgres;
mod stop;

pub use bounded::VALUE_BYTES;
pub use front::{MAX_BYTES, MAX_DEPTH, MAX_TOKENS, bound};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::error::DataFusionError;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{SetExpr, Statement as SqlStatement};
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::engine::Engine;
use crate::engine::contract;
use crate::engine::functions;
use crate::engine::queries::QueryResult;
use crate::engine::sized;
use crate::error::{Error, Result};

/// How much untrusted SQL may take. Every field is a `serve` setting (README, "The SQL
/// console").
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock time one query may run, planning included.
    pub timeout: Duration,
    /// Bytes of memory one query's operators may hold (DataFusion's memory pool).
    pub memory: usize,
    /// Rows shown on a page and returned by the API; the rest is cut and said so.
    pub page_rows: usize,
    /// Rows a download may carry.
    pub export_rows: usize,
    /// Ad-hoc queries that may run at once; the dashboards keep the other cores.
    pub concurrent: usize,
    /// How long a query waits for a free slot before the caller is told to come back.
    pub wait: Duration,
}

/// The stack of each thread that parses, plans and runs untrusted SQL. A chain of
/// [`MAX_TOKENS`] tokens is at most 1,000 operators deep; 2,000 terms overflowed 2 MiB
/// (tokio's default) and aborted the server, while these stacks planned 5,000 terms without
/// overflowing. Reserved, not used: the pages are touched only by a deep plan.
pub const STACK_BYTES: usize = 256 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(10),
            memory: 512 << 20,
            page_rows: 10_000,
            export_rows: 1_000_000,
            concurrent: 2,
            wait: Duration::from_secs(2),
        }
    }
}

/// The tables untrusted SQL sees, taken from an opened data folder. Cheap to clone into a
/// context: each is an `Arc` of the engine's own table or view.
#[derive(Clone)]
pub struct Tables {
    zone: Tz,
    list: Vec<(String, Arc<dyn TableProvider>)>,
    /// The data folder as DataFusion prints it in a plan (absolute, with and without its
    /// leading `/`), longest first: `EXPLAIN` shows `<data>` instead.
    hidden_paths: Vec<String>,
    /// The Postgres catalog of these tables, for the wire's queries.
    postgres: Arc<postgres::Catalog>,
}

/// Who sends a query: the console and the API, or a Postgres client over the wire, whose
/// queries see `pg_catalog` and are rewritten from Postgres's SQL ([`dialect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Console,
    Postgres,
}

/// The column of `orders` that never leaves the sandbox row by row.
pub const HIDDEN_COLUMN: (&str, &str) = ("orders", "customer_ref");

/// The table of distinct customers per shop and local date, the only way analysts see
/// `customer_ref` (a kept query file, `queries/shop_day_customers.sql`).
pub const CUSTOMERS_VIEW: &str = "shop_day_customers";

impl Tables {
    /// Every table and view of `engine`'s context, with `orders` narrowed.
    pub async fn of(engine: &Engine) -> Result<Tables> {
        let zone = engine.settings.zone;
        let options = engine.ctx.state().config().options().catalog.clone();
        let schema = engine
            .ctx
            .catalog(&options.default_catalog)
            .and_then(|c| c.schema(&options.default_schema))
            .ok_or_else(|| Error::Other("the engine has no default schema".into()))?;
        let mut list = Vec::new();
        for name in schema.table_names() {
            if let Some(table) = schema.table(&name).await? {
                list.push((name, table));
            }
        }
        list.sort_by(|a, b| a.0.cmp(&b.0));

        let (table, hidden) = HIDDEN_COLUMN;
        if let Some(slot) = list.iter().position(|(name, _)| name == table) {
            let scratch = new_context(zone, None)?;
            scratch.register_table(table, list[slot].1.clone())?;
            let columns: Vec<String> = contract::table(table)
                .map(|spec| spec.columns.iter().map(|c| c.name.to_string()).collect())
                .unwrap_or_default();
            let visible: Vec<&str> = columns
                .iter()
                .map(String::as_str)
                .filter(|c| *c != hidden)
                .collect();
            let narrowed = scratch.table(table).await?.select_columns(&visible)?;
            list[slot].1 = narrowed.into_view();
        }
        let views = list
            .iter()
            .filter_map(|(name, _)| {
                let query = engine.library.get(name)?;
                Some((
                    name.clone(),
                    format!("{}: {}", query.title, query.description),
                ))
            })
            .collect();
        let postgres = postgres::Catalog::new(&postgres::relations(&list, &views), zone.name())?;
        Ok(Tables {
            zone,
            list,
            hidden_paths: hidden_paths(&engine.settings.data_dir),
            postgres: Arc::new(postgres),
        })
    }

    /// Table names, for the console's sidebar.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(n, _)| n.as_str())
    }

    /// The schema a table has inside the sandbox.
    pub fn schema(&self, name: &str) -> Option<SchemaRef> {
        self.list
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.schema())
    }

    fn context(&self, memory: usize, threads: usize, client: Client) -> Result<SessionContext> {
        let mut ctx = new_context(self.zone, Some((memory, threads)))?;
        if client == Client::Postgres {
            // Postgres's own catalog functions replace DataFusion's of the same name
            // (`version()`); the size-bounded ones are registered after, and win.
            self.postgres.register(&ctx, self.zone.name())?;
        }
        bounded::register(&mut ctx, bounded::Caps::for_memory(memory))?;
        for (name, table) in &self.list {
            ctx.register_table(name.as_str(), table.clone())?;
        }
        Ok(ctx)
    }
}

/// The ways a plan may print `dir`, longest first.
fn hidden_paths(dir: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    for path in [
        std::fs::canonicalize(dir).ok(),
        std::path::absolute(dir).ok(),
    ]
    .into_iter()
    .flatten()
    {
        let text = path.to_string_lossy().trim_end_matches('/').to_string();
        if text.len() > 1 {
            paths.push(text.trim_start_matches('/').to_string());
            paths.push(text);
        }
    }
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    paths.dedup();
    paths
}

/// A context like [`catalog::new_context`]'s, with no disk to spill to (a planner's query
/// must not fill the server's disk), and, for a query, its own memory pool and as many
/// partitions as the sandbox has threads.
fn new_context(zone: Tz, limits: Option<(usize, usize)>) -> Result<SessionContext> {
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .set_str("datafusion.execution.time_zone", zone.name());
    let mut runtime = RuntimeEnvBuilder::new().with_disk_manager_builder(
        DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
    );
    if let Some((bytes, threads)) = limits {
        runtime = runtime.with_memory_limit(bytes, 1.0);
        config = config.with_target_partitions(threads);
    }
    let ctx = sized::sized_context(config, runtime.build_arc()?);
    functions::register(&ctx, zone);
    Ok(ctx)
}

/// A query's rows, cut at the row cap.
#[derive(Debug, Clone)]
pub struct Answer {
    pub result: QueryResult,
    /// More rows were there than the cap let through.
    pub truncated: bool,
    pub elapsed: Duration,
}

impl Answer {
    /// Bytes the rows hold in memory (a cut batch still holds its whole buffers).
    pub fn memory_size(&self) -> usize {
        self.result
            .batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum()
    }
}

/// The limits, the slots and the threads for ad-hoc queries; one per server, across
/// reloads of the data.
pub struct Sandbox {
    pub limits: Limits,
    slots: Arc<Semaphore>,
    /// Ad-hoc queries run on their own threads (half the cores, at least one), never on the
    /// server's: a heavy join slows itself, not the officials' dashboards.
    runtime: Option<tokio::runtime::Runtime>,
    threads: usize,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio forbids inside another runtime (the server
        // and the tests drop the sandbox there); let its threads end on their own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Ad-hoc SQL gives way to the officials' pages when both want a core: on Linux a thread's
/// nice value is its own, so the sandbox's threads run at nice 10 and the server's at 0. A
/// heavy join still gets every idle cycle.
fn yield_to_the_dashboards() {
    #[cfg(target_os = "linux")]
    // SAFETY: `setpriority` with `who = 0` changes the calling thread's own nice value and
    // touches no memory of ours.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

impl Sandbox {
    pub fn new(limits: Limits) -> Result<Sandbox> {
        let threads = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_stack_size(STACK_BYTES)
            // Blocking threads (file reads) get the same stacks; a few are enough.
            .max_blocking_threads(16)
            .thread_name("yanhuo-sql")
            .on_thread_start(yield_to_the_dashboards)
            .enable_all()
            .build()
            .map_err(|e| Error::Other(format!("starting the threads for ad-hoc SQL: {e}")))?;
        Ok(Sandbox {
            slots: Arc::new(Semaphore::new(limits.concurrent.max(1))),
            limits,
            runtime: Some(runtime),
            threads,
        })
    }

    /// Runs one untrusted statement on `tables`, keeping at most `row_cap` rows. `params`
    /// fill `$name` placeholders as typed values (never pasted into the SQL text).
    pub async fn run(
        &self,
        tables: &Tables,
        sql: &str,
        params: &BTreeMap<String, ScalarValue>,
        row_cap: usize,
    ) -> Result<Answer> {
        self.run_for(Client::Console, tables, sql, params, row_cap)
            .await
    }

    /// [`Sandbox::run`] for `client`: a Postgres client's SQL is rewritten first, and its
    /// context has the Postgres catalog.
    pub async fn run_for(
        &self,
        client: Client,
        tables: &Tables,
        sql: &str,
        params: &BTreeMap<String, ScalarValue>,
        row_cap: usize,
    ) -> Result<Answer> {
        bound(sql)?;
        let slot = tokio::time::timeout(self.limits.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy {
                running: self.limits.concurrent,
            })?
            .map_err(|_| Error::Other("the sandbox is closed".into()))?;
        let ctx = tables.context(self.limits.memory, self.threads, client)?;
        let catalog = tables.postgres.clone();
        let sql = sql.to_string();
        let params: Vec<(String, ScalarValue)> =
            params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let hidden = tables.hidden_paths.clone();
        let memory = self.limits.memory;
        let started = Instant::now();
        // A task on the sandbox's threads, so the time limit fires even while DataFusion is
        // busy. Aborting a task takes effect only when it yields, and DataFusion yields
        // rarely inside a join that multiplies rows (a cross join's output never passes
        // through a cooperative scan), so every operator also checks a stop flag between
        // batches (see `stop`); dropping the stream then stops DataFusion's own tasks.
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut task = AbortOnDrop {
            task: self.runtime()?.spawn(async move {
                // The slot goes with the work, not with the caller: a task that has timed out
                // is dropped only when its current call returns, and until then it still
                // holds the threads and the memory the next query would get.
                let _slot: OwnedSemaphorePermit = slot;
                // Checked here, on the sandbox's stacks (see `Sandbox::check`), and after the
                // slot: a busy sandbox answers "busy" within its wait, not after the query
                // that keeps it busy.
                let sql = translate(client, &catalog, sql);
                check(&sql)?;
                collect(&ctx, &sql, params, row_cap, flag, &hidden)
                    .await
                    .map_err(|e| explain(memory, e))
            }),
            stop,
        };
        let limit = self.limits.timeout;
        let (result, truncated) = match tokio::time::timeout(limit, &mut task.task).await {
            Err(_) => {
                return Err(Error::TimeLimit {
                    seconds: limit.as_secs_f64(),
                });
            }
            Ok(joined) => joined.map_err(failed)??,
        };
        Ok(Answer {
            result,
            truncated,
            elapsed: started.elapsed(),
        })
    }

    /// The columns `sql` would return and the types of its `$1`, `$2`, … placeholders
    /// (None where DataFusion cannot tell), without running it: Postgres clients ask before
    /// they execute.
    pub async fn describe(
        &self,
        tables: &Tables,
        sql: &str,
    ) -> Result<(SchemaRef, Vec<Option<DataType>>)> {
        self.describe_for(Client::Console, tables, sql).await
    }

    /// [`Sandbox::describe`] for `client`, as [`Sandbox::run_for`].
    pub async fn describe_for(
        &self,
        client: Client,
        tables: &Tables,
        sql: &str,
    ) -> Result<(SchemaRef, Vec<Option<DataType>>)> {
        bound(sql)?;
        let ctx = tables.context(self.limits.memory, self.threads, client)?;
        let catalog = tables.postgres.clone();
        let sql = sql.to_string();
        let memory = self.limits.memory;
        let planning = self.runtime()?.spawn(async move {
            let sql = translate(client, &catalog, sql);
            check(&sql)?;
            let planned = ctx
                .sql_with_options(&sql, options())
                .await
                .map_err(|e| explain(memory, e))?;
            let types = planned
                .logical_plan()
                .get_parameter_types()
                .map_err(|e| explain(memory, e))?;
            let params = (1..=types.len())
                .map(|i| types.get(&format!("${i}")).cloned().flatten())
                .collect();
            Ok((planned.schema().inner().clone(), params))
        });
        let planning = AbortOnDrop {
            task: planning,
            stop: Arc::new(AtomicBool::new(false)),
        };
        tokio::time::timeout(self.limits.timeout, planning.wait())
            .await
            .map_err(|_| Error::TimeLimit {
                seconds: self.limits.timeout.as_secs_f64(),
            })?
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime
            .as_ref()
            .ok_or_else(|| Error::Other("the sandbox is closed".into()))
    }
}

/// The SQL that runs for `client`: a Postgres client's, rewritten ([`dialect`]); on the
/// sandbox's threads, since the rewrite parses it.
fn translate(client: Client, catalog: &postgres::Catalog, sql: String) -> String {
    match client {
        Client::Console => sql,
        Client::Postgres => dialect::rewrite(&sql, catalog).unwrap_or(sql),
    }
}

/// A task of the sandbox that panicked (DataFusion's bug, not the planner's): the server
/// goes on, the caller gets a server error.
fn failed(join: tokio::task::JoinError) -> Error {
    Error::Other(format!("the query's task failed: {join}"))
}

/// DataFusion's error as the user should read it: the memory pool's refusal (or a bounded
/// function's) becomes a memory-limit error, everything else DataFusion's innermost message.
fn explain(memory: usize, e: DataFusionError) -> Error {
    match e.find_root() {
        DataFusionError::ResourcesExhausted(message) => Error::MemoryLimit {
            limit_mib: memory >> 20,
            message: message.clone(),
        },
        root => Error::Sql(root.to_string()),
    }
}

/// Stops a query when the caller stops waiting for it: raises the flag every operator of
/// the plan checks between batches, and aborts the task that drives it.
struct AbortOnDrop<T> {
    task: tokio::task::JoinHandle<T>,
    stop: Arc<AtomicBool>,
}

impl<T> AbortOnDrop<Result<T>> {
    async fn wait(mut self) -> Result<T> {
        (&mut self.task).await.map_err(failed)?
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.abort();
    }
}

fn options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

async fn collect(
    ctx: &SessionContext,
    sql: &str,
    params: Vec<(String, ScalarValue)>,
    row_cap: usize,
    stop: Arc<AtomicBool>,
    hidden_paths: &[String],
) -> std::result::Result<(QueryResult, bool), DataFusionError> {
    let mut df = ctx.sql_with_options(sql, options()).await?;
    if !params.is_empty() {
        df = df.with_param_values(params)?;
    }
    let explain = matches!(df.logical_plan(), LogicalPlan::Explain(_));
    let schema: SchemaRef = df.schema().inner().clone();
    let task_ctx = Arc::new(df.task_ctx());
    // The rows kept count in the query's pool: a wide result fails at the memory limit
    // instead of growing past it.
    let kept = MemoryConsumer::new("the result's rows").register(task_ctx.memory_pool());
    let plan = stop::stoppable(df.create_physical_plan().await?, &stop)?;
    let mut stream = execute_stream(plan, task_ctx)?;
    let mut batches = Vec::new();
    let mut rows = 0;
    let mut truncated = false;
    while let Some(batch) = stream.next().await {
        let mut batch = batch?;
        if rows + batch.num_rows() > row_cap {
            batch = batch.slice(0, row_cap - rows);
            truncated = true;
        }
        kept.try_grow(batch.get_array_memory_size())?;
        rows += batch.num_rows();
        if explain {
            batch = hide_paths(&batch, hidden_paths)?;
        }
        batches.push(batch);
        if truncated {
            break;
        }
    }
    Ok((QueryResult { schema, batches }, truncated))
}

/// A plan's text with the data folder as `<data>`: where the server keeps its files is not
/// a planner's business, and not an attacker's.
fn hide_paths(
    batch: &RecordBatch,
    hidden: &[String],
) -> std::result::Result<RecordBatch, DataFusionError> {
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|column| match column.data_type() {
            DataType::Utf8 => {
                let text: StringArray = column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| {
                        v.map(|v| {
                            hidden
                                .iter()
                                .fold(v.to_string(), |t, path| t.replace(path.as_str(), "<data>"))
                        })
                    })
                    .collect();
                Arc::new(text) as ArrayRef
            }
            _ => column.clone(),
        })
        .collect();
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Refuses anything but one read-only query, naming what it found.
pub fn check(sql: &str) -> Result<()> {
    let statements = DFParser::parse_sql(sql).map_err(|e| Error::Sql(e.to_string()))?;
    let statement = match statements.len() {
        0 => return Err(Error::Refused("no SQL statement given".into())),
        1 => &statements[0],
        n => {
            return Err(Error::Refused(format!(
                "{n} statements given: run one read-only statement at a time"
            )));
        }
    };
    let kind = match statement {
        DfStatement::Statement(s) => match s.as_ref() {
            // SELECT … INTO parses as a query but creates a table.
            SqlStatement::Query(q) if matches!(q.body.as_ref(), SetExpr::Select(select) if select.into.is_some()) => {
                Some("SELECT … INTO".to_string())
            }
            SqlStatement::Query(_) => None,
            SqlStatement::Explain {
                analyze, statement, ..
            } => {
                if *analyze {
                    Some("EXPLAIN ANALYZE".to_string())
                } else if matches!(statement.as_ref(), SqlStatement::Query(_)) {
                    None
                } else {
                    Some(format!("EXPLAIN {}", kind_of(&statement.to_string())))
                }
            }
            other => Some(kind_of(&other.to_string())),
        },
        DfStatement::Explain(explain) => {
            if explain.options.analyze {
                Some("EXPLAIN ANALYZE".to_string())
            } else {
                match explain.statement.as_ref() {
                    DfStatement::Statement(s) if matches!(s.as_ref(), SqlStatement::Query(_)) => {
                        None
                    }
                    other => Some(format!("EXPLAIN {}", kind_of(&other.to_string()))),
                }
            }
        }
        DfStatement::CreateExternalTable(_) => Some("CREATE EXTERNAL TABLE".to_string()),
        DfStatement::CopyTo(_) => Some("COPY".to_string()),
        DfStatement::Reset(_) => Some("RESET".to_string()),
    };
    if let Some(kind) = kind {
        return Err(Error::Refused(format!(
            "{kind} is not allowed here: only one read-only query (SELECT, WITH, VALUES or EXPLAIN) may run"
        )));
    }
    // Table names that are paths or URLs: DataFusion would not read them here (URL tables
    // are off), but "table not found" would leave a planner guessing.
    let probe = SessionContext::new();
    let references = probe
        .state()
        .resolve_table_references(statement)
        .map_err(|e| Error::Sql(e.find_root().to_string()))?;
    for reference in references {
        let name = reference.table();
        let lower = name.to_ascii_lowercase();
        if name.contains(['/', '\\', ':'])
            || [".csv", ".parquet", ".json", ".arrow", ".avro", ".txt"]
                .iter()
                .any(|ext| lower.ends_with(ext))
        {
            return Err(Error::Refused(format!(
                "{name:?} looks like a file or URL: only the registered tables can be read here"
            )));
        }
    }
    Ok(())
}

/// The statement's leading keywords: `DROP TABLE`, `INSERT`, `SET`.
fn kind_of(statement: &str) -> String {
    let words: Vec<&str> = statement.split_whitespace().take(2).collect();
    let first = words
        .first()
        .copied()
        .unwrap_or("this statement")
        .to_uppercase();
    match (first.as_str(), words.get(1)) {
        ("CREATE" | "DROP" | "ALTER" | "SHOW" | "TRUNCATE", Some(second))
            if second.chars().all(|c| c.is_ascii_alphabetic()) =>
        {
            format!("{first} {}", second.to_uppercase())
        }
        _ => first,
    }
}

#[cfg(test)]
mod tests;
