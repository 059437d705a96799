//! The same query files on an Apache Ballista cluster (`cargo build --features ballista`,
//! `--engine ballista://HOST:PORT`), or on Ballista's standalone mode (scheduler and executor
//! in this process) for tests. The session carries yanhuo's functions (`local_date`), and
//! Ballista hands the session's function registry to its executors, so the SQL is the same.

use ballista::prelude::SessionContextExt;
use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use crate::catalog;
use crate::error::{Error, Result};

/// A context whose queries run on a standalone Ballista cluster started in this process.
pub async fn standalone(zone: Tz) -> Result<SessionContext> {
    let state = catalog::new_context(zone, None)?.state();
    let ctx = SessionContext::standalone_with_state(state).await?;
    // Ballista's upgraded session forgets the functions it was given; the executors keep them.
    crate::functions::register(&ctx, zone);
    // A hash join's dynamic filter is filled by its build side, which on a cluster runs in
    // another task: the probe side may read it empty and lose every row.
    ctx.sql("SET datafusion.execution.target_partitions = 1")
        .await?
        .collect()
        .await?;
    Ok(ctx)
}

/// A context whose queries run on the Ballista scheduler at `url` (`df://host:50050`).
pub async fn remote(url: &str, zone: Tz) -> Result<SessionContext> {
    let url = url
        .strip_prefix("ballista://")
        .map(|rest| format!("df://{rest}"))
        .unwrap_or_else(|| url.to_string());
    let state = catalog::new_context(zone, None)?.state();
    let ctx = SessionContext::remote_with_state(&url, state)
        .await
        .map_err(|e| Error::Setting {
            name: "engine".into(),
            message: format!("{url}: {e}"),
        })?;
    crate::functions::register(&ctx, zone);
    Ok(ctx)
}
