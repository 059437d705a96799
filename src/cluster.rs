//! The same query files on an Apache Ballista cluster (`cargo build --features ballista`,
//! `--engine ballista://HOST:PORT`), or on Ballista's standalone mode (scheduler and executor
//! in this process) for tests. The session carries yanhuo's functions (`local_date`), and
//! Ballista hands the session's function registry to its executors, so the SQL is the same.

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use chrono_tz::Tz;
use datafusion::execution::SessionState;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::catalog;
use crate::error::{Error, Result};

/// A context whose queries run on a standalone Ballista cluster started in this process.
pub async fn standalone(zone: Tz) -> Result<SessionContext> {
    let state = ballista_state(zone)?;
    let ctx = SessionContext::standalone_with_state(state).await?;
    // Ballista's upgraded session forgets the functions it was given; the executors keep them.
    crate::functions::register(&ctx, zone);
    Ok(ctx)
}

/// A context whose queries run on the Ballista scheduler at `url` (`df://host:50050`).
pub async fn remote(url: &str, zone: Tz) -> Result<SessionContext> {
    let url = url
        .strip_prefix("ballista://")
        .map(|rest| format!("df://{rest}"))
        .unwrap_or_else(|| url.to_string());
    let state = ballista_state(zone)?;
    let ctx = SessionContext::remote_with_state(&url, state)
        .await
        .map_err(|e| Error::Setting {
            name: "engine".into(),
            message: format!("{url}: {e}"),
        })?;
    crate::functions::register(&ctx, zone);
    Ok(ctx)
}

/// Ballista's defaults with its broadcast (CollectLeft) joins turned off: a broadcast LEFT
/// JOIN run as several tasks loses the build side's unmatched rows (apache/datafusion-ballista
/// #1055), and the figures LEFT JOIN small tables (dates, calendar) on every path.
fn ballista_state(zone: Tz) -> Result<SessionState> {
    let config = SessionConfig::new_with_ballista()
        .set_u64("ballista.optimizer.broadcast_join_threshold_bytes", 0)
        .set_u64("ballista.optimizer.broadcast_join_threshold_rows", 0)
        .set_u64("datafusion.optimizer.hash_join_single_partition_threshold", 0)
        .set_u64("datafusion.optimizer.hash_join_single_partition_threshold_rows", 0);
    Ok(catalog::context_with(config, zone, None)?.state())
}
