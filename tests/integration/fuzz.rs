//! The SQL front door under random input: nesting, long chains, huge function arguments,
//! Unicode, NUL bytes and token soup, through the sandbox and the routes that reach it. A
//! stack overflow or an allocation the machine cannot give aborts the whole test binary,
//! which is the failure this test exists to catch; every answer must also be an answer
//! (rows, or an error of a kind a planner can read) and `/healthz` must still answer.
//!
//! 200 cases run in `cargo test`; `YANHUO_FUZZ_CASES=100000` runs more, and
//! `YANHUO_FUZZ_SEED` another sequence (README, "The sandbox").

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yanhuo::Error;
use yanhuo::engine::settings::Settings;
use yanhuo::serve::sandbox::Limits;
use yanhuo::serve::settings::Serving;
use yanhuo::serve::web::AppState;

use crate::fixture::write_district;
use crate::http::{get, send};

const WORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "LIMIT",
    "JOIN",
    "ON",
    "USING",
    "AS",
    "WITH",
    "UNION",
    "ALL",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "NOT",
    "AND",
    "OR",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "EXPLAIN",
    "VALUES",
    "CAST",
    "INTERVAL",
    "DISTINCT",
    "shops",
    "orders",
    "footfall",
    "shop_status",
    "shop_day_customers",
    "shop_id",
    "name",
    "amount_cny",
    "value",
    "generate_series",
    "range",
    "unnest",
    "count",
    "sum",
    "repeat",
    "lpad",
    "rpad",
    "replace",
    "concat",
    "string_agg",
    "array_agg",
    "array_repeat",
    "*",
    "+",
    "-",
    "/",
    "%",
    "||",
    "::",
    "=",
    "<>",
    "<=",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    ".",
    "'",
    "\"",
    "--",
    "/*",
    "*/",
    "$1",
    "$x",
    "1",
    "0",
    "-1",
    "1e308",
    "9223372036854775807",
    "'é'",
    "'中文'",
    "'\0'",
    "\0",
    "\u{202e}",
    "\u{1F600}",
    "DROP",
    "COPY",
    "SET",
    "'/etc/passwd'",
];

fn word(rng: &mut ChaCha8Rng) -> &'static str {
    WORDS[rng.random_range(0..WORDS.len())]
}

/// A random value expression, `depth` levels deep at most.
fn expr(rng: &mut ChaCha8Rng, depth: usize) -> String {
    if depth == 0 {
        return match rng.random_range(0..6) {
            0 => rng.random_range(-5i64..100).to_string(),
            1 => format!("'{}'", text(rng)),
            2 => "NULL".into(),
            3 => "value".into(),
            4 => format!("{}.{}", rng.random_range(0..3), rng.random_range(0..99)),
            _ => "TRUE".into(),
        };
    }
    let d = depth - 1;
    match rng.random_range(0..12) {
        0 => format!("({})", expr(rng, d)),
        1 => format!("{} {} {}", expr(rng, d), op(rng), expr(rng, d)),
        2 => format!(
            "CASE WHEN {} THEN {} ELSE {} END",
            expr(rng, d),
            expr(rng, d),
            expr(rng, d)
        ),
        3 => format!("NOT {}", expr(rng, d)),
        4 => format!("CAST({} AS {})", expr(rng, d), ty(rng)),
        5 => {
            let big = [1, 1000, 16_000_000, 1_000_000_000, i64::MAX][rng.random_range(0..5)];
            let f = ["repeat", "lpad", "rpad", "array_repeat"][rng.random_range(0..4)];
            format!("{f}({}, {big})", expr(rng, d))
        }
        6 => format!("replace({}, '', {})", expr(rng, d), expr(rng, d)),
        7 => format!("concat({}, {})", expr(rng, d), expr(rng, d)),
        8 => format!("(SELECT {} AS x)", expr(rng, d)),
        9 => format!("length({})", expr(rng, d)),
        10 => format!("range({}, {})", expr(rng, d), expr(rng, d)),
        _ => format!("{} IS NULL", expr(rng, d)),
    }
}

fn op(rng: &mut ChaCha8Rng) -> &'static str {
    ["+", "-", "*", "/", "%", "||", "=", "<", "AND", "OR", "<>"][rng.random_range(0..11)]
}

fn ty(rng: &mut ChaCha8Rng) -> &'static str {
    [
        "INT",
        "BIGINT",
        "TEXT",
        "DOUBLE",
        "DATE",
        "TIMESTAMP",
        "DECIMAL(38,10)",
    ][rng.random_range(0..7)]
}

/// Text with the characters that break things: quotes, NUL, right-to-left marks, emoji.
fn text(rng: &mut ChaCha8Rng) -> String {
    let len = rng.random_range(0..12);
    (0..len)
        .map(|_| match rng.random_range(0..8) {
            0 => '\0',
            1 => '\'',
            2 => '\u{202e}',
            3 => '中',
            4 => '\u{1F600}',
            5 => char::from_u32(rng.random_range(0x20..0x2FFFF)).unwrap_or('?'),
            _ => char::from(rng.random_range(b'a'..=b'z')),
        })
        .map(|c| {
            if c == '\'' {
                "''".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One random statement, from one of the shapes that once broke or could break.
fn statement(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..8) {
        // A long chain of one operator: 2,000 terms aborted the process.
        0 => {
            let terms = [10, 500, 2_000, 4_999, 5_001, 40_000][rng.random_range(0..6)];
            let op = op(rng);
            format!("SELECT {}", vec!["1"; terms].join(op))
        }
        // Deep brackets, balanced or not.
        1 => {
            let n = rng.random_range(0..80);
            let close = if rng.random_bool(0.8) {
                n
            } else {
                rng.random_range(0..80)
            };
            format!("SELECT {}1{}", "(".repeat(n), ")".repeat(close))
        }
        // Nested expressions over a table.
        2 | 3 => {
            let depth = rng.random_range(1..6);
            let rows = rng.random_range(1..20_000);
            format!(
                "SELECT {} AS a FROM generate_series(1, {rows}) LIMIT 5",
                expr(rng, depth)
            )
        }
        // Token soup.
        4 => (0..rng.random_range(1..60))
            .map(|_| word(rng))
            .collect::<Vec<_>>()
            .join(" "),
        // Random characters, NUL bytes among them.
        5 => text(rng).repeat(rng.random_range(1..50)),
        // A deep subquery chain.
        6 => {
            let n = rng.random_range(1..40);
            format!("SELECT {}1{} AS x", "(SELECT ".repeat(n), ")".repeat(n))
        }
        // A real query with a random piece cut out or repeated.
        _ => {
            let base = "SELECT s.category, COUNT(*) AS n FROM orders o JOIN shops s USING (shop_id) WHERE o.status = 'completed' GROUP BY s.category ORDER BY n DESC";
            let cut = rng.random_range(0..base.len());
            let cut = (0..=cut)
                .rev()
                .find(|i| base.is_char_boundary(*i))
                .unwrap_or(0);
            let (a, b) = base.split_at(cut);
            if rng.random_bool(0.5) {
                format!("{a}{}", &b[b.len().min(rng.random_range(0..8))..])
            } else {
                format!("{a} {} {b}", word(rng))
            }
        }
    }
}

fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sql_never_takes_the_server_down() {
    let cases: usize = std::env::var("YANHUO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("YANHUO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(14);
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let mut settings =
        Serving::open(Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap());
    // Short limits: a case past its time keeps its slot until its work stops, and the next
    // cases wait for it, so the limits set the test's own length.
    settings.sandbox = Limits {
        timeout: Duration::from_millis(500),
        wait: Duration::from_millis(500),
        memory: 64 << 20,
        ..Limits::default()
    };
    let state = AppState::open(settings).await.unwrap();
    let loaded = state.current().await.unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let started = Instant::now();
    let (mut answered, mut refused, mut failed) = (0, 0, 0);
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for case in 0..cases {
        let sql = statement(&mut rng);
        let began = Instant::now();
        match case % 10 {
            // Through the routes a link or a client reaches.
            0 => {
                let reply = send(
                    &state,
                    Request::builder()
                        .method("POST")
                        .uri("/api/sql")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(serde_json::json!({ "sql": sql }).to_string()))
                        .unwrap(),
                )
                .await;
                assert!(
                    [
                        StatusCode::OK,
                        StatusCode::BAD_REQUEST,
                        StatusCode::TOO_MANY_REQUESTS
                    ]
                    .contains(&reply.status),
                    "case {case}: {sql:?}: {} {}",
                    reply.status,
                    reply.text()
                );
            }
            // A URL past 8 KB is refused by browsers and by the test's HTTP types alike.
            1 if sql.len() < 2_000 => {
                let reply = get(&state, &format!("/sql?q={}", encode(&sql))).await;
                assert_eq!(reply.status, StatusCode::OK, "case {case}: {sql:?}");
            }
            _ => match state
                .sandbox
                .run(&loaded.tables, &sql, &BTreeMap::new(), 100)
                .await
            {
                Ok(_) => answered += 1,
                Err(Error::Refused(_)) => refused += 1,
                // Busy: a query past its time limit keeps its slot until its work stops.
                Err(
                    Error::Sql(_)
                    | Error::TimeLimit { .. }
                    | Error::MemoryLimit { .. }
                    | Error::Busy { .. },
                ) => failed += 1,
                Err(other) => panic!("case {case}: {sql:?}: {other:?}"),
            },
        }
        slowest.push((began.elapsed(), sql.chars().take(160).collect()));
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        slowest.truncate(8);
    }
    for (took, sql) in &slowest {
        eprintln!("slow case, {took:?}: {sql}");
    }
    eprintln!(
        "{cases} cases (seed {seed}) in {:?}: {answered} answered, {refused} refused, {failed} failed as SQL",
        started.elapsed()
    );
    assert!(answered > 0 && refused > 0 && failed > 0);
    assert_eq!(get(&state, "/healthz").await.status, StatusCode::OK);
}
