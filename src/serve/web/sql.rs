//! Ad-hoc SQL for planners: the console (`/sql`), its downloads and chart, the JSON API
//! (`POST /api/sql`) and the canned queries of `queries/` (`/q/NAME.csv`, `.json`).
//!
//! Every planner-written statement runs through [`crate::serve::sandbox`]; canned queries are the
//! project's own SQL with checked parameters and run through the engine (and its cache).

use std::collections::{BTreeMap, VecDeque};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::scalar::ScalarValue;
use serde::Deserialize;

use super::view::{Link, percent_encode};
use super::{ApiError, AppState, Loaded, WebError};
use crate::engine::contract;
use crate::engine::format::{self, OutputFormat};
use crate::engine::queries::QueryResult;
use crate::figures::dashboards::{Panel, PanelKind};
use crate::figures::render;
use crate::labels::Lang;
use crate::serve::sandbox::{self, Answer};

pub fn router() -> super::Routes {
    super::Routes::new()
        .route("/sql", get(console))
        .route("/sql/{file}", get(console_file))
        .route("/api/sql", post(api))
        .route("/q/{file}", get(canned))
}

/// Rows on one page of the console's table.
const PAGE_SIZE: usize = 100;

/// The formats a result downloads in.
const DOWNLOADS: [&str; 4] = ["csv", "xlsx", "json", "parquet"];

// ---------------------------------------------------------------------------------------
// The API

#[derive(Debug, Deserialize)]
struct ApiRequest {
    sql: String,
    /// Values for `$name` placeholders: strings, numbers, booleans or null.
    #[serde(default)]
    params: BTreeMap<String, serde_json::Value>,
}

async fn api(
    State(state): State<Arc<AppState>>,
    request: Result<Json<ApiRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = request.map_err(|e| {
        WebError::BadRequest(format!(
            "send JSON {{\"sql\": \"SELECT …\", \"params\": {{…}}}}: {}",
            e.body_text()
        ))
    })?;
    let params = json_params(&request.params)?;
    let loaded = state.current().await?;
    let cap = state.sandbox.limits.page_rows;
    let answer = state
        .sandbox
        .run(&loaded.tables, &request.sql, &params, cap)
        .await
        .map_err(WebError::from_sandbox)?;
    let rows = json_rows(&answer.result)?;
    let columns: Vec<serde_json::Value> = answer
        .result
        .schema
        .fields()
        .iter()
        .map(|f| serde_json::json!({ "name": f.name(), "type": sql_type(f.data_type()) }))
        .collect();
    Ok(Json(serde_json::json!({
        "columns": columns,
        "rows": rows,
        "row_count": answer.result.num_rows(),
        "truncated": answer.truncated,
        "row_cap": cap,
        "elapsed_ms": answer.elapsed.as_secs_f64() * 1000.0,
    }))
    .into_response())
}

/// Rows as format.rs writes them in JSON, read back to embed in a larger document.
fn json_rows(result: &QueryResult) -> Result<serde_json::Value, WebError> {
    if result.num_rows() == 0 {
        return Ok(serde_json::Value::Array(Vec::new()));
    }
    Ok(
        serde_json::from_slice(&format::to_bytes(result, OutputFormat::Json)?)
            .map_err(|e| crate::Error::Other(format!("reading our own JSON: {e}")))?,
    )
}

/// JSON values as typed placeholders: they never become SQL text.
fn json_params(
    params: &BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, ScalarValue>, WebError> {
    params
        .iter()
        .map(|(name, value)| {
            let scalar = match value {
                serde_json::Value::Null => ScalarValue::Utf8(None),
                serde_json::Value::Bool(b) => ScalarValue::Boolean(Some(*b)),
                serde_json::Value::String(s) => ScalarValue::Utf8(Some(s.clone())),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => ScalarValue::Int64(Some(i)),
                    None => ScalarValue::Float64(n.as_f64()),
                },
                _ => {
                    return Err(WebError::BadRequest(format!(
                        "params.{name}: give a string, number, boolean or null"
                    )));
                }
            };
            Ok((name.trim_start_matches('$').to_string(), scalar))
        })
        .collect()
}

/// A column type as a planner reads it.
pub fn sql_type(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => "integer".into(),
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => {
            "integer".into()
        }
        DataType::Float16 | DataType::Float32 | DataType::Float64 => "float".into(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p},{s})"),
        DataType::Date32 | DataType::Date64 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp with time zone".into(),
        DataType::Timestamp(_, None) => "timestamp".into(),
        DataType::Boolean => "boolean".into(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Canned queries: /q/NAME.csv?param=…

async fn canned(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(mut params): Query<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let (name, format) = split_file(&file)?;
    // Empty fields of the page's form mean "the default".
    params.retain(|_, v| !v.is_empty());
    let loaded = state.current().await?;
    if loaded.engine.library.get(name).is_none() {
        return Err(
            WebError::NotFound(format!("没有查询 {name} / no query file named {name}")).into(),
        );
    }
    let result = loaded.engine.run(name, &params).await?;
    Ok(download(result, format, name, false, usize::MAX)?)
}

/// `NAME.EXT` → the name and a download format.
fn split_file(file: &str) -> Result<(&str, OutputFormat), WebError> {
    let (name, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let format = OutputFormat::from_str(ext)
        .ok()
        .filter(|f| DOWNLOADS.contains(&f.name()))
        .ok_or_else(|| {
            WebError::NotFound(format!(
                "{file}: 可下载 {list} / downloads are {list}",
                list = DOWNLOADS.join(", ")
            ))
        })?;
    Ok((name, format))
}

/// A result as a file. CSV and JSON are written a batch at a time as the client reads, so
/// the body never exists whole; xlsx and Parquet are built whole, and refused past
/// `built_cap` bytes of rows (the sandbox's memory for planners' results).
fn download(
    result: Arc<QueryResult>,
    format: OutputFormat,
    name: &str,
    truncated: bool,
    built_cap: usize,
) -> Result<Response, WebError> {
    let rows = result.num_rows();
    let body = match format {
        OutputFormat::Csv => Body::from_stream(csv_chunks(result)?),
        OutputFormat::Json => Body::from_stream(json_chunks(result)),
        _ => {
            let held: usize = result
                .batches
                .iter()
                .map(RecordBatch::get_array_memory_size)
                .sum();
            if held > built_cap {
                return Err(WebError::Query {
                    kind: "memory_limit",
                    message: format!(
                        "the result holds {:.1} MiB, more than the {} MiB a {} file may be built from here; download it as CSV, which is written as it is read",
                        held as f64 / f64::from(1 << 20),
                        built_cap >> 20,
                        format.name()
                    ),
                });
            }
            Body::from(format::to_bytes(&result, format)?)
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(format.content_type()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}.{}\"",
        format.name()
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if truncated {
        headers.insert(
            "x-yanhuo-truncated",
            HeaderValue::from_str(&rows.to_string()).unwrap_or(HeaderValue::from_static("yes")),
        );
    }
    Ok(response)
}

type Chunk = Result<Bytes, crate::Error>;

/// One batch of `result` on its own, for a writer that takes whole results.
fn one_batch(result: &QueryResult, i: usize) -> QueryResult {
    QueryResult {
        schema: result.schema.clone(),
        batches: result.batches[i..=i].to_vec(),
    }
}

/// The CSV a batch at a time: the header (after Excel's byte-order mark, without which it
/// reads UTF-8 as the wrong Chinese) once, then each batch's rows.
fn csv_chunks(
    result: Arc<QueryResult>,
) -> Result<impl futures::Stream<Item = Chunk> + Send + 'static, WebError> {
    let empty = QueryResult {
        schema: result.schema.clone(),
        batches: Vec::new(),
    };
    let header = format::to_bytes(&empty, OutputFormat::Csv)?;
    let mut first = "\u{feff}".as_bytes().to_vec();
    first.extend_from_slice(&header);
    let batches = result.batches.len();
    let rows = (0..batches).map(move |i| {
        let text = format::to_bytes(&one_batch(&result, i), OutputFormat::Csv)?;
        Ok(Bytes::from(
            text.strip_prefix(header.as_slice())
                .map(<[u8]>::to_vec)
                .unwrap_or(text),
        ))
    });
    Ok(futures::stream::iter(
        std::iter::once(Ok(Bytes::from(first))).chain(rows),
    ))
}

/// The JSON array a batch at a time: each batch's objects, joined by commas.
fn json_chunks(result: Arc<QueryResult>) -> impl futures::Stream<Item = Chunk> + Send + 'static {
    let batches = result.batches.len();
    let mut written = false;
    let objects = (0..batches).filter_map(move |i| {
        let text = match format::to_bytes(&one_batch(&result, i), OutputFormat::Json) {
            Ok(text) => text,
            Err(e) => return Some(Err(e)),
        };
        let inner = text.trim_ascii_end();
        let inner = inner
            .strip_prefix(b"[")
            .and_then(|t| t.strip_suffix(b"]"))
            .unwrap_or(inner);
        if inner.is_empty() {
            return None;
        }
        let mut chunk = Vec::with_capacity(inner.len() + 1);
        if written {
            chunk.push(b',');
        }
        written = true;
        chunk.extend_from_slice(inner);
        Some(Ok(Bytes::from(chunk)))
    });
    futures::stream::iter(
        std::iter::once(Ok(Bytes::from_static(b"[")))
            .chain(objects)
            .chain(std::iter::once(Ok(Bytes::from_static(b"]\n")))),
    )
}

// ---------------------------------------------------------------------------------------
// Recent console results

/// Console results kept at most, whatever their size.
const ANSWERS: usize = 16;

/// Recent console results by SQL, so paging and charting a result runs it once; bounded by
/// the bytes their rows hold (16 entries kept 1.7 GB of two wide results), oldest out first.
pub struct Answers {
    budget: usize,
    entries: Mutex<VecDeque<(String, Arc<Answer>, usize)>>,
}

impl Answers {
    /// At most `budget` bytes of rows; a result larger than that is not kept.
    pub fn new(budget: usize) -> Answers {
        Answers {
            budget,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn get(&self, sql: &str) -> Option<Arc<Answer>> {
        let entries = self.entries.lock().ok()?;
        entries
            .iter()
            .find(|(key, _, _)| key == sql)
            .map(|(_, answer, _)| answer.clone())
    }

    fn put(&self, sql: String, answer: Arc<Answer>) {
        let bytes = answer.memory_size();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        entries.retain(|(key, _, _)| *key != sql);
        if bytes > self.budget {
            return;
        }
        entries.push_back((sql, answer, bytes));
        while entries.len() > ANSWERS
            || entries.iter().map(|(_, _, b)| b).sum::<usize>() > self.budget
        {
            entries.pop_front();
        }
    }

    /// Results held now.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of rows held now.
    pub fn bytes(&self) -> usize {
        self.entries
            .lock()
            .map(|e| e.iter().map(|(_, _, b)| b).sum())
            .unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------
// The console

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

struct TableInfo {
    name: String,
    description: String,
    columns: Vec<(String, String)>,
}

struct CannedInfo {
    name: String,
    title: String,
    description: String,
    /// Name, type, default, what it means.
    params: Vec<(String, String, String, String)>,
    open: String,
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

/// The sidebar's tables as `{"table": ["column", …]}`, what the editor's completion reads.
fn schema_json(tables: &[TableInfo]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = tables
        .iter()
        .map(|t| {
            let columns = t.columns.iter().map(|(name, _)| name.clone().into());
            (t.name.clone(), serde_json::Value::Array(columns.collect()))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
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

/// The console's sidebar: every table a planner's SQL sees, with its columns and types.
fn tables(loaded: &Loaded) -> Vec<TableInfo> {
    let mut out = Vec::new();
    for spec in contract::TABLES {
        let Some(schema) = loaded.tables.schema(spec.name) else {
            continue;
        };
        let mut description = spec.description.to_string();
        if spec.name == sandbox::HIDDEN_COLUMN.0 {
            description.push_str(&format!(
                " ({} is not shown here: see {}.)",
                sandbox::HIDDEN_COLUMN.1,
                sandbox::CUSTOMERS_VIEW
            ));
        }
        out.push(TableInfo {
            name: spec.name.to_string(),
            description,
            columns: schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), sql_type(f.data_type())))
                .collect(),
        });
    }
    if let Some(schema) = loaded.tables.schema(sandbox::CUSTOMERS_VIEW) {
        out.push(TableInfo {
            name: sandbox::CUSTOMERS_VIEW.to_string(),
            description: "Completed orders and distinct customers (customer_ref) per shop and local date: the only way customers can be counted here.".into(),
            columns: schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), sql_type(f.data_type())))
                .collect(),
        });
    }
    out
}

fn canned_list(loaded: &Loaded, lang: Lang) -> Vec<CannedInfo> {
    let library = &loaded.engine.library;
    library
        .files()
        .map(|file| {
            let params = library.params_of(file).unwrap_or_default();
            let example = Console {
                lang,
                sql: format!("SELECT * FROM {} LIMIT 100", file.name),
                ..Console::default()
            };
            CannedInfo {
                name: file.name.clone(),
                title: file.title_in(lang.is_en()).to_string(),
                description: file.description.clone(),
                params: params
                    .into_iter()
                    .map(|p| {
                        (
                            p.name,
                            format!("{:?}", p.ty).to_lowercase(),
                            p.default.unwrap_or_default(),
                            p.doc,
                        )
                    })
                    .collect(),
                open: example.href("/sql", None, false),
            }
        })
        .collect()
}
