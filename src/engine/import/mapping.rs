//! `import --map FILE`: what the built-in vocabulary does not know, in TOML. Column names,
//! value codes, a fixed value for a column the sheets lack (a one-shop workbook's `shop_id`,
//! given or taken from the file or sheet name), the table, and the zone of times written
//! without an offset; for every file, or for the files whose name matches a `[[file]]`.
//!
//! ```toml
//! zone = "Asia/Shanghai"
//! [columns]
//! "收款" = "amount_cny"
//! [values.channel]
//! "小程序" = "wechat_group"
//! [values.shop_id]
//! "信德生鲜" = "s17"
//! [[file]]
//! name = "信德生鲜*.xlsx"
//! table = "orders"
//! fixed = { shop_id = "s17" }
//! ```
//!
//! Every name is checked when the file is read, so a typo stops the import before anything
//! is loaded, with the map file and the key in the message.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

use super::source::Source;
use super::vocabulary::normalize;
use crate::engine::contract;
use crate::engine::contract::{Rule, TABLES, TableSpec};

/// The most a map file may hold; a mapping is a page of names, never megabytes.
const MAX_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
#[error("map file {path}: {message}")]
pub struct MapError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    table: Option<String>,
    zone: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    fixed: BTreeMap<String, FixedText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    /// A file name, `*` standing for any run of characters.
    name: String,
    #[serde(flatten)]
    section: Section,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MapText {
    #[serde(flatten)]
    all: Section,
    #[serde(default)]
    file: Vec<FileSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FixedText {
    Value(String),
    From { from: NameSource },
}

/// Where a fixed value is taken from when it is not written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NameSource {
    File,
    Sheet,
}

/// A value given to every row of a source for a column it lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixed {
    Value(String),
    From(NameSource),
}

/// A checked map file.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub path: Option<PathBuf>,
    all: Rules,
    files: Vec<(String, Rules)>,
}

#[derive(Debug, Clone, Default)]
struct Rules {
    table: Option<&'static TableSpec>,
    zone: Option<Tz>,
    /// Normalised header → column.
    columns: BTreeMap<String, String>,
    /// Column → normalised value → code.
    values: BTreeMap<String, BTreeMap<String, String>>,
    fixed: BTreeMap<String, Fixed>,
}

/// What applies to one source.
#[derive(Debug, Clone, Default)]
pub struct SourceRules {
    pub table: Option<&'static TableSpec>,
    pub zone: Option<Tz>,
    pub columns: BTreeMap<String, String>,
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Column → the value itself, resolved from the file or sheet name.
    pub fixed: BTreeMap<String, (String, Fixed)>,
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping, MapError> {
        let fail = |message: String| MapError {
            path: path.to_path_buf(),
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if size > MAX_BYTES {
            return Err(fail(format!(
                "{size} bytes; a map file may hold at most {MAX_BYTES}"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let mut mapping = Mapping::parse(&text).map_err(fail)?;
        mapping.path = Some(path.to_path_buf());
        Ok(mapping)
    }

    /// Parses and checks the text of a map file.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let text = text.trim_start_matches('\u{feff}');
        let parsed: MapText = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        let mut mapping = Mapping {
            path: None,
            all: rules(parsed.all, "")?,
            files: Vec::new(),
        };
        for (i, file) in parsed.file.into_iter().enumerate() {
            let at = format!("[[file]] {} ({:?}): ", i + 1, file.name);
            if file.name.trim().is_empty() {
                return Err(format!("{at}name is empty"));
            }
            mapping
                .files
                .push((file.name.clone(), rules(file.section, &at)?));
        }
        Ok(mapping)
    }

    /// The rules for `source`: the whole file's, then each `[[file]]` whose name matches, in
    /// order (a later one wins).
    pub fn for_source(&self, source: &Source) -> SourceRules {
        let file_name = source
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let mut out = SourceRules::default();
        let layers = std::iter::once(&self.all).chain(
            self.files
                .iter()
                .filter(|(pattern, _)| glob_match(pattern, file_name))
                .map(|(_, r)| r),
        );
        for layer in layers {
            out.table = layer.table.or(out.table);
            out.zone = layer.zone.or(out.zone);
            out.columns.extend(layer.columns.clone());
            for (column, values) in &layer.values {
                out.values
                    .entry(column.clone())
                    .or_default()
                    .extend(values.clone());
            }
            for (column, fixed) in &layer.fixed {
                let value = match fixed {
                    Fixed::Value(v) => v.clone(),
                    Fixed::From(NameSource::File) => leading_name(
                        source
                            .path
                            .file_stem()
                            .and_then(|s| s.to_str())
                            .unwrap_or_default(),
                    ),
                    Fixed::From(NameSource::Sheet) => {
                        leading_name(source.sheet.as_deref().unwrap_or_default())
                    }
                };
                out.fixed.insert(column.clone(), (value, fixed.clone()));
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.path.is_none() && self.files.is_empty()
    }
}

/// A name up to its first separator: `s17-信德生鲜` and `s17 4月` are `s17`.
fn leading_name(name: &str) -> String {
    name.trim()
        .split([' ', '-', '_', '#', '·', '(', '（', '　'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `*` matches any run of characters; everything else itself.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..];
    if !rest.ends_with(last) {
        return false;
    }
    rest = &rest[..rest.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The tables a rule may apply to: the one named, or all.
fn tables_of(table: Option<&'static TableSpec>) -> Vec<&'static TableSpec> {
    match table {
        Some(t) => vec![t],
        None => TABLES.iter().collect(),
    }
}

fn rules(section: Section, at: &str) -> Result<Rules, String> {
    let table = match &section.table {
        Some(name) => Some(contract::table(name).ok_or_else(|| {
            format!(
                "{at}table {name:?} is not a table of the contract ({})",
                TABLES.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
            )
        })?),
        None => None,
    };
    let zone = match &section.zone {
        Some(z) => Some(
            z.parse::<Tz>()
                .map_err(|_| format!("{at}zone {z:?} is not a time zone (Asia/Shanghai)"))?,
        ),
        None => None,
    };
    let tables = tables_of(table);
    let known = |column: &str| tables.iter().any(|t| t.column_index(column).is_some());
    let mut columns = BTreeMap::new();
    for (header, column) in section.columns {
        if !known(&column) {
            return Err(format!(
                "{at}columns: {header:?} = {column:?}: no table{} has a column {column:?}",
                table.map(|t| format!(" ({})", t.name)).unwrap_or_default()
            ));
        }
        let key = normalize(&header);
        if key.is_empty() {
            return Err(format!("{at}columns: the header {header:?} is empty"));
        }
        columns.insert(key, column);
    }
    let mut values = BTreeMap::new();
    for (column, codes) in section.values {
        if !known(&column) {
            return Err(format!("{at}values.{column}: no table has this column"));
        }
        // A code must be one the column allows, in some table that has it.
        let allowed: Vec<&'static [&'static str]> = tables
            .iter()
            .filter_map(|t| t.columns.iter().find(|c| c.name == column))
            .filter_map(|c| match c.rule {
                Rule::OneOf(a) => Some(a),
                _ => None,
            })
            .collect();
        let mut map = BTreeMap::new();
        for (value, code) in codes {
            if !allowed.is_empty() && !allowed.iter().any(|a| a.contains(&code.as_str())) {
                return Err(format!(
                    "{at}values.{column}: {value:?} = {code:?}: not a code of {column} ({})",
                    allowed[0].join(", ")
                ));
            }
            map.insert(normalize(&value), code);
        }
        values.insert(column, map);
    }
    let mut fixed = BTreeMap::new();
    for (column, value) in section.fixed {
        if !known(&column) {
            return Err(format!("{at}fixed.{column}: no table has this column"));
        }
        let value = match value {
            FixedText::Value(v) if v.trim().is_empty() => {
                return Err(format!("{at}fixed.{column}: the value is empty"));
            }
            FixedText::Value(v) => Fixed::Value(v.trim().to_string()),
            FixedText::From { from } => Fixed::From(from),
        };
        fixed.insert(column, value);
    }
    Ok(Rules {
        table,
        zone,
        columns,
        values,
        fixed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_file_names_columns_codes_and_fixed_values() {
        let map = Mapping::parse(
            r#"
            zone = "Asia/Urumqi"
            [columns]
            "收款（元）" = "amount_cny"
            [values.channel]
            "小程序" = "wechat_group"
            [[file]]
            name = "信德*.xlsx"
            table = "orders"
            fixed = { shop_id = "s17" }
            [[file]]
            name = "*.csv"
            fixed = { shop_id = { from = "file" } }
            "#,
        )
        .unwrap();
        let book = map.for_source(&Source {
            path: "in/信德生鲜.xlsx".into(),
            sheet: Some("4月".into()),
        });
        assert_eq!(book.table.map(|t| t.name), Some("orders"));
        assert_eq!(book.zone, Some(chrono_tz::Asia::Urumqi));
        assert_eq!(book.columns.get("收款"), Some(&"amount_cny".to_string()));
        assert_eq!(book.fixed["shop_id"].0, "s17");
        let csv = map.for_source(&Source::file("in/s9-李记.csv"));
        assert!(csv.table.is_none());
        assert_eq!(csv.fixed["shop_id"].0, "s9");
        assert_eq!(csv.values["channel"]["小程序"], "wechat_group");
    }

    #[test]
    fn a_typo_is_named() {
        let err = |text: &str| Mapping::parse(text).unwrap_err();
        assert!(err("[columns]\n\"收款\" = \"amount\"").contains("amount"));
        assert!(err("[values.channel]\n\"小程序\" = \"wechat\"").contains("wechat_group"));
        assert!(err("table = \"order\"").contains("order"));
        assert!(err("zone = \"Mars\"").contains("Mars"));
        assert!(err("colums = {}").contains("colums"));
        assert!(err("[[file]]\nname = \"\"").contains("empty"));
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.xlsx", "a.xlsx"));
        assert!(glob_match("信德*4月*.xlsx", "信德生鲜4月订单.xlsx"));
        assert!(!glob_match("信德*.xlsx", "信德.csv"));
        assert!(glob_match("a.csv", "a.csv"));
        assert!(!glob_match("a*a", "a"));
    }
}
