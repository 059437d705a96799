//! Postgres's types as a client meets them: their OIDs and names, the type a column of an
//! Arrow type travels as, and `format_type`'s spelling.

use datafusion::arrow::datatypes::DataType;

/// Postgres's types a client may meet here: oid, name, typlen, typcategory, array type,
/// element type, and how `format_type` writes it.
pub(super) const TYPES: &[(i64, &str, i16, &str, i64, i64, &str)] = &[
    (16, "bool", 1, "B", 1000, 0, "boolean"),
    (17, "bytea", -1, "U", 1001, 0, "bytea"),
    (18, "char", 1, "Z", 1002, 0, "\"char\""),
    (19, "name", 64, "S", 1003, 0, "name"),
    (20, "int8", 8, "N", 1016, 0, "bigint"),
    (21, "int2", 2, "N", 1005, 0, "smallint"),
    (22, "int2vector", -1, "A", 1006, 21, "int2vector"),
    (23, "int4", 4, "N", 1007, 0, "integer"),
    (24, "regproc", 4, "N", 1008, 0, "regproc"),
    (25, "text", -1, "S", 1009, 0, "text"),
    (26, "oid", 4, "N", 1028, 0, "oid"),
    (30, "oidvector", -1, "A", 1013, 26, "oidvector"),
    (114, "json", -1, "U", 199, 0, "json"),
    (700, "float4", 4, "N", 1021, 0, "real"),
    (701, "float8", 8, "N", 1022, 0, "double precision"),
    (1042, "bpchar", -1, "S", 1014, 0, "character"),
    (1043, "varchar", -1, "S", 1015, 0, "character varying"),
    (1082, "date", 4, "D", 1182, 0, "date"),
    (1083, "time", 8, "D", 1183, 0, "time without time zone"),
    (
        1114,
        "timestamp",
        8,
        "D",
        1115,
        0,
        "timestamp without time zone",
    ),
    (
        1184,
        "timestamptz",
        8,
        "D",
        1185,
        0,
        "timestamp with time zone",
    ),
    (1186, "interval", 16, "T", 1187, 0, "interval"),
    (1700, "numeric", -1, "N", 1231, 0, "numeric"),
    (2205, "regclass", 4, "N", 2210, 0, "regclass"),
    (2206, "regtype", 4, "N", 2211, 0, "regtype"),
    (2950, "uuid", 16, "U", 2951, 0, "uuid"),
    (3802, "jsonb", -1, "U", 3807, 0, "jsonb"),
    (1000, "_bool", -1, "A", 0, 16, "boolean[]"),
    (1005, "_int2", -1, "A", 0, 21, "smallint[]"),
    (1007, "_int4", -1, "A", 0, 23, "integer[]"),
    (1009, "_text", -1, "A", 0, 25, "text[]"),
    (1015, "_varchar", -1, "A", 0, 1043, "character varying[]"),
    (1016, "_int8", -1, "A", 0, 20, "bigint[]"),
    (1021, "_float4", -1, "A", 0, 700, "real[]"),
    (1022, "_float8", -1, "A", 0, 701, "double precision[]"),
    (1028, "_oid", -1, "A", 0, 26, "oid[]"),
    (1182, "_date", -1, "A", 0, 1082, "date[]"),
    (
        1115,
        "_timestamp",
        -1,
        "A",
        0,
        1114,
        "timestamp without time zone[]",
    ),
    (
        1185,
        "_timestamptz",
        -1,
        "A",
        0,
        1184,
        "timestamp with time zone[]",
    ),
    (1231, "_numeric", -1, "A", 0, 1700, "numeric[]"),
];

/// The Postgres type a column of `data_type` travels as: its OID and type modifier.
pub fn type_of(data_type: &DataType) -> (i64, i32) {
    match data_type {
        DataType::Boolean => (16, -1),
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => (21, -1),
        DataType::Int32 | DataType::UInt16 => (23, -1),
        DataType::Int64 | DataType::UInt32 => (20, -1),
        // numeric(p,s): Postgres's typmod is ((p << 16) | s) + 4.
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) if *s >= 0 => {
            (1700, ((i32::from(*p) << 16) | i32::from(*s as u8)) + 4)
        }
        DataType::UInt64 | DataType::Decimal128(..) | DataType::Decimal256(..) => (1700, -1),
        DataType::Float16 | DataType::Float32 => (700, -1),
        DataType::Float64 => (701, -1),
        DataType::Date32 | DataType::Date64 => (1082, -1),
        DataType::Timestamp(_, Some(_)) => (1184, -1),
        DataType::Timestamp(_, None) => (1114, -1),
        _ => (25, -1),
    }
}

/// `format_type(oid, typmod)` as Postgres writes it.
pub fn format_type(oid: i64, typmod: Option<i64>) -> Option<String> {
    let name = TYPES.iter().find(|t| t.0 == oid)?.6;
    Some(match (oid, typmod) {
        (1700, Some(m)) if m >= 4 => {
            let m = m - 4;
            format!("numeric({},{})", m >> 16, m & 0xffff)
        }
        _ => name.to_string(),
    })
}

/// The OID of a type named as a client writes it (`int8`, `bigint`, `pg_catalog.text`).
pub fn type_oid(name: &str) -> Option<i64> {
    let name = unqualified(name);
    TYPES
        .iter()
        .find(|t| t.1 == name || t.6 == name)
        .map(|t| t.0)
        .or(match name.as_str() {
            "int" | "integer" => Some(23),
            "smallint" => Some(21),
            "bigint" => Some(20),
            "boolean" => Some(16),
            "float" | "double precision" => Some(701),
            "real" => Some(700),
            "character varying" => Some(1043),
            "decimal" => Some(1700),
            _ => None,
        })
}

/// A name without its schema and quotes, in lower case: `pg_catalog."Orders"` → `orders`.
pub(super) fn unqualified(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name).trim();
    last.trim_matches('"').to_ascii_lowercase()
}
