//! The Postgres wire protocol with real clients: a `psql` session and one of Python's
//! `psycopg`, logging in as users of a config file, over the hand-built district; and a
//! client written byte by byte, for what a real one hides: what the server sends after a
//! failed login, and when it closes.
//!
//! CI installs psql and psycopg (.ci/run). Elsewhere, without them, a test says so and
//! passes; with `CI` set it fails instead.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use yanhuo::engine::format::{self, OutputFormat};
use yanhuo::engine::queries;
use yanhuo::engine::settings::Settings;
use yanhuo::serve::access::{self, Access};
use yanhuo::serve::sandbox::Limits;
use yanhuo::serve::settings::Serving;
use yanhuo::serve::web::AppState;

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
    let mut settings =
        Serving::open(Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap());
    settings.access = Access::load(&path).unwrap();
    settings.sandbox = limits;
    let state = AppState::open(settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(yanhuo::serve::wire::serve(listener, state.clone()));
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

/// A Postgres client written out by hand, so a test sees every message the server sends
/// and the moment it closes the connection.
struct Raw {
    stream: TcpStream,
}

/// One message from the server: its type byte and its body.
#[derive(Debug)]
struct Message {
    tag: u8,
    body: Vec<u8>,
}

impl Message {
    /// An ErrorResponse's severity, SQLSTATE and message.
    fn error(&self) -> (String, String, String) {
        assert_eq!(self.tag, b'E', "{self:?}");
        let (mut severity, mut code, mut message) = (String::new(), String::new(), String::new());
        for field in self.body.split(|b| *b == 0).filter(|f| !f.is_empty()) {
            let value = String::from_utf8_lossy(&field[1..]).into_owned();
            match field[0] {
                b'S' => severity = value,
                b'C' => code = value,
                b'M' => message = value,
                _ => {}
            }
        }
        (severity, code, message)
    }

    /// A DataRow's values as text (the wire sends text), NULL as None.
    fn values(&self) -> Vec<Option<String>> {
        assert_eq!(self.tag, b'D', "{self:?}");
        let count = i16::from_be_bytes([self.body[0], self.body[1]]);
        let mut at = 2;
        (0..count)
            .map(|_| {
                let len = i32::from_be_bytes(self.body[at..at + 4].try_into().unwrap());
                at += 4;
                (len >= 0).then(|| {
                    let value = String::from_utf8_lossy(&self.body[at..at + len as usize]);
                    at += len as usize;
                    value.into_owned()
                })
            })
            .collect()
    }
}

/// The messages' type bytes, as a string: "TDCZ" for a one-row result.
fn tags(messages: &[Message]) -> String {
    messages.iter().map(|m| m.tag as char).collect()
}

fn frame(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn password_message(password: &str) -> Vec<u8> {
    frame(b'p', format!("{password}\0").as_bytes())
}

fn query_message(sql: &str) -> Vec<u8> {
    frame(b'Q', format!("{sql}\0").as_bytes())
}

/// What the server asks right after the startup message when users are configured.
const CLEARTEXT_PASSWORD: &[u8] = &[0, 0, 0, 3];

/// A query that would take the time limit if it ran: what an attacker times.
const SLOW: &str = "SELECT count(*) FROM generate_series(1, 100000) a \
     CROSS JOIN generate_series(1, 1000000000) b WHERE (SELECT count(*) FROM shops) = 7";

impl Raw {
    /// Connects and sends the startup message for `user`.
    fn start(port: u16, user: &str) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut raw = Raw { stream };
        let mut body = 196_608_i32.to_be_bytes().to_vec(); // protocol 3.0
        body.extend_from_slice(format!("user\0{user}\0database\0yanhuo\0\0").as_bytes());
        let mut startup = (body.len() as i32 + 4).to_be_bytes().to_vec();
        startup.extend_from_slice(&body);
        raw.send(&startup).unwrap();
        raw
    }

    /// Sends bytes; after the server has closed, this may fail, which the tests allow.
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// The next message, or None once the server has closed the connection.
    fn next(&mut self) -> Option<Message> {
        let mut head = [0u8; 5];
        if let Err(e) = self.stream.read_exact(&mut head) {
            assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "the server neither answered nor closed within 20 s"
            );
            return None;
        }
        let len = i32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let mut body = vec![0u8; len - 4];
        self.stream.read_exact(&mut body).ok()?;
        Some(Message { tag: head[0], body })
    }

    /// Messages up to ReadyForQuery, which is included, and whether the server closed the
    /// connection instead.
    fn until_ready(&mut self) -> (Vec<Message>, bool) {
        let mut messages = Vec::new();
        while let Some(message) = self.next() {
            let ready = message.tag == b'Z';
            messages.push(message);
            if ready {
                return (messages, false);
            }
        }
        (messages, true)
    }

    /// Logs in with the right password, or panics saying what the server sent.
    fn login(port: u16, user: (&str, &str)) -> Raw {
        let mut raw = Raw::start(port, user.0);
        let asked = raw.next().expect("a password request");
        assert_eq!(
            (asked.tag, asked.body.as_slice()),
            (b'R', CLEARTEXT_PASSWORD)
        );
        raw.send(&password_message(user.1)).unwrap();
        let (messages, closed) = raw.until_ready();
        assert!(!closed, "{messages:?}");
        assert_eq!(messages[0].tag, b'R', "{messages:?}");
        assert_eq!(messages[0].body, [0, 0, 0, 0], "AuthenticationOk");
        assert!(!tags(&messages).contains('E'), "{messages:?}");
        raw
    }

    /// Runs one simple query and returns its messages up to ReadyForQuery.
    fn query(&mut self, sql: &str) -> Vec<Message> {
        self.send(&query_message(sql)).unwrap();
        let (messages, closed) = self.until_ready();
        assert!(!closed, "the server closed after {sql}: {messages:?}");
        messages
    }
}

/// After `raw` was refused: the server sent exactly one FATAL error, then closed, and a
/// query sent afterwards gets nothing back, neither rows nor a completion.
fn assert_refused_and_closed(mut raw: Raw, code: &str, message: &str) {
    let (messages, closed) = raw.until_ready();
    assert_eq!(tags(&messages), "E", "{messages:?}");
    assert_eq!(
        messages[0].error(),
        ("FATAL".to_string(), code.to_string(), message.to_string())
    );
    assert!(
        closed,
        "no ReadyForQuery after a FATAL: the connection ends"
    );
    let _ = raw.send(&query_message(SLOW));
    let (after, closed) = raw.until_ready();
    assert!(closed);
    assert_eq!(tags(&after), "", "{after:?}");
}

/// `GET /healthz` on a real HTTP server over the same state, as the viewer; its status line.
async fn healthz(server: &Server) -> String {
    use base64::Engine as _;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(yanhuo::serve::web::serve(
        listener,
        server.state.clone(),
        std::future::pending(),
    ));
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", VIEWER.0, VIEWER.1));
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "GET /healthz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {basic}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply.lines().next().unwrap_or_default().to_string()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_on_the_wire_gets_one_fatal_error_and_a_closed_socket() {
    let server = server().await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        // A wrong password, and a user name nobody has: the same answer, then nothing.
        for (user, password) in [(ANALYST.0, "guess"), ("nobody", "guess")] {
            let mut raw = Raw::start(port, user);
            let asked = raw.next().expect("a password request");
            assert_eq!((asked.tag, asked.body.as_slice()), (b'R', CLEARTEXT_PASSWORD));
            raw.send(&password_message(password)).unwrap();
            assert_refused_and_closed(
                raw,
                "28P01",
                &format!("Password authentication failed for user \"{user}\""),
            );
        }

        // The query sent in the same packet as the wrong password is not run either.
        let mut raw = Raw::start(port, "nobody");
        raw.next().expect("a password request");
        raw.send(&[password_message("guess"), query_message(SLOW)].concat())
            .unwrap();
        assert_refused_and_closed(
            raw,
            "28P01",
            "Password authentication failed for user \"nobody\"",
        );

        // A query instead of the password.
        let mut raw = Raw::start(port, ANALYST.0);
        raw.next().expect("a password request");
        raw.send(&query_message("SELECT count(*) FROM shops")).unwrap();
        assert_refused_and_closed(
            raw,
            "28000",
            "log in first: nothing but the startup message and a password is answered before a login succeeds",
        );

        // A viewer's right password is still not a login to the wire.
        let mut raw = Raw::start(port, VIEWER.0);
        raw.next().expect("a password request");
        raw.send(&password_message(VIEWER.1)).unwrap();
        assert_refused_and_closed(
            raw,
            "28000",
            "li has the role viewer; the Postgres wire needs analyst",
        );

        // The right password still logs in, and its queries run.
        let mut raw = Raw::login(port, ANALYST);
        let answer = raw.query("SELECT count(*) AS n FROM shops");
        assert_eq!(tags(&answer), "TDCZ", "{answer:?}");
        assert_eq!(answer[1].values(), [Some("7".to_string())]);
    })
    .await
    .unwrap();
    assert_eq!(healthz(&server).await, "HTTP/1.1 200 OK");
}

const MULTI: &str = "2 statements in one query string: the Postgres wire runs one statement at a \
     time, SET and BEGIN included; send them one by one";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_refuses_a_query_string_of_two_statements() {
    let server = server().await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        let mut raw = Raw::login(port, ANALYST);
        for sql in [
            "SET x = 1; SELECT 1",
            "SELECT 1; SELECT 2;",
            "BEGIN; SELECT 1",
        ] {
            let answer = raw.query(sql);
            assert_eq!(tags(&answer), "EZ", "{sql}: {answer:?}");
            assert_eq!(
                answer[0].error(),
                ("ERROR".to_string(), "42501".to_string(), MULTI.to_string()),
                "{sql}"
            );
        }
        // One statement, with a `;` in a string, in a comment and at the end, still runs.
        let answer = raw.query("SELECT ';' AS semi -- ; SELECT 2\n;");
        assert_eq!(tags(&answer), "TDCZ", "{answer:?}");
        assert_eq!(answer[1].values(), [Some(";".to_string())]);
        let answer = raw.query("SET extra_float_digits = 3");
        assert_eq!(tags(&answer), "CZ", "{answer:?}");
        assert_eq!(answer[0].body, b"SET\0");
    })
    .await
    .unwrap();

    if !available("psql", &["--version"], "psql (apt: postgresql-client)") {
        return;
    }
    let out = psql(&server, ANALYST, "SET x = 1; SELECT count(*) FROM shops").await;
    assert!(!out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("ERROR:  {MULTI}")), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_larger_than_the_memory_limit_as_text_is_refused_on_the_wire() {
    let server = server_with(Limits {
        memory: 1 << 20,
        ..Limits::default()
    })
    .await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        let mut raw = Raw::login(port, ANALYST);
        // One value of 2 MB: the sandbox's bounded `repeat` refuses it before any row.
        let answer = raw.query("SELECT repeat('x', 2000000) AS big");
        assert_eq!(tags(&answer), "EZ", "{answer:?}");
        assert_eq!(
            answer[0].error(),
            (
                "ERROR".to_string(),
                "53200".to_string(),
                "the query needed more memory than one query may use (1 MiB): repeat would \
                 build a value of 2000000 bytes; one value may be at most 1 MiB"
                    .to_string()
            )
        );

        // 488,895 bytes of text in 100,000 rows: under the limit, over many batches.
        let answer = raw.query("SELECT value FROM generate_series(1, 100000)");
        let rows = answer.iter().filter(|m| m.tag == b'D').count();
        assert_eq!(rows, 100_000);
        assert_eq!(answer[answer.len() - 2].body, b"SELECT 100000\0");
        assert_eq!(answer[100_000].values(), [Some("100000".to_string())]);

        // 300,000 rows: 2.4 MB of rows, over the 1 MiB pool, which the sandbox counts the
        // rows it keeps against; it refuses before the wire formats any text. (The wire's own
        // text budget, for text larger than its rows, is tested in `serve/wire/tests.rs`.)
        let answer = raw.query("SELECT value FROM generate_series(1, 300000)");
        assert_eq!(tags(&answer), "EZ", "{answer:?}");
        let (severity, code, message) = answer[0].error();
        assert_eq!((severity.as_str(), code.as_str()), ("ERROR", "53200"));
        assert!(
            message.starts_with("the query needed more memory than one query may use (1 MiB)"),
            "{message}"
        );

        // The connection carries on.
        let answer = raw.query("SELECT repeat('x', 1000) AS small");
        assert_eq!(tags(&answer), "TDCZ", "{answer:?}");
        assert_eq!(answer[1].values(), [Some("x".repeat(1000))]);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_password_on_the_wire_is_slowed_like_over_http() {
    let server = server().await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        let attempt = |password: &str| {
            let mut raw = Raw::start(port, ANALYST.0);
            raw.next().expect("a password request");
            raw.send(&password_message(password)).unwrap();
            raw
        };
        // A person mistyping gets five goes, each checked.
        for _ in 0..5 {
            assert_refused_and_closed(
                attempt("guess"),
                "28P01",
                "Password authentication failed for user \"wang\"",
            );
        }
        // Then the name waits, whatever the password: nothing is checked.
        assert_refused_and_closed(
            attempt(ANALYST.1),
            "28000",
            "too many failed logins for wang or from this address: try again in 1 s",
        );
        std::thread::sleep(std::time::Duration::from_millis(1_100));
        let mut raw = Raw::login(port, ANALYST);
        assert_eq!(tags(&raw.query("SELECT 1 AS one")), "TDCZ");
    })
    .await
    .unwrap();
    assert_eq!(healthz(&server).await, "HTTP/1.1 200 OK");
}

/// The nine tables of the data contract, as a schema browser lists them (docs/DATA.md).
const CONTRACT_TABLES: [&str; 9] = [
    "calendar",
    "communities",
    "footfall",
    "lockdowns",
    "orders",
    "resident_needs",
    "shop_services",
    "shop_status",
    "shops",
];

/// `orders` as the sandbox shows it: every contract column but `customer_ref`, typed as
/// Postgres names the contract's kinds (docs/DATA.md: text, timestamp, decimal(12,2)).
const ORDERS_COLUMNS: [(&str, &str); 6] = [
    ("order_id", "text"),
    ("shop_id", "text"),
    ("ordered_at", "timestamp with time zone"),
    ("channel", "text"),
    ("amount_cny", "numeric(12,2)"),
    ("status", "text"),
];

async fn run_client(program: &str, args: Vec<String>) -> Output {
    let program = program.to_string();
    tokio::task::spawn_blocking(move || Command::new(program).args(args).output().unwrap())
        .await
        .unwrap()
}

fn assert_ran(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_lists_the_tables_describes_orders_and_the_database() {
    if !available("psql", &["--version"], "psql (apt: postgresql-client)") {
        return;
    }
    let server = server().await;
    let listed = assert_ran(&psql(&server, ANALYST, "\\dt").await);
    let expected: String = CONTRACT_TABLES
        .iter()
        .map(|t| format!("public,{t},table,yanhuo\n"))
        .collect();
    assert_eq!(listed, expected);

    // psql's own `\d orders`: its seven queries (with `array(SELECT …)`, `UNION`s of
    // publications, `::regclass`) each plan. With -A -t -F, a row is
    // column,type,collation,nullable,default.
    let described = assert_ran(&psql(&server, ANALYST, "\\d orders").await);
    let rows: Vec<(String, String)> = described
        .lines()
        .map(|line| {
            // `numeric(12,2)` holds the separator itself: split at the first comma, then
            // cut the three cells after the type.
            let (column, rest) = line.split_once(',').unwrap_or((line, ""));
            let kind = rest.rsplitn(4, ',').last().unwrap_or(rest);
            (column.to_string(), kind.to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = ORDERS_COLUMNS
        .iter()
        .map(|(c, t)| (c.to_string(), t.to_string()))
        .collect();
    assert_eq!(rows, expected, "{described}");
    assert!(!described.contains("customer_ref"));

    // `\d+ orders` adds storage and the description, the column's "type; rule" cell of
    // docs/DATA.md: amount_cny is `decimal(12,2)` with the rule `>= 0`.
    let detailed = assert_ran(&psql(&server, ANALYST, "\\d+ orders").await);
    let amount = detailed
        .lines()
        .find(|l| l.starts_with("amount_cny,"))
        .unwrap_or_default();
    assert!(amount.ends_with(",decimal(12,2); >= 0"), "{detailed}");
    assert_eq!(detailed.lines().count(), 6, "{detailed}");

    // `\dn`: the one schema a planner's tables are in, owned by the one role; `\df`: no
    // functions of the district's own (pg_proc lists none), and psql says so without error.
    assert_eq!(
        assert_ran(&psql(&server, ANALYST, "\\dn").await),
        "public,yanhuo\n"
    );
    assert_eq!(assert_ran(&psql(&server, ANALYST, "\\df").await), "");

    // DBeaver's own catalog reads name a column beside its table's wildcard (`n.oid,
    // n.*`), which Postgres allows: the schemas with Postgres's OIDs (pg_catalog 11,
    // public 2200; information_schema's varies in Postgres, 13000 here), owned by role 10.
    let schemas = assert_ran(
        &psql(
            &server,
            ANALYST,
            "SELECT n.oid, n.*, d.description FROM pg_catalog.pg_namespace n \
             LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid \
             AND d.objsubid = 0 AND d.classoid = 'pg_namespace'::regclass ORDER BY nspname",
        )
        .await,
    );
    assert_eq!(
        schemas,
        "13000,13000,information_schema,10,,\n11,11,pg_catalog,10,,\n2200,2200,public,10,,\n"
    );

    let databases = assert_ran(&psql(&server, ANALYST, "\\l").await);
    assert!(databases.starts_with("yanhuo,yanhuo,UTF8,"), "{databases}");

    // The contract's descriptions, as a tool's tooltip shows them.
    let comment = assert_ran(
        &psql(
            &server,
            ANALYST,
            "SELECT obj_description('orders'::regclass, 'pg_class')",
        )
        .await,
    );
    assert_eq!(
        comment,
        "Orders by channel; only completed orders count as revenue; online = not in_store.\n"
    );
}

/// SQLAlchemy's inspector and pandas.read_sql, over the driver named by `argv[2]`.
const SQLALCHEMY: &str = r#"
import json, sys
import pandas as pd
import sqlalchemy as sa

engine = sa.create_engine(sys.argv[1])
inspector = sa.inspect(engine)
out = {"tables": sorted(inspector.get_table_names())}
# What Superset's table view reads: columns with types and comments, keys and indexes.
out["columns"] = [
    [c["name"], str(c["type"]), c["nullable"], c["comment"]]
    for c in inspector.get_columns("orders")
]
out["pk"] = inspector.get_pk_constraint("orders")["constrained_columns"]
out["fks"] = inspector.get_foreign_keys("orders")
out["indexes"] = inspector.get_indexes("orders")
out["schemas"] = inspector.get_schema_names()
out["comment"] = inspector.get_table_comment("orders")["text"]
frame = pd.read_sql(
    sa.text(
        "SELECT channel, COUNT(*) AS n FROM orders "
        "WHERE shop_id = :shop AND status = 'completed' GROUP BY channel ORDER BY channel"
    ),
    engine,
    params={"shop": "s1"},
)
out["channels"] = [[r["channel"], int(r["n"])] for r in frame.to_dict("records")]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlalchemy_and_pandas_connect_list_tables_and_query_over_both_psycopgs() {
    if !available(
        "python3",
        &["-c", "import sqlalchemy, pandas, psycopg2, psycopg"],
        "SQLAlchemy, pandas, psycopg2 and psycopg (pip: sqlalchemy pandas psycopg2-binary psycopg[binary])",
    ) {
        return;
    }
    let server = server().await;
    for driver in ["postgresql+psycopg2", "postgresql+psycopg"] {
        let url = format!(
            "{driver}://{}:{}@127.0.0.1:{}/yanhuo",
            ANALYST.0, "%E8%A7%84%E5%88%92%20plan", server.port
        );
        let out = run_client("python3", vec!["-c".into(), SQLALCHEMY.into(), url]).await;
        let got: serde_json::Value = serde_json::from_str(&assert_ran(&out)).unwrap();
        assert_eq!(
            got["tables"],
            serde_json::json!(CONTRACT_TABLES),
            "{driver}"
        );
        // The contract's six visible columns of orders (docs/DATA.md), as SQLAlchemy types
        // them, with each column's "type; rule" cell as its comment.
        let columns = got["columns"].as_array().unwrap();
        let names: Vec<(&str, &str)> = columns
            .iter()
            .map(|c| (c[0].as_str().unwrap(), c[1].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("order_id", "TEXT"),
                ("shop_id", "TEXT"),
                ("ordered_at", "TIMESTAMP"),
                ("channel", "TEXT"),
                ("amount_cny", "NUMERIC(12, 2)"),
                ("status", "TEXT"),
            ],
            "{driver}"
        );
        assert_eq!(columns[4][3], "decimal(12,2); >= 0", "{driver}");
        // The sandbox's tables have no keys or indexes; the inspector says so, not fails.
        assert_eq!(got["pk"], serde_json::json!([]), "{driver}");
        assert_eq!(got["fks"], serde_json::json!([]), "{driver}");
        assert_eq!(got["indexes"], serde_json::json!([]), "{driver}");
        assert_eq!(
            got["schemas"],
            serde_json::json!(["information_schema", "public"]),
            "{driver}"
        );
        assert_eq!(
            got["comment"],
            "Orders by channel; only completed orders count as revenue; online = not in_store.",
            "{driver}"
        );
        // s1's completed orders (tests/integration/fixture.rs): in store o1 o2 o4–o9 o12–o15
        // o20 o22 o24 (15), by phone o11 o18 (2), in the WeChat group o3 o16 o17 o21 o23 (5;
        // o19 was cancelled).
        assert_eq!(
            got["channels"],
            serde_json::json!([["in_store", 15], ["phone", 2], ["wechat_group", 5]]),
            "{driver}"
        );
    }
}

/// asyncpg reads and writes every value in binary.
const ASYNCPG: &str = r#"
import asyncio, json, sys
import asyncpg

async def main():
    conn = await asyncpg.connect(sys.argv[1])
    row = await conn.fetchrow(
        "SELECT order_id, ordered_at, amount_cny, status FROM orders WHERE order_id = $1", "o16"
    )
    out = {"o16": [row["order_id"], row["ordered_at"].isoformat(), str(row["amount_cny"]), row["status"]]}
    row = await conn.fetchrow(
        "SELECT DATE '2022-04-23' AS d, TRUE AS t, CAST(NULL AS VARCHAR) AS nothing, "
        "CAST(12.5 AS DOUBLE) AS x, CAST(3 AS BIGINT) AS n, CAST(-0.05 AS DECIMAL(12,2)) AS m"
    )
    out["types"] = [row["d"].isoformat(), row["t"], row["nothing"], row["x"], row["n"], str(row["m"])]
    out["count"] = await conn.fetchval(
        "SELECT COUNT(*) FROM orders WHERE shop_id = $1 AND amount_cny >= $2", "s1", 50
    )
    await conn.close()
    print(json.dumps(out))

asyncio.run(main())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asyncpg_reads_every_type_in_binary() {
    if !available(
        "python3",
        &["-c", "import asyncpg"],
        "asyncpg (pip: asyncpg)",
    ) {
        return;
    }
    let server = server().await;
    let dsn = format!(
        "postgresql://{}:{}@127.0.0.1:{}/yanhuo",
        ANALYST.0, "%E8%A7%84%E5%88%92%20plan", server.port
    );
    let out = run_client("python3", vec!["-c".into(), ASYNCPG.into(), dsn]).await;
    let got: serde_json::Value = serde_json::from_str(&assert_ran(&out)).unwrap();
    // o16: 2022-04-22T16:30:00Z, 9.50 yuan in the WeChat group.
    assert_eq!(
        got["o16"],
        serde_json::json!(["o16", "2022-04-22T16:30:00+00:00", "9.50", "completed"])
    );
    assert_eq!(
        got["types"],
        serde_json::json!(["2022-04-23", true, null, 12.5, 3, "-0.05"])
    );
    // s1's orders of 50 yuan or more: o1 80, o2 60, o4 120, o5 200, o10 999 (refunded),
    // o14 50, o15 1000, o17 50, o19 100 (cancelled).
    assert_eq!(got["count"], serde_json::json!(9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgjdbc_browses_tables_and_columns_and_reuses_a_prepared_statement() {
    let jar = "/usr/share/java/postgresql.jar";
    if !available("java", &["-version"], "a JRE (apt: default-jre-headless)") {
        return;
    }
    if !std::path::Path::new(jar).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs pgjdbc (apt: libpostgresql-jdbc-java)"
        );
        return;
    }
    let server = server().await;
    let check = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/integration/clients/Check.java"
    );
    let url = format!(
        "jdbc:postgresql://127.0.0.1:{}/yanhuo?sslmode=disable",
        server.port
    );
    let out = run_client(
        "java",
        vec![
            "-cp".into(),
            jar.into(),
            check.into(),
            url,
            ANALYST.0.into(),
            ANALYST.1.into(),
        ],
    )
    .await;
    let stdout = assert_ran(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"product PostgreSQL 16"), "{stdout}");
    let tables = format!("tables {}", CONTRACT_TABLES.join(","));
    assert!(lines.contains(&tables.as_str()), "{stdout}");
    assert!(
        lines.contains(
            &"remarks orders Orders by channel; only completed orders count as revenue; online = not in_store."
        ),
        "{stdout}"
    );
    // JDBC types: VARCHAR 12, TIMESTAMP 93, NUMERIC 2; remarks from docs/DATA.md.
    let columns: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("column "))
        .copied()
        .collect();
    assert_eq!(columns.len(), 6, "{stdout}");
    assert!(
        columns[0].starts_with("column order_id text 12 text;"),
        "{stdout}"
    );
    assert!(
        columns[2].starts_with("column ordered_at timestamptz 93"),
        "{stdout}"
    );
    assert_eq!(
        columns[4],
        "column amount_cny numeric 2 decimal(12,2); >= 0"
    );
    // s1 has 24 orders, of which o10 was refunded and o19 cancelled: 22 completed, on each
    // of the six runs (the fifth on a named server-side statement).
    let runs: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("run "))
        .copied()
        .collect();
    let expected: Vec<String> = (1..=6).map(|i| format!("run {i} 22")).collect();
    assert_eq!(runs, expected, "{stdout}");
    // A schema browser's tree: the three schemas, and orders without a primary key.
    assert!(
        lines.contains(&"schemas information_schema,pg_catalog,public"),
        "{stdout}"
    );
    assert!(lines.contains(&"primary key of orders: none"), "{stdout}");
}

/// What pgcli does at start-up: its completion refresher's queries (search path, schemas,
/// tables, columns, foreign keys, views, types, databases, functions), run here in the
/// foreground rather than on its background thread, then a completion and a query.
const PGCLI: &str = r#"
import json, sys
from prompt_toolkit.document import Document
from pgspecial.main import PGSpecial
from pgcli.pgexecute import PGExecute
from pgcli.completion_refresher import CompletionRefresher

executor = PGExecute(
    database="yanhuo", user=sys.argv[2], password=sys.argv[3], host="127.0.0.1",
    port=int(sys.argv[1]), dsn="",
)
done = []
# What pgcli runs in the background at start-up, run here in the foreground.
CompletionRefresher()._bg_refresh(executor, PGSpecial(), [done.append], settings={"single_connection": True})
completer = done[0]
def complete(text):
    return sorted({c.text for c in completer.get_completions(Document(text=text, cursor_position=len(text)), None)})
out = {
    "tables": [t for t in complete("SELECT * FROM sh") if not t.startswith('"')],
    "columns": [c for c in complete("SELECT * FROM orders WHERE ") if c.islower()],
}
title, cursor, headers, status, *_ = next(executor.run("SELECT count(*) AS n FROM shops"))
out["count"] = [list(row) for row in cursor]
print(json.dumps(out, default=str))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pgcli_starts_and_completes_the_tables_and_columns() {
    if !available("python3", &["-c", "import pgcli"], "pgcli (pip: pgcli)") {
        return;
    }
    let server = server().await;
    let out = run_client(
        "python3",
        vec![
            "-c".into(),
            PGCLI.into(),
            server.port.to_string(),
            ANALYST.0.into(),
            ANALYST.1.into(),
        ],
    )
    .await;
    let got: serde_json::Value = serde_json::from_str(&assert_ran(&out)).unwrap();
    // After `FROM sh`, pgcli offers (fuzzily) every relation with "sh" in its name; the
    // contract's three tables among them.
    let tables: Vec<&str> = got["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    for table in ["shops", "shop_status", "shop_services"] {
        assert!(tables.contains(&table), "{got}");
    }
    // After `FROM orders WHERE`: the six columns a planner may read, never customer_ref.
    assert_eq!(
        got["columns"],
        serde_json::json!([
            "amount_cny",
            "channel",
            "order_id",
            "ordered_at",
            "shop_id",
            "status"
        ])
    );
    // The hand-built district has seven shops (tests/integration/fixture.rs).
    assert_eq!(got["count"], serde_json::json!([[7]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_answers_what_the_session_set() {
    let server = server().await;
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        let show = |raw: &mut Raw, name: &str| {
            let answer = raw.query(&format!("SHOW {name}"));
            assert_eq!(tags(&answer), "TDCZ", "{name}: {answer:?}");
            answer[1].values()[0].clone().unwrap_or_default()
        };
        let mut raw = Raw::login(port, ANALYST);
        // The defaults: the district's zone, Postgres's own search path.
        assert_eq!(show(&mut raw, "TimeZone"), "Asia/Shanghai");
        assert_eq!(show(&mut raw, "search_path"), "\"$user\", public");
        for sql in [
            "SET application_name = 'DBeaver 24.1'",
            "SET TIME ZONE 'UTC'",
            "SET search_path TO public, pg_catalog",
            "SET extra_float_digits = 3",
            "SET SESSION standard_conforming_strings TO on",
        ] {
            let answer = raw.query(sql);
            assert_eq!(tags(&answer), "CZ", "{sql}: {answer:?}");
        }
        assert_eq!(show(&mut raw, "application_name"), "DBeaver 24.1");
        assert_eq!(show(&mut raw, "TimeZone"), "UTC");
        assert_eq!(show(&mut raw, "timezone"), "UTC");
        assert_eq!(show(&mut raw, "search_path"), "public, pg_catalog");
        assert_eq!(show(&mut raw, "extra_float_digits"), "3");
        assert_eq!(show(&mut raw, "standard_conforming_strings"), "on");
        // RESET forgets one, DISCARD ALL the rest.
        assert_eq!(tags(&raw.query("RESET TimeZone")), "CZ");
        assert_eq!(show(&mut raw, "TimeZone"), "Asia/Shanghai");
        assert_eq!(tags(&raw.query("DISCARD ALL")), "CZ");
        assert_eq!(show(&mut raw, "application_name"), "");
        // Another connection never sees this one's settings.
        let mut raw = Raw::login(port, ANALYST);
        assert_eq!(show(&mut raw, "extra_float_digits"), "1");
    })
    .await
    .unwrap();
}
