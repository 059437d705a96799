//! One error type for handlers: a status, a page a person can act on, and internal details
//! logged rather than shown.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::Error;

#[derive(Debug)]
pub enum WebError {
    NotFound(String),
    BadRequest(String),
    /// A planner's SQL was refused, failed, or hit a limit: the message is theirs to read.
    Query {
        kind: &'static str,
        message: String,
    },
    /// Every slot for ad-hoc queries is taken: 429 with a Retry-After.
    Busy(String),
    /// No credentials, or wrong ones: 401 with a Basic challenge.
    Unauthorized,
    /// Known, but the role does not reach this far.
    Forbidden(String),
    Internal(Error),
}

impl WebError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) | WebError::Query { .. } => StatusCode::BAD_REQUEST,
            WebError::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
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

impl WebError {
    /// An error of a planner's own SQL (the sandbox): theirs to read, not ours to log. A
    /// failing query file or a broken data folder stays internal.
    pub fn from_sandbox(e: Error) -> WebError {
        let kind = match &e {
            Error::Refused(_) => "refused",
            Error::Sql(_) => "sql",
            Error::TimeLimit { .. } => "time_limit",
            Error::MemoryLimit { .. } => "memory_limit",
            Error::Busy { .. } => return WebError::Busy(e.to_string()),
            _ => return e.into(),
        };
        WebError::Query {
            kind,
            message: e.to_string(),
        }
    }

    /// What a person may read: internal details are logged here and replaced.
    pub fn public_message(&self) -> String {
        match self {
            WebError::NotFound(m)
            | WebError::BadRequest(m)
            | WebError::Busy(m)
            | WebError::Forbidden(m) => m.clone(),
            WebError::Unauthorized => {
                "请用户名和密码登录 / Sign in with your user name and password (or a token)"
                    .to_string()
            }
            WebError::Query { message, .. } => message.clone(),
            WebError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                "出错了，已记录。 / Something went wrong; it has been logged.".to_string()
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            WebError::NotFound(_) => "not_found",
            WebError::BadRequest(_) => "bad_request",
            WebError::Query { kind, .. } => kind,
            WebError::Busy(_) => "busy",
            WebError::Unauthorized => "unauthorized",
            WebError::Forbidden(_) => "forbidden",
            WebError::Internal(_) => "internal",
        }
    }

    /// How long a client told 429 should wait.
    pub const RETRY_AFTER_SECONDS: &'static str = "2";

    /// Headers the status asks for: a Basic challenge with 401, Retry-After with 429.
    fn add_headers(&self, response: &mut Response) {
        let headers = response.headers_mut();
        match self {
            WebError::Unauthorized => {
                headers.insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static(
                        "Basic realm=\"yanhuo\", charset=\"UTF-8\"",
                    ),
                );
            }
            WebError::Busy(_) => {
                headers.insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static(Self::RETRY_AFTER_SECONDS),
                );
            }
            _ => {}
        }
    }
}

/// The same errors as JSON, for the API and `.json` downloads: `{"error": {"kind",
/// "message"}}`.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status_code();
        let body = serde_json::json!({
            "error": { "kind": self.0.kind(), "message": self.0.public_message() }
        });
        let mut response = (status, axum::Json(body)).into_response();
        self.0.add_headers(&mut response);
        response
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(Error::Other(format!("template: {e}")))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let message = self.public_message();
        let page = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{code}</title><link rel=\"stylesheet\" href=\"{style}\"></head><body><main class=\"error\"><h1>{code}</h1><p>{message}</p><p><a href=\"/\">返回首页 / Back to the dashboards</a></p></main></body></html>",
            code = status.as_u16(),
            message = crate::labels::escape(&message),
            style = super::style_href(),
        );
        let mut response = (status, Html(page)).into_response();
        self.add_headers(&mut response);
        response
    }
}
