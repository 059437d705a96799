//! Who may see what over HTTP: Basic (a user of the config file) or Bearer (a token),
//! checked against the role a group of routes needs. An open server (no users) lets
//! everyone in as admin; `serve` allows that on loopback only. Too many wrong passwords for
//! a name or from an address get 429 with a Retry-After, and nothing is checked.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::{ApiError, AppState, WebError};
use crate::serve::access::{Access, Identity, Refused, Role};

/// The dashboards, their tables and downloads.
pub async fn viewer(state: State<Arc<AppState>>, request: Request, next: Next) -> Response {
    require(state, Role::Viewer, request, next).await
}

/// The SQL console, the API and the canned queries.
pub async fn analyst(state: State<Arc<AppState>>, request: Request, next: Next) -> Response {
    require(state, Role::Analyst, request, next).await
}

async fn require(
    State(state): State<Arc<AppState>>,
    need: Role,
    mut request: Request,
    next: Next,
) -> Response {
    let access = state.access();
    if access.is_open() {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let json = path.starts_with("/api/") || path.ends_with(".json");
    let mut wait = None;
    let refusal = match identify(access, request.headers(), client(request.extensions())).await {
        Err(Refused::Wrong) => WebError::Unauthorized,
        Err(Refused::Wait(time)) => {
            wait = Some(time);
            WebError::Busy(format!(
                "错误的密码太多，请 {s} 秒后再试 / Too many wrong passwords; try again in {s} s",
                s = seconds(time)
            ))
        }
        Ok(who) if who.role < need => WebError::Forbidden(format!(
            "{} 的角色是 {}，这里需要 {} / {} has the role {}; this needs {}",
            who.name,
            who.role.name(),
            need.name(),
            who.name,
            who.role.name(),
            need.name()
        )),
        Ok(who) => {
            request.extensions_mut().insert(who);
            return next.run(request).await;
        }
    };
    let mut response = if json {
        ApiError(refusal).into_response()
    } else {
        refusal.into_response()
    };
    if let Some(time) = wait {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds(time)));
    }
    response
}

/// Whole seconds, rounded up: a client that waits as long as it is told gets in.
fn seconds(time: Duration) -> u64 {
    time.as_secs() + u64::from(time.subsec_nanos() > 0)
}

/// The client's address to count failures against, where the server put it (a request
/// through `oneshot` has none). Not a loopback address: that is this machine, mostly a
/// reverse proxy in front, whose address is everyone's, and counting it would let one
/// guesser lock the whole office out.
fn client(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .filter(|ip| !ip.is_loopback())
}

/// Whether the request carries credentials good for a viewer (always, on an open server):
/// for public routes that say more to someone signed in.
pub async fn may_view(state: &AppState, request: &Parts) -> bool {
    let access = state.access();
    access.is_open()
        || identify(access, &request.headers, client(&request.extensions))
            .await
            .is_ok_and(|who| who.role >= Role::Viewer)
}

/// The caller named by the Authorization header, if its credentials hold.
async fn identify(
    access: &Access,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<Identity, Refused> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(Refused::Wrong)?;
    let (scheme, credentials) = value.split_once(' ').ok_or(Refused::Wrong)?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return access.token(credentials).ok_or(Refused::Wrong);
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Refused::Wrong);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials)
        .map_err(|_| Refused::Wrong)?;
    let decoded = String::from_utf8(decoded).map_err(|_| Refused::Wrong)?;
    let (name, password) = decoded.split_once(':').ok_or(Refused::Wrong)?;
    let (access, name, password) = (access.clone(), name.to_string(), password.to_string());
    // argon2 is slow on purpose, and `login_from` may wait for a turn at it: keep both off
    // the threads that serve pages.
    tokio::task::spawn_blocking(move || access.login_from(&name, &password, client))
        .await
        .unwrap_or(Err(Refused::Wrong))
}
