//! The sandbox's refusals and limits, statement by statement.

use super::*;

fn refused(sql: &str) -> String {
    match check(sql) {
        Err(Error::Refused(message)) => message,
        other => panic!("{sql}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn one_query_passes() {
    check("SELECT 1").unwrap();
    check("WITH x AS (SELECT 1 AS a) SELECT a FROM x;").unwrap();
    check("EXPLAIN SELECT * FROM shops").unwrap();
}

#[test]
fn each_kind_of_write_is_named() {
    for (sql, kind) in [
        ("DROP TABLE shops", "DROP TABLE"),
        ("CREATE TABLE t AS SELECT 1", "CREATE TABLE"),
        ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
        (
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
            "CREATE EXTERNAL TABLE",
        ),
        ("INSERT INTO shops VALUES (1)", "INSERT"),
        ("DELETE FROM shops", "DELETE"),
        ("UPDATE shops SET name_zh = 'x'", "UPDATE"),
        ("COPY shops TO '/tmp/x.csv'", "COPY"),
        ("SET datafusion.catalog.information_schema = false", "SET"),
        ("EXPLAIN ANALYZE SELECT 1", "EXPLAIN ANALYZE"),
        ("SELECT * INTO copied FROM shops", "SELECT … INTO"),
    ] {
        let message = refused(sql);
        assert!(message.starts_with(kind), "{sql}: {message}");
    }
}

#[test]
fn a_second_statement_is_refused() {
    assert!(refused("SELECT 1; DROP TABLE shops").contains("2 statements"));
}

#[test]
fn explain_shows_the_data_folder_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let hidden = hidden_paths(dir.path());
    let real = std::fs::canonicalize(dir.path()).unwrap();
    let real = real.to_str().unwrap();
    let plan = format!(
        "DataSourceExec: file_groups={{1 group: [[{}/shops.parquet]]}}, file:///{}/orders",
        real.trim_start_matches('/'),
        real.trim_start_matches('/')
    );
    let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![
        datafusion::arrow::datatypes::Field::new("plan", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(vec![plan.as_str()])) as ArrayRef],
    )
    .unwrap();
    let shown = hide_paths(&batch, &hidden).unwrap();
    assert_eq!(
        shown.column(0).as_string::<i32>().value(0),
        "DataSourceExec: file_groups={1 group: [[<data>/shops.parquet]]}, file://<data>/orders"
    );
}

#[test]
fn file_paths_and_urls_are_refused() {
    assert!(refused("SELECT * FROM '/etc/passwd'").contains("file or URL"));
    assert!(refused("SELECT * FROM 'orders.parquet'").contains("file or URL"));
    assert!(refused("SELECT * FROM 'https://example.com/x.csv'").contains("file or URL"));
}
