//! The web dashboard: pages, charts and downloads over one opened data folder.
//!
//! Each feature module exposes `router()`; this one merges them, holds the shared state and
//! serves on a listener the caller bound (tests bind port 0).

mod assets;
mod auth;
mod error;
mod figures;
mod pages;
mod sql;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio::sync::RwLock;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::Settings;
use crate::engine::{self, Engine};
use crate::error::Result;
use crate::panels::Study;
use crate::sandbox::{self, Sandbox};

pub use error::{ApiError, WebError};

/// What every handler reads: the opened data and what was learnt from it. Replaced whole
/// when the data folder changes (an import), which also empties the result cache.
pub struct Loaded {
    pub engine: Engine,
    pub study: Study,
    /// Drawn charts by ETag: a chart asked for again is copied, not drawn.
    pub drawn: figures::Drawn,
    /// The tables a planner's SQL sees (`orders` without `customer_ref`).
    pub tables: sandbox::Tables,
    /// Recent console results by SQL, so paging and charting a result runs it once.
    pub answers: sql::Answers,
}

pub struct AppState {
    settings: Settings,
    loaded: RwLock<Arc<Loaded>>,
    checked: std::sync::Mutex<Instant>,
    /// Limits and slots for ad-hoc SQL; kept across reloads of the data.
    pub sandbox: Sandbox,
}

/// Bytes of rows the console's recent results may hold.
const ANSWER_BYTES: usize = 64 << 20;

/// How often the data folder is looked at for changes.
const CHECK_EVERY: Duration = Duration::from_secs(2);

impl AppState {
    pub async fn open(settings: Settings) -> Result<Arc<AppState>> {
        let loaded = load(&settings).await?;
        Ok(Arc::new(AppState {
            sandbox: Sandbox::new(settings.sandbox.clone())?,
            settings,
            loaded: RwLock::new(Arc::new(loaded)),
            checked: std::sync::Mutex::new(Instant::now()),
        }))
    }

    /// Users, tokens and roles, for the Postgres wire's logins.
    pub fn access(&self) -> &crate::access::Access {
        &self.settings.access
    }

    /// The current data, reopened first if the folder changed since it was opened.
    pub async fn current(&self) -> Result<Arc<Loaded>> {
        let due = self
            .checked
            .lock()
            .map(|mut last| {
                let due = last.elapsed() >= CHECK_EVERY;
                if due {
                    *last = Instant::now();
                }
                due
            })
            .unwrap_or(false);
        let current = self.loaded.read().await.clone();
        if due && engine::fingerprint(&self.settings.data_dir)? != current.engine.fingerprint {
            tracing::info!(data = %self.settings.data_dir.display(), "the data folder changed; reopening it");
            let fresh = Arc::new(load(&self.settings).await?);
            *self.loaded.write().await = fresh.clone();
            return Ok(fresh);
        }
        Ok(current)
    }
}

async fn load(settings: &Settings) -> Result<Loaded> {
    let engine = Engine::open(settings).await?;
    let study = Study::load(&engine).await?;
    let tables = sandbox::Tables::of(&engine).await?;
    Ok(Loaded {
        engine,
        study,
        drawn: figures::Drawn::default(),
        tables,
        answers: sql::Answers::new(ANSWER_BYTES),
    })
}

pub fn router(state: Arc<AppState>) -> Router {
    let viewer = middleware::from_fn_with_state(state.clone(), auth::viewer);
    let analyst = middleware::from_fn_with_state(state.clone(), auth::analyst);
    Router::new()
        .merge(pages::router().route_layer(viewer))
        .merge(sql::router().route_layer(analyst))
        // Stylesheet, font and icon: nothing to hide, and the 401 page uses them.
        .merge(assets::router())
        .merge(figures::router())
        // One log line per request at INFO: method, path, status, latency.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| crate::Error::Other(format!("server: {e}")))
}

/// Completes on Ctrl+C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
