//! Where a sheet's header is and what each of its columns is: title rows above the header
//! skipped, a header of two rows (a merged group cell above its sub-headers) read, total
//! rows (合计, 小计) and blank rows left out and counted, and every cell put in its contract
//! column with its code (`微信群` is `wechat_group`), by the map file first and the built-in
//! vocabulary second.
//!
//! Every reader (CSV, Excel, Parquet) hands its rows to one [`Layout`], so a sheet and a CSV
//! saved from it import the same.

use super::mapping::{Fixed, SourceRules};
use super::source::RawRow;
use super::vocabulary::{self, normalize};
use crate::engine::contract::{Rule, TableSpec};
use crate::error::Result;

/// How many non-blank rows from the top may hold titles before the header must be found.
pub const HEADER_SEARCH: usize = 10;

/// The placeholder an order without an id is checked with; its id is derived afterwards.
pub const DERIVED: &str = "(derived)";

/// Where one contract column's cell comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    At(usize),
    Fixed(String),
    /// `order_id` of a sheet without one: made from the row (mod.rs).
    Derived,
    Absent,
}

/// How a header was read.
#[derive(Debug, Clone)]
struct Plan {
    cells: Vec<Cell>,
    /// Header text → contract column, in the sheet's column order.
    mapped: Vec<(String, &'static str)>,
}

/// What a source's layout was, for the per-file report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceReport {
    /// The file (and `#sheet`), as in the rejects file.
    pub label: String,
    pub table: &'static str,
    /// The text encoding a CSV was read in (`UTF-8`, `GB18030`).
    pub encoding: Option<&'static str>,
    /// The line (row) the header was found on.
    pub header_line: u64,
    pub title_rows: u64,
    /// Header text → contract column.
    pub mapped: Vec<(String, &'static str)>,
    /// Column → value given by the map file, and from where.
    pub fixed: Vec<(&'static str, String, String)>,
    /// Values read as a code: (column, as written, code, how many).
    pub codes: Vec<(&'static str, String, String, u64)>,
    pub derived_order_id: bool,
    pub rows: u64,
    pub totals: u64,
    pub blanks: u64,
    pub rejected: u64,
    /// A workbook's sheet with nothing in it (WPS's Sheet2, Sheet3): skipped.
    pub empty: bool,
}

/// Why no header was found.
#[derive(Debug, Clone)]
pub enum NoHeader {
    Empty,
    Missing {
        missing: Vec<&'static str>,
        header: Vec<String>,
    },
}

impl NoHeader {
    pub fn message(&self, spec: &TableSpec) -> String {
        match self {
            NoHeader::Empty => "empty: no header row".into(),
            NoHeader::Missing { missing, header } => format!(
                "wrong header for table {}: missing column(s) {} (the header has: {}); name them in a --map file",
                spec.name,
                missing.join(", "),
                header.join(", ")
            ),
        }
    }
}

/// Turns a source's rows, header first somewhere near the top, into contract rows.
pub struct Layout<'a> {
    spec: &'static TableSpec,
    rules: &'a SourceRules,
    /// Whether titles may stand above the header and totals below (not for Parquet).
    sheet_like: bool,
    /// Rows from the top until the header is found, blank ones too.
    buffer: Vec<(u64, Vec<String>)>,
    /// How many of them are not blank.
    held: usize,
    plan: Option<Plan>,
    pub report: SourceReport,
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

impl<'a> Layout<'a> {
    pub fn new(spec: &'static TableSpec, rules: &'a SourceRules, sheet_like: bool) -> Self {
        Layout {
            spec,
            rules,
            sheet_like,
            buffer: Vec::new(),
            held: 0,
            plan: None,
            report: SourceReport {
                table: spec.name,
                ..Default::default()
            },
        }
    }

    /// One row of the source as it stands, with the line a person finds it on.
    pub fn push(
        &mut self,
        line: u64,
        cells: Vec<String>,
        each: &mut dyn FnMut(RawRow) -> Result<()>,
    ) -> Result<(), LayoutError> {
        if self.plan.is_some() {
            return self.row(line, cells, each).map_err(LayoutError::Row);
        }
        let blank = is_blank(&cells);
        self.buffer.push((line, cells));
        self.held += usize::from(!blank);
        let window = if self.sheet_like {
            HEADER_SEARCH + 1
        } else {
            1
        };
        if !blank && self.held >= window {
            self.settle(each)?;
        }
        Ok(())
    }

    /// The end of the source.
    pub fn finish(
        mut self,
        each: &mut dyn FnMut(RawRow) -> Result<()>,
    ) -> Result<SourceReport, LayoutError> {
        if self.plan.is_none() {
            self.settle(each)?;
        }
        Ok(self.report)
    }

    /// Finds the header among the rows held, then passes on the rows below it.
    fn settle(&mut self, each: &mut dyn FnMut(RawRow) -> Result<()>) -> Result<(), LayoutError> {
        let filled: Vec<usize> = (0..self.buffer.len())
            .filter(|&i| !is_blank(&self.buffer[i].1))
            .collect();
        let rows: Vec<&[String]> = filled
            .iter()
            .map(|&i| self.buffer[i].1.as_slice())
            .collect();
        let (at, height, plan) = find_header(self.spec, self.rules, &rows, self.sheet_like)
            .map_err(LayoutError::NoHeader)?;
        self.report.header_line = self.buffer[filled[at]].0;
        self.report.title_rows = at as u64;
        self.report.mapped = plan.mapped.clone();
        self.report.derived_order_id = plan.cells.contains(&Cell::Derived);
        self.report.fixed = self
            .spec
            .columns
            .iter()
            .zip(&plan.cells)
            .filter_map(|(c, cell)| match cell {
                Cell::Fixed(v) => {
                    let from = match self.rules.fixed.get(c.name).map(|(_, f)| f) {
                        Some(Fixed::From(super::mapping::NameSource::File)) => "file name",
                        Some(Fixed::From(super::mapping::NameSource::Sheet)) => "sheet name",
                        _ => "map file",
                    };
                    Some((c.name, v.clone(), from.to_string()))
                }
                _ => None,
            })
            .collect();
        self.plan = Some(plan);
        let below: Vec<(u64, Vec<String>)> = self
            .buffer
            .drain(..)
            .skip(filled[at + height - 1] + 1)
            .collect();
        for (line, cells) in below {
            self.row(line, cells, each).map_err(LayoutError::Row)?;
        }
        Ok(())
    }

    fn row(
        &mut self,
        line: u64,
        original: Vec<String>,
        each: &mut dyn FnMut(RawRow) -> Result<()>,
    ) -> Result<()> {
        if is_blank(&original) {
            self.report.blanks += 1;
            return Ok(());
        }
        if self.sheet_like && vocabulary::is_total_row(&original) {
            self.report.totals += 1;
            return Ok(());
        }
        // Taken out while the row is mapped (codes are counted in the report), put back after.
        let Some(plan) = self.plan.take() else {
            return Ok(());
        };
        let mut cells = Vec::with_capacity(plan.cells.len());
        for (column, cell) in self.spec.columns.iter().zip(&plan.cells) {
            let text = match cell {
                Cell::At(i) => original
                    .get(*i)
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
                Cell::Fixed(v) => Some(v.clone()),
                Cell::Derived => Some(DERIVED.to_string()),
                Cell::Absent => None,
            };
            let text = match (text, cell) {
                (Some(t), Cell::At(_)) => Some(self.code(column.name, column.rule, t)),
                (t, _) => t,
            };
            cells.push(text);
        }
        self.plan = Some(plan);
        self.report.rows += 1;
        each(RawRow {
            line,
            cells,
            original,
        })
    }

    /// A value as the contract's code, when the map file or the vocabulary knows it.
    fn code(&mut self, column: &'static str, rule: Rule, text: String) -> String {
        let code = self
            .rules
            .values
            .get(column)
            .and_then(|m| m.get(&normalize(&text)))
            .cloned()
            .or_else(|| match rule {
                Rule::OneOf(allowed) if !allowed.contains(&text.as_str()) => {
                    vocabulary::code_for_value(self.spec.name, column, &text).map(str::to_string)
                }
                _ => None,
            });
        let Some(code) = code else {
            return text;
        };
        if code != text {
            let codes = &mut self.report.codes;
            match codes
                .iter()
                .position(|(c, from, _, _)| *c == column && *from == text)
            {
                Some(i) => codes[i].3 += 1,
                // A column of free text mapped by values.* would list every row.
                None if codes.len() < 200 => codes.push((column, text, code.clone(), 1)),
                None => {}
            }
        }
        code
    }
}

#[derive(Debug)]
pub enum LayoutError {
    NoHeader(NoHeader),
    Row(crate::error::Error),
}

/// The contract column a header cell names, by the map file first.
fn column_of(spec: &TableSpec, rules: &SourceRules, text: &str) -> Option<&'static str> {
    let names: Vec<&'static str> = spec.columns.iter().map(|c| c.name).collect();
    if let Some(column) = rules.columns.get(&normalize(text)) {
        return names.iter().find(|n| **n == column.as_str()).copied();
    }
    vocabulary::column_for_header(spec.name, &names, text)
}

/// The header's cells as candidates, best first: one row, or two (a group above its
/// sub-headers; a merged group cell is written once, so an empty upper cell belongs to the
/// group on its left).
fn candidates(rows: &[&[String]]) -> Vec<Vec<String>> {
    match rows {
        [one] => one.iter().map(|c| vec![c.clone()]).collect(),
        [upper, lower] => {
            let width = upper.len().max(lower.len());
            let mut group = String::new();
            (0..width)
                .map(|i| {
                    let up = upper.get(i).map(|s| s.trim()).unwrap_or_default();
                    if !up.is_empty() {
                        group = up.to_string();
                    }
                    let low = lower.get(i).map(|s| s.trim()).unwrap_or_default();
                    if low.is_empty() {
                        vec![group.clone()]
                    } else {
                        vec![low.to_string(), format!("{group}{low}"), group.clone()]
                    }
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn plan(
    spec: &'static TableSpec,
    rules: &SourceRules,
    rows: &[&[String]],
) -> (Plan, Vec<&'static str>) {
    let mut taken: Vec<Option<usize>> = vec![None; spec.columns.len()];
    let mut mapped = Vec::new();
    for (i, names) in candidates(rows).into_iter().enumerate() {
        for name in names {
            let Some(column) = column_of(spec, rules, &name) else {
                continue;
            };
            let Some(k) = spec.column_index(column) else {
                continue;
            };
            if taken[k].is_none() {
                taken[k] = Some(i);
                mapped.push((name.trim().to_string(), column));
                break;
            }
        }
    }
    let mut missing = Vec::new();
    let cells = spec
        .columns
        .iter()
        .zip(&taken)
        .map(|(column, at)| {
            if let Some((value, _)) = rules.fixed.get(column.name) {
                return Cell::Fixed(value.clone());
            }
            match at {
                Some(i) => Cell::At(*i),
                None if column.nullable => Cell::Absent,
                None if spec.name == "orders" && column.name == "order_id" => Cell::Derived,
                None => {
                    missing.push(column.name);
                    Cell::Absent
                }
            }
        })
        .collect();
    // A fixed column that the header also has is the map file's; say so in the report.
    mapped.retain(|(_, c)| !rules.fixed.contains_key(*c));
    (Plan { cells, mapped }, missing)
}

/// Whether any cell of a row is a header name: a row below a header that is one too is the
/// header's second row, not data.
fn names_a_column(spec: &TableSpec, rules: &SourceRules, row: &[String]) -> bool {
    row.iter().any(|c| column_of(spec, rules, c).is_some())
}

/// The header's first row (index in `rows`), its height (1 or 2) and how it maps.
fn find_header(
    spec: &'static TableSpec,
    rules: &SourceRules,
    rows: &[&[String]],
    search: bool,
) -> Result<(usize, usize, Plan), NoHeader> {
    let Some(first) = rows.first() else {
        return Err(NoHeader::Empty);
    };
    let tops = if search { rows.len() } else { 1 };
    for at in 0..tops {
        let (single, single_missing) = plan(spec, rules, &rows[at..=at]);
        if search && at + 1 < rows.len() {
            let (pair, pair_missing) = plan(spec, rules, &rows[at..at + 2]);
            let pair_fits = pair_missing.is_empty();
            let header_below = if single_missing.is_empty() {
                // A full header with names under it: the names are its second row.
                names_a_column(spec, rules, rows[at + 1])
            } else {
                // A group row above sub-headers, unless the row below is a header on its
                // own (then this one is a title).
                !plan(spec, rules, &rows[at + 1..at + 2]).1.is_empty()
            };
            if pair_fits && header_below {
                return Ok((at, 2, pair));
            }
        }
        if single_missing.is_empty() {
            return Ok((at, 1, single));
        }
    }
    let (first_plan, mut missing) = plan(spec, rules, &rows[..1]);
    // Without the other columns an order's id cannot be derived: it is missing as well.
    if first_plan.cells.contains(&Cell::Derived) {
        missing.insert(0, "order_id");
    }
    Err(NoHeader::Missing {
        missing,
        header: first.iter().map(|s| s.trim().to_string()).collect(),
    })
}

/// How well `rows` (the top of a source) fit `spec`: the number of columns its header maps,
/// if it maps every required one.
pub fn fits(spec: &'static TableSpec, rules: &SourceRules, rows: &[Vec<String>]) -> Option<usize> {
    let rows: Vec<&[String]> = rows
        .iter()
        .filter(|r| !is_blank(r))
        .take(HEADER_SEARCH + 1)
        .map(|r| r.as_slice())
        .collect();
    let (_, _, plan) = find_header(spec, rules, &rows, true).ok()?;
    Some(plan.mapped.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::contract;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn run(rows: &[Vec<String>], rules: &SourceRules) -> (SourceReport, Vec<RawRow>) {
        let spec = contract::table("orders").unwrap();
        let mut out = Vec::new();
        let mut layout = Layout::new(spec, rules, true);
        let mut each = |r: RawRow| {
            out.push(r);
            Ok(())
        };
        for (i, r) in rows.iter().enumerate() {
            layout.push(i as u64 + 1, r.clone(), &mut each).unwrap();
        }
        let report = layout.finish(&mut each).unwrap();
        (report, out)
    }

    #[test]
    fn a_title_a_two_row_header_a_total_and_a_blank_row() {
        let rows = [
            row(&["黎园社区 信德生鲜 4月订单"]),
            row(&["单号", "店铺编号", "下单时间", "渠道", "金额", "", "状态"]),
            row(&["", "", "", "", "实收", "优惠", ""]),
            row(&[
                "o1",
                "s1",
                "2022/4/23 10:05",
                "微信群",
                "¥12.50",
                "1",
                "已完成",
            ]),
            row(&["", "", "", "", "", "", ""]),
            row(&["合计", "", "", "", "12.50", "1", ""]),
        ];
        let (report, out) = run(&rows, &SourceRules::default());
        assert_eq!(
            (
                report.header_line,
                report.title_rows,
                report.totals,
                report.blanks
            ),
            (2, 1, 1, 1)
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].line, 4);
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            out[0].cells,
            vec![
                some("o1"),
                some("s1"),
                some("2022/4/23 10:05"),
                some("wechat_group"),
                some("¥12.50"),
                some("completed"),
                None
            ]
        );
        assert!(report.mapped.contains(&("实收".to_string(), "amount_cny")));
    }

    #[test]
    fn no_order_id_is_derived_and_a_fixed_shop_fills_the_shop_column() {
        let mut rules = SourceRules::default();
        rules
            .fixed
            .insert("shop_id".into(), ("s17".into(), Fixed::Value("s17".into())));
        let rows = [
            row(&["下单时间", "渠道", "实收金额（元）", "状态"]),
            row(&["2022/4/23 10:05", "美团", "1,234.00", "已退款"]),
        ];
        let (report, out) = run(&rows, &rules);
        assert!(report.derived_order_id);
        assert_eq!(out[0].cells[0].as_deref(), Some(DERIVED));
        assert_eq!(out[0].cells[1].as_deref(), Some("s17"));
        assert_eq!(out[0].cells[3].as_deref(), Some("delivery_platform"));
        assert_eq!(out[0].cells[5].as_deref(), Some("refunded"));
    }

    #[test]
    fn a_header_that_is_not_there_is_named() {
        let spec = contract::table("orders").unwrap();
        let rules = SourceRules::default();
        let mut layout = Layout::new(spec, &rules, true);
        let mut each = |_: RawRow| Ok(());
        layout
            .push(1, row(&["id", "shop", "when"]), &mut each)
            .unwrap();
        match layout.finish(&mut each) {
            Err(LayoutError::NoHeader(n)) => {
                let m = n.message(spec);
                assert!(
                    m.contains("missing column(s) order_id, shop_id, ordered_at"),
                    "{m}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
