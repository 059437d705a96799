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
use functions::functions;
use tables::{CATALOG_OIDS, SPECS};
use types::{TYPES, unqualified};

mod functions;
mod settings;
mod tables;
mod types;

pub use settings::{SETTINGS, setting};
pub use types::{ColumnType, column_type, format_type, type_oid};

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
                let ColumnType {
                    oid: type_oid,
                    typmod,
                    ..
                } = column_type(field.data_type());
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
    const CONTRACT: &str = include_str!("../../../../docs/DATA.md");
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

#[cfg(test)]
mod tests;
