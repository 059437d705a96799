//! The rules of the data contract applied to one raw row at a time, and the typed columns
//! that accepted rows are gathered into.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Decimal128Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::record_batch::RecordBatch;

use crate::engine::contract::{Kind, Rule, TableSpec, parse_date, parse_timestamp};
use crate::error::Result;

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Text(String),
    Integer(i64),
    Float(f64),
    /// Fen (hundredths of a yuan).
    Money(i128),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
}

/// What checking one row found.
pub enum Checked {
    Accepted(Vec<Value>),
    Rejected(String),
}

/// Keys of parent tables, for `Rule::References`.
pub trait KeyLookup {
    fn contains(&self, table: &str, column: &str, key: &str) -> bool;
}

pub struct Checker<'a> {
    pub spec: &'a TableSpec,
    pub zone: Tz,
    /// Timestamps written without an offset, read in the district's zone.
    pub naive_timestamps: u64,
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

impl<'a> Checker<'a> {
    pub fn new(spec: &'a TableSpec, zone: Tz) -> Self {
        Checker {
            spec,
            zone,
            naive_timestamps: 0,
        }
    }

    pub fn check(&mut self, cells: &[Option<String>], keys: &dyn KeyLookup) -> Checked {
        let mut values = Vec::with_capacity(cells.len());
        for (column, cell) in self.spec.columns.iter().zip(cells) {
            let Some(text) = cell else {
                if column.nullable {
                    values.push(Value::Null);
                    continue;
                }
                return Checked::Rejected(format!("{}: required, but empty", column.name));
            };
            let value = match self.parse(column.kind, text) {
                Ok(v) => v,
                Err(expected) => {
                    return Checked::Rejected(format!("{}: {expected}, got {text:?}", column.name));
                }
            };
            if let Some(broken) = broken_rule(column.rule, &value, text, keys) {
                return Checked::Rejected(format!("{}: {broken}", column.name));
            }
            values.push(value);
        }
        if let Some(broken) = row_rule(self.spec, &values) {
            return Checked::Rejected(broken);
        }
        Checked::Accepted(values)
    }

    fn parse(&mut self, kind: Kind, text: &str) -> Result<Value, &'static str> {
        // Chinese input methods type numbers and colons full-width (１２．５, 10：05).
        let half;
        let text = if kind != Kind::Text && !text.is_ascii() {
            half = half_width(text);
            half.as_str()
        } else {
            text
        };
        match kind {
            Kind::Text => Ok(Value::Text(text.to_string())),
            Kind::Integer => parse_integer(&text.replace(',', ""))
                .map(Value::Integer)
                .ok_or("must be a whole number"),
            Kind::Float => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Value::Float)
                .ok_or("must be a number"),
            Kind::Money => parse_money(text).map(Value::Money),
            Kind::Date => parse_date(text)
                .map(|d| Value::Date((d - EPOCH).num_days() as i32))
                .ok_or("must be a date (YYYY-MM-DD)"),
            Kind::Timestamp => {
                let (micros, naive) = parse_timestamp(text, &self.zone)
                    .ok_or("must be a timestamp (2022-04-23T02:00:00+08:00)")?;
                if naive {
                    self.naive_timestamps += 1;
                }
                Ok(Value::Timestamp(micros))
            }
        }
    }
}

fn broken_rule(rule: Rule, value: &Value, text: &str, keys: &dyn KeyLookup) -> Option<String> {
    let number = match value {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Money(m) => Some(*m as f64 / 100.0),
        _ => None,
    };
    match rule {
        Rule::None => None,
        Rule::NotEmpty => text
            .trim()
            .is_empty()
            .then(|| "must not be empty".to_string()),
        Rule::OneOf(allowed) => (!allowed.contains(&text))
            .then(|| format!("must be one of {}, got {text:?}", allowed.join(", "))),
        Rule::AtLeast(min) => number
            .filter(|n| *n < min)
            .map(|_| format!("must be >= {min}, got {text}")),
        Rule::Positive => number
            .filter(|n| *n <= 0.0)
            .map(|_| format!("must be > 0, got {text}")),
        Rule::Share => number
            .filter(|n| !(0.0..=1.0).contains(n))
            .map(|_| format!("must be a share between 0 and 1, got {text}")),
        Rule::References(table, column) => (!keys.contains(table, column, text))
            .then(|| format!("{text:?} is not a {column} in {table}")),
    }
}

/// Rules that concern more than one column.
fn row_rule(spec: &TableSpec, values: &[Value]) -> Option<String> {
    if spec.name == "lockdowns" {
        let (starts, ends) = (
            spec.column_index("starts_at")?,
            spec.column_index("ends_at")?,
        );
        if let (Value::Timestamp(s), Value::Timestamp(e)) = (&values[starts], &values[ends])
            && e <= s
        {
            return Some("ends_at: must be after starts_at".into());
        }
    }
    None
}

fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        // Spreadsheets write whole numbers as 12.0.
        let f = text.parse::<f64>().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

/// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space as their ASCII forms.
pub fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Parses a yuan amount into fen, exactly: decimal(12,2) allows 10 digits before the point
/// and 2 after, and a third decimal is an error rather than a rounding. An order book's
/// forms are read too: `¥12.50`, `12.5元`, `RMB 12.5`, and thousands separated by commas
/// in groups of three (`1,234.00`; `12,5` stays an error, it may be a decimal comma).
pub fn parse_money(text: &str) -> Result<i128, &'static str> {
    const EXPECTED: &str = "must be an amount in yuan with at most 2 decimals (12.50)";
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits
        .trim_start_matches(['¥', '￥'])
        .trim_start_matches("RMB")
        .trim_end_matches('元')
        .trim();
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(rest) if !negative => (true, rest),
        _ => (negative, digits),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let grouped;
    let whole = if whole.contains(',') {
        let mut groups = whole.split(',');
        let first = groups.next().unwrap_or_default();
        if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
            return Err(EXPECTED);
        }
        grouped = whole.replace(',', "");
        grouped.as_str()
    } else {
        whole
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(EXPECTED);
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EXPECTED);
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return Err("must have at most 2 decimals (fen)");
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 10 {
        return Err("must be below 10,000,000,000 yuan (decimal(12,2))");
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| EXPECTED)?
    };
    let frac: i128 = format!("{frac:0<2}").parse().map_err(|_| EXPECTED)?;
    let fen = whole * 100 + frac;
    Ok(if negative { -fen } else { fen })
}

/// Accepted rows of one table, gathered column by column.
pub struct Columns {
    columns: Vec<Vec<Value>>,
    seen: HashSet<u128>,
    key: Vec<usize>,
}

impl Columns {
    pub fn new(spec: &TableSpec) -> Self {
        Columns {
            columns: vec![Vec::new(); spec.columns.len()],
            seen: HashSet::new(),
            key: spec.key_indices(),
        }
    }

    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a row unless its key was already taken; says whether it was added.
    pub fn push(&mut self, values: Vec<Value>) -> bool {
        if !self.seen.insert(fingerprint(&key_of(&self.key, &values))) {
            return false;
        }
        for (column, value) in self.columns.iter_mut().zip(values) {
            column.push(value);
        }
        true
    }

    /// The rows as one Arrow batch in the table's schema.
    pub fn to_batch(&self, spec: &TableSpec, zone: &Tz) -> Result<RecordBatch> {
        let schema = spec.schema(zone);
        let arrays: Vec<ArrayRef> = spec
            .columns
            .iter()
            .zip(&self.columns)
            .map(|(column, values)| to_array(column.kind, values, zone))
            .collect();
        Ok(RecordBatch::try_new(schema, arrays)?)
    }

    /// The fingerprints of the keys of every row pushed.
    pub fn into_keys(self) -> HashSet<u128> {
        self.seen
    }

    /// The rows so far as one batch, leaving none behind but their keys: a month of a city's
    /// orders held as values takes about four times its size as Arrow.
    pub fn take_batch(&mut self, spec: &TableSpec, zone: &Tz) -> Result<RecordBatch> {
        let batch = self.to_batch(spec, zone)?;
        for column in &mut self.columns {
            *column = Vec::new();
        }
        Ok(batch)
    }
}

/// Ends each part of a key (`key_of`): a character no id contains keeps ("a", "bc") apart
/// from ("ab", "c").
const KEY_END: char = '\u{1f}';

/// A key (`key_of`) as 128 bits, so that the keys of a month of a city's orders take a
/// fraction of their text's memory. Two keys alike in all 128 bits are not to be expected
/// among fewer than about 10^18 keys (the birthday bound); the fingerprints never leave the
/// process.
pub fn fingerprint(key: &str) -> u128 {
    use std::hash::{DefaultHasher, Hasher};
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        hasher.write_u8(salt);
        hasher.write(key.as_bytes());
        hasher.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// The fingerprint of a key of one text column, as `fingerprint(&key_of(..))` gives it;
/// `buf` is reused from one id to the next.
pub fn text_key_fingerprint(id: &str, buf: &mut String) -> u128 {
    buf.clear();
    buf.push_str(id);
    buf.push(KEY_END);
    fingerprint(buf)
}

pub fn key_of(key: &[usize], values: &[Value]) -> String {
    let mut out = String::new();
    for &i in key {
        match &values[i] {
            Value::Null => {}
            Value::Text(s) => out.push_str(s),
            Value::Integer(v) => out.push_str(&v.to_string()),
            Value::Float(v) => out.push_str(&v.to_string()),
            Value::Money(v) => out.push_str(&v.to_string()),
            Value::Date(v) => out.push_str(&v.to_string()),
            Value::Timestamp(v) => out.push_str(&v.to_string()),
        }
        out.push(KEY_END);
    }
    out
}

fn to_array(kind: Kind, values: &[Value], zone: &Tz) -> ArrayRef {
    match kind {
        Kind::Text => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Text(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect::<StringArray>(),
        ),
        Kind::Integer => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Integer(i) => Some(*i),
                    _ => None,
                })
                .collect::<Int64Array>(),
        ),
        Kind::Float => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Float(f) => Some(*f),
                    _ => None,
                })
                .collect::<Float64Array>(),
        ),
        Kind::Money => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Money(m) => Some(*m),
                    _ => None,
                })
                .collect::<Decimal128Array>()
                .with_precision_and_scale(12, 2)
                .unwrap_or_else(|_| Decimal128Array::from(Vec::<i128>::new())),
        ),
        Kind::Date => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Date(d) => Some(*d),
                    _ => None,
                })
                .collect::<Date32Array>(),
        ),
        Kind::Timestamp => Arc::new(
            values
                .iter()
                .map(|v| match v {
                    Value::Timestamp(t) => Some(*t),
                    _ => None,
                })
                .collect::<TimestampMicrosecondArray>()
                .with_timezone(zone.name()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_key_has_the_fingerprint_of_its_key_and_parts_stay_apart() {
        let mut buf = String::new();
        let of = |values: &[&str]| {
            let values: Vec<Value> = values.iter().map(|v| Value::Text(v.to_string())).collect();
            let key: Vec<usize> = (0..values.len()).collect();
            fingerprint(&key_of(&key, &values))
        };
        // What an import reads from a part (the id alone) meets what it checked (the row).
        assert_eq!(
            text_key_fingerprint("o-s0001-20230101-0001", &mut buf),
            of(&["o-s0001-20230101-0001"])
        );
        assert_eq!(text_key_fingerprint("o1", &mut buf), of(&["o1"]));
        assert_ne!(
            text_key_fingerprint("o1", &mut buf),
            text_key_fingerprint("o2", &mut buf)
        );
        assert_ne!(of(&["a", "bc"]), of(&["ab", "c"]));
        // Both halves are used.
        let both = fingerprint("o1");
        assert!(
            both >> 64 != 0
                && both & u128::from(u64::MAX) != 0
                && both >> 64 != both & u128::from(u64::MAX)
        );
    }

    #[test]
    fn money_is_exact_to_the_fen() {
        assert_eq!(parse_money("12.5"), Ok(1250));
        assert_eq!(parse_money("0.07"), Ok(7));
        assert_eq!(parse_money("100"), Ok(10000));
        assert_eq!(parse_money("3.10"), Ok(310));
        assert!(parse_money("1.005").is_err());
        assert!(parse_money("12,5").is_err());
        assert!(parse_money("").is_err());
        assert_eq!(parse_money("-1"), Ok(-100));
    }

    #[test]
    fn money_in_an_order_books_forms() {
        assert_eq!(parse_money("¥12.50"), Ok(1250));
        assert_eq!(parse_money("￥12.5"), Ok(1250));
        assert_eq!(parse_money("12.5元"), Ok(1250));
        assert_eq!(parse_money("1,234.00"), Ok(123_400));
        assert_eq!(parse_money("1,234,567"), Ok(123_456_700));
        assert_eq!(parse_money("-¥3"), Ok(-300));
        assert!(parse_money("12,5").is_err());
        assert!(parse_money(",123").is_err());
        assert!(parse_money("1,2345").is_err());
        assert!(parse_money("¥").is_err());
        assert!(parse_money("元").is_err());
        assert_eq!(half_width("１２．５"), "12.5");
    }

    #[test]
    fn chinese_date_and_time_forms() {
        let zone = chrono_tz::Asia::Shanghai;
        // 02:00 local on 2022-04-23 is 1_650_650_400 s; 10:05 is 8 h 5 min later (+29_100 s).
        let expected = Some((1_650_679_500_000_000, true));
        assert_eq!(parse_timestamp("2022/4/23 10:05", &zone), expected);
        assert_eq!(parse_timestamp("2022年4月23日 10:05", &zone), expected);
        assert_eq!(parse_timestamp("2022年4月23日10:05:00", &zone), expected);
        assert_eq!(parse_timestamp("2022.04.23 10:05", &zone), expected);
        let d = NaiveDate::from_ymd_opt(2022, 4, 23);
        assert_eq!(parse_date("2022年4月23日"), d);
        assert_eq!(parse_date("2022/4/23"), d);
    }

    #[test]
    fn timestamps_keep_their_offset_and_naive_ones_are_local() {
        let zone = chrono_tz::Asia::Shanghai;
        let with_offset = parse_timestamp("2022-04-23T02:00:00+08:00", &zone).unwrap();
        let utc = parse_timestamp("2022-04-22T18:00:00Z", &zone).unwrap();
        let naive = parse_timestamp("2022-04-23 02:00:00", &zone).unwrap();
        assert_eq!(with_offset, (1_650_650_400_000_000, false));
        assert_eq!(utc, (1_650_650_400_000_000, false));
        assert_eq!(naive, (1_650_650_400_000_000, true));
        assert!(parse_timestamp("23/04/2022", &zone).is_none());
    }

    #[test]
    fn dates_accept_spreadsheet_forms() {
        let d = NaiveDate::from_ymd_opt(2022, 4, 23);
        assert_eq!(parse_date("2022-04-23"), d);
        assert_eq!(parse_date("2022/04/23"), d);
        assert_eq!(parse_date("2022-04-23T00:00:00"), d);
        assert_eq!(parse_date("2022-04-23T08:00:00"), None);
        assert_eq!(parse_date("April 23"), None);
    }
}
