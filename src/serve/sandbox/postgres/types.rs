//! Postgres's types as a client meets them: their OIDs and names, the one table of what a
//! column of an Arrow type is to a client ([`column_type`]: its Postgres type, and the web's
//! word for it), and `format_type`'s spelling.

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

/// How a column of an Arrow type reaches a client, through every door: the Postgres type it
/// travels as on the wire and is listed as in the catalog (`psql`'s `\d`, SQLAlchemy, pgjdbc),
/// and the word the web console and `POST /api/sql` print for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// The Postgres type's OID, a row of [`TYPES`].
    pub oid: i64,
    /// Postgres's type modifier: `((p << 16) | s) + 4` for numeric(p,s), else -1.
    pub typmod: i32,
    /// What a planner reads: `integer` for every integer, `float`, `decimal(p,s)`, ….
    pub word: String,
}

/// The one table of Arrow types as clients meet them: the wire's and the catalog's Postgres
/// type and the web's word both come from here. A type not listed travels as text and the web
/// prints Arrow's own name for it.
pub fn column_type(data_type: &DataType) -> ColumnType {
    use DataType as D;
    let (oid, typmod, word) = match data_type {
        D::Boolean => (16, -1, "boolean".into()),
        D::Int8 | D::Int16 | D::UInt8 => (21, -1, "integer".into()),
        D::Int32 | D::UInt16 => (23, -1, "integer".into()),
        D::Int64 | D::UInt32 => (20, -1, "integer".into()),
        // No Postgres integer holds every u64.
        D::UInt64 => (1700, -1, "integer".into()),
        // numeric(p,s): Postgres's typmod is ((p << 16) | s) + 4; a negative scale has none.
        D::Decimal128(p, s) | D::Decimal256(p, s) => (
            1700,
            if *s >= 0 {
                ((i32::from(*p) << 16) | i32::from(*s as u8)) + 4
            } else {
                -1
            },
            format!("decimal({p},{s})"),
        ),
        D::Float16 | D::Float32 => (700, -1, "float".into()),
        D::Float64 => (701, -1, "float".into()),
        D::Date32 | D::Date64 => (1082, -1, "date".into()),
        D::Timestamp(_, Some(_)) => (1184, -1, "timestamp with time zone".into()),
        D::Timestamp(_, None) => (1114, -1, "timestamp".into()),
        D::Utf8 | D::LargeUtf8 | D::Utf8View => (25, -1, "text".into()),
        other => (25, -1, other.to_string()),
    };
    ColumnType { oid, typmod, word }
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
        // Names TYPES does not hold: `integer`, `bigint`, `double precision` … are its own.
        .or(match name.as_str() {
            "int" => Some(23),
            "float" => Some(701),
            "decimal" => Some(1700),
            _ => None,
        })
}

/// A name without its schema and quotes, in lower case: `pg_catalog."Orders"` → `orders`.
pub(super) fn unqualified(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name).trim();
    last.trim_matches('"').to_ascii_lowercase()
}
