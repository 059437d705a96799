//! The Postgres wire protocol with real clients: a `psql` session and one of Python's
//! `psycopg`, logging in as users of a config file, over the hand-built district.
//!
//! CI installs both (.ci/run). Elsewhere, without them, a test says so and passes; with
//! `CI` set it fails instead.

use std::process::{Command, Output};
use std::sync::Arc;

use yanhuo::access::{self, Access};
use yanhuo::config::Settings;
use yanhuo::format::{self, OutputFormat};
use yanhuo::queries;
use yanhuo::sandbox::Limits;
use yanhuo::web::AppState;

use crate::fixture::write_district;

struct Server {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
    port: u16,
}

const ANALYST: (&str, &str) = ("wang", "规划 plan");
const VIEWER: (&str, &str) = ("li", "view-only");

async fn server() -> Server {
    server_with(Limits::default()).await
}

async fn server_with(limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let config = format!(
        "[[users]]\nname = \"{}\"\nrole = \"analyst\"\npassword_hash = \"{}\"\n\n\
         [[users]]\nname = \"{}\"\nrole = \"viewer\"\npassword_hash = \"{}\"\n",
        ANALYST.0,
        access::hash_password(ANALYST.1).unwrap(),
        VIEWER.0,
        access::hash_password(VIEWER.1).unwrap(),
    );
    let path = dir.path().join("yanhuo.toml");
    std::fs::write(&path, config).unwrap();
    let mut settings = Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap();
    settings.access = Access::load(&path).unwrap();
    settings.sandbox = limits;
    let state = AppState::open(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(yanhuo::wire::serve(listener, state.clone()));
    Server {
        _dir: dir,
        state,
        port,
    }
}

/// Whether `program` runs; without it the test passes with a note, except under CI.
fn available(program: &str, args: &[&str], what: &str) -> bool {
    let ok = Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {what} (.ci/run installs it)"
        );
        eprintln!("skipped: {what} is not installed");
    }
    ok
}

/// The trusted path's answer as CSV rows without the header, as `psql -A -F,` prints them.
async fn trusted_rows(server: &Server, sql: &str) -> String {
    let loaded = server.state.current().await.unwrap();
    let result = queries::run_sql(&loaded.engine.ctx, sql).await.unwrap();
    let csv = String::from_utf8(format::to_bytes(&result, OutputFormat::Csv).unwrap()).unwrap();
    csv.split_once('\n').unwrap().1.to_string()
}

async fn psql(server: &Server, user: (&str, &str), sql: &str) -> Output {
    let dsn = format!(
        "host=127.0.0.1 port={} user={} dbname=yanhuo sslmode=disable",
        server.port, user.0
    );
    let (password, sql) = (user.1.to_string(), sql.to_string());
    tokio::task::spawn_blocking(move || {
        Command::new("psql")
            .arg(dsn)
            .args(["-X", "-A", "-t", "-F", ",", "-v", "ON_ERROR_STOP=1", "-c"])
            .arg(sql)
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

const JOIN: &str = "SELECT s.category, COUNT(*) AS n FROM orders o JOIN shops s USING (shop_id) \
     WHERE o.status = 'completed' GROUP BY s.category ORDER BY s.category";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_joins_orders_with_shops_and_is_held_to_the_sandbox() {
    if !available("psql", &["--version"], "psql (apt: postgresql-client)") {
        return;
    }
    let server = server().await;
    let out = psql(&server, ANALYST, JOIN).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, trusted_rows(&server, JOIN).await);
    assert!(stdout.lines().count() > 1);

    // Dates and timestamps as Postgres writes them.
    let out = psql(
        &server,
        ANALYST,
        "SELECT DATE '2022-04-23' AS d, TRUE AS t, CAST(NULL AS VARCHAR) AS nothing",
    )
    .await;
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2022-04-23,t,\n");

    for (sql, expected) in [
        ("DROP TABLE shops", "DROP TABLE is not allowed here"),
        ("SELECT * FROM '/etc/passwd'", "looks like a file or URL"),
        ("SELECT customer_ref FROM orders", "customer_ref"),
        (
            "COPY shops TO '/tmp/yanhuo-wire.csv'",
            "COPY is not allowed here",
        ),
    ] {
        let out = psql(&server, ANALYST, sql).await;
        assert!(!out.status.success(), "{sql}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{sql}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_join_from_psql_is_stopped_by_the_time_limit() {
    if !available("psql", &["--version"], "psql (apt: postgresql-client)") {
        return;
    }
    let server = server_with(Limits {
        timeout: std::time::Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let out = psql(
        &server,
        ANALYST,
        "SELECT SUM(a.value * b.value) FROM generate_series(1, 100000) a CROSS JOIN generate_series(1, 1000000000) b",
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("time limit of 1 s"), "{stderr}");
    // The same connection settings work again at once.
    let next = psql(&server, ANALYST, "SELECT 1 AS one").await;
    assert_eq!(String::from_utf8_lossy(&next.stdout), "1\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_with_a_wrong_password_or_a_viewer_cannot_log_in() {
    if !available("psql", &["--version"], "psql (apt: postgresql-client)") {
        return;
    }
    let server = server().await;
    let wrong = psql(&server, (ANALYST.0, "guess"), "SELECT 1").await;
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("wang"), "{stderr}");
    let viewer = psql(&server, VIEWER, "SELECT 1").await;
    assert!(!viewer.status.success());
    let stderr = String::from_utf8_lossy(&viewer.stderr);
    assert!(stderr.contains("needs analyst"), "{stderr}");
}

const PSYCOPG: &str = r#"
import json, sys
import psycopg

out = {}
with psycopg.connect(sys.argv[1]) as conn:
    rows = conn.execute(
        "SELECT s.category, COUNT(*) AS n FROM orders o JOIN shops s USING (shop_id) "
        "WHERE o.status = %s GROUP BY s.category ORDER BY s.category",
        ("completed",),
    ).fetchall()
    out["join"] = [[c, n] for c, n in rows]
    row = conn.execute(
        "SELECT DATE '2022-04-23' AS d, CAST(12.5 AS DOUBLE) AS x, CAST(3 AS BIGINT) AS n"
    ).fetchone()
    out["types"] = [row[0].isoformat(), row[1], row[2]]
    try:
        conn.execute("DELETE FROM orders")
        out["delete"] = "ran"
    except psycopg.Error as e:
        out["delete"] = str(e)
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_psycopg_session_runs_parameterised_queries() {
    if !available(
        "python3",
        &["-c", "import psycopg"],
        "Python's psycopg (pip: psycopg[binary])",
    ) {
        return;
    }
    let server = server().await;
    let dsn = format!(
        "host=127.0.0.1 port={} user={} password='{}' dbname=yanhuo connect_timeout=10",
        server.port, ANALYST.0, ANALYST.1
    );
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", PSYCOPG, &dsn])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<serde_json::Value> = trusted_rows(&server, JOIN)
        .await
        .lines()
        .map(|line| {
            let (category, n) = line.split_once(',').unwrap();
            serde_json::json!([category, n.parse::<i64>().unwrap()])
        })
        .collect();
    assert_eq!(got["join"], serde_json::Value::Array(expected));
    assert_eq!(got["types"], serde_json::json!(["2022-04-23", 12.5, 3]));
    assert!(
        got["delete"]
            .as_str()
            .unwrap()
            .contains("DELETE is not allowed here"),
        "{got}"
    );
}
