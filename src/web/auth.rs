//! Who may see what over HTTP: Basic (a user of the config file) or Bearer (a token),
//! checked against the role a group of routes needs. An open server (no users) lets
//! everyone in as admin; `serve` allows that on loopback only.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::{ApiError, AppState, WebError};
use crate::access::{Access, Identity, Role};

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
    let access = &state.settings.access;
    if access.is_open() {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let json = path.starts_with("/api/") || path.ends_with(".json");
    let refusal = match identify(access, request.headers()).await {
        None => WebError::Unauthorized,
        Some(who) if who.role < need => WebError::Forbidden(format!(
            "{} 的角色是 {}，这里需要 {} / {} has the role {}; this needs {}",
            who.name,
            who.role.name(),
            need.name(),
            who.name,
            who.role.name(),
            need.name()
        )),
        Some(who) => {
            request.extensions_mut().insert(who);
            return next.run(request).await;
        }
    };
    if json {
        ApiError(refusal).into_response()
    } else {
        refusal.into_response()
    }
}

/// The caller named by the Authorization header, if its credentials hold.
async fn identify(access: &Access, headers: &HeaderMap) -> Option<Identity> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return access.token(credentials);
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (name, password) = decoded.split_once(':')?;
    let (access, name, password) = (access.clone(), name.to_string(), password.to_string());
    // argon2 is slow on purpose: keep it off the threads that serve pages.
    tokio::task::spawn_blocking(move || access.login(&name, &password))
        .await
        .ok()
        .flatten()
}
