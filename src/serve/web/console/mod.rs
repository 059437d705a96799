//! The SQL console for planners (`/sql`): the editor with its sidebar of tables and canned
//! queries, the URL that is the share link (the SQL, the page, the chart), a result a page at
//! a time, its downloads (`/sql/result.csv`, ...) and its chart (`/sql/chart.svg`, `.png`),
//! drawn as a dashboard panel is. Recent results are kept, so paging and charting a result
//! runs it once.
//!
//! Every statement runs through [`crate::serve::sandbox`].
//!
//! - [`answers`]: the recent results.
//! - [`sidebar`]: the tables and canned queries beside the editor.

mod answers;
mod sidebar;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use datafusion::arrow::datatypes::DataType;

use super::api::{DOWNLOADS, download, split_file};
use super::view::{Link, percent_encode};
use super::{AppState, Loaded, WebError};
use crate::engine::queries::QueryResult;
use crate::figures::dashboards::{Panel, PanelKind};
use crate::figures::render;
use crate::labels::Lang;
use crate::serve::sandbox::Answer;
pub use answers::Answers;
use sidebar::{CannedInfo, TableInfo, canned_list, schema_json, tables};

pub fn router() -> super::Routes {
    super::Routes::new()
        .route("/sql", get(console))
        .route("/sql/{file}", get(console_file))
}

/// Rows on one page of the console's table.
const PAGE_SIZE: usize = 100;

/// What the console's URL says: the SQL, the page, the chart. The URL is the share link.
#[derive(Debug, Default, Clone)]
struct Console {
    lang: Lang,
    sql: String,
    page: usize,
    chart: Option<PanelKind>,
    x: String,
    y: Vec<String>,
    series: String,
}

impl Console {
    fn parse(pairs: &[(String, String)]) -> Result<Console, WebError> {
        let mut console = Console {
            page: 1,
            ..Console::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "lang" => console.lang = Lang::parse(Some(value)),
                "q" => console.sql = value.clone(),
                "page" => {
                    console.page = value.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                        WebError::BadRequest(format!("page={value}: a page number from 1"))
                    })?;
                }
                "chart" => {
                    console.chart = match value.as_str() {
                        "" => None,
                        "line" => Some(PanelKind::Line),
                        "bar" => Some(PanelKind::Bar),
                        other => {
                            return Err(WebError::BadRequest(format!(
                                "chart={other}: line or bar"
                            )));
                        }
                    }
                }
                "x" => console.x = value.clone(),
                "y" if !value.is_empty() => console.y.push(value.clone()),
                "y" => {}
                "series" => console.series = value.clone(),
                other => {
                    return Err(WebError::BadRequest(format!(
                        "未知参数 {other} / unknown parameter {other}: use q, page, chart, x, y, series, lang"
                    )));
                }
            }
        }
        Ok(console)
    }

    /// The query string of this view with `page` and the chart choice.
    fn href(&self, path: &str, page: Option<usize>, with_chart: bool) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.sql.clone())];
        if self.lang.is_en() {
            pairs.push(("lang", "en".into()));
        }
        if let Some(page) = page.filter(|p| *p > 1) {
            pairs.push(("page", page.to_string()));
        }
        if with_chart && let Some(kind) = self.chart {
            pairs.push(("chart", chart_name(kind).into()));
            pairs.push(("x", self.x.clone()));
            for y in &self.y {
                pairs.push(("y", y.clone()));
            }
            if !self.series.is_empty() {
                pairs.push(("series", self.series.clone()));
            }
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

fn chart_name(kind: PanelKind) -> &'static str {
    if kind == PanelKind::Bar {
        "bar"
    } else {
        "line"
    }
}

/// A console result: from the recent results, or run now under the page's row cap.
async fn answer(state: &AppState, loaded: &Loaded, sql: &str) -> Result<Arc<Answer>, WebError> {
    if let Some(hit) = loaded.answers.get(sql) {
        return Ok(hit);
    }
    let answer = Arc::new(
        state
            .sandbox
            .run(
                &loaded.tables,
                sql,
                &BTreeMap::new(),
                state.sandbox.limits.page_rows,
            )
            .await
            .map_err(WebError::from_sandbox)?,
    );
    loaded.answers.put(sql.to_string(), answer.clone());
    Ok(answer)
}

/// The chosen columns as a dashboard panel, so the console's chart is drawn exactly as the
/// dashboards' are.
fn chart_panel(console: &Console, result: &QueryResult) -> Result<Option<Panel>, WebError> {
    let Some(kind) = console.chart else {
        return Ok(None);
    };
    let known = |c: &str| result.schema.field_with_name(c).is_ok();
    let mut missing: Vec<&str> = std::iter::once(console.x.as_str())
        .chain(console.y.iter().map(String::as_str))
        .filter(|c| !known(c))
        .collect();
    if !console.series.is_empty() && !known(&console.series) {
        missing.push(&console.series);
    }
    if console.y.is_empty() {
        return Err(WebError::BadRequest(
            "图表需要至少一个 y 列 / a chart needs at least one y column".into(),
        ));
    }
    if !missing.is_empty() {
        return Err(WebError::BadRequest(format!(
            "结果中没有这些列 / the result has no column {}",
            missing.join(", ")
        )));
    }
    let x_is_date = result
        .schema
        .field_with_name(&console.x)
        .is_ok_and(|f| f.data_type() == &DataType::Date32);
    Ok(Some(Panel {
        id: "sql".into(),
        title: format!("{} / {}", console.y.join("、"), console.y.join(", ")),
        query: String::new(),
        kind,
        params: BTreeMap::new(),
        value: None,
        interval: None,
        bands: Vec::new(),
        x: Some(console.x.clone()),
        x_en: None,
        y: if console.series.is_empty() {
            console.y.clone()
        } else {
            console.y.iter().take(1).cloned().collect()
        },
        series: (!console.series.is_empty()).then(|| console.series.clone()),
        r#where: BTreeMap::new(),
        unit: Default::default(),
        shade_lockdown: x_is_date,
        mark_holidays: false,
        reference: None,
        columns: Vec::new(),
        caption: String::new(),
    }))
}

/// `/sql/result.csv` (and xlsx, json, parquet) and `/sql/chart.svg`, `.png`.
async fn console_file(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let console = Console::parse(&pairs)?;
    if console.sql.trim().is_empty() {
        return Err(WebError::BadRequest("q: 请给出 SQL / give the SQL".into()));
    }
    let loaded = state.current().await?;
    match file.as_str() {
        "chart.svg" | "chart.png" => {
            let answer = answer(&state, &loaded, &console.sql).await?;
            let panel = chart_panel(&console, &answer.result)?.ok_or_else(|| {
                WebError::BadRequest("chart=line 或 bar / chart=line or bar".into())
            })?;
            let (svg, lang, data) = (file.ends_with(".svg"), console.lang, loaded.clone());
            let (body, content_type) = super::draw(&state, move || {
                let chart = render::panel_chart(&panel, &answer.result, &data.study, lang, None)?;
                Ok(if svg {
                    let svg = render::svg(&chart)?;
                    (svg.into_bytes(), "image/svg+xml; charset=utf-8")
                } else {
                    (render::png(&chart, 2)?, "image/png")
                })
            })
            .await?;
            let mut response = (StatusCode::OK, body).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            // The chart's text comes from a planner's rows: never let it script.
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            Ok(response)
        }
        _ => {
            let (stem, format) = split_file(&file)?;
            if stem != "result" {
                return Err(WebError::NotFound(format!(
                    "{file}: /sql/result.csv, .xlsx, .json, .parquet or /sql/chart.svg"
                )));
            }
            let answer = state
                .sandbox
                .run(
                    &loaded.tables,
                    &console.sql,
                    &BTreeMap::new(),
                    state.sandbox.limits.export_rows,
                )
                .await
                .map_err(WebError::from_sandbox)?;
            download(
                Arc::new(answer.result),
                format,
                "query",
                answer.truncated,
                state.sandbox.limits.memory / 4,
            )
        }
    }
}

struct ResultView {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    summary: String,
    truncated: Option<String>,
    pages: Vec<Link>,
    downloads: Vec<Link>,
    /// Column names with whether each is chosen for x, y and series.
    columns: Vec<(String, bool, bool, bool)>,
    chart: Option<String>,
    share: String,
}

#[derive(Template)]
#[template(path = "sql.html")]
struct ConsolePage {
    lang: Lang,
    switch: Link,
    version: String,
    sql: String,
    error: Option<String>,
    result: Option<ResultView>,
    tables: Vec<TableInfo>,
    /// The tables' columns as JSON (`{"orders": ["order_id", …]}`): the editor completes
    /// names from it.
    schema: String,
    canned: Vec<CannedInfo>,
    chart_kind: &'static str,
}

async fn console(
    State(state): State<Arc<AppState>>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let console = Console::parse(&pairs)?;
    let loaded = state.current().await?;
    let lang = console.lang;
    let en = lang.is_en();
    let mut error = None;
    let mut result = None;
    if !console.sql.trim().is_empty() {
        match answer(&state, &loaded, &console.sql).await {
            Ok(answer) => match chart_panel(&console, &answer.result) {
                Ok(panel) => result = Some(result_view(&console, &answer, panel.is_some())),
                Err(e) => {
                    result = Some(result_view(&console, &answer, false));
                    error = Some(e.public_message());
                }
            },
            Err(WebError::Internal(e)) => return Err(WebError::Internal(e)),
            Err(e) => error = Some(e.public_message()),
        }
    }
    let mut switched = console.clone();
    switched.lang = if en { Lang::Zh } else { Lang::En };
    let switch = Link {
        text: if en {
            "中文".into()
        } else {
            "English".into()
        },
        href: if console.sql.is_empty() {
            if en {
                "/sql".into()
            } else {
                "/sql?lang=en".into()
            }
        } else {
            switched.href("/sql", Some(console.page), true)
        },
    };
    let tables = tables(&loaded);
    let page = ConsolePage {
        lang,
        switch,
        version: loaded.engine.version.clone(),
        sql: console.sql.clone(),
        error,
        result,
        schema: schema_json(&tables),
        tables,
        canned: canned_list(&loaded, lang),
        chart_kind: console.chart.map_or("", chart_name),
    };
    Ok(Html(page.render()?).into_response())
}

fn result_view(console: &Console, answer: &Answer, charted: bool) -> ResultView {
    let en = console.lang.is_en();
    let result = &answer.result;
    let header: Vec<String> = result.column_names();
    let all = crate::engine::format::text_rows(result);
    let total = all.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = console.page.min(pages);
    let rows: Vec<Vec<String>> = all
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let millis = answer.elapsed.as_secs_f64() * 1000.0;
    let summary = if en {
        format!("{total} rows in {millis:.0} ms; page {page} of {pages}")
    } else {
        format!("共 {total} 行，用时 {millis:.0} 毫秒；第 {page} / {pages} 页")
    };
    let truncated = answer.truncated.then(|| {
        if en {
            format!(
                "Only the first {total} rows are shown: the result had more. Download it for up to the export limit, or narrow the query."
            )
        } else {
            format!("结果超过 {total} 行，只显示前 {total} 行。下载可得到更多行（有上限），或缩小查询范围。")
        }
    });
    let mut page_links = Vec::new();
    if page > 1 {
        page_links.push(Link {
            text: if en {
                "← previous".into()
            } else {
                "← 上一页".into()
            },
            href: console.href("/sql", Some(page - 1), true),
        });
    }
    if page < pages {
        page_links.push(Link {
            text: if en {
                "next →".into()
            } else {
                "下一页 →".into()
            },
            href: console.href("/sql", Some(page + 1), true),
        });
    }
    let downloads = DOWNLOADS
        .iter()
        .map(|ext| Link {
            text: ext.to_uppercase(),
            href: console.href(&format!("/sql/result.{ext}"), None, false),
        })
        .collect();
    let columns = header
        .iter()
        .map(|c| {
            (
                c.clone(),
                *c == console.x,
                console.y.contains(c),
                *c == console.series,
            )
        })
        .collect();
    ResultView {
        header,
        rows,
        summary,
        truncated,
        pages: page_links,
        downloads,
        columns,
        chart: charted.then(|| console.href("/sql/chart.svg", None, true)),
        share: console.href("/sql", Some(page), true),
    }
}
