//! The tables of the data contract (docs/DATA.md): their columns, types and rules, the codes
//! they allow, and where each table lives in a data folder.
//!
//! Schemas are declared here, never inferred: a CSV that happens to hold only whole numbers
//! in `amount_cny` must still be money, and a timestamp must keep its zone.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::error::{Error, Result};

/// The type a contract column has, before it becomes an Arrow type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Float,
    /// decimal(12,2): yuan and fen, exact.
    Money,
    Date,
    /// An instant; stored in microseconds and shown in the district's zone.
    Timestamp,
}

/// A rule a value must keep, beyond parsing as its kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    None,
    NotEmpty,
    OneOf(&'static [&'static str]),
    AtLeast(f64),
    Positive,
    Share,
    /// The value must be a key of another table (table, column).
    References(&'static str, &'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
    pub rule: Rule,
}

/// How repeated keys are treated when data is imported again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Facts that never change once recorded (orders): the first row with a key is kept and
    /// later ones are counted as duplicates, so re-importing a month adds nothing.
    KeepFirst,
    /// Reference data that is corrected over time (shops, communities): the newest import
    /// replaces the row with the same key.
    Replace,
}

#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Columns that identify a row; a repeat of them is a duplicate.
    pub key: &'static [&'static str],
    /// Optional tables that are absent register empty, so every query still runs.
    pub optional: bool,
    pub merge: Merge,
    /// A one-line description shown next to the table in the SQL console.
    pub description: &'static str,
}

impl TableSpec {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn key_indices(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.column_index(k))
            .collect()
    }

    /// The Arrow schema of this table, with timestamps in `zone`.
    pub fn schema(&self, zone: &Tz) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, arrow_type(c.kind, zone), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

pub fn arrow_type(kind: Kind, zone: &Tz) -> DataType {
    match kind {
        Kind::Text => DataType::Utf8,
        Kind::Integer => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Money => DataType::Decimal128(12, 2),
        Kind::Date => DataType::Date32,
        Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(zone.name().into())),
    }
}

const fn col(name: &'static str, kind: Kind, nullable: bool, rule: Rule) -> Column {
    Column {
        name,
        kind,
        nullable,
        rule,
    }
}

use Kind::*;

pub const CATEGORIES: &[&str] = &[
    "dining",
    "fresh_produce",
    "hardware",
    "barber",
    "clinic",
    "convenience",
    "other",
];
pub const CHANNELS: &[&str] = &[
    "in_store",
    "wechat_group",
    "phone",
    "delivery_platform",
    "livestream",
    "errand",
];
pub const ORDER_STATUSES: &[&str] = &["completed", "refunded", "cancelled"];
pub const SHOP_STATUSES: &[&str] = &["open", "closed"];
pub const FOOTFALL_SOURCES: &[&str] = &["door_counter", "wifi_probe", "manual"];
pub const CALENDAR_KINDS: &[&str] = &["holiday", "adjusted_workday"];
pub const NEEDS: &[&str] = &[
    "groceries",
    "meals",
    "medicine",
    "haircut",
    "repairs",
    "errands",
];
pub const SERVICE_MODES: &[&str] = &[
    "wechat_order",
    "phone_order",
    "delivery",
    "home_visit",
    "livestream",
    "errand",
];

/// Every table of the contract, parents before children so that references can be checked
/// in one pass.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "communities",
        columns: &[
            col("community_id", Text, false, Rule::NotEmpty),
            col("name_zh", Text, false, Rule::None),
            col("name_en", Text, false, Rule::None),
            col("street", Text, false, Rule::None),
            col("households", Integer, false, Rule::AtLeast(0.0)),
            col("elderly_share", Float, false, Rule::Share),
            col("renter_share", Float, false, Rule::Share),
        ],
        key: &["community_id"],
        optional: false,
        merge: Merge::Replace,
        description: "Residential communities (社区) of the street: households, elderly and renter shares.",
    },
    TableSpec {
        name: "shops",
        columns: &[
            col("shop_id", Text, false, Rule::NotEmpty),
            col("name", Text, false, Rule::None),
            col("category", Text, false, Rule::OneOf(CATEGORIES)),
            col(
                "community_id",
                Text,
                false,
                Rule::References("communities", "community_id"),
            ),
            col("area_m2", Float, true, Rule::Positive),
            col("annual_rent_cny", Float, true, Rule::AtLeast(0.0)),
            col("opened_on", Date, true, Rule::None),
        ],
        key: &["shop_id"],
        optional: false,
        merge: Merge::Replace,
        description: "Small shops: category, community, size, rent and opening date.",
    },
    TableSpec {
        name: "shop_status",
        columns: &[
            col("shop_id", Text, false, Rule::References("shops", "shop_id")),
            col("changed_at", Timestamp, false, Rule::None),
            col("status", Text, false, Rule::OneOf(SHOP_STATUSES)),
            col("reason", Text, true, Rule::None),
        ],
        key: &["shop_id", "changed_at", "status"],
        optional: false,
        merge: Merge::Replace,
        description: "Event log of shops opening and closing; a shop with no event is open.",
    },
    TableSpec {
        name: "orders",
        columns: &[
            col("order_id", Text, false, Rule::NotEmpty),
            col("shop_id", Text, false, Rule::References("shops", "shop_id")),
            col("ordered_at", Timestamp, false, Rule::None),
            col("channel", Text, false, Rule::OneOf(CHANNELS)),
            col("amount_cny", Money, false, Rule::AtLeast(0.0)),
            col("status", Text, false, Rule::OneOf(ORDER_STATUSES)),
            col("customer_ref", Text, true, Rule::None),
        ],
        key: &["order_id"],
        optional: false,
        merge: Merge::KeepFirst,
        description: "Orders by channel; only completed orders count as revenue; online = not in_store.",
    },
    TableSpec {
        name: "footfall",
        columns: &[
            col("shop_id", Text, false, Rule::References("shops", "shop_id")),
            col("date", Date, false, Rule::None),
            col("visitors", Integer, false, Rule::AtLeast(0.0)),
            col("source", Text, false, Rule::OneOf(FOOTFALL_SOURCES)),
        ],
        key: &["shop_id", "date", "source"],
        optional: true,
        merge: Merge::Replace,
        description: "Daily visitors per shop by local date; a missing row is missing data, not zero.",
    },
    TableSpec {
        name: "lockdowns",
        columns: &[
            col("lockdown_id", Text, false, Rule::NotEmpty),
            col("area", Text, false, Rule::None),
            col("level", Text, false, Rule::None),
            col("starts_at", Timestamp, false, Rule::None),
            col("ends_at", Timestamp, false, Rule::None),
            col("note", Text, true, Rule::None),
        ],
        key: &["lockdown_id"],
        optional: false,
        merge: Merge::Replace,
        description: "The policy events studied: area, level, start and end.",
    },
    TableSpec {
        name: "calendar",
        columns: &[
            col("date", Date, false, Rule::None),
            col("kind", Text, false, Rule::OneOf(CALENDAR_KINDS)),
            col("name", Text, false, Rule::None),
        ],
        key: &["date"],
        optional: true,
        merge: Merge::Replace,
        description: "Holidays and adjusted workdays (调休); unlisted dates are ordinary.",
    },
    TableSpec {
        name: "resident_needs",
        columns: &[
            col(
                "community_id",
                Text,
                false,
                Rule::References("communities", "community_id"),
            ),
            col("need", Text, false, Rule::OneOf(NEEDS)),
            col("households", Integer, false, Rule::AtLeast(0.0)),
            col("elderly_households", Integer, false, Rule::AtLeast(0.0)),
        ],
        key: &["community_id", "need"],
        optional: true,
        merge: Merge::Replace,
        description: "The first list: households per community needing each service.",
    },
    TableSpec {
        name: "shop_services",
        columns: &[
            col("shop_id", Text, false, Rule::References("shops", "shop_id")),
            col("service", Text, false, Rule::OneOf(NEEDS)),
            col("mode", Text, false, Rule::OneOf(SERVICE_MODES)),
            col("since", Date, true, Rule::None),
        ],
        key: &["shop_id", "service", "mode"],
        optional: true,
        merge: Merge::Replace,
        description: "The second list: which shop offers which service, and how.",
    },
];

pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// Where a table's data lives in a data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `TABLE.parquet`, or `TABLE/` holding only Parquet parts: scanned lazily.
    Parquet(PathBuf),
    /// `TABLE.csv`, or `TABLE/` with CSV parts: read, checked and held in memory.
    Files(Vec<PathBuf>),
    Absent,
}

/// Finds where each table lives in `dir`. Two forms of one table (say `orders.csv` and
/// `orders/`) are an error rather than a silent choice.
pub fn locate(dir: &Path, spec: &TableSpec) -> Result<Location> {
    let candidates = [
        dir.join(format!("{}.parquet", spec.name)),
        dir.join(format!("{}.csv", spec.name)),
        dir.join(spec.name),
    ];
    let present: Vec<&PathBuf> = candidates.iter().filter(|p| p.exists()).collect();
    match present.as_slice() {
        [] => Ok(Location::Absent),
        [one] => {
            if one.is_dir() {
                let parts = data_files_in(one)?;
                if parts.iter().all(|p| has_extension(p, "parquet")) {
                    Ok(Location::Parquet((*one).clone()))
                } else {
                    Ok(Location::Files(parts))
                }
            } else if has_extension(one, "parquet") {
                Ok(Location::Parquet((*one).clone()))
            } else {
                Ok(Location::Files(vec![(*one).clone()]))
            }
        }
        many => Err(Error::DataFolder {
            path: dir.to_path_buf(),
            message: format!(
                "table {} is stored more than once ({}); keep one",
                spec.name,
                many.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

pub fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// The extensions a table's data files may have; anything else in a data folder is ignored.
const DATA_EXTENSIONS: &[&str] = &["csv", "parquet", "xlsx", "xls", "ods"];

/// Files and folders a data folder keeps that are not data: hidden files, `rejects/` (what
/// an import turned away), `kept/` (tables computed from the others, `engine::kept`), and
/// the `~$…` lock file Excel and WPS keep beside an open book.
pub fn is_skipped(name: &str) -> bool {
    name.starts_with('.') || name.starts_with("~$") || name == "rejects" || name == KEPT_FOLDER
}

/// Where a data folder keeps the tables computed from its orders (`engine::kept`).
pub const KEPT_FOLDER: &str = "kept";

/// Files larger than this are identified by name, size and time rather than read whole.
const HASH_LIMIT: u64 = 64 << 20;

/// A hash of `files` of the data folder `dir`: the same files give the same digest on any
/// machine, except that files over [`HASH_LIMIT`] count by name, size and modification
/// time, so a copy of a large folder gets a digest of its own.
pub fn digest_files(dir: &Path, files: &[PathBuf]) -> Result<String> {
    Ok(digest_files_and_part(dir, files, &[])?.0)
}

/// [`digest_files`] of `files` and of `part` of them, reading each file once: opening a
/// folder needs the digest of every table and that of the orders, and hashing a district's
/// orders twice was most of the time a one-line `yanhuo query` took.
pub fn digest_files_and_part(
    dir: &Path,
    files: &[PathBuf],
    part: &[PathBuf],
) -> Result<(String, String)> {
    use sha2::{Digest, Sha256};
    let mut all = Sha256::new();
    let mut of_part = Sha256::new();
    // `part` is hashed in its own order: met in that order among `files`, or read again.
    let mut next = part.iter().peekable();
    for path in files {
        let in_part = next.peek().is_some_and(|p| *p == path);
        let relative = path.strip_prefix(dir).unwrap_or(path);
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        let content = if meta.len() <= HASH_LIMIT {
            std::fs::read(path).map_err(|e| Error::io(path, e))?
        } else {
            let mut identity = meta.len().to_le_bytes().to_vec();
            identity.extend(format!("{:?}", meta.modified().ok()).as_bytes());
            identity
        };
        for hasher in std::iter::once(&mut all).chain(in_part.then_some(&mut of_part)) {
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(&content);
        }
        if in_part {
            next.next();
        }
    }
    let hex = |hasher: Sha256| -> String {
        let digest = hasher.finalize();
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    };
    let (all, of_part) = (hex(all), hex(of_part));
    if next.peek().is_some() {
        return Ok((all, digest_files(dir, part)?));
    }
    Ok((all, of_part))
}

/// The files holding table `spec` in `dir`, sorted; none if it is absent.
pub fn table_files(dir: &Path, spec: &TableSpec) -> Result<Vec<PathBuf>> {
    Ok(match locate(dir, spec)? {
        Location::Absent => Vec::new(),
        Location::Parquet(path) if path.is_dir() => data_files_in(&path)?,
        Location::Parquet(path) => vec![path],
        Location::Files(files) => files,
    })
}

/// Whether a file is a table's data by its extension.
pub fn is_data_file(path: &Path) -> bool {
    DATA_EXTENSIONS.iter().any(|e| has_extension(path, e))
}

fn name_of(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

/// The data files directly in a table's folder (`orders/` holding parts), sorted.
pub fn data_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_file() && !is_skipped(name_of(&path)) && is_data_file(&path) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every data file under a data folder, at any depth, sorted: what a version of the data is
/// made of.
pub fn all_data_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, e))? {
            let path = entry.map_err(|e| Error::io(&folder, e))?.path();
            if is_skipped(name_of(&path)) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if is_data_file(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A date as the contract accepts it: ISO, with slashes or dots, in Chinese (2022年4月23日),
/// or a midnight timestamp.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    for format in [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%Y年%m月%d日",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if format.contains("%H") {
            if let Ok(t) = NaiveDateTime::parse_from_str(text, format)
                && t.time() == chrono::NaiveTime::MIN
            {
                return Some(t.date());
            }
        } else if let Ok(d) = NaiveDate::parse_from_str(text, format) {
            return Some(d);
        }
    }
    None
}

/// Parses an instant. Returns microseconds since the epoch, and whether the text had no
/// offset (and was read in `zone`).
pub fn parse_timestamp(text: &str, zone: &Tz) -> Option<(i64, bool)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some((t.timestamp_micros(), false));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some((t.timestamp_micros(), false));
        }
    }
    if let Some(stripped) = text.strip_suffix(" UTC") {
        let (micros, _) = parse_timestamp(stripped, &Tz::UTC)?;
        return Some((micros, false));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y.%m.%d %H:%M:%S",
        "%Y.%m.%d %H:%M",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
        "%Y年%m月%d日%H:%M:%S",
        "%Y年%m月%d日%H:%M",
        "%Y年%m月%d日 %H时%M分",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            // China has had no daylight saving since 1991; `earliest` still gives an answer
            // for a zone that does, on the hour that repeats.
            let local = zone.from_local_datetime(&t).earliest()?;
            return Some((local.timestamp_micros(), true));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading each file once gives the digests of two separate readings.
    #[test]
    fn a_part_is_digested_as_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        std::fs::create_dir(path("orders")).unwrap();
        for (name, text) in [
            ("communities.csv", "community_id\nc1\n"),
            ("orders/part-1.parquet", "one"),
            ("orders/part-2.parquet", "two"),
            ("shops.csv", "shop_id\ns1\n"),
        ] {
            std::fs::write(path(name), text).unwrap();
        }
        let all = all_data_files(dir.path()).unwrap();
        let orders = vec![path("orders/part-1.parquet"), path("orders/part-2.parquet")];
        let alone = |files: &[PathBuf]| digest_files(dir.path(), files).unwrap();
        assert_eq!(
            digest_files_and_part(dir.path(), &all, &orders).unwrap(),
            (alone(&all), alone(&orders))
        );
        // A part not met in order among the files is read again, with the same digest.
        let reversed: Vec<PathBuf> = orders.iter().rev().cloned().collect();
        assert_eq!(
            digest_files_and_part(dir.path(), &all, &reversed).unwrap(),
            (alone(&all), alone(&reversed))
        );
        assert_ne!(alone(&orders), alone(&reversed));
    }
}
