//! The command line: each subcommand is one call into the library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use yanhuo::engine::format::{self, OutputFormat};
use yanhuo::engine::settings::Settings;
use yanhuo::engine::{generate, import, queries};
use yanhuo::figures::export;
use yanhuo::serve::settings::Serving;
use yanhuo::serve::web;
use yanhuo::{Error, Result};

#[derive(Debug, Parser)]
#[command(
    name = "yanhuo",
    version,
    about = "烟火: what a lockdown cost a street's small shops, and what its WeChat groups saved"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Whether the command only prints and exits (so a closed pipe may end it), rather
    /// than serving clients.
    pub fn prints_to_a_pipe(&self) -> bool {
        match &self.command {
            Command::Serve(_) => false,
            #[cfg(feature = "ballista")]
            Command::Scheduler(_) | Command::Executor(_) => false,
            _ => true,
        }
    }

    /// Log levels when YANHUO_LOG is not set: a cluster process logs its jobs; a command run
    /// against a cluster does not print a line per job it submits.
    pub fn default_log_filter(&self) -> &'static str {
        #[cfg(feature = "ballista")]
        if matches!(self.command, Command::Scheduler(_) | Command::Executor(_)) {
            return "info";
        }
        "info,ballista=warn,ballista_core=warn"
    }
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The data folder: one file or folder per table.
    #[arg(
        long,
        global = true,
        env = "YANHUO_DATA",
        default_value = "sample-data"
    )]
    pub data: PathBuf,
    /// The district's time zone: local dates, and timestamps written without an offset.
    #[arg(
        long,
        global = true,
        env = "YANHUO_ZONE",
        default_value = "Asia/Shanghai"
    )]
    pub zone: String,
    /// A folder of query files to use instead of the ones built in.
    #[arg(long, global = true, env = "YANHUO_QUERIES")]
    pub queries: Option<PathBuf>,
    /// Memory the query engine may hold (512M, 3G); big aggregations and sorts spill to disk beyond it.
    #[arg(long, global = true, env = "YANHUO_MEMORY_LIMIT", default_value = "3G")]
    pub memory_limit: String,
    /// Where the figures are computed: `embedded` (this process) or `ballista://HOST:PORT`, a Ballista scheduler (needs a build with --features ballista).
    #[arg(long, global = true, env = "YANHUO_ENGINE", default_value = "embedded")]
    pub engine: String,
    /// Tables whose Parquet files take at most this much (16M, 0 for none) are held in memory once read; never the orders.
    #[arg(
        long,
        global = true,
        env = "YANHUO_HOLD_TABLES_UNDER",
        default_value = "16M"
    )]
    pub hold_tables_under: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one SQL statement, or a query file, on the data folder.
    Query(QueryArgs),
    /// Check raw CSV, Parquet and Excel files against the data contract and merge them into a data folder.
    Import(ImportArgs),
    /// Write a synthetic district in the data contract's format.
    Generate(GenerateArgs),
    /// Compute the data folder's kept tables (revenue, channels and customers by shop and day) from its orders again; import and generate keep them by themselves.
    Keep,
    /// Serve the dashboards, charts and downloads over HTTP.
    Serve(ServeArgs),
    /// Draw every panel of a dashboard to files.
    Render(RenderArgs),
    /// Export a panel for print (PNG, SVG, CSV, Excel, figure.json; small cells suppressed), or check a bundle with --verify.
    Export(ExportArgs),
    /// Time the figures, a chart and the overview page on the data folder.
    Bench(BenchArgs),
    /// Print an argon2 hash of a password read from standard input, for the config file's users.
    HashPassword(HashPasswordArgs),
    /// Run a Ballista scheduler, for `--engine ballista://HOST:PORT`.
    #[cfg(feature = "ballista")]
    Scheduler(SchedulerArgs),
    /// Run a Ballista executor that serves a scheduler (yanhuo's functions included).
    #[cfg(feature = "ballista")]
    Executor(ExecutorArgs),
}

#[cfg(feature = "ballista")]
#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Where to listen for clients and executors.
    #[arg(long, default_value = "127.0.0.1:50050")]
    pub addr: std::net::SocketAddr,
    /// The host name executors and clients reach this scheduler by.
    #[arg(long, default_value = "localhost")]
    pub external_host: String,
}

#[cfg(feature = "ballista")]
#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler to serve, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50050")]
    pub scheduler: String,
    /// Where to serve shuffle data (Arrow Flight) to other executors.
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub addr: std::net::SocketAddr,
    /// The port the scheduler sends tasks to.
    #[arg(long, default_value_t = 50052)]
    pub grpc_port: u16,
    /// The host name the scheduler and other executors reach this executor by (default: the address the scheduler sees it connect from).
    #[arg(long)]
    pub external_host: Option<String>,
    /// Tasks to run at once (default: every core).
    #[arg(long)]
    pub cores: Option<usize>,
    /// Where shuffle files go (default: a temporary folder).
    #[arg(long)]
    pub work_dir: Option<String>,
}

#[derive(Debug, Args)]
pub struct HashPasswordArgs {
    /// Make a new random token instead, and print it with the SHA-256 the config file keeps.
    #[arg(long)]
    pub token: bool,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Warm runs of each measurement (the median is printed).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Print the measurements as JSON (bench/compare_duckdb.py reads it).
    #[arg(long)]
    pub json: bool,
    /// Only these figures (a comma-separated list of query names; default: all of docs/METRICS.md).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Instead, where each figure's time to a physical plan goes: parsing, the analyzer and
    /// each rule of the logical optimizer, the operators, and each rule of DataFusion's
    /// physical optimizer.
    #[arg(long)]
    pub planning: bool,
    /// Instead, the figures it times, one per line (bench/compare_duckdb.py reads them).
    #[arg(long)]
    pub list: bool,
    /// Take turns with another engine: before each run of a figure (the cold one and each
    /// warm one) wait for a line on standard input, and after it print the run's time as a
    /// line of JSON. bench/compare_duckdb.py runs DuckDB between them, so both meet the
    /// machine in the same second.
    #[arg(long)]
    pub paced: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long, env = "YANHUO_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// A folder of dashboard files to use instead of the ones built in.
    #[arg(long, env = "YANHUO_DASHBOARDS")]
    pub dashboards: Option<PathBuf>,
    /// Also speak the Postgres wire protocol here (e.g. 127.0.0.1:5433), for psql, DBeaver, Excel, Metabase or Superset.
    #[arg(long, env = "YANHUO_PG_ADDR")]
    pub pg_addr: Option<String>,
    /// A TOML file of users, tokens and their roles (viewer, analyst, admin). Without one, everyone is admin, on a loopback address only.
    #[arg(long, env = "YANHUO_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub sql: SqlLimitArgs,
}

/// What a planner's ad-hoc SQL (console, API, Postgres wire) may take.
#[derive(Debug, Args)]
pub struct SqlLimitArgs {
    /// Seconds one ad-hoc query may run before it is stopped.
    #[arg(long, env = "YANHUO_SQL_TIMEOUT", default_value_t = 10.0)]
    pub sql_timeout: f64,
    /// MiB of memory one ad-hoc query may hold; over it the query fails with a clear error.
    #[arg(long, env = "YANHUO_SQL_MEMORY", default_value_t = 512)]
    pub sql_memory: usize,
    /// Rows shown on the console's page and returned by the API.
    #[arg(long, env = "YANHUO_SQL_ROWS", default_value_t = 10_000)]
    pub sql_rows: usize,
    /// Rows a download of a console result may carry.
    #[arg(long, env = "YANHUO_SQL_EXPORT_ROWS", default_value_t = 1_000_000)]
    pub sql_export_rows: usize,
    /// Ad-hoc queries that may run at once; others wait two seconds, then get 429.
    #[arg(long, env = "YANHUO_SQL_CONCURRENCY", default_value_t = 2)]
    pub sql_concurrency: usize,
}

impl SqlLimitArgs {
    fn limits(&self) -> Result<yanhuo::serve::sandbox::Limits> {
        yanhuo::serve::settings::SandboxArgs {
            timeout_secs: self.sql_timeout,
            memory_mib: self.sql_memory,
            page_rows: self.sql_rows,
            export_rows: self.sql_export_rows,
            concurrent: self.sql_concurrency,
        }
        .check()
    }
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A dashboard file (dashboards/recovery.toml) or the name of a built-in dashboard.
    pub dashboard: String,
    /// The folder to write the charts to.
    #[arg(long)]
    pub out: PathBuf,
    /// svg or png (png is drawn at 2× for print).
    #[arg(long, default_value = "svg")]
    pub format: String,
    /// zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// A filter or parameter, KEY=VALUE: lockdown, community, category (repeatable).
    #[arg(long = "param", short = 'p')]
    pub params: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A dashboard file or the name of a built-in dashboard (recovery, community, two_lists).
    #[arg(required_unless_present = "verify")]
    pub dashboard: Option<String>,
    /// The panel's id (footfall, revenue, ...).
    #[arg(required_unless_present = "verify")]
    pub panel: Option<String>,
    /// The folder to write the bundle to.
    #[arg(long, required_unless_present = "verify")]
    pub out: Option<PathBuf>,
    /// zh (default) or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// A filter, KEY=VALUE: lockdown, community, category (repeatable).
    #[arg(long = "param", short = 'p')]
    pub params: Vec<String>,
    /// Recompute a bundle (its folder or .zip) on the current data and say whether every number still matches.
    #[arg(long, conflicts_with_all = ["dashboard", "panel", "out"])]
    pub verify: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL statement, or the name of a query file (closure_length, district_summary, ...).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub sql: Option<String>,
    /// Run the SQL in this file.
    #[arg(long, short)]
    pub file: Option<PathBuf>,
    /// A parameter of the query file, KEY=VALUE (repeatable).
    #[arg(long = "param", short = 'p')]
    pub params: Vec<String>,
    /// Print the SQL that would run (query files it uses and parameters expanded in, nothing held in memory) instead of running it.
    #[arg(long)]
    pub print_sql: bool,
    /// With --print-sql: read the kept tables (shop_days, ...) by name rather than inlining them, as the server does (README, "Kept tables").
    #[arg(long, requires = "print_sql")]
    pub read_kept: bool,
    /// Output format; `table` on a terminal, `csv` otherwise.
    #[arg(long, value_parser = clap::builder::ValueParser::new(parse_format))]
    pub format: Option<OutputFormat>,
}

fn parse_format(s: &str) -> std::result::Result<OutputFormat, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A folder of files named after tables (orders.csv, orders-2022-05.xlsx, shops.parquet, orders/), or one such file.
    pub src: PathBuf,
    /// The data folder to merge into.
    #[arg(long)]
    pub into: PathBuf,
    /// A TOML file naming what the built-in Chinese vocabulary does not know: columns, codes, a fixed shop_id, the table, the zone (docs/DATA.md).
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Read, map and check everything and print what would be loaded and rejected; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many shops.
    #[arg(long, default_value_t = 1000)]
    pub shops: usize,
    /// The random seed: the same seed gives the same district.
    #[arg(long, default_value_t = 2022)]
    pub seed: u64,
    /// Where to write the data folder.
    #[arg(long)]
    pub out: PathBuf,
    /// First date of orders and footfall.
    #[arg(long, default_value = "2022-03-01")]
    pub from: NaiveDate,
    /// Last date of orders and footfall.
    #[arg(long, default_value = "2022-06-30")]
    pub to: NaiveDate,
    /// How much of the planted WeChat-group effect to plant (sample-data/README.md): 1 as
    /// written, 0 for none (the coverage study in bench/ compares the two).
    #[arg(long, default_value_t = 1.0)]
    pub plant: f64,
}

pub async fn run(cli: Cli) -> Result<()> {
    let mut settings = Settings::new(cli.global.data, &cli.global.zone, cli.global.queries)?;
    settings.memory_limit = Some(yanhuo::engine::settings::parse_size(
        "memory-limit",
        &cli.global.memory_limit,
    )?);
    settings.hold_tables_under = match cli.global.hold_tables_under.trim() {
        "0" => 0,
        text => yanhuo::engine::settings::parse_size("hold-tables-under", text)? as u64,
    };
    settings.backend = yanhuo::engine::settings::Backend::parse(&cli.global.engine)?;
    match cli.command {
        Command::Serve(args) => {
            settings.dashboards_dir = args.dashboards;
            let mut serving = Serving::open(settings);
            serving.sandbox = args.sql.limits()?;
            if let Some(path) = &args.config {
                serving.access = yanhuo::serve::access::Access::load(path)?;
            }
            let listener = tokio::net::TcpListener::bind(&args.addr)
                .await
                .map_err(|e| Error::Setting {
                    name: "addr".into(),
                    message: format!("cannot listen on {}: {e}", args.addr),
                })?;
            let addr = listener
                .local_addr()
                .map_err(|e| Error::Other(e.to_string()))?;
            // Before the data is opened: a refusal should come at once.
            serving.access.check_listen(&addr, "addr")?;
            let pg = match &args.pg_addr {
                Some(pg_addr) => {
                    let listener = tokio::net::TcpListener::bind(pg_addr).await.map_err(|e| {
                        Error::Setting {
                            name: "pg-addr".into(),
                            message: format!("cannot listen on {pg_addr}: {e}"),
                        }
                    })?;
                    let pg = listener
                        .local_addr()
                        .map_err(|e| Error::Other(e.to_string()))?;
                    serving.access.check_listen(&pg, "pg-addr")?;
                    Some((listener, pg))
                }
                None => None,
            };
            let state = web::AppState::open(serving).await?;
            if let Some((listener, pg)) = pg {
                tracing::info!("speaking the Postgres wire protocol on {pg}");
                tokio::spawn(yanhuo::serve::wire::serve(listener, state.clone()));
            }
            tracing::info!("serving the dashboards on http://{addr}/");
            web::serve(listener, state, web::shutdown_signal()).await
        }
        Command::HashPassword(args) => {
            if args.token {
                let (token, digest) = yanhuo::serve::access::new_token();
                println!("token (give it to the tool):  {token}");
                println!("token_sha256 = \"{digest}\"");
            } else {
                let mut password = String::new();
                std::io::stdin()
                    .read_line(&mut password)
                    .map_err(|e| Error::Other(format!("reading the password: {e}")))?;
                let password = password.trim_end_matches(['\r', '\n']);
                if password.is_empty() {
                    return Err(Error::Other(
                        "give the password on standard input: echo 'the password' | yanhuo hash-password".into(),
                    ));
                }
                println!(
                    "password_hash = \"{}\"",
                    yanhuo::serve::access::hash_password(password)?
                );
            }
            Ok(())
        }
        Command::Keep => {
            let library = settings.library()?;
            let started = std::time::Instant::now();
            let built = yanhuo::engine::kept::build(
                &settings.data_dir,
                settings.zone,
                &library,
                yanhuo::engine::kept::Months::All,
            )
            .await?;
            println!(
                "kept tables of {} computed for {} months in {:.1} s:",
                settings.data_dir.display(),
                built.months,
                started.elapsed().as_secs_f64()
            );
            for (table, rows) in &built.rows {
                println!("  kept/{table}/: {rows} rows");
            }
            Ok(())
        }
        Command::Bench(args) if args.list => {
            println!("{}", yanhuo::bench::METRICS.join("\n"));
            Ok(())
        }
        Command::Bench(args) if args.planning => {
            let phases = yanhuo::bench::planning(&settings, args.runs, &args.only).await?;
            let text: String = phases.iter().map(ToString::to_string).collect();
            print_report(args.json, &phases, &text)
        }
        Command::Bench(args) => {
            let pace = if args.paced {
                yanhuo::bench::Pace::Turns
            } else {
                yanhuo::bench::Pace::Free
            };
            let report = yanhuo::bench::run(&settings, args.runs, &args.only, pace).await?;
            print_report(args.json, &report, &report)
        }
        Command::Export(args) => match (&args.verify, &args.dashboard, &args.panel, &args.out) {
            (Some(bundle), ..) => {
                let verification = export::bundle::verify(&settings, bundle).await?;
                println!("{verification}");
                if verification.matches() {
                    Ok(())
                } else {
                    Err(Error::Other(format!(
                        "{}: the figure's numbers no longer match the data",
                        bundle.display()
                    )))
                }
            }
            (None, Some(dashboard), Some(panel), Some(out)) => {
                let filters = export::files::parse_filters(&args.params)?;
                let written =
                    export::export_panel(&settings, dashboard, panel, out, &args.lang, &filters)
                        .await?;
                for path in written {
                    println!("{}", path.display());
                }
                Ok(())
            }
            _ => Err(Error::Other(
                "export needs DASHBOARD PANEL --out DIR, or --verify BUNDLE".into(),
            )),
        },
        Command::Render(args) => {
            let filters = export::files::parse_filters(&args.params)?;
            let written = export::files::render_dashboard(
                &settings,
                &args.dashboard,
                &args.out,
                &args.format,
                &args.lang,
                &filters,
            )
            .await?;
            for path in written {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Query(args) => query(&settings, args).await,
        #[cfg(feature = "ballista")]
        Command::Scheduler(args) => {
            let options = yanhuo::engine::cluster::SchedulerOptions {
                addr: args.addr,
                external_host: args.external_host,
            };
            yanhuo::engine::cluster::scheduler(options, settings.zone).await
        }
        #[cfg(feature = "ballista")]
        Command::Executor(args) => {
            let (host, port) = args
                .scheduler
                .rsplit_once(':')
                .and_then(|(host, port)| Some((host.to_string(), port.parse().ok()?)))
                .ok_or_else(|| Error::Setting {
                    name: "scheduler".into(),
                    message: format!("{:?}: expected HOST:PORT", args.scheduler),
                })?;
            let options = yanhuo::engine::cluster::ExecutorOptions {
                addr: args.addr,
                grpc_port: args.grpc_port,
                external_host: args.external_host,
                scheduler_host: host,
                scheduler_port: port,
                cores: args.cores,
                work_dir: args.work_dir,
            };
            yanhuo::engine::cluster::executor(options, settings.zone).await
        }
        Command::Import(args) => {
            let map = match &args.map {
                Some(path) => import::Mapping::load(path).map_err(|e| Error::Setting {
                    name: "--map".into(),
                    message: e.to_string(),
                })?,
                None => import::Mapping::default(),
            };
            let options = import::ImportOptions {
                zone: Some(settings.zone),
                map,
                dry_run: args.dry_run,
            };
            let report = import::import_with(&args.src, &args.into, &options)?;
            print!("{report}");
            Ok(())
        }
        Command::Generate(args) => {
            let options = generate::GenerateOptions {
                shops: args.shops,
                seed: args.seed,
                out: args.out,
                from: args.from,
                to: args.to,
                zone: settings.zone,
                progress: std::io::stderr().is_terminal(),
                plant: args.plant,
            };
            let summary = generate::generate(&options)?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// A report as pretty JSON (`--json`, for scripts) or as text.
fn print_report(
    json: bool,
    report: &impl serde::Serialize,
    text: &impl std::fmt::Display,
) -> Result<()> {
    if json {
        let json = serde_json::to_string_pretty(report).map_err(|e| Error::Other(e.to_string()))?;
        println!("{json}");
    } else {
        print!("{text}");
    }
    Ok(())
}

async fn query(settings: &Settings, args: QueryArgs) -> Result<()> {
    let mut library = settings.library()?;
    let values = queries::parse_assignments(&args.params)?;
    if args.print_sql {
        // The study window is the folder's, as the server binds it; worked out before any
        // file is read by name, from the tables alone.
        let (ctx, _) = yanhuo::engine::cluster::open(settings).await?;
        library.set_windows(queries::window::study_windows(&ctx, &library).await?);
        if args.read_kept {
            // The kept tables by month and the files kept at their defaults, by name.
            let version = yanhuo::engine::folder::content_version(&settings.data_dir)?;
            let mut kept: Vec<String> = library.kept().map(|f| f.name.clone()).collect();
            kept.extend(yanhuo::engine::kept::current_defaults(
                &settings.data_dir,
                &library,
                &version,
            )?);
            for name in kept {
                library.hold(&name);
            }
        }
        // The SQL as another engine would run it: every file it uses inlined.
        let file = match (&args.file, &args.sql) {
            (Some(path), _) => {
                let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("query");
                queries::QueryFile::parse(name, &source)?
            }
            (None, Some(name)) => match library.get(name) {
                Some(file) => file.clone(),
                None => queries::QueryFile::parse("query", name)?,
            },
            (None, None) => return Err(Error::Other("give SQL, a query name or --file".into())),
        };
        println!("{}", library.expand(&file, &values)?);
        return Ok(());
    }
    let (ctx, _) = yanhuo::engine::cluster::open(settings).await?;
    yanhuo::engine::folder::register_library(&ctx, settings, &mut library).await?;
    let result = match (&args.file, &args.sql) {
        (Some(path), _) => {
            let source = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("query");
            let file = queries::QueryFile::parse(name, &source)?;
            let sql = library.expand(&file, &values)?;
            queries::run_sql(&ctx, &sql).await?
        }
        (None, Some(name)) if library.get(name).is_some() => {
            queries::run(&ctx, &library, name, &values).await?
        }
        (None, Some(sql)) => {
            let file = queries::QueryFile::parse("query", sql)?;
            let sql = library.expand(&file, &values)?;
            queries::run_sql(&ctx, &sql).await?
        }
        (None, None) => return Err(Error::Other("give a SQL statement or --file".into())),
    };
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Csv
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    format::write(&result, format, &mut out)?;
    out.flush().map_err(|e| Error::Other(e.to_string()))?;
    Ok(())
}
