//! The query API and downloads: `POST /api/sql` (a planner's SQL through the sandbox, rows
//! as JSON with each column's type), the canned queries of `queries/` as files
//! (`/q/NAME.csv`, `.xlsx`, `.json`, `.parquet`), and a result as a download, CSV and JSON
//! streamed a batch at a time. The console's downloads are written here too.
//!
//! Every planner-written statement runs through [`crate::serve::sandbox`]; canned queries are
//! the project's own SQL with checked parameters and run through the engine (and its cache).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datafusion::arrow::array::RecordBatch;
use datafusion::scalar::ScalarValue;
use serde::Deserialize;

use super::{ApiError, AppState, WebError};
use crate::engine::format::{self, OutputFormat};
use crate::engine::queries::QueryResult;
use crate::serve::sandbox::postgres::column_type;

pub fn router() -> super::Routes {
    super::Routes::new()
        .route("/api/sql", post(api))
        .route("/q/{file}", get(canned))
}

/// The formats a result downloads in.
pub const DOWNLOADS: [&str; 4] = ["csv", "xlsx", "json", "parquet"];

// ---------------------------------------------------------------------------------------
// POST /api/sql

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
        .map(|f| serde_json::json!({ "name": f.name(), "type": column_type(f.data_type()).word }))
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
pub fn split_file(file: &str) -> Result<(&str, OutputFormat), WebError> {
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
pub fn download(
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
