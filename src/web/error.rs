//! One error type for handlers: a status, a page a person can act on, and internal details
//! logged rather than shown.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::Error;

#[derive(Debug)]
pub enum WebError {
    NotFound(String),
    BadRequest(String),
    Internal(Error),
}

impl WebError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::Parameter { .. } => WebError::BadRequest(e.to_string()),
            other => WebError::Internal(other),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(Error::Other(format!("template: {e}")))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let message = match &self {
            WebError::NotFound(m) | WebError::BadRequest(m) => m.clone(),
            WebError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                "出错了，已记录。 / Something went wrong; it has been logged.".to_string()
            }
        };
        let page = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{code}</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head><body><main class=\"error\"><h1>{code}</h1><p>{message}</p><p><a href=\"/\">返回首页 / Back to the dashboards</a></p></main></body></html>",
            code = status.as_u16(),
            message = escape(&message)
        );
        (status, Html(page)).into_response()
    }
}
