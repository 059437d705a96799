//! A Postgres catalog over the sandbox's tables, for planners' own tools (psql's `\d`,
//! pgjdbc's `DatabaseMetaData`, SQLAlchemy's inspector, pgcli): `pg_catalog`'s tables as
//! small in-memory tables, and the functions those clients call (`version()`,
//! `format_type`, `col_description`, …).
//!
//! Built once per opened data folder from [`super::Tables`], so it lists exactly what the
//! sandbox lets a planner read: never `customer_ref`, never a table the sandbox does not
//! register. It is registered only in the contexts of the Postgres wire's queries, which run
//! through the same limits as every other sandbox query.
//!
//! Written here rather than taken from `datafusion-pg-catalog` 0.19: that crate pulls in
//! `rust_decimal` with `std`, which switches on `arrayvec`'s `std` feature, and `arrayvec`
//! sits under `blake3` under `datafusion-functions`: DataFusion would be built a second time.
//!
//! Every relation, column, type and description here is derived from the data contract
//! ([`crate::engine::catalog`] and docs/DATA.md) and the sandbox's schemas; OIDs of Postgres's own
//! objects are Postgres's (16), so clients that know them by number find them.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{MemTable, MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::common::Result as DfResult;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion::scalar::ScalarValue;

use crate::engine::contract;

/// What `version()` answers: SQLAlchemy and others read "PostgreSQL N.M" from its start.
pub const VERSION: &str = concat!(
    "PostgreSQL 16.4 (yanhuo ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);

/// The `server_version` parameter sent at login; drivers parse it as a number.
pub const SERVER_VERSION: &str = "16.4";

/// The one database, schema owner and role a client sees.
pub const DATABASE: &str = "yanhuo";
const OWNER: &str = "yanhuo";
const OWNER_OID: i64 = 10;
const DATABASE_OID: i64 = 16_384;
const FIRST_RELATION_OID: i64 = 16_400;

const PG_CATALOG_OID: i64 = 11;
const PUBLIC_OID: i64 = 2200;
const INFORMATION_SCHEMA_OID: i64 = 13_000;
/// `pg_class`'s own OID: descriptions of relations name it as their class.
const PG_CLASS_OID: i64 = 1259;
const HEAP_AM_OID: i64 = 2;

/// Postgres's types a client may meet here: oid, name, typlen, typcategory, array type,
/// element type, and how `format_type` writes it.
const TYPES: &[(i64, &str, i16, &str, i64, i64, &str)] = &[
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
fn unqualified(name: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name).trim();
    last.trim_matches('"').to_ascii_lowercase()
}

/// How a catalog column is typed and what it holds when a row does not say.
#[derive(Clone, Copy)]
enum Col {
    /// An OID (Postgres's uint4), as int8 here.
    Oid,
    /// name, text or "char" that is never NULL: '' by default.
    Text,
    /// Text that may be NULL (descriptions, expressions): NULL by default.
    NullText,
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    /// text[], aclitem[] and other arrays of text: NULL by default.
    TextArray,
    /// int2vector, int2[]: NULL by default.
    Int2Array,
    /// oidvector, oid[]: NULL by default.
    OidArray,
}

impl Col {
    fn data_type(self) -> DataType {
        match self {
            Col::Oid | Col::Int8 => DataType::Int64,
            Col::Text | Col::NullText => DataType::Utf8,
            Col::Bool => DataType::Boolean,
            Col::Int2 => DataType::Int16,
            Col::Int4 => DataType::Int32,
            Col::Float4 => DataType::Float32,
            Col::TextArray => list(DataType::Utf8),
            Col::Int2Array => list(DataType::Int16),
            Col::OidArray => list(DataType::Int64),
        }
    }

    fn value(self, v: &V) -> ScalarValue {
        match (self, v) {
            (Col::Oid | Col::Int8, V::I(i)) => ScalarValue::Int64(Some(*i)),
            (Col::Int4, V::I(i)) => ScalarValue::Int32(i32::try_from(*i).ok()),
            (Col::Int2, V::I(i)) => ScalarValue::Int16(i16::try_from(*i).ok()),
            (Col::Float4, V::I(i)) => ScalarValue::Float32(Some(*i as f32)),
            (Col::Text | Col::NullText, V::T(t)) => ScalarValue::Utf8(Some(t.clone())),
            (Col::Bool, V::B(b)) => ScalarValue::Boolean(Some(*b)),
            (Col::Text, V::Null) => ScalarValue::Utf8(Some(String::new())),
            (Col::Bool, V::Null) => ScalarValue::Boolean(Some(false)),
            (Col::Oid | Col::Int8, V::Null) => ScalarValue::Int64(Some(0)),
            (Col::Int4, V::Null) => ScalarValue::Int32(Some(0)),
            (Col::Int2, V::Null) => ScalarValue::Int16(Some(0)),
            (Col::Float4, V::Null) => ScalarValue::Float32(Some(0.0)),
            (col, _) => ScalarValue::try_from(&col.data_type()).unwrap_or(ScalarValue::Null),
        }
    }
}

fn list(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("item", item, true)))
}

/// A value of a catalog row, typed by its column.
#[derive(Clone)]
enum V {
    Null,
    I(i64),
    T(String),
    B(bool),
}

fn t(text: impl Into<String>) -> V {
    V::T(text.into())
}

/// One catalog table: its columns, by a compact spec, and its rows by column name.
struct Table {
    name: &'static str,
    columns: Vec<(&'static str, Col)>,
    rows: Vec<Vec<ScalarValue>>,
}

impl Table {
    /// `spec` is `name:kind` pairs, kinds as in [`Col`]: o oid, t text, T nullable text,
    /// b bool, s int2, i int4, l int8, f float4, a text[], v int2vector, w oidvector.
    fn new(name: &'static str, spec: &'static str) -> Table {
        let columns = spec
            .split_whitespace()
            .filter_map(|pair| {
                let (column, kind) = pair.split_once(':')?;
                let kind = match kind {
                    "o" => Col::Oid,
                    "t" => Col::Text,
                    "T" => Col::NullText,
                    "b" => Col::Bool,
                    "s" => Col::Int2,
                    "i" => Col::Int4,
                    "l" => Col::Int8,
                    "f" => Col::Float4,
                    "a" => Col::TextArray,
                    "v" => Col::Int2Array,
                    "w" => Col::OidArray,
                    _ => return None,
                };
                Some((column, kind))
            })
            .collect();
        Table {
            name,
            columns,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, values: &[(&str, V)]) {
        let row = self
            .columns
            .iter()
            .map(|(name, col)| {
                let value = values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(&V::Null, |(_, v)| v);
                col.value(value)
            })
            .collect();
        self.rows.push(row);
    }

    fn provider(&self) -> DfResult<Arc<dyn TableProvider>> {
        let schema: SchemaRef = Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|(name, col)| Field::new(*name, col.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let columns: Vec<ArrayRef> = (0..self.columns.len())
            .map(|i| {
                if self.rows.is_empty() {
                    Ok(datafusion::arrow::array::new_empty_array(
                        schema.field(i).data_type(),
                    ))
                } else {
                    ScalarValue::iter_to_array(self.rows.iter().map(|r| r[i].clone()))
                }
            })
            .collect::<DfResult<_>>()?;
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
    }
}

/// A relation the sandbox offers, as the catalog lists it.
pub struct Relation {
    pub name: String,
    pub schema: SchemaRef,
    pub view: bool,
    /// What the contract or the query file says it is.
    pub description: Option<String>,
}

/// The catalog of one opened data folder.
pub struct Catalog {
    tables: Vec<(&'static str, Arc<dyn TableProvider>)>,
    /// The tables that hold no row here (`pg_attrdef`, `pg_index`, …).
    empty: Vec<&'static str>,
    shared: Arc<Shared>,
}

/// What the functions look up.
struct Shared {
    /// Relation OIDs by name, Postgres's own catalog tables included.
    relations: HashMap<String, i64>,
    names: HashMap<i64, String>,
    /// (object OID, column number) → description; column 0 is the relation itself.
    descriptions: HashMap<(i64, i64), String>,
}

/// The `pg_catalog` tables and their column specs. Columns follow Postgres 16.
const SPECS: &[(&str, &str)] = &[
    ("pg_namespace", "oid:o nspname:t nspowner:o nspacl:a"),
    (
        "pg_class",
        "oid:o relname:t relnamespace:o reltype:o reloftype:o relowner:o relam:o \
         relfilenode:o reltablespace:o relpages:i reltuples:f relallvisible:i \
         reltoastrelid:o relhasindex:b relisshared:b relpersistence:t relkind:t relnatts:s \
         relchecks:s relhasrules:b relhastriggers:b relhassubclass:b relrowsecurity:b \
         relforcerowsecurity:b relispopulated:b relreplident:t relispartition:b relrewrite:o \
         relfrozenxid:o relminmxid:o relacl:a reloptions:a relpartbound:T",
    ),
    (
        "pg_attribute",
        "attrelid:o attname:t atttypid:o attlen:s attnum:s attcacheoff:i atttypmod:i \
         attndims:s attbyval:b attalign:t attstorage:t attcompression:t attnotnull:b \
         atthasdef:b atthasmissing:b attidentity:t attgenerated:t attisdropped:b \
         attislocal:b attinhcount:s attstattarget:s attcollation:o attacl:a attoptions:a \
         attfdwoptions:a attmissingval:T",
    ),
    (
        "pg_type",
        "oid:o typname:t typnamespace:o typowner:o typlen:s typbyval:b typtype:t \
         typcategory:t typispreferred:b typisdefined:b typdelim:t typrelid:o typsubscript:t \
         typelem:o typarray:o typinput:t typoutput:t typreceive:t typsend:t typmodin:t \
         typmodout:t typanalyze:t typalign:t typstorage:t typnotnull:b typbasetype:o \
         typtypmod:i typndims:i typcollation:o typdefaultbin:T typdefault:T typacl:a",
    ),
    (
        "pg_database",
        "oid:o datname:t datdba:o encoding:i datlocprovider:t datistemplate:b \
         datallowconn:b datconnlimit:i datfrozenxid:o datminmxid:o dattablespace:o \
         datcollate:t datctype:t daticulocale:T daticurules:T datcollversion:T datacl:a",
    ),
    ("pg_am", "oid:o amname:t amhandler:t amtype:t"),
    (
        "pg_index",
        "indexrelid:o indrelid:o indnatts:s indnkeyatts:s indisunique:b \
         indnullsnotdistinct:b indisprimary:b indisexclusion:b indimmediate:b \
         indisclustered:b indisvalid:b indcheckxmin:b indisready:b indislive:b \
         indisreplident:b indkey:v indcollation:w indclass:w indoption:v indexprs:T indpred:T",
    ),
    (
        "pg_constraint",
        "oid:o conname:t connamespace:o contype:t condeferrable:b condeferred:b \
         convalidated:b conrelid:o contypid:o conindid:o conparentid:o confrelid:o \
         confupdtype:t confdeltype:t confmatchtype:t conislocal:b coninhcount:s \
         connoinherit:b conkey:v confkey:v conpfeqop:w conppeqop:w conffeqop:w \
         confdelsetcols:v conexclop:w conbin:T",
    ),
    (
        "pg_description",
        "objoid:o classoid:o objsubid:i description:t",
    ),
    ("pg_shdescription", "objoid:o classoid:o description:t"),
    (
        "pg_settings",
        "name:t setting:t unit:T category:t short_desc:t extra_desc:T context:t vartype:t \
         source:t min_val:T max_val:T enumvals:a boot_val:T reset_val:T sourcefile:T \
         sourceline:i pending_restart:b",
    ),
    (
        "pg_roles",
        "rolname:t rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b \
         rolreplication:b rolconnlimit:i rolpassword:T rolvaliduntil:T rolbypassrls:b \
         rolconfig:a oid:o",
    ),
    (
        "pg_user",
        "usename:t usesysid:o usecreatedb:b usesuper:b userepl:b usebypassrls:b passwd:T \
         valuntil:T useconfig:a",
    ),
    (
        "pg_proc",
        "oid:o proname:t pronamespace:o proowner:o prolang:o procost:f prorows:f \
         provariadic:o prosupport:t prokind:t prosecdef:b proleakproof:b proisstrict:b \
         proretset:b provolatile:t proparallel:t pronargs:s pronargdefaults:s prorettype:o \
         proargtypes:w proallargtypes:w proargmodes:a proargnames:a proargdefaults:T \
         protrftypes:w prosrc:t probin:T prosqlbody:T proconfig:a proacl:a",
    ),
    ("pg_attrdef", "oid:o adrelid:o adnum:s adbin:T"),
    (
        "pg_collation",
        "oid:o collname:t collnamespace:o collowner:o collprovider:t \
         collisdeterministic:b collencoding:i collcollate:T collctype:T colliculocale:T \
         collicurules:T collversion:T",
    ),
    (
        "pg_inherits",
        "inhrelid:o inhparent:o inhseqno:i inhdetachpending:b",
    ),
    (
        "pg_policy",
        "oid:o polname:t polrelid:o polcmd:t polpermissive:b polroles:w polqual:T \
         polwithcheck:T",
    ),
    (
        "pg_statistic_ext",
        "oid:o stxrelid:o stxname:t stxnamespace:o stxowner:o stxstattarget:i stxkeys:v \
         stxkind:a stxexprs:T",
    ),
    (
        "pg_publication",
        "oid:o pubname:t pubowner:o puballtables:b pubinsert:b pubupdate:b pubdelete:b \
         pubtruncate:b pubviaroot:b",
    ),
    (
        "pg_publication_rel",
        "oid:o prpubid:o prrelid:o prqual:T prattrs:v",
    ),
    ("pg_publication_namespace", "oid:o pnpubid:o pnnspid:o"),
    (
        "pg_trigger",
        "oid:o tgrelid:o tgparentid:o tgname:t tgfoid:o tgtype:s tgenabled:t \
         tgisinternal:b tgconstrrelid:o tgconstrindid:o tgconstraint:o tgdeferrable:b \
         tginitdeferred:b tgnargs:s tgattr:v tgargs:T tgqual:T tgoldtable:T tgnewtable:T",
    ),
    (
        "pg_rewrite",
        "oid:o rulename:t ev_class:o ev_type:t ev_enabled:t is_instead:b ev_qual:T \
         ev_action:T",
    ),
    (
        "pg_tablespace",
        "oid:o spcname:t spcowner:o spcacl:a spcoptions:a",
    ),
    (
        "pg_extension",
        "oid:o extname:t extowner:o extnamespace:o extrelocatable:b extversion:t \
         extconfig:w extcondition:a",
    ),
    ("pg_enum", "oid:o enumtypid:o enumsortorder:f enumlabel:t"),
    (
        "pg_opclass",
        "oid:o opcmethod:o opcname:t opcnamespace:o opcowner:o opcfamily:o opcintype:o \
         opcdefault:b opckeytype:o",
    ),
    (
        "pg_auth_members",
        "oid:o roleid:o member:o grantor:o admin_option:b inherit_option:b set_option:b",
    ),
    (
        "pg_conversion",
        "oid:o conname:t connamespace:o conowner:o conforencoding:i contoencoding:i \
         conproc:t condefault:b",
    ),
    (
        "pg_statistic_ext_data",
        "stxoid:o stxdinherit:b stxdndistinct:T stxddependencies:T stxdmcv:T stxdexpr:T",
    ),
    (
        "pg_range",
        "rngtypid:o rngsubtype:o rngmultitypid:o rngcollation:o rngsubopc:o \
         rngcanonical:t rngsubdiff:t",
    ),
    (
        "pg_sequence",
        "seqrelid:o seqtypid:o seqstart:l seqincrement:l seqmax:l seqmin:l seqcache:l \
         seqcycle:b",
    ),
    ("pg_foreign_table", "ftrelid:o ftserver:o ftoptions:a"),
    (
        "pg_language",
        "oid:o lanname:t lanowner:o lanispl:b lanpltrusted:b lanplcallfoid:o \
         laninline:o lanvalidator:o lanacl:a",
    ),
    (
        "pg_tables",
        "schemaname:t tablename:t tableowner:t tablespace:T hasindexes:b hasrules:b \
         hastriggers:b rowsecurity:b",
    ),
    (
        "pg_views",
        "schemaname:t viewname:t viewowner:t definition:T",
    ),
    (
        "pg_matviews",
        "schemaname:t matviewname:t matviewowner:t tablespace:T hasindexes:b \
         ispopulated:b definition:T",
    ),
    (
        "pg_depend",
        "classid:o objid:o objsubid:i refclassid:o refobjid:o refobjsubid:i deptype:t",
    ),
    (
        "pg_event_trigger",
        "oid:o evtname:t evtevent:t evtowner:o evtfoid:o evtenabled:t evttags:a",
    ),
];

/// Postgres's own OIDs of its catalog tables that clients name by `'pg_x'::regclass`.
const CATALOG_OIDS: &[(&str, i64)] = &[
    ("pg_type", 1247),
    ("pg_attribute", 1249),
    ("pg_proc", 1255),
    ("pg_class", PG_CLASS_OID),
    ("pg_database", 1262),
    ("pg_namespace", 2615),
    ("pg_constraint", 2606),
    ("pg_description", 2609),
    ("pg_index", 2610),
    ("pg_attrdef", 2604),
    ("pg_am", 2601),
    ("pg_trigger", 2620),
    ("pg_rewrite", 2618),
];

/// The settings `SHOW`, `current_setting` and `pg_settings` answer.
pub const SETTINGS: &[(&str, &str)] = &[
    ("server_version", SERVER_VERSION),
    ("server_version_num", "160004"),
    ("server_encoding", "UTF8"),
    ("client_encoding", "UTF8"),
    ("standard_conforming_strings", "on"),
    ("transaction_isolation", "read committed"),
    ("default_transaction_isolation", "read committed"),
    ("transaction_read_only", "on"),
    ("default_transaction_read_only", "on"),
    ("search_path", "\"$user\", public"),
    ("datestyle", "ISO, MDY"),
    ("intervalstyle", "postgres"),
    ("integer_datetimes", "on"),
    ("extra_float_digits", "1"),
    ("max_identifier_length", "63"),
    ("max_index_keys", "32"),
    ("lc_collate", "C.UTF-8"),
    ("lc_ctype", "C.UTF-8"),
    ("is_superuser", "off"),
    ("application_name", ""),
    ("bytea_output", "hex"),
];

/// The value of `name` (case-insensitive, `transaction isolation level` as Postgres names
/// it too); `zone` answers `TimeZone`.
pub fn setting(name: &str, zone: &str) -> Option<String> {
    let name = name.trim().to_ascii_lowercase().replace(' ', "_");
    let name = match name.as_str() {
        "transaction_isolation_level" => "transaction_isolation",
        "timezone" | "time_zone" => return Some(zone.to_string()),
        other => other,
    };
    SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

impl Catalog {
    /// The catalog listing `relations`, in the district's `zone`.
    pub fn new(relations: &[Relation], zone: &str) -> DfResult<Catalog> {
        let mut tables: HashMap<&'static str, Table> = SPECS
            .iter()
            .map(|(name, spec)| (*name, Table::new(name, spec)))
            .collect();
        let mut add = |table: &str, values: &[(&str, V)]| {
            if let Some(t) = tables.get_mut(table) {
                t.row(values);
            }
        };

        for (oid, name) in [
            (PG_CATALOG_OID, "pg_catalog"),
            (PUBLIC_OID, "public"),
            (INFORMATION_SCHEMA_OID, "information_schema"),
        ] {
            add(
                "pg_namespace",
                &[
                    ("oid", V::I(oid)),
                    ("nspname", t(name)),
                    ("nspowner", V::I(OWNER_OID)),
                ],
            );
        }
        add(
            "pg_database",
            &[
                ("oid", V::I(DATABASE_OID)),
                ("datname", t(DATABASE)),
                ("datdba", V::I(OWNER_OID)),
                ("encoding", V::I(6)),
                ("datlocprovider", t("c")),
                ("datallowconn", V::B(true)),
                ("datconnlimit", V::I(-1)),
                ("dattablespace", V::I(1663)),
                ("datcollate", t("C.UTF-8")),
                ("datctype", t("C.UTF-8")),
            ],
        );
        add(
            "pg_am",
            &[
                ("oid", V::I(HEAP_AM_OID)),
                ("amname", t("heap")),
                ("amhandler", t("heap_tableam_handler")),
                ("amtype", t("t")),
            ],
        );
        add(
            "pg_tablespace",
            &[
                ("oid", V::I(1663)),
                ("spcname", t("pg_default")),
                ("spcowner", V::I(OWNER_OID)),
            ],
        );
        let role = [
            ("rolname", t(OWNER)),
            ("rolinherit", V::B(true)),
            ("rolcanlogin", V::B(true)),
            ("rolconnlimit", V::I(-1)),
            ("rolpassword", t("********")),
            ("oid", V::I(OWNER_OID)),
        ];
        add("pg_roles", &role);
        add(
            "pg_user",
            &[
                ("usename", t(OWNER)),
                ("usesysid", V::I(OWNER_OID)),
                ("passwd", t("********")),
            ],
        );
        add(
            "pg_language",
            &[
                ("oid", V::I(14)),
                ("lanname", t("sql")),
                ("lanowner", V::I(OWNER_OID)),
            ],
        );
        for (name, value) in SETTINGS {
            add(
                "pg_settings",
                &[
                    ("name", t(*name)),
                    ("setting", t(*value)),
                    ("category", t("Client Connection Defaults")),
                    ("context", t("user")),
                    ("vartype", t("string")),
                    ("source", t("default")),
                    ("boot_val", t(*value)),
                    ("reset_val", t(*value)),
                ],
            );
        }
        add(
            "pg_settings",
            &[
                ("name", t("TimeZone")),
                ("setting", t(zone)),
                ("category", t("Client Connection Defaults")),
                ("context", t("user")),
                ("vartype", t("string")),
                ("source", t("configuration file")),
            ],
        );
        for &(oid, name, len, category, array, elem, _) in TYPES {
            let array_type = category == "A";
            add(
                "pg_type",
                &[
                    ("oid", V::I(oid)),
                    ("typname", t(name)),
                    ("typnamespace", V::I(PG_CATALOG_OID)),
                    ("typowner", V::I(OWNER_OID)),
                    ("typlen", V::I(i64::from(len))),
                    ("typbyval", V::B((1..=8).contains(&len))),
                    ("typtype", t("b")),
                    ("typcategory", t(category)),
                    ("typisdefined", V::B(true)),
                    ("typdelim", t(",")),
                    ("typelem", V::I(elem)),
                    ("typarray", V::I(array)),
                    (
                        "typinput",
                        t(if array_type {
                            "array_in".into()
                        } else {
                            format!("{name}in")
                        }),
                    ),
                    (
                        "typoutput",
                        t(if array_type {
                            "array_out".into()
                        } else {
                            format!("{name}out")
                        }),
                    ),
                    ("typreceive", t(format!("{name}recv"))),
                    ("typsend", t(format!("{name}send"))),
                    ("typmodin", t("-")),
                    ("typmodout", t("-")),
                    ("typanalyze", t("-")),
                    ("typsubscript", t("-")),
                    ("typalign", t(if len == 8 { "d" } else { "i" })),
                    ("typstorage", t(if len < 0 { "x" } else { "p" })),
                    ("typtypmod", V::I(-1)),
                    ("typcollation", V::I(if category == "S" { 100 } else { 0 })),
                ],
            );
        }

        let mut relations_by_name: HashMap<String, i64> = HashMap::new();
        let mut names: HashMap<i64, String> = HashMap::new();
        let mut descriptions: HashMap<(i64, i64), String> = HashMap::new();
        for (i, relation) in relations.iter().enumerate() {
            let oid = FIRST_RELATION_OID + i as i64;
            relations_by_name.insert(relation.name.clone(), oid);
            names.insert(oid, relation.name.clone());
            let kind = if relation.view { "v" } else { "r" };
            let natts = relation.schema.fields().len() as i64;
            add(
                "pg_class",
                &[
                    ("oid", V::I(oid)),
                    ("relname", t(relation.name.clone())),
                    ("relnamespace", V::I(PUBLIC_OID)),
                    ("relowner", V::I(OWNER_OID)),
                    ("relam", V::I(if relation.view { 0 } else { HEAP_AM_OID })),
                    ("reltuples", V::I(-1)),
                    ("relpersistence", t("p")),
                    ("relkind", t(kind)),
                    ("relnatts", V::I(natts)),
                    ("relispopulated", V::B(true)),
                    ("relreplident", t(if relation.view { "n" } else { "d" })),
                ],
            );
            let owner = t(OWNER);
            if relation.view {
                add(
                    "pg_views",
                    &[
                        ("schemaname", t("public")),
                        ("viewname", t(relation.name.clone())),
                        ("viewowner", owner),
                    ],
                );
            } else {
                add(
                    "pg_tables",
                    &[
                        ("schemaname", t("public")),
                        ("tablename", t(relation.name.clone())),
                        ("tableowner", owner),
                    ],
                );
            }
            if let Some(text) = &relation.description {
                descriptions.insert((oid, 0), text.clone());
            }
            let columns = column_descriptions(&relation.name);
            for (n, field) in relation.schema.fields().iter().enumerate() {
                let number = n as i64 + 1;
                let (type_oid, typmod) = type_of(field.data_type());
                let len = TYPES.iter().find(|t| t.0 == type_oid).map_or(-1, |t| t.2);
                add(
                    "pg_attribute",
                    &[
                        ("attrelid", V::I(oid)),
                        ("attname", t(field.name().clone())),
                        ("atttypid", V::I(type_oid)),
                        ("attlen", V::I(i64::from(len))),
                        ("attnum", V::I(number)),
                        ("attcacheoff", V::I(-1)),
                        ("atttypmod", V::I(i64::from(typmod))),
                        ("attbyval", V::B((1..=8).contains(&len))),
                        ("attalign", t(if len == 8 { "d" } else { "i" })),
                        ("attstorage", t(if len < 0 { "x" } else { "p" })),
                        ("attnotnull", V::B(!field.is_nullable())),
                        ("attislocal", V::B(true)),
                        ("attstattarget", V::I(-1)),
                        ("attcollation", V::I(if type_oid == 25 { 100 } else { 0 })),
                    ],
                );
                if let Some(text) = columns.get(field.name().as_str()) {
                    descriptions.insert((oid, number), text.clone());
                }
            }
        }
        for (name, oid) in CATALOG_OIDS {
            relations_by_name.insert(name.to_string(), *oid);
            names.insert(*oid, name.to_string());
        }
        let mut described: Vec<_> = descriptions.iter().collect();
        described.sort();
        for ((oid, sub), text) in described {
            add(
                "pg_description",
                &[
                    ("objoid", V::I(*oid)),
                    ("classoid", V::I(PG_CLASS_OID)),
                    ("objsubid", V::I(*sub)),
                    ("description", t(text.clone())),
                ],
            );
        }

        let mut built = Vec::new();
        let mut empty = Vec::new();
        for (name, _) in SPECS {
            if let Some(table) = tables.get(name) {
                built.push((table.name, table.provider()?));
                if table.rows.is_empty() {
                    empty.push(table.name);
                }
            }
        }
        Ok(Catalog {
            tables: built,
            empty,
            shared: Arc::new(Shared {
                relations: relations_by_name,
                names,
                descriptions,
            }),
        })
    }

    /// Whether `name` is one of the catalog's tables (`pg_class`), for qualifying it.
    pub fn has_table(&self, name: &str) -> bool {
        self.tables.iter().any(|(n, _)| *n == name)
    }

    /// Whether a column of that name holds an array in some catalog table (`polroles`).
    pub fn is_array_column(&self, name: &str) -> bool {
        SPECS.iter().any(|(_, spec)| {
            spec.split_whitespace().any(|pair| {
                pair.split_once(':')
                    .is_some_and(|(n, kind)| n == name && matches!(kind, "a" | "v" | "w"))
            })
        })
    }

    /// Whether `name` is a catalog table without rows.
    pub fn is_empty_table(&self, name: &str) -> bool {
        self.empty.contains(&name)
    }

    /// The OID of the relation a `'name'::regclass` names.
    pub fn relation_oid(&self, name: &str) -> Option<i64> {
        self.shared.relations.get(&unqualified(name)).copied()
    }

    /// Adds the `pg_catalog` schema and the functions to `ctx`.
    pub fn register(&self, ctx: &SessionContext, zone: &str) -> DfResult<()> {
        let schema = MemorySchemaProvider::new();
        for (name, table) in &self.tables {
            schema.register_table(name.to_string(), table.clone())?;
        }
        let options = ctx.state().config().options().catalog.clone();
        if let Some(catalog) = ctx.catalog(&options.default_catalog) {
            catalog.register_schema("pg_catalog", Arc::new(schema))?;
        }
        for udf in functions(&self.shared, zone) {
            ctx.register_udf(udf);
        }
        Ok(())
    }
}

/// Column descriptions of `table` from docs/DATA.md: the `rule` cell of its column table.
fn column_descriptions(table: &str) -> HashMap<&'static str, String> {
    const CONTRACT: &str = include_str!("../../../docs/DATA.md");
    let mut out = HashMap::new();
    let mut inside = false;
    for line in CONTRACT.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            inside = heading.split_whitespace().next() == Some(table);
            continue;
        }
        if !inside || !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if let [column, kind, rule, ..] = cells.as_slice()
            && *column != "column"
            && !column.starts_with('-')
        {
            let text = if rule.is_empty() {
                (*kind).to_string()
            } else {
                format!("{kind}; {rule}")
            };
            out.insert(*column, text.replace('`', ""));
        }
    }
    out
}

/// The relations of the sandbox for the catalog, with the contract's descriptions.
pub fn relations(
    list: &[(String, Arc<dyn TableProvider>)],
    views: &HashMap<String, String>,
) -> Vec<Relation> {
    list.iter()
        .map(|(name, table)| {
            let description = contract::table(name)
                .map(|spec| spec.description.to_string())
                .or_else(|| views.get(name).cloned());
            Relation {
                name: name.clone(),
                schema: table.schema(),
                // The contract's tables are tables (`orders` is narrowed by a view), query
                // files views, materialized or not.
                view: contract::table(name).is_none(),
                description,
            }
        })
        .collect()
}

type Body = fn(&Shared, &str, &[ScalarValue]) -> ScalarValue;

/// A catalog function computed value by value.
struct Function {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    body: Body,
    shared: Arc<Shared>,
    zone: String,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Function {}

impl std::hash::Hash for Function {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for Function {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let cast = |v: ScalarValue| -> DfResult<ScalarValue> {
            if v.is_null() {
                ScalarValue::try_from(&self.returns)
            } else {
                v.cast_to(&self.returns)
            }
        };
        if scalar {
            let values: Vec<ScalarValue> = args
                .args
                .iter()
                .map(|a| match a {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(_) => ScalarValue::Null,
                })
                .collect();
            return Ok(ColumnarValue::Scalar(cast((self.body)(
                &self.shared,
                &self.zone,
                &values,
            ))?));
        }
        if args.number_rows == 0 {
            return Ok(ColumnarValue::Array(
                datafusion::arrow::array::new_empty_array(&self.returns),
            ));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let mut out = Vec::with_capacity(args.number_rows);
        for row in 0..args.number_rows {
            let values = arrays
                .iter()
                .map(|a| ScalarValue::try_from_array(a, row))
                .collect::<DfResult<Vec<_>>>()?;
            out.push(cast((self.body)(&self.shared, &self.zone, &values))?);
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
    }
}

fn int(v: Option<&ScalarValue>) -> Option<i64> {
    let v = v?;
    if v.is_null() {
        return None;
    }
    match v.cast_to(&DataType::Int64).ok()? {
        ScalarValue::Int64(i) => i,
        _ => None,
    }
}

fn text(v: Option<&ScalarValue>) -> Option<String> {
    let v = v?;
    if v.is_null() {
        return None;
    }
    match v.cast_to(&DataType::Utf8).ok()? {
        ScalarValue::Utf8(s) => s,
        _ => None,
    }
}

fn utf8(s: impl Into<String>) -> ScalarValue {
    ScalarValue::Utf8(Some(s.into()))
}

fn functions(shared: &Arc<Shared>, zone: &str) -> Vec<ScalarUDF> {
    let any = |volatility| {
        Signature::one_of(
            vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
            volatility,
        )
    };
    let defs: Vec<(&'static str, DataType, Body)> = vec![
        ("version", DataType::Utf8, |_, _, _| utf8(VERSION)),
        ("current_schema", DataType::Utf8, |_, _, _| utf8("public")),
        ("current_database", DataType::Utf8, |_, _, _| utf8(DATABASE)),
        ("current_catalog", DataType::Utf8, |_, _, _| utf8(DATABASE)),
        ("current_user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("session_user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("current_role", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("pg_get_userbyid", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("pg_table_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_type_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_function_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_is_in_recovery", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(false))
        }),
        ("pg_backend_pid", DataType::Int32, |_, _, _| {
            ScalarValue::Int32(Some(std::process::id() as i32))
        }),
        ("pg_encoding_to_char", DataType::Utf8, |_, _, _| {
            utf8("UTF8")
        }),
        ("format_type", DataType::Utf8, |_, _, a| {
            match int(a.first()) {
                Some(oid) => ScalarValue::Utf8(format_type(oid, int(a.get(1)))),
                None => ScalarValue::Utf8(None),
            }
        }),
        ("to_regtype", DataType::Int64, |_, _, a| {
            ScalarValue::Int64(text(a.first()).and_then(|n| type_oid(&n)))
        }),
        ("to_regclass", DataType::Int64, |s, _, a| {
            ScalarValue::Int64(
                text(a.first()).and_then(|n| s.relations.get(&unqualified(&n)).copied()),
            )
        }),
        // `x::regclass::text` and `x::regtype::text`, as the rewrite of the SQL writes them.
        // `x::regclass` of a value known when the query runs: an OID, or a name.
        ("yanhuo_regclass", DataType::Int64, |s, _, a| {
            ScalarValue::Int64(match a.first() {
                Some(
                    ScalarValue::Utf8(Some(n))
                    | ScalarValue::LargeUtf8(Some(n))
                    | ScalarValue::Utf8View(Some(n)),
                ) => n
                    .trim()
                    .parse()
                    .ok()
                    .or_else(|| s.relations.get(&unqualified(n)).copied().or(Some(0))),
                other => int(other),
            })
        }),
        ("yanhuo_regtype", DataType::Int64, |_, _, a| {
            ScalarValue::Int64(match a.first() {
                Some(
                    ScalarValue::Utf8(Some(n))
                    | ScalarValue::LargeUtf8(Some(n))
                    | ScalarValue::Utf8View(Some(n)),
                ) => n.trim().parse().ok().or_else(|| type_oid(n).or(Some(0))),
                other => int(other),
            })
        }),
        ("yanhuo_regclass_name", DataType::Utf8, |s, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|oid| {
                s.names
                    .get(&oid)
                    .cloned()
                    .unwrap_or_else(|| oid.to_string())
            }))
        }),
        ("yanhuo_regtype_name", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|oid| {
                TYPES
                    .iter()
                    .find(|t| t.0 == oid)
                    .map_or_else(|| oid.to_string(), |t| t.6.to_string())
            }))
        }),
        ("col_description", DataType::Utf8, |s, _, a| {
            match (int(a.first()), int(a.get(1))) {
                (Some(oid), Some(n)) => ScalarValue::Utf8(s.descriptions.get(&(oid, n)).cloned()),
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("obj_description", DataType::Utf8, |s, _, a| {
            let class = text(a.get(1));
            match int(a.first()) {
                Some(oid) if class.as_deref().is_none_or(|c| c == "pg_class") => {
                    ScalarValue::Utf8(s.descriptions.get(&(oid, 0)).cloned())
                }
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("shobj_description", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("current_setting", DataType::Utf8, |_, zone, a| {
            ScalarValue::Utf8(text(a.first()).and_then(|n| setting(&n, zone)))
        }),
        ("pg_get_expr", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_constraintdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_indexdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_viewdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_triggerdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_serial_sequence", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        // pg_proc has no rows: a function of this catalog is never asked about.
        ("pg_get_function_result", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_function_arguments", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        (
            "pg_get_function_identity_arguments",
            DataType::Utf8,
            |_, _, _| ScalarValue::Utf8(None),
        ),
        ("pg_get_functiondef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_ruledef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_tablespace_location", DataType::Utf8, |_, _, _| utf8("")),
        // Sizes on disk are not a catalog fact here (Parquet files, maybe remote): unknown.
        ("pg_database_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_tablespace_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        // Nothing here is published for logical replication.
        (
            "pg_relation_is_publishable",
            DataType::Boolean,
            |_, _, _| ScalarValue::Boolean(Some(false)),
        ),
        ("pg_collation_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_conversion_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_opclass_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        // `LIKE p ESCAPE 'c'`, as the rewrite writes it: p with `\\` as its escape.
        ("yanhuo_like_escape", DataType::Utf8, |_, _, a| {
            match (text(a.first()), text(a.get(1))) {
                (Some(pattern), Some(escape)) => {
                    ScalarValue::Utf8(Some(backslash_escapes(&pattern, &escape)))
                }
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("pg_get_partkeydef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        (
            "pg_get_statisticsobjdef_columns",
            DataType::Utf8,
            |_, _, _| ScalarValue::Utf8(None),
        ),
        ("pg_relation_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_total_relation_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_table_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_size_pretty", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|n| format!("{n} bytes")))
        }),
        ("quote_ident", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(text(a.first()).map(|s| {
                let plain = s
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !s.starts_with(|c: char| c.is_ascii_digit());
                if plain && !s.is_empty() {
                    s
                } else {
                    format!("\"{}\"", s.replace('"', "\"\""))
                }
            }))
        }),
        // Read only: SELECT, USAGE and CONNECT are granted, nothing else.
        ("has_table_privilege", DataType::Boolean, privilege),
        ("has_schema_privilege", DataType::Boolean, privilege),
        ("has_database_privilege", DataType::Boolean, privilege),
        ("has_column_privilege", DataType::Boolean, privilege),
        ("has_any_column_privilege", DataType::Boolean, privilege),
        ("has_function_privilege", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("has_type_privilege", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
    ];
    let mut udfs: Vec<ScalarUDF> = defs
        .into_iter()
        .map(|(name, returns, body)| {
            ScalarUDF::from(Function {
                name,
                signature: any(Volatility::Stable),
                returns,
                body,
                shared: shared.clone(),
                zone: zone.to_string(),
            })
        })
        .collect();
    udfs.push(ScalarUDF::from(Function {
        name: "yanhuo_text_array",
        signature: any(Volatility::Immutable),
        returns: list(DataType::Utf8),
        body: |_, _, a| {
            let items: Option<Vec<ScalarValue>> = match a.first() {
                Some(ScalarValue::List(list)) => {
                    let values = list.value(0);
                    (0..values.len())
                        .map(|i| ScalarValue::try_from_array(&values, i).ok())
                        .map(|v| Some(ScalarValue::Utf8(text(v.as_ref()))))
                        .collect()
                }
                other => text(other).map(|t| {
                    text_array(&t)
                        .into_iter()
                        .map(|item| ScalarValue::Utf8(Some(item)))
                        .collect()
                }),
            };
            match items {
                Some(items) => {
                    ScalarValue::List(ScalarValue::new_list_nullable(&items, &DataType::Utf8))
                }
                None => ScalarValue::Null,
            }
        },
        shared: shared.clone(),
        zone: zone.to_string(),
    }));
    udfs.push(ScalarUDF::from(Function {
        name: "current_schemas",
        signature: any(Volatility::Stable),
        returns: list(DataType::Utf8),
        body: |_, _, a| {
            let implicit = matches!(a.first(), Some(ScalarValue::Boolean(Some(true))));
            let mut names = Vec::new();
            if implicit {
                names.push(utf8("pg_catalog"));
            }
            names.push(utf8("public"));
            ScalarValue::List(ScalarValue::new_list_nullable(&names, &DataType::Utf8))
        },
        shared: shared.clone(),
        zone: zone.to_string(),
    }));
    udfs
}

/// A LIKE pattern whose escape character is `escape`, written with `\\` instead: `pg/_%`
/// with `/` → `pg\\_%`. A `\\` that escaped nothing is escaped itself.
fn backslash_escapes(pattern: &str, escape: &str) -> String {
    let Some(escape) = escape.chars().next() else {
        // `ESCAPE ''`: nothing escapes, so every backslash is a plain one.
        return pattern.replace('\\', "\\\\");
    };
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            out.push('\\');
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// The items of a Postgres array written as text: `{r,p,"a b"}` → r, p, a b.
fn text_array(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(inner);
    let mut items = Vec::new();
    let mut item = String::new();
    let (mut quoted, mut escaped, mut any) = (false, false, false);
    for c in inner.chars() {
        match c {
            _ if escaped => {
                item.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ',' if !quoted => {
                items.push(std::mem::take(&mut item));
                any = false;
            }
            _ => {
                item.push(c);
                any = true;
            }
        }
    }
    if any || !item.is_empty() || !items.is_empty() {
        items.push(item);
    }
    items
}

fn privilege(_: &Shared, _: &str, args: &[ScalarValue]) -> ScalarValue {
    let wanted = text(args.last()).unwrap_or_default().to_ascii_uppercase();
    let granted = wanted
        .split(',')
        .map(|p| p.trim().trim_end_matches(" WITH GRANT OPTION"))
        .all(|p| matches!(p, "SELECT" | "USAGE" | "CONNECT" | "TEMPORARY" | "TEMP"));
    ScalarValue::Boolean(Some(granted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_written_as_postgres_writes_them() {
        // numeric(12,2): typmod ((12 << 16) | 2) + 4 = 786_438.
        assert_eq!(type_of(&DataType::Decimal128(12, 2)), (1700, 786_438));
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
}
