//! The web dashboard: pages, charts and downloads over one opened data folder.
//!
//! Each feature module exposes its routes; this one puts them in groups by the role they
//! need, adds the layers every reply passes through, holds the shared state and serves on
//! a listener the caller bound (tests bind port 0).
//!
//! With users configured, every route needs a login unless its group is public; the public
//! group is the stylesheet, the font, the icon and `/healthz`, and a test asks every route
//! of [`routes`] without credentials.

mod api;
mod assets;
mod auth;
mod console;
mod error;
mod figures;
mod font_slices;
mod pages;
mod sent;
mod view;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::{Router, middleware};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{RwLock, Semaphore};
use tower::ServiceExt as _;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::engine::settings::Settings;
use crate::engine::{self, Engine};
use crate::error::Result;
use crate::figures::dashboards::Dashboards;
use crate::figures::panels::Study;
use crate::serve::access::Access;
use crate::serve::sandbox::{self, Sandbox};
use crate::serve::settings::Serving;

pub use assets::{console_href, editor_href, style_href};
pub use error::{ApiError, WebError};

/// What every handler reads: the opened data and what was learnt from it. Replaced whole
/// when the data folder changes (an import), which also empties the result cache.
pub struct Loaded {
    pub engine: Engine,
    /// The dashboards, checked against this version's tables.
    pub dashboards: Dashboards,
    pub study: Study,
    /// Drawn charts by ETag: a chart asked for again is copied, not drawn.
    pub drawn: figures::Drawn,
    /// The tables a planner's SQL sees (`orders` without `customer_ref`).
    pub tables: sandbox::Tables,
    /// Rendered pages with their compressed forms, by address.
    pub pages: sent::Pages,
    /// Recent console results by SQL, so paging and charting a result runs it once.
    pub answers: console::Answers,
}

pub struct AppState {
    settings: Settings,
    access: Access,
    loaded: RwLock<Arc<Loaded>>,
    checked: std::sync::Mutex<Instant>,
    /// Limits and slots for ad-hoc SQL; kept across reloads of the data.
    pub sandbox: Sandbox,
    /// Turns at drawing a chart of a planner's rows, see [`draw`].
    drawing: Arc<Semaphore>,
}

/// Bytes of rows the console's recent results may hold.
const ANSWER_BYTES: usize = 64 << 20;

/// How often the data folder is looked at for changes.
const CHECK_EVERY: Duration = Duration::from_secs(2);

impl AppState {
    pub async fn open(serving: impl Into<Serving>) -> Result<Arc<AppState>> {
        let Serving {
            settings,
            sandbox,
            access,
        } = serving.into();
        let loaded = load(&settings).await?;
        Ok(Arc::new(AppState {
            sandbox: Sandbox::new(sandbox)?,
            settings,
            access,
            loaded: RwLock::new(Arc::new(loaded)),
            checked: std::sync::Mutex::new(Instant::now()),
            drawing: Arc::new(Semaphore::new(DRAWING_AT_ONCE)),
        }))
    }

    /// Users, tokens and roles, for the Postgres wire's logins.
    pub fn access(&self) -> &Access {
        &self.access
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
        if due
            && engine::folder::fingerprint(&self.settings.data_dir)? != current.engine.fingerprint
        {
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
    let dashboards = Dashboards::open(&engine).await?;
    let study = Study::load(&engine).await?;
    let tables = sandbox::Tables::of(&engine).await?;
    Ok(Loaded {
        engine,
        dashboards,
        study,
        drawn: figures::Drawn::default(),
        pages: sent::Pages::default(),
        tables,
        answers: console::Answers::new(ANSWER_BYTES),
    })
}

/// One route for `PANEL` (the table page) and `PANEL.svg` / `.png` / `.csv` (its
/// downloads): axum matches whole path segments.
async fn panel(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    axum::extract::Path((name, panel)): axum::extract::Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<std::collections::BTreeMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> std::result::Result<Response, WebError> {
    if panel.contains('.') {
        figures::download(state, name, panel, query, headers).await
    } else {
        pages::panel_table(state, name, panel, query).await
    }
}

/// Who may reach a group of routes when users are configured (an open server lets everyone
/// in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Anyone: nothing from the data (the stylesheet, the font, the icon, `/healthz`).
    Public,
    /// A viewer or more: the dashboards, their tables, downloads, bundles and embeds.
    Viewer,
    /// An analyst or more: the SQL console, the API and the canned queries.
    Analyst,
}

/// One route of the server, as [`routes`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The path as axum matches it, with `{name}` placeholders.
    pub path: &'static str,
    pub guard: Guard,
    /// Whether another site may show it in a frame: only embeds, which exist for that.
    pub frameable: bool,
}

/// A module's routes, with their paths kept so the groups can list every route they hold:
/// the list the test walks is the router itself, not a copy that could fall behind.
#[derive(Default)]
pub struct Routes {
    router: Router<Arc<AppState>>,
    paths: Vec<&'static str>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, path: &'static str, method: MethodRouter<Arc<AppState>>) -> Routes {
        self.paths.push(path);
        self.router = self.router.route(path, method);
        self
    }

    fn merge(mut self, other: Routes) -> Routes {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }
}

/// Every route in groups: the role each needs, and whether it may be framed. A new route
/// added to a module lands in its module's group; a new module must be put in one here.
fn groups() -> [(Guard, bool, Routes); 5] {
    [
        (
            Guard::Viewer,
            false,
            pages::router().route("/d/{name}/{panel}", axum::routing::get(panel)),
        ),
        (Guard::Viewer, false, figures::router()),
        (Guard::Viewer, true, figures::embeds()),
        (
            Guard::Analyst,
            false,
            console::router().merge(api::router()),
        ),
        // The 401 page uses the stylesheet and the font; `/healthz` says "ok" and, to a
        // signed-in caller only, the data version.
        (
            Guard::Public,
            false,
            assets::router().merge(pages::public()),
        ),
    ]
}

/// Every route the router serves, with its guard: what the tests of access ask.
pub fn routes() -> Vec<Route> {
    groups()
        .into_iter()
        .flat_map(|(guard, frameable, routes)| {
            routes.paths.into_iter().map(move |path| Route {
                path,
                guard,
                frameable,
            })
        })
        .collect()
}

pub fn router(state: Arc<AppState>) -> Router {
    let viewer = middleware::from_fn_with_state(state.clone(), auth::viewer);
    let analyst = middleware::from_fn_with_state(state.clone(), auth::analyst);
    let mut router = Router::new();
    for (guard, frameable, routes) in groups() {
        let mut group = match guard {
            Guard::Public => routes.router,
            Guard::Viewer => routes.router.route_layer(viewer.clone()),
            Guard::Analyst => routes.router.route_layer(analyst.clone()),
        };
        if !frameable {
            // No other site may frame a page and trick a planner into clicking in it;
            // X-Frame-Options for browsers that predate CSP's frame-ancestors.
            group = group
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::appending(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("frame-ancestors 'none'"),
                ));
        }
        router = router.merge(group);
    }
    with_layers(router).with_state(state)
}

/// What every reply passes through, routes or not: a panic becomes a logged 500 instead of
/// a dropped connection, and one log line per request at INFO (method, path, status,
/// latency), the 500s of panics included.
fn with_layers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        // Text answers (SVG, CSV, JSON, table pages) gzipped when the browser takes it;
        // dashboard pages come compressed already (`sent`), pictures and archives are
        // compressed by their own format.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(
                    DefaultPredicate::new()
                        .and(NotForContentType::const_new("application/zip"))
                        .and(NotForContentType::const_new(
                            "application/vnd.openxmlformats-officedocument",
                        ))
                        .and(NotForContentType::const_new(
                            "application/vnd.apache.parquet",
                        ))
                        // WOFF2 is brotli inside already.
                        .and(NotForContentType::const_new("font/woff2")),
                ),
        )
        .layer(CatchPanicLayer::custom(panicked))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    WebError::Internal(crate::Error::Other(format!(
        "a handler panicked: {message}"
    )))
    .into_response()
}

/// Charts of a planner's rows drawn at once. Drawing is CPU work on a blocking thread; a
/// turn is held until the drawing ends, so even a drawing that never ends takes one turn,
/// not the server.
const DRAWING_AT_ONCE: usize = 2;

/// How long a chart waits for a turn before the planner is told to try again.
const DRAW_QUEUE: Duration = Duration::from_secs(5);

/// How long a chart may take to draw before the reply gives up on it.
const DRAW_TIME: Duration = Duration::from_secs(10);

/// Runs `work` (drawing a chart) on a blocking thread, a few at a time and within a time,
/// off the threads that serve pages.
pub(crate) async fn draw<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> std::result::Result<T, WebError> {
    let busy = || {
        WebError::Busy("图表正忙，请稍后再试 / Charts are busy; try again in a moment".to_string())
    };
    let turn = tokio::time::timeout(DRAW_QUEUE, state.drawing.clone().acquire_owned())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let task = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        work()
    });
    match tokio::time::timeout(DRAW_TIME, task).await {
        Ok(Ok(drawn)) => Ok(drawn?),
        Ok(Err(e)) => Err(WebError::Internal(crate::Error::Other(format!(
            "drawing the chart: {e}"
        )))),
        Err(_) => Err(WebError::Internal(crate::Error::Other(format!(
            "drawing the chart took longer than {} s",
            DRAW_TIME.as_secs()
        )))),
    }
}

/// Limits of the HTTP connections themselves.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From the first byte of a request to the end of its headers: a client that sends
    /// half a header (or holds a kept-alive connection silent) is cut off after this.
    pub header_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
        }
    }
}

/// Serves until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with(listener, state, shutdown, Timeouts::default()).await
}

/// [`serve`] with chosen timeouts (tests make them short). HTTP/1.1 only: browsers speak
/// it over plain HTTP, and hyper's HTTP/1 is where the header timeout lives.
pub async fn serve_with(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> Result<()> {
    let app = router(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    // Every connection holds a receiver; the sender's `closed` says when the last is done.
    let (closing, closed) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, mostly: wait for some to close, not spin.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The client's address, for counting failed logins by address.
        let service =
            app.clone()
                .map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let finished = tokio::select! {
                finished = connection.as_mut() => finished,
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.as_mut().await
                }
            };
            if let Err(e) = finished {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop(closed);
        });
    }
    drop(listener);
    drop(closed);
    let _ = closing.send(());
    closing.closed().await;
    Ok(())
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("a bug")
    }

    #[tokio::test]
    async fn a_panicking_handler_gets_a_500_and_the_next_request_is_answered() {
        let app = with_layers(
            Router::new()
                .route("/boom", get(boom))
                .route("/healthz", get(|| async { "ok" })),
        );
        let boom = app
            .clone()
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(boom.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = boom.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body);
        // The page says it was logged, and not what the panic said.
        assert!(body.contains("it has been logged"), "{body}");
        assert!(!body.contains("a bug"), "{body}");
        let ok = app
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
}
