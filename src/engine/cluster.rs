//! Where the figures are computed: DataFusion in this process, or an Apache Ballista cluster
//! (`cargo build --features ballista`, `--engine ballista://HOST:PORT`) running the same
//! query files. `yanhuo scheduler` and `yanhuo executor` are the cluster's processes: a stock
//! Ballista executor does not know `local_date`, so a city runs yanhuo's own.

use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use crate::engine::catalog::{self, Registration};
use crate::engine::contract;
use crate::engine::settings::{Backend, Settings};
use crate::error::{Error, Result};

/// A context over the data folder on the settings' engine, with every contract table.
pub async fn open(settings: &Settings) -> Result<(SessionContext, Registration)> {
    match &settings.backend {
        Backend::Embedded => {
            catalog::open_limited(
                &settings.data_dir,
                settings.zone,
                settings.memory_limit,
                settings.hold_tables_under,
            )
            .await
        }
        Backend::Ballista(address) => {
            only_parquet(&settings.data_dir)?;
            let ctx = connect(address, settings.zone).await?;
            let registration =
                catalog::register_folder(&ctx, &settings.data_dir, settings.zone).await?;
            Ok((ctx, registration))
        }
    }
}

/// Executors open the tables themselves, from the paths in the plan: a table must be Parquet
/// (an in-memory CSV table cannot be shipped), and at the same path on every machine.
fn only_parquet(dir: &std::path::Path) -> Result<()> {
    for spec in contract::TABLES {
        let problem = match contract::locate(dir, spec)? {
            contract::Location::Parquet(_) => continue,
            contract::Location::Files(_) => {
                "is CSV, which would be loaded into this process's memory"
            }
            contract::Location::Absent => "is absent",
        };
        return Err(Error::DataFolder {
            path: dir.to_path_buf(),
            message: format!(
                "table {} {problem}: a Ballista cluster reads every table from Parquet files \
                 (write the folder with `yanhuo import RAW --into DIR`; an optional table may be \
                 an empty {}.parquet)",
                spec.name, spec.name
            ),
        });
    }
    Ok(())
}

#[cfg(not(feature = "ballista"))]
async fn connect(address: &str, _zone: Tz) -> Result<SessionContext> {
    Err(Error::Setting {
        name: "engine".into(),
        message: format!(
            "ballista://{address}: this yanhuo was built without Ballista; build it with \
             `cargo build --release --features ballista`"
        ),
    })
}

#[cfg(feature = "ballista")]
async fn connect(address: &str, zone: Tz) -> Result<SessionContext> {
    distributed::remote(address, zone).await
}

#[cfg(feature = "ballista")]
pub use distributed::{ExecutorOptions, SchedulerOptions, executor, scheduler, standalone};

#[cfg(feature = "ballista")]
mod distributed {
    use std::net::SocketAddr;
    use std::sync::Arc;

    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    use ballista_core::registry::BallistaFunctionRegistry;
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    use ballista_scheduler::scheduler_process::start_server;
    use chrono_tz::Tz;
    use datafusion::execution::{FunctionRegistry, SessionState};
    use datafusion::prelude::{SessionConfig, SessionContext};

    use crate::engine::catalog;
    use crate::engine::functions;
    use crate::error::{Error, Result};

    /// Ballista's defaults with its broadcast (CollectLeft) joins turned off: a broadcast
    /// LEFT JOIN run as several tasks loses the build side's unmatched rows
    /// (apache/datafusion-ballista#1055), and the figures LEFT JOIN small tables (the study's
    /// dates, the calendar) everywhere. Partitioned joins are exact.
    fn config() -> SessionConfig {
        SessionConfig::new_with_ballista()
            // Ballista 55's adaptive planner never finishes a window over an empty input
            // (`COUNT(*) OVER (PARTITION BY …)` after a filter that keeps no row): it keeps
            // planning new stages. pilot_rank meets one whenever no kind of shop is in two
            // communities. The static planner answers at once.
            .set_bool("ballista.planner.adaptive.enabled", false)
            .set_u64("ballista.optimizer.broadcast_join_threshold_bytes", 0)
            .set_u64("ballista.optimizer.broadcast_join_threshold_rows", 0)
            .set_u64(
                "datafusion.optimizer.hash_join_single_partition_threshold",
                0,
            )
            .set_u64(
                "datafusion.optimizer.hash_join_single_partition_threshold_rows",
                0,
            )
    }

    /// The client's session: the plan is made here, so it carries yanhuo's settings.
    fn client_state(zone: Tz) -> Result<SessionState> {
        Ok(catalog::context_with(config(), zone, None)?.state())
    }

    /// The scheduler's and executors' session: Ballista's defaults and `local_date`, which
    /// both must know to decode a plan that calls it.
    fn server_state(config: SessionConfig, zone: Tz) -> datafusion::error::Result<SessionState> {
        let mut state = ballista_core::utils::default_session_builder(config)?;
        state.register_udf(Arc::new(functions::local_date(zone)))?;
        state.register_udaf(Arc::new(functions::wild_cluster::interval_udaf()))?;
        state.register_udaf(Arc::new(functions::wild_cluster::band_udaf()))?;
        Ok(state)
    }

    /// A context whose queries run on a scheduler and executor started in this process.
    pub async fn standalone(zone: Tz) -> Result<SessionContext> {
        // One machine: as many partitions as it has cores, not a cluster's sixteen.
        let mut state = client_state(zone)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        state.config_mut().options_mut().execution.target_partitions = cores;
        let ctx = SessionContext::standalone_with_state(state).await?;
        // The upgraded session keeps Ballista's function list only; the plan names
        // `local_date`, so the client must know it too.
        functions::register(&ctx, zone);
        Ok(ctx)
    }

    /// A context whose queries run on the Ballista scheduler at `address` (`host:port`).
    pub async fn remote(address: &str, zone: Tz) -> Result<SessionContext> {
        // The session connects only when a query runs; a scheduler that is not there should
        // be said before, in words, not as a transport error from the first figure.
        let reach = tokio::net::TcpStream::connect(address);
        match tokio::time::timeout(std::time::Duration::from_secs(10), reach).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(unreachable(address, &e.to_string())),
            Err(_) => return Err(unreachable(address, "no answer in 10 s")),
        }
        let url = format!("df://{address}");
        let ctx = SessionContext::remote_with_state(&url, client_state(zone)?)
            .await
            .map_err(|e| Error::Setting {
                name: "engine".into(),
                message: format!("ballista://{address}: {e}"),
            })?;
        functions::register(&ctx, zone);
        Ok(ctx)
    }

    fn unreachable(address: &str, why: &str) -> Error {
        Error::Setting {
            name: "engine".into(),
            message: format!(
                "ballista://{address}: cannot reach the scheduler ({why}); start one with \
                 `yanhuo scheduler`"
            ),
        }
    }

    /// Where a scheduler listens and how executors and clients reach it.
    #[derive(Debug, Clone)]
    pub struct SchedulerOptions {
        pub addr: SocketAddr,
        /// The host name executors and clients use for this scheduler.
        pub external_host: String,
    }

    /// Runs a Ballista scheduler until the process is stopped.
    pub async fn scheduler(options: SchedulerOptions, zone: Tz) -> Result<()> {
        let config = SchedulerConfig {
            bind_host: options.addr.ip().to_string(),
            bind_port: options.addr.port(),
            external_host: options.external_host,
            ..SchedulerConfig::default()
        }
        .with_override_config_producer(Arc::new(config))
        .with_override_session_builder(Arc::new(move |config| server_state(config, zone)));
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(cluster_error)?;
        start_server(cluster, options.addr, Arc::new(config))
            .await
            .map_err(cluster_error)
    }

    /// Where an executor listens, which scheduler it serves, and how much it takes on.
    #[derive(Debug, Clone)]
    pub struct ExecutorOptions {
        /// Arrow Flight (shuffle data) address; the gRPC port is given separately.
        pub addr: SocketAddr,
        pub grpc_port: u16,
        pub external_host: Option<String>,
        pub scheduler_host: String,
        pub scheduler_port: u16,
        /// Tasks run at once (default: the machine's cores).
        pub cores: Option<usize>,
        /// Where shuffle files go (default: a temporary folder).
        pub work_dir: Option<String>,
    }

    /// Runs a Ballista executor until the process is stopped or the scheduler lets it go.
    pub async fn executor(options: ExecutorOptions, zone: Tz) -> Result<()> {
        let state = server_state(config(), zone)?;
        let defaults = ExecutorProcessConfig::default();
        let config = ExecutorProcessConfig {
            bind_host: options.addr.ip().to_string(),
            port: options.addr.port(),
            grpc_port: options.grpc_port,
            external_host: options.external_host,
            scheduler_host: options.scheduler_host,
            scheduler_port: options.scheduler_port,
            // The scheduler may still be starting (a city starts both at once).
            scheduler_connect_timeout_seconds: 30,
            vcores: options.cores.unwrap_or(defaults.vcores),
            work_dir: options.work_dir,
            override_config_producer: Some(Arc::new(config)),
            override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(&state))),
            ..defaults
        };
        start_executor_process(Arc::new(config))
            .await
            .map_err(cluster_error)
    }

    fn cluster_error(e: ballista_core::error::BallistaError) -> Error {
        Error::Other(format!("ballista: {e}"))
    }
}
