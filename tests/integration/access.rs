//! Roles over HTTP: Basic and Bearer credentials from a config file, 401 and 403, what stays
//! public; `serve` refusing an open server on a non-loopback address; `hash-password`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::BodyExt;
use tower::ServiceExt;
use yanhuo::access::{self, Access};
use yanhuo::config::Settings;
use yanhuo::web::{self, AppState};

use crate::fixture::write_district;

struct Site {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
    token: String,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let (token, digest) = access::new_token();
    let config = format!(
        "[[users]]\nname = \"li\"\nrole = \"viewer\"\npassword_hash = \"{}\"\n\n\
         [[users]]\nname = \"wang\"\nrole = \"analyst\"\npassword_hash = \"{}\"\n\n\
         [[tokens]]\nname = \"superset\"\nrole = \"analyst\"\ntoken_sha256 = \"{digest}\"\n",
        access::hash_password("view-only").unwrap(),
        access::hash_password("规划 plan").unwrap(),
    );
    let path = dir.path().join("yanhuo.toml");
    std::fs::write(&path, config).unwrap();
    let mut settings = Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap();
    settings.access = Access::load(&path).unwrap();
    let state = AppState::open(settings).await.unwrap();
    Site {
        _dir: dir,
        state,
        token,
    }
}

fn basic(name: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"))
    )
}

async fn send(
    site: &Site,
    method: &str,
    uri: &str,
    auth: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(auth) = auth {
        request = request.header(header::AUTHORIZATION, auth);
    }
    let body = if method == "POST" {
        request = request.header(header::CONTENT_TYPE, "application/json");
        Body::from(r#"{"sql": "SELECT COUNT(*) AS n FROM shops"}"#)
    } else {
        Body::empty()
    };
    let response = web::router(site.state.clone())
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn no_or_wrong_credentials_get_401_with_a_basic_challenge() {
    let site = site().await;
    for auth in [
        None,
        Some(basic("wang", "wrong").as_str()),
        Some(basic("nobody", "规划 plan").as_str()),
        Some("Bearer yh_not_a_token"),
    ] {
        let (status, headers, _) = send(&site, "GET", "/sql", auth).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            "Basic realm=\"yanhuo\", charset=\"UTF-8\""
        );
        let (status, _, _) = send(&site, "GET", "/d/recovery", auth).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
    let (status, headers, body) = send(&site, "POST", "/api/sql", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    assert!(body.contains("\"kind\":\"unauthorized\""), "{body}");
    // The stylesheet the 401 page uses stays public.
    let (status, _, _) = send(&site, "GET", "/assets/style.css", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_viewer_sees_the_dashboards_but_gets_403_from_the_sql_console() {
    let site = site().await;
    let li = basic("li", "view-only");
    let (status, _, _) = send(&site, "GET", "/d/recovery", Some(&li)).await;
    assert_eq!(status, StatusCode::OK);
    for (method, uri) in [
        ("GET", "/sql"),
        ("POST", "/api/sql"),
        ("GET", "/q/closure_length.csv"),
        ("GET", "/sql/result.csv?q=SELECT%201"),
    ] {
        let (status, _, body) = send(&site, method, uri, Some(&li)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert!(
            body.contains("li has the role viewer; this needs analyst"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn an_analyst_by_password_or_token_runs_sql() {
    let site = site().await;
    let wang = basic("wang", "规划 plan");
    let (status, _, body) = send(&site, "POST", "/api/sql", Some(&wang)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"rows\":[{\"n\":"), "{body}");
    let bearer = format!("Bearer {}", site.token);
    let (status, _, _) = send(&site, "POST", "/api/sql", Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK);
    // Analysts see what viewers see.
    let (status, _, _) = send(&site, "GET", "/d/recovery", Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&site, "GET", "/sql", Some(&wang)).await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn serve_refuses_an_open_server_on_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_yanhuo"))
        .arg("--data")
        .arg(dir.path())
        .args(["serve", "--addr", "0.0.0.0:0"])
        .env("YANHUO_LOG", "warn")
        .env_remove("YANHUO_CONFIG")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no users are configured"), "{stderr}");
    assert!(stderr.contains("--config or YANHUO_CONFIG"), "{stderr}");
}

#[test]
fn hash_password_prints_a_line_for_the_config_file() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yanhuo"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let line = String::from_utf8(output.stdout).unwrap();
    let hash = line
        .trim()
        .strip_prefix("password_hash = \"")
        .and_then(|h| h.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(hash.starts_with("$argon2id$"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        format!("[[users]]\nname = \"a\"\nrole = \"admin\"\npassword_hash = \"{hash}\"\n"),
    )
    .unwrap();
    let access = Access::load(&path).unwrap();
    assert_eq!(
        access.password("a", "correct horse").unwrap().role,
        access::Role::Admin
    );
}
