//! The Postgres catalog and its functions, against the contract's tables.

use super::functions::{backslash_escapes, text_array};
use super::*;

#[test]
fn types_are_written_as_postgres_writes_them() {
    // numeric(12,2): typmod ((12 << 16) | 2) + 4 = 786_438.
    let numeric = column_type(&DataType::Decimal128(12, 2));
    assert_eq!((numeric.oid, numeric.typmod), (1700, 786_438));
    assert_eq!(
        format_type(1700, Some(786_438)).as_deref(),
        Some("numeric(12,2)")
    );
    assert_eq!(
        format_type(1184, Some(-1)).as_deref(),
        Some("timestamp with time zone")
    );
    assert_eq!(format_type(20, None).as_deref(), Some("bigint"));
    assert_eq!(type_oid("pg_catalog.int8"), Some(20));
    assert_eq!(type_oid("hstore"), None);
}

#[test]
fn one_table_gives_the_wire_the_catalog_and_the_web_their_names() {
    use datafusion::arrow::datatypes::TimeUnit;
    let zoned = DataType::Timestamp(TimeUnit::Microsecond, Some("+08:00".into()));
    for (data_type, web, postgres) in [
        (DataType::Int64, "integer", "bigint"),
        (DataType::Int32, "integer", "integer"),
        (DataType::UInt64, "integer", "numeric"),
        (DataType::Float64, "float", "double precision"),
        (
            DataType::Decimal128(12, 2),
            "decimal(12,2)",
            "numeric(12,2)",
        ),
        (DataType::Utf8View, "text", "text"),
        (DataType::Date32, "date", "date"),
        (
            zoned,
            "timestamp with time zone",
            "timestamp with time zone",
        ),
        (
            DataType::Timestamp(TimeUnit::Microsecond, None),
            "timestamp",
            "timestamp without time zone",
        ),
        (DataType::Boolean, "boolean", "boolean"),
        (DataType::Null, "Null", "text"),
    ] {
        let t = column_type(&data_type);
        assert_eq!(t.word, web, "{data_type}");
        assert_eq!(
            format_type(t.oid, Some(i64::from(t.typmod))).as_deref(),
            Some(postgres),
            "{data_type}"
        );
    }
}

#[test]
fn column_descriptions_come_from_the_contract() {
    let orders = column_descriptions("orders");
    assert_eq!(
        orders.get("amount_cny").map(String::as_str),
        Some("decimal(12,2); >= 0")
    );
    assert!(column_descriptions("communities")["households"].contains(">= 0"));
}

#[test]
fn like_patterns_get_a_backslash_for_their_own_escape() {
    // SQLAlchemy's schema filter: `NOT LIKE 'pg/_' || '%' ESCAPE '/'`.
    assert_eq!(backslash_escapes("pg/_%", "/"), "pg\\_%");
    assert_eq!(backslash_escapes("a//b", "/"), "a\\/b");
    assert_eq!(backslash_escapes("a\\b", "/"), "a\\\\b");
    assert_eq!(backslash_escapes("a\\b", ""), "a\\\\b");
}

#[test]
fn text_arrays_are_read_as_postgres_writes_them() {
    assert_eq!(text_array("{r,p,f}"), ["r", "p", "f"]);
    assert_eq!(text_array("{\"a b\",\"c,d\"}"), ["a b", "c,d"]);
    assert_eq!(text_array("{}"), Vec::<String>::new());
}

#[test]
fn settings_answer_as_drivers_ask() {
    assert_eq!(
        setting("transaction isolation level", "Asia/Shanghai").as_deref(),
        Some("read committed")
    );
    assert_eq!(
        setting("TimeZone", "Asia/Shanghai").as_deref(),
        Some("Asia/Shanghai")
    );
    assert_eq!(
        setting("standard_conforming_strings", "UTC").as_deref(),
        Some("on")
    );
    assert_eq!(setting("no_such_thing", "UTC"), None);
}
