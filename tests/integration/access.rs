//! Roles over HTTP: Basic and Bearer credentials from a config file, 401 and 403, what stays
//! public (every route of the router asked), password guessing bounded and slowed; `serve`
//! refusing an open server on a non-loopback address; `hash-password`.

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::BodyExt;
use tower::ServiceExt;
use yanhuo::engine::settings::Settings;
use yanhuo::serve::access::{self, Access};
use yanhuo::serve::settings::Serving;
use yanhuo::serve::web::{self, AppState, Guard};

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
    let mut settings =
        Serving::open(Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap());
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
    send_from(site, method, uri, auth, None).await
}

/// [`send`] as if from `client`, as the server marks each request with its peer's address.
async fn send_from(
    site: &Site,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    client: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(client) = client {
        let addr: SocketAddr = client.parse().unwrap();
        request = request.extension(ConnectInfo(addr));
    }
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

/// A path of the router with its placeholders filled in, to reach real data.
fn example(path: &str) -> String {
    match path {
        "/export/{name}/{file}" => "/export/recovery/recovery_by_category.zip".into(),
        "/sql/{file}" => "/sql/result.csv?q=SELECT%201".into(),
        "/q/{file}" => "/q/closure_length.csv".into(),
        _ => path
            .replace("{name}", "recovery")
            .replace("{panel}", "footfall"),
    }
}

async fn healthz_answers_ok_to_anyone(site: &Site) {
    let (status, _, body) = send(site, "GET", "/healthz", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ok"}"#);
}

#[tokio::test]
async fn every_route_but_the_assets_and_healthz_needs_a_login() {
    let site = site().await;
    let routes = web::routes();
    let public: Vec<&str> = routes
        .iter()
        .filter(|r| r.guard == Guard::Public)
        .map(|r| r.path)
        .collect();
    assert_eq!(
        public,
        [
            web::style_href(),
            "/assets/style.css",
            web::editor_href(),
            web::console_href(),
            "/assets/fonts/{file}",
            "/assets/font.otf",
            "/favicon.ico",
            "/healthz"
        ]
    );
    // The ones that went without a login before: bundles and embeds.
    for path in ["/export/{name}/{file}", "/embed/{name}/{panel}"] {
        assert!(
            routes
                .iter()
                .any(|r| r.path == path && r.guard == Guard::Viewer),
            "{path}"
        );
    }
    let bearer = format!("Bearer {}", site.token);
    for route in routes.iter().filter(|r| r.guard != Guard::Public) {
        // The path as the router has it (placeholders match themselves) and filled in.
        let raw = route.path.replace('{', "%7B").replace('}', "%7D");
        for uri in [raw, example(route.path)] {
            let mut refused = 0;
            for method in ["GET", "POST"] {
                let (status, headers, body) = send(&site, method, &uri, None).await;
                match status {
                    StatusCode::UNAUTHORIZED => {
                        refused += 1;
                        assert!(headers.contains_key(header::WWW_AUTHENTICATE), "{uri}");
                        assert!(!body.contains("recovery_by_category,"), "{uri}: {body}");
                    }
                    // A method the route has not: nothing is run or shown.
                    StatusCode::METHOD_NOT_ALLOWED => assert_eq!(body, "", "{method} {uri}"),
                    other => panic!("{method} {uri} answered {other} without a login: {body}"),
                }
            }
            assert!(refused >= 1, "{uri}: no method was refused");
        }
        // With a login the same example reaches the data, so the 401 above was not a 404
        // in disguise.
        let uri = example(route.path);
        let method = if route.path == "/api/sql" {
            "POST"
        } else {
            "GET"
        };
        let (status, _, body) = send(&site, method, &uri, Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK, "{method} {uri}: {body}");
    }
    for path in public {
        // A slice of the font by name: the first the stylesheet names.
        let path = if path == "/assets/fonts/{file}" {
            let (_, _, css) = send(&site, "GET", web::style_href(), None).await;
            let name = css
                .split("url(/assets/fonts/")
                .nth(1)
                .and_then(|r| r.split(')').next());
            format!("/assets/fonts/{}", name.unwrap_or_default())
        } else {
            path.to_string()
        };
        let (status, _, _) = send(&site, "GET", &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    // Anonymous: "ok" and nothing about the data; signed in: the data version too.
    healthz_answers_ok_to_anyone(&site).await;
    let (status, _, body) = send(&site, "GET", "/healthz", Some(&bearer)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"data_version\":\""), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_hash_two_at_a_time_then_get_429() {
    let site = Arc::new(site().await);
    let guesses: Vec<_> = (0..64)
        .map(|i| {
            let site = site.clone();
            tokio::spawn(async move {
                let auth = basic("wang", &format!("guess {i}"));
                send(&site, "GET", "/d/recovery", Some(&auth)).await.0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    let checks = site.state.access().hash_checks();
    assert!(
        (1..=access::HASHING_AT_ONCE).contains(&checks.peak),
        "{checks:?}"
    );
    assert_eq!(checks.running, 0);
    // Five free failures; as many more as hash at once may have been under way when the
    // fifth failed.
    let hashed = checks.total as usize;
    assert!(
        (access::FREE_FAILURES as usize..=access::FREE_FAILURES as usize + access::HASHING_AT_ONCE)
            .contains(&hashed),
        "{checks:?}"
    );
    let count = |status| statuses.iter().filter(|s| **s == status).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), hashed);
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 64 - hashed);
    // Now even the right password waits, and is told how long.
    let (status, headers, body) = send(
        &site,
        "GET",
        "/d/recovery",
        Some(&basic("wang", "规划 plan")),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let longest = 1u64 << (hashed - access::FREE_FAILURES as usize);
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=longest).contains(&retry), "{retry} of {longest}");
    assert!(
        body.contains("Too many wrong passwords; try again in"),
        "{body}"
    );
    assert_eq!(site.state.access().hash_checks().total as usize, hashed);
    // Another user is not locked out by wang's.
    let (status, _, _) = send(&site, "GET", "/d/recovery", Some(&basic("li", "view-only"))).await;
    assert_eq!(status, StatusCode::OK);
    healthz_answers_ok_to_anyone(&site).await;
    // Once the wait is over, the right password gets in and clears the count.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (status, _, _) = send(
        &site,
        "GET",
        "/d/recovery",
        Some(&basic("wang", "规划 plan")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn many_names_from_one_address_are_slowed_by_the_address() {
    let site = site().await;
    let attacker = Some("10.0.0.7:50000");
    for i in 0..access::FREE_FAILURES {
        let auth = basic(&format!("made-up-{i}"), "x");
        let (status, _, _) = send_from(&site, "GET", "/", Some(&auth), attacker).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{i}");
    }
    let (status, headers, _) = send_from(
        &site,
        "GET",
        "/",
        Some(&basic("made-up-new", "x")),
        attacker,
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    // Another address is not slowed, and the attacker's address cost no hashing past five.
    let (status, _, _) = send_from(
        &site,
        "GET",
        "/",
        Some(&basic("made-up-new", "x")),
        Some("10.0.0.8:50000"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        site.state.access().hash_checks().total,
        u64::from(access::FREE_FAILURES) + 1
    );
    healthz_answers_ok_to_anyone(&site).await;
}

#[test]
fn an_unknown_name_takes_as_long_as_a_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yanhuo.toml");
    std::fs::write(
        &path,
        format!(
            "[[users]]\nname = \"wang\"\nrole = \"analyst\"\npassword_hash = \"{}\"\n",
            access::hash_password("规划 plan").unwrap()
        ),
    )
    .unwrap();
    let access = Access::load(&path).unwrap();
    // The fastest of a few tries each (as many as the free failures), taken in turn: the
    // least disturbed by other tests on the machine, and disturbed alike.
    let tries = access::FREE_FAILURES as usize;
    let time = |name: &str| {
        let started = Instant::now();
        assert!(access.login(name, "wrong").is_none());
        started.elapsed()
    };
    let (mut known, mut unknown) = (Duration::MAX, Duration::MAX);
    for i in 0..tries {
        known = known.min(time("wang"));
        unknown = unknown.min(time(&format!("nobody{i}")));
    }
    let ratio = unknown.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:?}, known {known:?}"
    );
    assert_eq!(access.hash_checks().total, 2 * tries as u64);
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
