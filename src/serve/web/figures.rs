//! Figures for reporters, every one built by `export::Figure` (so small cells are suppressed
//! on all of them): downloads `/d/NAME/PANEL.svg`, `.png` (2× for print, `scale=3`), `.csv`
//! (UTF-8 with a byte-order mark; `bom=0`, `encoding=gb18030`), `.xlsx` and `.json`; the
//! bundle `/export/NAME/PANEL.zip`; and `/embed/NAME/PANEL`, the chart alone for a news
//! site's iframe. Strong ETags from the data version, the file and the view: a browser that
//! has the file gets a 304 and the server draws nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use super::view::View;
use super::{AppState, Loaded, Routes, WebError};
use crate::engine::Bounded;
use crate::figures::export::{Figure, bundle};
use crate::labels::Lang;

pub fn router() -> Routes {
    Routes::new().route("/export/{name}/{file}", get(export_bundle))
}

/// Embeds: the only pages another site may frame.
pub fn embeds() -> Routes {
    Routes::new().route("/embed/{name}/{panel}", get(embed))
}

/// What a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Svg,
    Png,
    Csv,
    Xlsx,
    Json,
    Zip,
}

impl Kind {
    fn from_file(file: &str) -> Option<(String, Kind)> {
        let (id, ext) = file.rsplit_once('.')?;
        let kind = match ext {
            "svg" => Kind::Svg,
            "png" => Kind::Png,
            "csv" => Kind::Csv,
            "xlsx" => Kind::Xlsx,
            "json" => Kind::Json,
            "zip" => Kind::Zip,
            _ => return None,
        };
        Some((id.to_string(), kind))
    }

    fn content_type(self) -> &'static str {
        match self {
            Kind::Svg => "image/svg+xml; charset=utf-8",
            Kind::Png => "image/png",
            Kind::Csv => "text/csv; charset=utf-8",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Json => "application/json",
            Kind::Zip => "application/zip",
        }
    }
}

/// `/d/NAME/PANEL.EXT` (routed here by the table page's handler: axum matches whole
/// segments).
pub async fn download(
    state: Arc<AppState>,
    name: String,
    file: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    match Kind::from_file(&file) {
        Some((panel, kind)) if kind != Kind::Zip => {
            serve(state, name, panel, kind, file, query, headers).await
        }
        _ => Err(WebError::NotFound(format!(
            "{file}: 可下载 .png、.svg、.csv、.xlsx、.json / downloads are .png, .svg, .csv, .xlsx or .json"
        ))),
    }
}

async fn export_bundle(
    State(state): State<Arc<AppState>>,
    Path((name, file)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    match Kind::from_file(&file) {
        Some((panel, Kind::Zip)) => {
            serve(state, name, panel, Kind::Zip, file, query, headers).await
        }
        _ => Err(WebError::NotFound(format!(
            "{file}: 图包为 PANEL.zip / a bundle is PANEL.zip"
        ))),
    }
}

async fn serve(
    state: Arc<AppState>,
    name: String,
    panel: String,
    kind: Kind,
    file: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let loaded = state.current().await?;
    let view = View::from_query(&query, &loaded)?;
    let etag = etag(&loaded.engine.version, &name, &file, &view, kind);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let filename = format!("{name}-{file}");
    if let Some((content_type, body)) = loaded.drawn.get(&etag) {
        return Ok(respond(body, content_type, &etag, &filename, kind));
    }
    let figure = figure(&loaded, &name, &panel, &view).await?;
    let body: Vec<u8> = match kind {
        Kind::Svg => figure.svg()?.into_bytes(),
        Kind::Png => figure.png(view.scale)?,
        Kind::Csv => figure.csv(view.csv)?,
        Kind::Xlsx => figure.xlsx()?,
        Kind::Json => serde_json::to_vec_pretty(&figure.manifest())
            .map_err(|e| WebError::Internal(crate::error::Error::Other(e.to_string())))?,
        Kind::Zip => bundle::zip(&figure)?,
    };
    let body = Bytes::from(body);
    let content_type =
        if kind == Kind::Csv && view.csv == crate::engine::format::CsvEncoding::Gb18030 {
            "text/csv; charset=gb18030"
        } else {
            kind.content_type()
        };
    loaded.drawn.put(etag.clone(), content_type, body.clone());
    Ok(respond(body, content_type, &etag, &filename, kind))
}

async fn figure(loaded: &Loaded, name: &str, panel: &str, view: &View) -> Result<Figure, WebError> {
    let dashboard = loaded.dashboards.get(name).ok_or_else(|| {
        WebError::NotFound(format!("没有看板 {name} / no dashboard named {name}"))
    })?;
    if dashboard.panel(panel).is_none() {
        return Err(WebError::NotFound(format!(
            "看板 {name} 没有 {panel} / dashboard {name} has no panel {panel}"
        )));
    }
    Ok(Figure::build(
        &loaded.engine,
        &loaded.study,
        dashboard,
        panel,
        &view.filters,
        view.lang,
    )
    .await?)
}

fn respond(
    body: Bytes,
    content_type: &'static str,
    etag: &str,
    filename: &str,
    kind: Kind,
) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    // Revalidate every time: the ETag makes that a 304 until the data changes.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Pictures open in the browser; data files and bundles are saved.
    let disposition = match kind {
        Kind::Svg | Kind::Png | Kind::Json => "inline",
        _ => "attachment",
    };
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[derive(Template)]
#[template(path = "embed.html")]
struct EmbedPage {
    lang: Lang,
    title: String,
    caption: String,
    alt: String,
    svg: String,
    svg_narrow: String,
    source: String,
    notes: Vec<String>,
    more: String,
    more_text: &'static str,
}

/// The chart alone, with its title, caption, source line and suppression notes, for an
/// iframe on a news site.
async fn embed(
    State(state): State<Arc<AppState>>,
    Path((name, panel)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let loaded = state.current().await?;
    let view = View::from_query(&query, &loaded)?;
    let figure = figure(&loaded, &name, &panel, &view).await?;
    // The page carries the title, description, notes and source as text, where readers and
    // search engines see it.
    let chart = figure.chart.clone().bare();
    let page = EmbedPage {
        lang: view.lang,
        title: figure.title.clone(),
        caption: figure.caption.clone(),
        alt: figure.alt_text(),
        svg: crate::figures::render::svg(&chart)?,
        svg_narrow: crate::figures::render::svg_narrow(&chart)?,
        source: figure.source.clone(),
        notes: figure.suppression_notes(),
        more: view.href(&format!("/d/{name}"), view.lang, None),
        more_text: if view.lang.is_en() {
            "Full dashboard and data"
        } else {
            "完整看板与数据"
        },
    };
    let html = page.render()?;
    let mut response = axum::response::Html(html).into_response();
    // Any site may frame it: that is what it is for.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors *"),
    );
    Ok(response)
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
/// Files stamped with their time of export (Excel, JSON, bundles) are the same figure but
/// not the same bytes when drawn again: their validator is weak.
fn etag(version: &str, dashboard: &str, file: &str, view: &View, kind: Kind) -> String {
    let mut hasher = Sha256::new();
    hasher.update(version.as_bytes());
    hasher.update(b"\0");
    hasher.update(dashboard.as_bytes());
    hasher.update(b"\0");
    hasher.update(file.as_bytes());
    hasher.update(b"\0");
    hasher.update(view.lang.code().as_bytes());
    hasher.update(view.scale.to_le_bytes());
    hasher.update(format!("{:?}", view.csv).as_bytes());
    for (filter, value) in &view.filters {
        hasher.update(format!("{filter:?}={value}\0").as_bytes());
    }
    // The renderer's own version: a new drawing of the same data is a new file.
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    let digest = hasher.finalize();
    let weak = if matches!(kind, Kind::Xlsx | Kind::Json | Kind::Zip) {
        "W/"
    } else {
        ""
    };
    format!(
        "{weak}\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}
