//! The pages: the list of dashboards, one dashboard with its filters, and the table behind a
//! panel. Everything works without JavaScript: filters are a GET form, drill-downs are links.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::view::{Link, View, filter_key};
use super::{AppState, Loaded, Routes, WebError};
use crate::figures::dashboards::{Dashboard, Filter, PanelKind};
use crate::figures::panels;
use crate::figures::render;
use crate::labels::{self, Lang};

pub fn router() -> Routes {
    Routes::new()
        .route("/", get(index))
        .route("/d/{name}", get(dashboard))
}

/// Routes anyone may ask, users or not.
pub fn public() -> Routes {
    Routes::new().route("/healthz", get(healthz))
}
fn render_page(template: &impl Template) -> Result<Response, WebError> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    lang: Lang,
    dashboards: Vec<(Link, String)>,
    switch: Link,
    version: String,
}

async fn index(
    State(state): State<Arc<AppState>>,
    Query(query): Query<BTreeMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let loaded = state.current().await?;
    let page = loaded
        .pages
        .get_or_render(
            &loaded.engine.version,
            &address(&uri),
            render_index(&loaded, &query),
        )
        .await?;
    Ok(page.respond(&headers))
}

/// The path and query string a page is kept under.
fn address(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string())
}

async fn render_index(
    loaded: &Loaded,
    query: &BTreeMap<String, String>,
) -> Result<String, WebError> {
    let view = View::from_query(query, loaded)?;
    let lang = view.lang;
    let dashboards = loaded
        .dashboards
        .list
        .iter()
        .map(|d| {
            (
                Link {
                    text: lang.pick(&d.title).to_string(),
                    href: view.href(&format!("/d/{}", d.name), lang, None),
                },
                lang.pick(&d.description).to_string(),
            )
        })
        .collect();
    Ok(IndexPage {
        lang,
        dashboards,
        switch: language_switch(&view, "/"),
        version: loaded.engine.version.clone(),
    }
    .render()?)
}

fn language_switch(view: &View, path: &str) -> Link {
    match view.lang {
        Lang::Zh => Link {
            text: "English".into(),
            href: view.href(path, Lang::En, None),
        },
        Lang::En => Link {
            text: "中文".into(),
            href: view.href(path, Lang::Zh, None),
        },
    }
}

struct Select {
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String, bool)>,
}

struct Cell {
    text: String,
    href: Option<String>,
}

struct PanelView {
    id: String,
    title: String,
    caption: String,
    kpi: Option<String>,
    svg: Option<String>,
    svg_narrow: Option<String>,
    alt: String,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    downloads: Vec<Link>,
    /// The chart alone, for a news site's iframe: opened, not downloaded.
    embed: Option<Link>,
    table_link: Link,
    /// Effect tiles: the sentence that reads the number and its interval.
    sentence: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    lang: Lang,
    title: String,
    description: String,
    selects: Vec<Select>,
    tiles: Vec<PanelView>,
    panels: Vec<PanelView>,
    switch: Link,
    home: Link,
    apply: &'static str,
    /// Says that downloads are suppressed for print, unlike the page.
    publishing: &'static str,
    /// How to read the figures (the dashboard's `reading`), under them.
    reading: String,
    version: String,
    source: &'static str,
}

fn selects(dashboard: &Dashboard, view: &View, loaded: &Loaded) -> Vec<Select> {
    let lang = view.lang;
    let all = if lang.is_en() { "all" } else { "全部" };
    dashboard
        .filters
        .iter()
        .map(|filter| {
            let current = view.filters.get(filter).cloned().unwrap_or_default();
            let mut options: Vec<(String, String, bool)> = match filter {
                Filter::Lockdown => loaded
                    .study
                    .lockdowns
                    .iter()
                    .map(|(id, first, last)| (id.clone(), format!("{first} – {last}"), false))
                    .collect(),
                Filter::Community => loaded
                    .study
                    .communities
                    .iter()
                    .map(|(id, zh, en)| {
                        (
                            id.clone(),
                            if lang.is_en() { en.clone() } else { zh.clone() },
                            false,
                        )
                    })
                    .collect(),
                Filter::Category => crate::engine::contract::CATEGORIES
                    .iter()
                    .map(|c| (c.to_string(), labels::code(c, lang).to_string(), false))
                    .collect(),
            };
            if *filter != Filter::Lockdown {
                options.insert(0, (String::new(), all.to_string(), false));
            }
            for option in &mut options {
                option.2 = option.0 == current;
            }
            Select {
                name: filter_key(*filter),
                label: match (filter, lang) {
                    (Filter::Lockdown, Lang::Zh) => "封控",
                    (Filter::Lockdown, Lang::En) => "Lockdown",
                    (Filter::Community, Lang::Zh) => "社区",
                    (Filter::Community, Lang::En) => "Community",
                    (Filter::Category, Lang::Zh) => "店铺类别",
                    (Filter::Category, Lang::En) => "Kind of shop",
                },
                options,
            }
        })
        .collect()
}

async fn dashboard(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let loaded = state.current().await?;
    let page = loaded
        .pages
        .get_or_render(
            &loaded.engine.version,
            &address(&uri),
            render_dashboard(&loaded, &name, &query),
        )
        .await?;
    Ok(page.respond(&headers))
}

async fn render_dashboard(
    loaded: &Loaded,
    name: &str,
    query: &BTreeMap<String, String>,
) -> Result<String, WebError> {
    let dashboard = find_dashboard(loaded, name)?;
    let view = View::from_query(query, loaded)?;
    let lang = view.lang;
    let path = format!("/d/{name}");
    let lockdown = view.filters.get(&Filter::Lockdown).map(String::as_str);
    panels::prefetch(&loaded.engine, dashboard, &view.filters).await?;
    let (mut tiles, mut panels) = (Vec::new(), Vec::new());
    for panel in &dashboard.panels {
        let result = panels::panel_rows(&loaded.engine, dashboard, panel, &view.filters).await?;
        let base = format!("/d/{name}/{}", panel.id);
        let mut panel_view = PanelView {
            id: panel.id.clone(),
            title: lang.pick(&panel.title).to_string(),
            caption: lang.pick(&panel.caption).to_string(),
            kpi: None,
            svg: None,
            svg_narrow: None,
            alt: String::new(),
            header: Vec::new(),
            rows: Vec::new(),
            downloads: Vec::new(),
            embed: None,
            table_link: Link {
                text: if lang.is_en() {
                    "table".into()
                } else {
                    "数据表".into()
                },
                href: view.href(&base, lang, None),
            },
            sentence: None,
        };
        match panel.kind {
            PanelKind::Kpi => {
                panel_view.kpi = Some(panels::kpi(panel, &result, lang));
                panel_view.sentence = panels::effect_sentence(panel, &result, lang);
                tiles.push(panel_view);
                continue;
            }
            PanelKind::Table => {
                let (header, rows) = panels::table(panel, &result, &loaded.study, lang);
                panel_view.header = header;
                panel_view.rows = drill_down_rows(panel, &result, rows, &view);
                // A table prints as a picture too.
                panel_view.downloads = downloads(&view, name, &panel.id);
            }
            _ => {
                let chart = render::panel_chart(panel, &result, &loaded.study, lang, lockdown)?;
                panel_view.alt = chart.alt_text();
                // The page's heading and footer carry the title and source.
                let chart = chart.bare();
                panel_view.svg = Some(render::svg(&chart)?);
                panel_view.svg_narrow = Some(render::svg_narrow(&chart)?);
                panel_view.downloads = downloads(&view, name, &panel.id);
                panel_view.embed = Some(Link {
                    text: if lang.is_en() { "embed" } else { "嵌入" }.into(),
                    href: view.href(&format!("/embed/{name}/{}", panel.id), lang, None),
                });
            }
        }
        panels.push(panel_view);
    }
    Ok(DashboardPage {
        lang,
        title: lang.pick(&dashboard.title).to_string(),
        description: lang.pick(&dashboard.description).to_string(),
        selects: selects(dashboard, &view, loaded),
        tiles,
        panels,
        switch: language_switch(&view, &path),
        home: Link {
            text: if lang.is_en() {
                "All dashboards".into()
            } else {
                "全部看板".into()
            },
            href: view.href("/", lang, None),
        },
        apply: if lang.is_en() { "Apply" } else { "应用" },
        publishing: if lang.is_en() {
            "Downloads are for publication: a value built from fewer than 3 shops, or where two shops make over 85% of it, is left empty with a note."
        } else {
            "下载文件供发布使用：由不足3家店铺构成、或两家店铺占比超过85%的数值留空并注明。"
        },
        reading: lang.pick(&dashboard.reading).to_string(),
        version: loaded.engine.version.clone(),
        source: source_line(lang),
    }
    .render()?)
}

use render::source_line;

/// A panel's files for reporters: all suppressed for print (see `web/figures.rs`).
fn downloads(view: &View, dashboard: &str, panel: &str) -> Vec<Link> {
    let lang = view.lang;
    let base = format!("/d/{dashboard}/{panel}");
    let link = |text: &str, path: String| Link {
        text: text.into(),
        href: view.href(&path, lang, None),
    };
    let mut links = Vec::new();
    links.push(link("PNG", format!("{base}.png")));
    let png = view.href(&format!("{base}.png"), lang, None);
    let separator = if png.contains('?') { '&' } else { '?' };
    links.push(Link {
        text: "PNG 3×".into(),
        href: format!("{png}{separator}scale=3"),
    });
    links.push(link("SVG", format!("{base}.svg")));
    links.push(link("CSV", format!("{base}.csv")));
    links.push(link("Excel", format!("{base}.xlsx")));
    links.push(link("JSON", format!("{base}.json")));
    links.push(link(
        if lang.is_en() {
            "bundle (zip)"
        } else {
            "图包 zip"
        },
        format!("/export/{dashboard}/{panel}.zip"),
    ));
    links
}

/// Table cells, with communities and categories linking to their own pages.
fn drill_down_rows(
    panel: &crate::figures::dashboards::Panel,
    result: &crate::engine::queries::QueryResult,
    rows: Vec<Vec<String>>,
    view: &View,
) -> Vec<Vec<Cell>> {
    let names: Vec<String> = result.column_names();
    let shown: Vec<String> = panels::shown_columns(panel, result)
        .into_iter()
        .map(|i| names[i].clone())
        .collect();
    let raw = crate::engine::format::text_rows(result);
    rows.into_iter()
        .enumerate()
        .map(|(r, row)| {
            row.into_iter()
                .zip(&shown)
                .map(|(text, column)| {
                    let value = names
                        .iter()
                        .position(|n| n == column)
                        .and_then(|i| raw.get(r).and_then(|row| row.get(i)))
                        .cloned()
                        .unwrap_or_default();
                    let href = match column.as_str() {
                        "community_id" => Some(view.href(
                            "/d/community",
                            view.lang,
                            Some((Filter::Community, &value)),
                        )),
                        "category" => Some(view.href(
                            "/d/recovery",
                            view.lang,
                            Some((Filter::Category, &value)),
                        )),
                        _ => None,
                    };
                    Cell { text, href }
                })
                .collect()
        })
        .collect()
}

fn find_dashboard<'a>(loaded: &'a Loaded, name: &str) -> Result<&'a Dashboard, WebError> {
    loaded.dashboards.get(name).ok_or_else(|| {
        let names: Vec<&str> = loaded
            .dashboards
            .list
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        WebError::NotFound(format!(
            "没有看板 {name} / no dashboard named {name} (there are: {})",
            names.join(", ")
        ))
    })
}

#[derive(Template)]
#[template(path = "table.html")]
struct TablePage {
    lang: Lang,
    title: String,
    caption: String,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    back: Link,
    csv: Link,
    switch: Link,
    version: String,
    source: &'static str,
}

/// The table behind a panel (`/d/NAME/PANEL`; its downloads share the route, see
/// [`super::panel`]).
pub async fn panel_table(
    state: Arc<AppState>,
    name: String,
    panel_id: String,
    query: BTreeMap<String, String>,
) -> Result<Response, WebError> {
    let loaded = state.current().await?;
    let dashboard = find_dashboard(&loaded, &name)?;
    let panel = dashboard.panel(&panel_id).ok_or_else(|| {
        WebError::NotFound(format!(
            "看板 {name} 没有 {panel_id} / dashboard {name} has no panel {panel_id}"
        ))
    })?;
    let view = View::from_query(&query, &loaded)?;
    let lang = view.lang;
    let result = panels::panel_rows(&loaded.engine, dashboard, panel, &view.filters).await?;
    let mut table_panel = panel.clone();
    table_panel.columns.clear();
    let (header, rows) = panels::table(&table_panel, &result, &loaded.study, lang);
    let rows = drill_down_rows(&table_panel, &result, rows, &view);
    let base = format!("/d/{name}/{panel_id}");
    render_page(&TablePage {
        lang,
        title: lang.pick(&panel.title).to_string(),
        caption: lang.pick(&panel.caption).to_string(),
        header,
        rows,
        back: Link {
            text: lang.pick(&dashboard.title).to_string(),
            href: view.href(&format!("/d/{name}"), lang, None),
        },
        csv: Link {
            text: "CSV".into(),
            href: view.href(&format!("{base}.csv"), lang, None),
        },
        switch: language_switch(&view, &base),
        version: loaded.engine.version.clone(),
        source: source_line(lang),
    })
}

/// "ok" to anyone, for a load balancer or a monitor; the data version and the cache only to
/// someone who may view the data (a version says when the data last changed).
async fn healthz(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
) -> Result<Json<serde_json::Value>, WebError> {
    let (request, _) = request.into_parts();
    let loaded = state.current().await?;
    if !super::auth::may_view(&state, &request).await {
        return Ok(Json(serde_json::json!({ "status": "ok" })));
    }
    Ok(Json(serde_json::json!({
        "status": "ok",
        "data_version": loaded.engine.version,
        "cached_results": loaded.engine.cached_results(),
    })))
}
