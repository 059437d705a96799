//! Downloads of a panel: `/d/NAME/PANEL.svg`, `.png` (2× for print, `scale=3` for more) and
//! `.csv`, with strong ETags built from the data version, the panel and the view, so a
//! browser that has the file gets a 304 and the server draws nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::pages::View;
use super::{AppState, WebError};
use crate::dashboards::Filter;
use crate::engine::Bounded;
use crate::format::{self, OutputFormat};
use crate::panels;
use crate::render;

enum Kind {
    Svg,
    Png,
    Csv,
}

pub async fn download(
    state: Arc<AppState>,
    name: String,
    file: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (panel_id, kind) = match file.rsplit_once('.') {
        Some((id, "svg")) => (id.to_string(), Kind::Svg),
        Some((id, "png")) => (id.to_string(), Kind::Png),
        Some((id, "csv")) => (id.to_string(), Kind::Csv),
        _ => {
            return Err(WebError::NotFound(format!(
                "{file}: 可下载 .svg、.png、.csv / downloads are .svg, .png or .csv"
            )));
        }
    };
    let loaded = state.current().await?;
    let dashboard = loaded.engine.dashboards.get(&name).ok_or_else(|| {
        WebError::NotFound(format!("没有看板 {name} / no dashboard named {name}"))
    })?;
    let panel = dashboard.panel(&panel_id).ok_or_else(|| {
        WebError::NotFound(format!(
            "看板 {name} 没有 {panel_id} / dashboard {name} has no panel {panel_id}"
        ))
    })?;
    let view = View::from_query(&query, &loaded)?;
    let etag = etag(&loaded.engine.version, &name, &file, &view);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    if let Some((content_type, body)) = loaded.drawn.get(&etag) {
        return Ok(respond(body, content_type, &etag, &name, &file));
    }
    let result = panels::panel_rows(&loaded.engine, dashboard, panel, &view.filters).await?;
    let lockdown = view.filters.get(&Filter::Lockdown).map(String::as_str);
    let (body, content_type): (Vec<u8>, &'static str) = match kind {
        Kind::Csv => (
            format::to_bytes(&result, OutputFormat::Csv)?,
            "text/csv; charset=utf-8",
        ),
        Kind::Svg | Kind::Png => {
            let chart = render::panel_chart(panel, &result, &loaded.study, view.lang, lockdown)?;
            match kind {
                Kind::Svg => (
                    render::svg(&chart)?.into_bytes(),
                    "image/svg+xml; charset=utf-8",
                ),
                _ => (render::png(&chart, view.scale)?, "image/png"),
            }
        }
    };
    let body = Bytes::from(body);
    loaded.drawn.put(etag.clone(), content_type, body.clone());
    Ok(respond(body, content_type, &etag, &name, &file))
}

fn respond(
    body: Bytes,
    content_type: &'static str,
    etag: &str,
    name: &str,
    file: &str,
) -> Response {
    let filename = format!("{name}-{file}");
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    // Revalidate every time: the ETag makes that a 304 until the data changes.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Drawn downloads by ETag: a dashboard's charts in a few languages and scales.
pub struct Drawn(Bounded<(&'static str, Bytes)>);

impl Default for Drawn {
    fn default() -> Self {
        Drawn(Bounded::new(256))
    }
}

impl Drawn {
    fn get(&self, etag: &str) -> Option<(&'static str, Bytes)> {
        self.0.get(etag)
    }

    fn put(&self, etag: String, content_type: &'static str, body: Bytes) {
        self.0.put(etag, (content_type, body));
    }
}
/// A strong validator: the same data, panel, format and view give the same bytes.
fn etag(version: &str, dashboard: &str, file: &str, view: &View) -> String {
    let mut hasher = Sha256::new();
    hasher.update(version.as_bytes());
    hasher.update(b"\0");
    hasher.update(dashboard.as_bytes());
    hasher.update(b"\0");
    hasher.update(file.as_bytes());
    hasher.update(b"\0");
    hasher.update(view.lang.code().as_bytes());
    hasher.update(view.scale.to_le_bytes());
    for (filter, value) in &view.filters {
        hasher.update(format!("{filter:?}={value}\0").as_bytes());
    }
    // The renderer's own version: a new drawing of the same data is a new file.
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    let digest = hasher.finalize();
    format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}
