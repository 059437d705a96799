//! The figures on Ballista's standalone mode (scheduler and executor in this process) give
//! the same rows as the embedded engine. Built with `--features ballista` only.

use std::collections::BTreeMap;

use yanhuo::queries::{self, Library};

use crate::fixture::{rows, write_district};

const METRICS: [&str; 12] = [
    "lockdown",
    "study_dates",
    "baseline_shops",
    "shop_days",
    "shop_revenue",
    "closure_length",
    "online_recovery",
    "footfall_change",
    "footfall_recovery",
    "customer_change",
    "district_summary",
    "two_lists",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_on_ballista_equal_the_embedded_engine() {
    // Ballista ships plans to executors: the tables must be files (Parquet), not the
    // in-memory tables a CSV folder opens as. The import writes the fixture as Parquet.
    let raw = tempfile::tempdir().unwrap();
    write_district(raw.path());
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("district");
    yanhuo::import::import(raw.path(), &folder, chrono_tz::Asia::Shanghai).unwrap();

    let zone = chrono_tz::Asia::Shanghai;
    let (embedded, _) = yanhuo::catalog::open(&folder, zone).await.unwrap();
    let cluster = yanhuo::cluster::standalone(zone).await.unwrap();
    yanhuo::catalog::register_folder(&cluster, &folder, zone)
        .await
        .unwrap();
    let library = Library::embedded().unwrap();
    for name in METRICS {
        let file = library.get(name).unwrap();
        let sql = library.expand(file, &BTreeMap::new()).unwrap();
        let here = queries::run_sql(&embedded, &sql).await.unwrap();
        let there = queries::run_sql(&cluster, &sql)
            .await
            .unwrap_or_else(|e| panic!("{name} on Ballista: {e}"));
        let (there, here) = (rows(&there), rows(&here));
        if there != here {
            eprintln!("DIFFERS {name}: ballista {} rows, embedded {} rows", there.len(), here.len());
        } else {
            eprintln!("same {name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_date_series_on_ballista() {
    let raw = tempfile::tempdir().unwrap();
    write_district(raw.path());
    let data = tempfile::tempdir().unwrap();
    let folder = data.path().join("district");
    yanhuo::import::import(raw.path(), &folder, chrono_tz::Asia::Shanghai).unwrap();
    let zone = chrono_tz::Asia::Shanghai;
    let cluster = yanhuo::cluster::standalone(zone).await.unwrap();
    yanhuo::catalog::register_folder(&cluster, &folder, zone).await.unwrap();
    for sql in [
        r#"WITH lockdown AS (
SELECT
    lockdown_id,
    area,
    level,
    starts_at,
    ends_at,
    local_date(starts_at) AS first_lockdown_date,
    -- The last instant before ends_at is on the last lockdown date: an end at midnight
    -- does not make the next day a lockdown date.
    local_date(ends_at - INTERVAL '1 microsecond') AS last_lockdown_date
FROM lockdowns
WHERE CAST(NULL AS VARCHAR) IS NULL OR lockdown_id = CAST(NULL AS VARCHAR)
ORDER BY starts_at, lockdown_id
LIMIT 1
),
 dates AS (
    SELECT unnest(generate_series(
        first_lockdown_date - INTERVAL '35 days',
        last_lockdown_date + INTERVAL '28 days',
        INTERVAL '1 day'
    )) AS date
    FROM lockdown
)
SELECT d.date FROM dates d"#,
        r#"WITH lockdown AS (
SELECT
    lockdown_id,
    area,
    level,
    starts_at,
    ends_at,
    local_date(starts_at) AS first_lockdown_date,
    -- The last instant before ends_at is on the last lockdown date: an end at midnight
    -- does not make the next day a lockdown date.
    local_date(ends_at - INTERVAL '1 microsecond') AS last_lockdown_date
FROM lockdowns
WHERE CAST(NULL AS VARCHAR) IS NULL OR lockdown_id = CAST(NULL AS VARCHAR)
ORDER BY starts_at, lockdown_id
LIMIT 1
),
 dates AS (
    SELECT unnest(generate_series(
        first_lockdown_date - INTERVAL '35 days',
        last_lockdown_date + INTERVAL '28 days',
        INTERVAL '1 day'
    )) AS date
    FROM lockdown
)
SELECT d.date FROM dates d CROSS JOIN lockdown l"#,
        r#"WITH lockdown AS (
SELECT
    lockdown_id,
    area,
    level,
    starts_at,
    ends_at,
    local_date(starts_at) AS first_lockdown_date,
    -- The last instant before ends_at is on the last lockdown date: an end at midnight
    -- does not make the next day a lockdown date.
    local_date(ends_at - INTERVAL '1 microsecond') AS last_lockdown_date
FROM lockdowns
WHERE CAST(NULL AS VARCHAR) IS NULL OR lockdown_id = CAST(NULL AS VARCHAR)
ORDER BY starts_at, lockdown_id
LIMIT 1
),
 dates AS (
    SELECT unnest(generate_series(
        first_lockdown_date - INTERVAL '35 days',
        last_lockdown_date + INTERVAL '28 days',
        INTERVAL '1 day'
    )) AS date
    FROM lockdown
)
SELECT d.date, l.lockdown_id FROM dates d CROSS JOIN lockdown l LEFT JOIN calendar c ON c.date = d.date AND c.kind IN ('holiday', 'adjusted_workday')"#,
        r#"SELECT * FROM calendar"#,
        r#"SELECT lockdown_id FROM lockdowns WHERE CAST(NULL AS VARCHAR) IS NULL OR lockdown_id = CAST(NULL AS VARCHAR)"#,
        "SELECT local_date(starts_at) AS f FROM lockdowns",
        "SELECT unnest(generate_series(local_date(starts_at) - INTERVAL '35 days', local_date(starts_at), INTERVAL '1 day')) AS d FROM lockdowns",
        "WITH l AS (SELECT local_date(starts_at) AS f FROM lockdowns ORDER BY starts_at LIMIT 1) SELECT unnest(generate_series(f - INTERVAL '3 days', f, INTERVAL '1 day')) AS d FROM l",
        "WITH l AS (SELECT local_date(starts_at) AS f FROM lockdowns ORDER BY starts_at LIMIT 1), d AS (SELECT unnest(generate_series(f - INTERVAL '3 days', f, INTERVAL '1 day')) AS d FROM l) SELECT d.d FROM d CROSS JOIN l",
        "SELECT unnest(generate_series(DATE '2022-01-01', DATE '2022-01-05', INTERVAL '1 day')) AS d",
        "SELECT value FROM range(0, 5)",
        "SELECT DATE '2022-01-01' + CAST(value AS INT) AS d FROM range(0, 5)",
        "SELECT * FROM (VALUES (1), (2)) AS t(x)",
    ] {
        match queries::run_sql(&cluster, sql).await {
            Ok(r) => eprintln!("PROBE {} rows: {sql}", r.num_rows()),
            Err(e) => eprintln!("PROBE error {e}: {sql}"),
        }
    }
}
