//! Ad-hoc SQL through the router: the sandbox's refusals and limits, `POST /api/sql`, the
//! canned queries at `/q/NAME.csv|json`, and the `/sql` console, over the hand-built
//! district. Results are compared with the trusted path (the engine's own context).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use yanhuo::engine::format::{self, OutputFormat};
use yanhuo::engine::queries;
use yanhuo::engine::settings::Settings;
use yanhuo::serve::sandbox::Limits;
use yanhuo::serve::settings::Serving;
use yanhuo::serve::web::AppState;

use crate::fixture::write_district;
use crate::http::{Reply, send};

struct Site {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
}

async fn site_with(limits: Limits) -> Site {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let mut settings =
        Serving::open(Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap());
    settings.sandbox = limits;
    let state = AppState::open(settings).await.unwrap();
    Site { _dir: dir, state }
}

async fn site() -> Site {
    site_with(Limits::default()).await
}

/// The API's error body, read.
trait ApiError {
    fn error_kind(&self) -> String;
    fn error_message(&self) -> String;
}

impl ApiError for Reply {
    fn error_kind(&self) -> String {
        self.json()["error"]["kind"].as_str().unwrap().to_string()
    }

    fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

async fn get(site: &Site, uri: &str) -> Reply {
    send(
        &site.state,
        Request::builder().uri(uri).body(Body::empty()).unwrap(),
    )
    .await
}

async fn api(state: &Arc<AppState>, body: Value) -> Reply {
    send(
        state,
        Request::builder()
            .method("POST")
            .uri("/api/sql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// `text` percent-encoded for a query string.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The same SQL on the engine's own, trusted context, as JSON rows.
async fn trusted(site: &Site, sql: &str) -> Value {
    let loaded = site.state.current().await.unwrap();
    let result = queries::run_sql(&loaded.engine.ctx, sql).await.unwrap();
    serde_json::from_slice(&format::to_bytes(&result, OutputFormat::Json).unwrap()).unwrap()
}

const JOIN: &str = "SELECT s.category, COUNT(*) AS orders, SUM(o.amount_cny) AS revenue \
     FROM orders o JOIN shops s USING (shop_id) WHERE o.status = 'completed' \
     GROUP BY s.category ORDER BY s.category";

#[tokio::test]
async fn api_joins_orders_with_shops_as_the_trusted_path_does() {
    let site = site().await;
    let reply = api(&site.state, json!({ "sql": JOIN })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    // From the fixture's completed orders: clinic is s4, 10 yuan on each of the 31 baseline
    // dates and 7 on five lockdown days (36 orders, 345); dining is s1's 22 completed
    // orders (1,902: o10 refunded and o19 cancelled left out) and s5's one of 100; fresh
    // produce is s2's 50 and 30.
    assert_eq!(
        body["rows"],
        json!([
            { "category": "clinic", "orders": 36, "revenue": 345.0 },
            { "category": "dining", "orders": 23, "revenue": 2002.0 },
            { "category": "fresh_produce", "orders": 2, "revenue": 80.0 },
        ])
    );
    assert_eq!(body["row_count"], json!(3));
    assert_eq!(body["truncated"], json!(false));
    assert_eq!(
        body["columns"],
        json!([
            { "name": "category", "type": "text" },
            { "name": "orders", "type": "integer" },
            { "name": "revenue", "type": "decimal(22,2)" },
        ])
    );
}

#[tokio::test]
async fn api_binds_params_as_values_not_sql() {
    let site = site().await;
    let reply = api(
        &site.state,
        json!({
            "sql": "SELECT shop_id FROM shops WHERE shop_id = $id OR shop_id = $evil ORDER BY shop_id",
            "params": { "id": "s1", "evil": "x' OR '1'='1" },
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"], json!([{ "shop_id": "s1" }]));
}

#[tokio::test]
async fn each_forbidden_statement_is_refused_with_its_kind() {
    let site = site().await;
    for (sql, kind) in [
        ("DROP TABLE shops", "DROP TABLE"),
        ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT * FROM shops", "CREATE VIEW"),
        (
            "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        ("INSERT INTO shops SELECT * FROM shops", "INSERT"),
        ("DELETE FROM orders", "DELETE"),
        ("UPDATE shops SET name_zh = 'x'", "UPDATE"),
        ("COPY shops TO '/tmp/yanhuo-shops.csv'", "COPY"),
        ("COPY (SELECT 1) TO '/tmp/yanhuo-one.csv'", "COPY"),
        ("SET datafusion.execution.batch_size = 1", "SET"),
        ("EXPLAIN ANALYZE SELECT * FROM shops", "EXPLAIN ANALYZE"),
        ("SELECT 1; SELECT 2", "2 statements"),
        ("SELECT * INTO copied FROM shops", "SELECT … INTO"),
    ] {
        let reply = api(&site.state, json!({ "sql": sql })).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{sql}");
        assert_eq!(reply.error_kind(), "refused", "{sql}");
        assert!(
            reply.error_message().starts_with(kind),
            "{sql}: {}",
            reply.error_message()
        );
    }
    // Nothing was written or created.
    assert!(!std::path::Path::new("/tmp/yanhuo-shops.csv").exists());
    let still = api(
        &site.state,
        json!({ "sql": "SELECT COUNT(*) AS n FROM shops" }),
    )
    .await;
    assert_eq!(still.status, StatusCode::OK);
}

#[tokio::test]
async fn file_paths_and_urls_are_not_read() {
    let site = site().await;
    let data = site
        .state
        .current()
        .await
        .unwrap()
        .engine
        .settings
        .data_dir
        .clone();
    let shops_csv = data.join("shops.csv").display().to_string();
    for sql in [
        format!("SELECT * FROM '{shops_csv}'"),
        "SELECT * FROM '/etc/passwd'".to_string(),
        "SELECT * FROM 'https://example.com/orders.parquet'".to_string(),
        format!("SELECT * FROM shops JOIN \"{shops_csv}\" USING (shop_id)"),
    ] {
        let reply = api(&site.state, json!({ "sql": sql })).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{sql}");
        assert_eq!(reply.error_kind(), "refused", "{sql}");
        assert!(reply.error_message().contains("file or URL"), "{sql}");
    }
    // A name that is not a path is simply an unknown table: no dynamic file catalog.
    let unknown = api(&site.state, json!({ "sql": "SELECT * FROM passwd" })).await;
    assert_eq!(unknown.error_kind(), "sql");
    assert!(
        unknown.error_message().contains("not found"),
        "{}",
        unknown.text()
    );
}

#[tokio::test]
async fn customer_ref_is_seen_only_as_counts() {
    let site = site().await;
    let direct = api(
        &site.state,
        json!({ "sql": "SELECT customer_ref FROM orders" }),
    )
    .await;
    assert_eq!(direct.status, StatusCode::BAD_REQUEST);
    assert!(direct.error_message().contains("customer_ref"));
    let star = api(
        &site.state,
        json!({ "sql": "SELECT * FROM orders LIMIT 1" }),
    )
    .await;
    let star = star.json();
    let columns: Vec<&str> = star["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "order_id",
            "shop_id",
            "ordered_at",
            "channel",
            "amount_cny",
            "status"
        ]
    );
    // Nor do the catalog views name it.
    let catalog = api(
        &site.state,
        json!({ "sql": "SELECT table_name FROM information_schema.columns WHERE column_name = 'customer_ref'" }),
    )
    .await;
    assert_eq!(catalog.json()["rows"], json!([]), "{}", catalog.text());
    let counts = "SELECT shop_id, date, customers FROM shop_day_customers ORDER BY shop_id, date";
    let reply = api(&site.state, json!({ "sql": counts })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let rows: Vec<(String, String, i64)> = reply.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["shop_id"].as_str().unwrap().to_string(),
                r["date"].as_str().unwrap().to_string(),
                r["customers"].as_i64().unwrap(),
            )
        })
        .collect();
    // s1's completed orders by local date (fixture.rs): two customers on 03-26 (c1, c2),
    // one (c1 twice) on 05-02, none on 04-16 (o5 has no customer); o6 and o16 and o21 were
    // written in UTC the evening before; the refund of 03-23 and the cancelled order of 04-26
    // count no one.
    let s1: Vec<(&str, i64)> = rows
        .iter()
        .filter(|r| r.0 == "s1")
        .map(|r| (r.1.as_str(), r.2))
        .collect();
    assert_eq!(
        s1,
        [
            ("2022-03-19", 1),
            ("2022-03-21", 1),
            ("2022-03-23", 1),
            ("2022-03-26", 2),
            ("2022-03-28", 1),
            ("2022-03-30", 1),
            ("2022-04-02", 1),
            ("2022-04-06", 1),
            ("2022-04-09", 1),
            ("2022-04-13", 1),
            ("2022-04-16", 0),
            ("2022-04-18", 1),
            ("2022-04-20", 1),
            ("2022-04-23", 1),
            ("2022-04-24", 1),
            ("2022-04-25", 1),
            ("2022-04-27", 1),
            ("2022-04-30", 1),
            ("2022-05-02", 1),
            ("2022-05-10", 1),
        ]
    );
    // s2 on 04-10 and 04-24 (e1); s4's one customer a day on 31 baseline dates and 5 in the
    // lockdown; s5's one order.
    let others: Vec<_> = rows.iter().filter(|r| r.0 != "s1").collect();
    assert_eq!(others.len(), 2 + 36 + 1);
    assert!(others.iter().all(|r| r.2 == 1));
    assert_eq!(
        (
            others[0].1.as_str(),
            others[1].1.as_str(),
            others[38].1.as_str()
        ),
        ("2022-04-10", "2022-04-24", "2022-03-20")
    );
}

/// A cross join of a hundred thousand by a billion rows would run for hours.
const RUNAWAY: &str = "SELECT SUM(a.value * b.value) AS s \
     FROM generate_series(1, 100000) a CROSS JOIN generate_series(1, 1000000000) b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_join_is_stopped_by_the_time_limit_while_the_server_answers() {
    let site = site_with(Limits {
        timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let started = Instant::now();
    let state = site.state.clone();
    let runaway = tokio::spawn(async move {
        let reply = api(&state, json!({ "sql": RUNAWAY })).await;
        (reply, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let health = get(&site, "/healthz").await;
    let answered = started.elapsed();
    assert_eq!(health.status, StatusCode::OK);
    let (reply, stopped) = runaway.await.unwrap();
    assert!(
        answered < stopped,
        "/healthz answered after {answered:?}, while the join ran until {stopped:?}"
    );
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_kind(), "time_limit", "{}", reply.text());
    assert!(reply.error_message().contains("time limit of 1 s"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The slot is free again and the next query runs.
    let next = api(&site.state, json!({ "sql": "SELECT 1 AS one" })).await;
    assert_eq!(
        next.json()["rows"],
        json!([{ "one": 1 }]),
        "{}",
        next.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aggregation_over_the_memory_limit_fails_cleanly() {
    let site = site_with(Limits {
        memory: 8 << 20,
        ..Limits::default()
    })
    .await;
    let reply = api(
        &site.state,
        json!({ "sql": "SELECT value % 5000000 AS k, COUNT(*) AS n FROM generate_series(1, 10000000) GROUP BY k ORDER BY n DESC LIMIT 3" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.error_kind(), "memory_limit", "{}", reply.text());
    assert!(
        reply.error_message().contains("(8 MiB)"),
        "{}",
        reply.error_message()
    );
    let health = get(&site, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let next = api(&site.state, json!({ "sql": JOIN })).await;
    assert_eq!(next.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_beyond_the_slots_get_429_with_retry_after() {
    let site = site_with(Limits {
        timeout: Duration::from_secs(2),
        concurrent: 1,
        wait: Duration::from_millis(100),
        ..Limits::default()
    })
    .await;
    let state = site.state.clone();
    let runaway = tokio::spawn(async move { api(&state, json!({ "sql": RUNAWAY })).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let busy = api(&site.state, json!({ "sql": "SELECT 1" })).await;
    assert_eq!(
        busy.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        busy.text()
    );
    assert_eq!(busy.headers[header::RETRY_AFTER], "2");
    assert_eq!(busy.error_kind(), "busy");
    // The dashboards do not queue behind ad-hoc SQL.
    assert_eq!(get(&site, "/d/recovery").await.status, StatusCode::OK);
    assert_eq!(runaway.await.unwrap().error_kind(), "time_limit");
}

#[tokio::test]
async fn the_page_and_the_api_cut_rows_at_the_cap_and_say_so() {
    let site = site_with(Limits {
        page_rows: 3,
        export_rows: 5,
        ..Limits::default()
    })
    .await;
    let sql = "SELECT value FROM generate_series(1, 8) ORDER BY value";
    let reply = api(&site.state, json!({ "sql": sql })).await;
    let body = reply.json();
    assert_eq!(body["row_count"], json!(3));
    assert_eq!(body["truncated"], json!(true));
    let page = get(&site, &format!("/sql?lang=en&q={}", encode(sql))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Only the first 3 rows are shown"),
        "{}",
        page.text()
    );
    let csv = get(&site, &format!("/sql/result.csv?q={}", encode(sql))).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.text(), "\u{feff}value\n1\n2\n3\n4\n5\n");
    assert_eq!(csv.headers["x-yanhuo-truncated"], "5");
}

#[tokio::test]
async fn canned_queries_download_as_csv_and_json_with_params() {
    let site = site().await;
    let loaded = site.state.current().await.unwrap();
    let expected = loaded
        .engine
        .run("closure_length", &Default::default())
        .await
        .unwrap();
    let csv = get(&site, "/q/closure_length.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    // The fixture's six spells of the April lockdown (metrics.rs works each out), under
    // the header.
    assert_eq!(expected.num_rows(), 6);
    let text = csv.text();
    assert!(text.starts_with("\u{feff}shop_id,community_id,category,closed_at,"));
    assert_eq!(text.lines().count(), 1 + 6);
    let second = get(&site, "/q/closure_length.csv?lockdown_id=later-2022-06").await;
    // June: s3's April spell is still open (no reopening, no lengths); s7 closed two days,
    // reopening as it ended.
    assert_eq!(
        second.text(),
        "\u{feff}shop_id,community_id,category,closed_at,reopened_at,closure_days,reopen_lag_hours\n\
         s3,b,barber,2022-04-23T02:00:00+08:00,,,\n\
         s7,c,other,2022-06-10T00:00:00+08:00,2022-06-12T00:00:00+08:00,2.0,0.0\n"
    );

    let json = get(&site, "/q/closure_length.json?lockdown_id=no-such-lockdown").await;
    assert_eq!(json.status, StatusCode::OK);
    assert_eq!(json.json(), json!([]));
    // An empty form field means the default.
    let defaults = get(&site, "/q/closure_length.json?lockdown_id=").await;
    assert_eq!(
        defaults.json().as_array().unwrap().len(),
        expected.num_rows()
    );

    let bad = get(&site, "/q/closure_length.csv?lockdown=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.error_message().contains("no such parameter"));
    assert_eq!(
        get(&site, "/q/nothing.csv").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&site, "/q/closure_length.exe").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_console_runs_charts_and_shares_a_query() {
    let site = site().await;
    let empty = get(&site, "/sql").await;
    assert_eq!(empty.status, StatusCode::OK);
    let text = empty.text();
    // The sidebar: tables with their columns and descriptions, the canned queries.
    assert!(text.contains("<code>shop_day_customers</code>"));
    assert!(text.contains("<code>amount_cny</code>"));
    assert!(text.contains("decimal(12,2)"));
    assert!(text.contains("/q/closure_length.csv"));
    assert!(!text.contains("<code>customer_ref</code>"));

    let sql = "SELECT local_date(ordered_at) AS date, COUNT(*) AS orders FROM orders GROUP BY 1 ORDER BY 1";
    let uri = format!("/sql?q={}&chart=line&x=date&y=orders", encode(sql));
    let page = get(&site, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let text = page.text();
    assert!(text.contains("<th>orders</th>"));
    assert!(text.contains("/sql/result.parquet?q="));
    assert!(text.contains("/sql/result.xlsx?q="));
    assert!(text.contains("/sql/chart.svg?q="));
    let chart = get(
        &site,
        &format!(
            "/sql/chart.svg?q={}&chart=line&x=date&y=orders",
            encode(sql)
        ),
    )
    .await;
    assert_eq!(chart.status, StatusCode::OK, "{}", chart.text());
    assert!(
        chart.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(chart.text().contains("<svg"));
    let bar = get(
        &site,
        &format!("/sql/chart.png?q={}&chart=bar&x=date&y=orders", encode(sql)),
    )
    .await;
    assert_eq!(bar.headers[header::CONTENT_TYPE], "image/png");

    let parquet = get(&site, &format!("/sql/result.parquet?q={}", encode(sql))).await;
    assert_eq!(parquet.status, StatusCode::OK);
    assert_eq!(&parquet.body[..4], b"PAR1");

    // A chart of a column the result lacks says so, and the rows still show.
    let missing = get(
        &site,
        &format!("/sql?q={}&chart=bar&x=nope&y=orders", encode(sql)),
    )
    .await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(missing.text().contains("nope"));
    assert!(missing.text().contains("<th>orders</th>"));
}

#[tokio::test]
async fn the_console_shows_refusals_and_escapes_what_it_echoes() {
    let site = site().await;
    let page = get(&site, &format!("/sql?q={}", encode("DROP TABLE shops"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("DROP TABLE is not allowed here"));

    let sql = "SELECT '<script>alert(1)</script>' AS \"<b>x</b>\"";
    let page = get(&site, &format!("/sql?q={}", encode(sql))).await;
    let text = page.text();
    assert!(!text.contains("<script>alert(1)"), "{text}");
    assert!(!text.contains("<b>x</b>"));
    assert!(text.contains("alert(1)"));
}

// ---------------------------------------------------------------------------------------
// What untrusted SQL could do to the process (issue 14): stacks, memory, slots, paths.

/// `SELECT 1+1+…+1 AS n` with `terms` ones.
fn chain(terms: usize) -> String {
    format!("SELECT {} AS n", vec!["1"; terms].join("+"))
}

#[tokio::test]
async fn chains_are_planned_on_big_stacks_and_long_ones_refused_before_parsing() {
    let site = site().await;
    // 999 terms and `AS n`: 2,000 tokens, the most let in.
    let reply = api(&site.state, json!({ "sql": chain(999) })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"], json!([{ "n": 999 }]));
    let page = get(&site, &format!("/sql?lang=en&q={}", encode(&chain(500)))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("<td>500</td>"), "{}", page.text());

    // 2,000 terms overflowed the SQL thread's stack and aborted the process.
    let reply = api(&site.state, json!({ "sql": chain(2_000) })).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_kind(), "refused");
    assert_eq!(
        reply.error_message(),
        "the statement has 4002 tokens (words, numbers, operators); at most 2000 may be sent: a long chain such as 1+1+…+1 cannot be planned safely"
    );
    let page = get(&site, &format!("/sql?lang=en&q={}", encode(&chain(2_000)))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("the statement has 4002 tokens"),
        "{}",
        page.text()
    );
    let long = api(&site.state, json!({ "sql": chain(100_000) })).await;
    assert_eq!(long.error_kind(), "refused");
    assert_eq!(
        long.error_message(),
        "the statement is 200011 bytes long; at most 65536 bytes (64 KiB) may be sent"
    );
    let nested = format!("SELECT {}1{} AS n", "(".repeat(40), ")".repeat(40));
    let deep = get(&site, &format!("/sql?lang=en&q={}", encode(&nested))).await;
    assert_eq!(deep.status, StatusCode::OK);
    assert!(
        deep.text().contains(
            "brackets nest more than 32 deep; at most 32 levels of ( ) or [ ] may be used"
        ),
        "{}",
        deep.text()
    );
    assert_eq!(get(&site, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn functions_that_build_huge_values_are_refused_before_they_build() {
    let site = site().await;
    for (sql, message) in [
        (
            "SELECT length(repeat('x', 1000000000)) AS n",
            "repeat would build a value of 1000000000 bytes; one value may be at most 16 MiB",
        ),
        (
            "SELECT length(lpad('x', 1500000000)) AS n",
            "lpad would build a value of 1500000001 bytes; one value may be at most 16 MiB",
        ),
        (
            "SELECT length(rpad('x', 20000000, 'é')) AS n",
            "rpad would build a value of 40000001 bytes; one value may be at most 16 MiB",
        ),
        (
            "SELECT length(replace(repeat('x', 1000000), '', repeat('y', 100))) AS n",
            "replace would build a value of 101000100 bytes; one value may be at most 16 MiB",
        ),
        (
            "SELECT length(s || s) AS n FROM (SELECT repeat('x', 10000000) AS s)",
            "|| would build a value of 20000000 bytes; one value may be at most 16 MiB",
        ),
        (
            "SELECT length(repeat('x', 1000000)) AS n FROM generate_series(1, 1000)",
            "repeat would build more than 128 MiB in one batch of 1000 rows",
        ),
    ] {
        let reply = api(&site.state, json!({ "sql": sql })).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{sql}: {}",
            reply.text()
        );
        assert_eq!(reply.error_kind(), "memory_limit", "{sql}");
        assert_eq!(
            reply.error_message(),
            format!("the query needed more memory than one query may use (512 MiB): {message}"),
            "{sql}"
        );
    }
    assert_eq!(get(&site, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn bounded_functions_answer_as_datafusion_does() {
    let site = site().await;
    let sql = "SELECT repeat('ab', 3) || 'c', 'a' || NULL, concat('a', NULL, 'b'), \
         concat_ws('-', 'a', 'b'), lpad('7', 3, '0'), rpad('中', 3, '文'), \
         replace('abc', 'b', 'xx'), overlay('abcdef' PLACING 'XY' FROM 2 FOR 3), \
         length(repeat('x', 16000000)) AS long, s.name || '/' || s.shop_id AS named \
         FROM shops s WHERE s.shop_id = 's1'";
    let reply = api(&site.state, json!({ "sql": sql })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["rows"], trusted(&site, sql).await);
    assert_eq!(reply.json()["rows"][0]["long"], json!(16000000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_result_kept_counts_in_the_query_memory() {
    let site = site_with(Limits {
        memory: 32 << 20,
        ..Limits::default()
    })
    .await;
    // 40 batches of 1 MB strings: each call is small, the result is not.
    let reply = api(
        &site.state,
        json!({ "sql": "SELECT repeat('x', 1000000) AS s FROM generate_series(1, 40) CROSS JOIN (VALUES (1)) v(one)" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.error_kind(), "memory_limit", "{}", reply.text());
    assert!(
        reply
            .error_message()
            .starts_with("the query needed more memory than one query may use (32 MiB): "),
        "{}",
        reply.error_message()
    );
    assert_eq!(get(&site, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_console_keeps_recent_results_by_their_bytes() {
    let site = site().await;
    // Ten results of ten 1 MB strings: 64 MiB holds six of them.
    for i in 0..10 {
        let sql = format!("SELECT repeat('x', 1000000) AS s, {i} AS i FROM generate_series(1, 10)");
        let page = get(&site, &format!("/sql?q={}", encode(&sql))).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    }
    let loaded = site.state.current().await.unwrap();
    let held = loaded.answers.bytes();
    assert!(
        (60_000_000..=64 << 20).contains(&held),
        "the recent results hold {held} bytes"
    );
    assert_eq!(loaded.answers.len(), 6);
}

#[tokio::test]
async fn downloads_are_written_a_batch_at_a_time_and_big_workbooks_refused() {
    let site = site_with(Limits {
        memory: 32 << 20,
        ..Limits::default()
    })
    .await;
    // Three batches of DataFusion's 8,192 rows: the header once, every row once.
    let sql = "SELECT repeat('x', 100) AS s, value FROM generate_series(1, 20000) ORDER BY value";
    let csv = get(&site, &format!("/sql/result.csv?q={}", encode(sql))).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    let mut want = String::from("\u{feff}s,value\n");
    for i in 1..=20_000 {
        want.push_str(&format!("{},{i}\n", "x".repeat(100)));
    }
    assert_eq!(text.len(), want.len());
    assert!(text == want, "the CSV differs");
    let json = get(&site, &format!("/sql/result.json?q={}", encode(sql))).await;
    assert_eq!(json.status, StatusCode::OK);
    let want: Vec<Value> = (1..=20_000)
        .map(|i| json!({ "s": "x".repeat(100), "value": i }))
        .collect();
    assert_eq!(json.json(), Value::Array(want));
    let empty = get(
        &site,
        &format!("/sql/result.json?q={}", encode("SELECT 1 AS a WHERE false")),
    )
    .await;
    assert_eq!(empty.text(), "[]\n");

    // Two batches of 5 MB, each under a call's quarter of the query's 32 MiB; together over
    // the quarter a workbook may be built from.
    let wide = "SELECT repeat('x', 500000) AS s FROM generate_series(1, 10) \
         UNION ALL SELECT repeat('y', 500000) AS s FROM generate_series(1, 10)";
    let xlsx = get(&site, &format!("/sql/result.xlsx?q={}", encode(wide))).await;
    assert_eq!(xlsx.status, StatusCode::BAD_REQUEST, "{}", xlsx.text());
    assert!(
        xlsx.text().contains(
            "the result holds 9.5 MiB, more than the 8 MiB a xlsx file may be built from here; download it as CSV, which is written as it is read"
        ),
        "{}",
        xlsx.text()
    );
    let csv = get(&site, &format!("/sql/result.csv?q={}", encode(wide))).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.len(), 3 + 2 + 20 * 500_001);
    assert_eq!(get(&site, "/healthz").await.status, StatusCode::OK);
}
