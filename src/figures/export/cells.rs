//! Which cells of a figure leave for print: the rules of `suppress.rs` applied to a query's
//! rows, using the query's `cells:` file to learn which shops make each row.
//!
//! A cells file returns the figure's key columns (`keys:`), optionally a `measure` column
//! naming one of the figure's columns (`measures:`), then `shop_id` and `weight` (the shop's
//! revenue in the cell, or its visitors, or 1 where the figure counts shops). Every numeric
//! column of the figure that is not a key is a cell; with a `measure` column, only the
//! columns listed in `measures:` are about shops. `totals: KEY` says the cells add up, over
//! that key (or over the measures), to a total that is published too.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::compute::{cast, concat_batches, filter_record_batch, nullif};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::arrow::util::display::ArrayFormatter;

use crate::engine::Engine;
use crate::engine::format;
use crate::engine::queries::{QueryFile, QueryResult};
use crate::error::{Error, Result};
use crate::figures::panels;
use crate::figures::suppress::{self, Cell, Hidden};

/// One value taken out of a published table.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenCell {
    /// The row in the published rows (after the reader's filters).
    pub row: usize,
    pub column: String,
    pub why: Hidden,
}

/// A query's rows as they may be published.
#[derive(Debug, Clone)]
pub struct Published {
    pub result: QueryResult,
    pub hidden: Vec<HiddenCell>,
}

impl Published {
    pub fn is_hidden(&self, row: usize, column: &str) -> Option<Hidden> {
        self.hidden
            .iter()
            .find(|h| h.row == row && h.column == column)
            .map(|h| h.why)
    }

    /// The note of each row that lost a value: which columns, and why.
    pub fn row_notes(&self, english: bool) -> Vec<Option<String>> {
        let mut notes: Vec<Option<String>> = vec![None; self.result.num_rows()];
        for (row, note) in notes.iter_mut().enumerate() {
            // Columns in the table's order, grouped by reason.
            let mut parts: Vec<(Hidden, Vec<&str>)> = Vec::new();
            for h in self.hidden.iter().filter(|h| h.row == row) {
                match parts.iter_mut().find(|(why, _)| *why == h.why) {
                    Some((_, columns)) => columns.push(h.column.as_str()),
                    None => parts.push((h.why, vec![h.column.as_str()])),
                }
            }
            if !parts.is_empty() {
                let parts: Vec<String> = parts
                    .iter()
                    .map(|(why, columns)| format!("{}: {}", columns.join(", "), why.note(english)))
                    .collect();
                *note = Some(parts.join("; "));
            }
        }
        notes
    }
}

/// The rows of `file` run with `params`, with every cell the publishing rules hide emptied,
/// then narrowed to the rows where each `(column, value)` of `row_filters` holds.
/// Suppression looks at all the rows first, so a filter cannot change what a total reveals.
pub async fn publish(
    engine: &Engine,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
    result: &QueryResult,
    row_filters: &[(String, String)],
) -> Result<Published> {
    let cells_name = file.cells.as_deref().ok_or_else(|| Error::Query {
        name: file.name.clone(),
        message: "has no `cells:` file, so a figure built from it cannot be checked for \
                  single shops and is not published"
            .into(),
    })?;
    let cells_file = engine.library.get(cells_name).ok_or_else(|| Error::Query {
        name: file.name.clone(),
        message: format!("cells: no query file named {cells_name}"),
    })?;
    let declared = engine.library.params_of(cells_file)?;
    let cells_params: BTreeMap<String, String> = params
        .iter()
        .filter(|(k, _)| declared.iter().any(|p| &p.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let contributions = engine.run(cells_name, &cells_params).await?;
    let batch = one_batch(result)?;
    let plan = Plan::new(cells_file, &batch)?;
    let shops = plan.contributions(&contributions)?;
    let mut hidden = plan.decide(&batch, &shops);

    // Empty the hidden cells, then keep the rows the reader asked for.
    let mut columns = batch.columns().to_vec();
    for (c, column) in columns.iter_mut().enumerate() {
        let mask: BooleanArray = (0..batch.num_rows())
            .map(|r| Some(hidden.contains_key(&(r, c))))
            .collect();
        if mask.true_count() > 0 {
            *column = nullif(column.as_ref(), &mask)?;
        }
    }
    // An emptied column may have been declared never null.
    let schema = std::sync::Arc::new(datafusion::arrow::datatypes::Schema::new(
        batch
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(c, f)| {
                let emptied = hidden.keys().any(|(_, column)| *column == c);
                f.as_ref().clone().with_nullable(f.is_nullable() || emptied)
            })
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema, columns)?;
    let keep = row_mask(&batch, row_filters);
    let mut new_index = HashMap::new();
    for (old, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
        new_index.insert(old, new_index.len());
    }
    let keep: BooleanArray = keep.iter().map(|k| Some(*k)).collect();
    let batch = filter_record_batch(&batch, &keep)?;
    let names = result.column_names();
    let mut cells: Vec<HiddenCell> = hidden
        .drain()
        .filter_map(|((row, column), why)| {
            new_index.get(&row).map(|&row| HiddenCell {
                row,
                column: names[column].clone(),
                why,
            })
        })
        .collect();
    let position = |column: &str| names.iter().position(|n| n == column);
    cells.sort_by_key(|h| (h.row, position(&h.column)));
    Ok(Published {
        result: QueryResult {
            schema: batch.schema(),
            batches: vec![batch],
        },
        hidden: cells,
    })
}

fn one_batch(result: &QueryResult) -> Result<RecordBatch> {
    Ok(concat_batches(&result.schema, &result.batches)?)
}

/// Rows where every filter's column, as text, equals its value (a filter on a column the
/// rows lack keeps them all, as `dashboards::filter_rows` does).
fn row_mask(batch: &RecordBatch, filters: &[(String, String)]) -> Vec<bool> {
    let rows = QueryResult {
        schema: batch.schema(),
        batches: vec![batch.clone()],
    };
    let mut keep = vec![true; batch.num_rows()];
    for (column, value) in filters {
        if rows.schema.index_of(column).is_err() {
            continue;
        }
        for (k, text) in keep.iter_mut().zip(panels::texts(&rows, column)) {
            *k &= &text == value;
        }
    }
    keep
}

/// A cell: a row's key values, and the measure column where the cells file has one.
type CellKey = (Vec<String>, Option<String>);

/// A cell of the figure: (row, column).
type At = (usize, usize);

/// How one figure's rows map to its cells file.
struct Plan<'a> {
    file: &'a QueryFile,
    /// The figure's columns that are cells, by position.
    values: Vec<usize>,
    /// The cells file names a measure per row.
    by_measure: bool,
    /// Over which key the cells add up to a published total: a position in `keys`, or
    /// `Measures` for totals across columns.
    totals: Option<Totals>,
}

enum Totals {
    Key(usize),
    Measures,
}

impl<'a> Plan<'a> {
    fn new(file: &'a QueryFile, batch: &RecordBatch) -> Result<Plan<'a>> {
        let schema = batch.schema();
        let bad = |message: String| Error::Query {
            name: file.name.clone(),
            message,
        };
        let mut keys = Vec::new();
        for key in &file.keys {
            keys.push(schema.index_of(key).map_err(|_| {
                bad(format!(
                    "keys: the figure has no column {key} (it has {})",
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?);
        }
        let by_measure = !file.measures.is_empty();
        let values = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                f.data_type().is_numeric()
                    && !keys.contains(i)
                    && (!by_measure || file.measures.contains(f.name()))
            })
            .map(|(i, _)| i)
            .collect();
        let totals = match file.totals.as_deref() {
            None => None,
            Some("measure") => Some(Totals::Measures),
            Some(key) => Some(Totals::Key(
                file.keys
                    .iter()
                    .position(|k| k == key)
                    .ok_or_else(|| bad(format!("totals: {key} is not one of the keys")))?,
            )),
        };
        Ok(Plan {
            file,
            values,
            by_measure,
            totals,
        })
    }

    /// Each cell's shops' weights, from the cells file's rows, in the order of the shops'
    /// ids; a shop met twice in a cell counts once, its weights added in the order of the
    /// rows. A city's cells file has millions of rows and a few thousand cells: each row is
    /// grouped by its key's bytes, and only each cell's first row is turned into text.
    fn contributions(&self, rows: &QueryResult) -> Result<HashMap<CellKey, Vec<f64>>> {
        let bad = |message: String| Error::Query {
            name: self.file.name.clone(),
            message,
        };
        let index = |name: &str| rows.schema.index_of(name).ok();
        let missing = |needed: &str| bad(format!("a cells file must return a {needed} column"));
        let shop_at = index("shop_id").ok_or_else(|| missing("shop_id"))?;
        index("weight").ok_or_else(|| missing("weight"))?;
        let mut key_at = Vec::new();
        for key in &self.file.keys {
            key_at.push(
                index(key).ok_or_else(|| bad(format!("keys: the file returns no column {key}")))?,
            );
        }
        if self.by_measure {
            key_at
                .push(index("measure").ok_or_else(|| {
                    bad("measures: the file must return a measure column".into())
                })?);
        }
        let fields = key_at
            .iter()
            .map(|&i| SortField::new(rows.schema.field(i).data_type().clone()))
            .collect();
        let converter = RowConverter::new(fields)?;
        let shop_ids = rows
            .batches
            .iter()
            .map(|b| cast(b.column(shop_at), &DataType::Utf8))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut weights = panels::numbers(rows, "weight").into_iter();
        let mut cell_of: HashMap<Box<[u8]>, usize> = HashMap::new();
        let mut by_text: HashMap<CellKey, usize> = HashMap::new();
        let mut cells: Vec<(CellKey, Vec<(&str, f64)>)> = Vec::new();
        for (batch, shop_ids) in rows.batches.iter().zip(&shop_ids) {
            let columns: Vec<_> = key_at.iter().map(|&i| batch.column(i).clone()).collect();
            // No key (a figure of one row): every row is the one cell's.
            let keys = (!columns.is_empty())
                .then(|| converter.convert_columns(&columns))
                .transpose()?;
            let shop_ids = shop_ids.as_string::<i32>();
            for r in 0..batch.num_rows() {
                let weight = weights.next().flatten().unwrap_or(0.0);
                let key: &[u8] = keys.as_ref().map_or(&[], |k| k.row(r).data());
                let cell = match cell_of.get(key) {
                    Some(&cell) => cell,
                    None => {
                        // Two values can read alike (instants to the minute): one cell.
                        let text = self.cell_key(&columns, r);
                        let cell = *by_text.entry(text).or_insert_with_key(|text| {
                            cells.push((text.clone(), Vec::new()));
                            cells.len() - 1
                        });
                        cell_of.insert(key.into(), cell);
                        cell
                    }
                };
                let shop = if shop_ids.is_null(r) {
                    ""
                } else {
                    shop_ids.value(r)
                };
                cells[cell].1.push((shop, weight));
            }
        }
        Ok(cells
            .into_iter()
            .map(|(key, shops)| (key, by_shop(shops)))
            .collect())
    }

    /// Row `r` of the key `columns` as text, the measure (the last column) apart.
    fn cell_key(&self, columns: &[datafusion::arrow::array::ArrayRef], r: usize) -> CellKey {
        let options = format::text_options();
        let mut texts: Vec<String> = columns
            .iter()
            .map(|c| {
                ArrayFormatter::try_new(c.as_ref(), &options)
                    .map(|f| f.value(r).to_string())
                    .unwrap_or_default()
            })
            .collect();
        let measure = self.by_measure.then(|| texts.pop()).flatten();
        (texts, measure)
    }

    /// Which (row, column) cells to hide, and why.
    fn decide(
        &self,
        batch: &RecordBatch,
        shops: &HashMap<CellKey, Vec<f64>>,
    ) -> HashMap<At, Hidden> {
        let rows = QueryResult {
            schema: batch.schema(),
            batches: vec![batch.clone()],
        };
        let key_texts: Vec<Vec<String>> = self
            .file
            .keys
            .iter()
            .map(|k| panels::texts(&rows, k))
            .collect();
        let names = rows.column_names();
        let empty = Vec::new();
        // Every cell with its shops, grouped by the total it belongs to.
        let mut groups: BTreeMap<Vec<String>, Vec<(At, Cell)>> = BTreeMap::new();
        for r in 0..batch.num_rows() {
            let key: Vec<String> = key_texts.iter().map(|k| k[r].clone()).collect();
            for &c in &self.values {
                let measure = self.by_measure.then(|| names[c].clone());
                let weights = shops.get(&(key.clone(), measure)).unwrap_or(&empty);
                let cell = Cell {
                    shop_revenue: weights.clone(),
                    value: weights.iter().sum(),
                };
                let group = match self.totals {
                    // Alone: a cell that is not part of a published total.
                    None => vec![r.to_string(), names[c].clone()],
                    Some(Totals::Measures) => vec![r.to_string()],
                    Some(Totals::Key(k)) => {
                        let mut g: Vec<String> = key
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| *i != k)
                            .map(|(_, v)| v.clone())
                            .collect();
                        g.push(names[c].clone());
                        g
                    }
                };
                groups.entry(group).or_default().push(((r, c), cell));
            }
        }
        let mut hidden = HashMap::new();
        for members in groups.values() {
            let cells: Vec<Cell> = members.iter().map(|(_, cell)| cell.clone()).collect();
            let mut verdicts: Vec<Option<Hidden>> = cells.iter().map(suppress::primary).collect();
            if self.totals.is_some() {
                suppress::secondary(&cells, &mut verdicts);
            }
            for ((at, _), verdict) in members.iter().zip(verdicts) {
                if let Some(why) = verdict {
                    hidden.insert(*at, why);
                }
            }
        }
        // A null stays a null: there is nothing to hide in it.
        hidden.retain(|(r, c), _| batch.column(*c).is_valid(*r));
        hidden
    }
}

/// One weight per shop, in the order of the shops' ids: a shop met more than once has its
/// weights added in the order of the rows (the sort is stable), from 0 as a map would.
fn by_shop(mut shops: Vec<(&str, f64)>) -> Vec<f64> {
    shops.sort_by(|a, b| a.0.cmp(b.0));
    let mut summed: Vec<f64> = Vec::new();
    let mut last = None;
    for (shop, weight) in shops {
        match summed.last_mut() {
            Some(sum) if last == Some(shop) => *sum += weight,
            _ => summed.push(0.0 + weight),
        }
        last = Some(shop);
    }
    summed
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Date32Array, Float64Array, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    /// Two batches of a cells file keyed by date and community: 2022-04-23 is day 19105.
    fn rows() -> QueryResult {
        let schema = Arc::new(Schema::new(vec![
            Field::new("date", DataType::Date32, false),
            Field::new("community_id", DataType::Utf8View, true),
            Field::new("shop_id", DataType::Utf8View, true),
            Field::new("weight", DataType::Float64, true),
        ]));
        let batch = |dates: Vec<i32>, communities: Vec<&str>, shops: Vec<Option<&str>>, weights| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(Date32Array::from(dates)),
                Arc::new(StringViewArray::from(communities)),
                Arc::new(StringViewArray::from(shops)),
                Arc::new(Float64Array::from(weights)),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        };
        QueryResult {
            schema: schema.clone(),
            batches: vec![
                batch(
                    vec![19105, 19105, 19106],
                    vec!["a", "a", "a"],
                    vec![Some("s9"), Some("s10"), Some("s9")],
                    vec![Some(5.0), Some(1.5), Some(7.0)],
                ),
                batch(
                    vec![19105, 19105, 19105],
                    vec!["a", "a", "b"],
                    vec![Some("s9"), None, Some("s1")],
                    vec![Some(0.25), None, Some(2.0)],
                ),
            ],
        }
    }

    /// The cells of [`rows`] for a cells file with this header.
    fn contributions(header: &str, by_measure: bool) -> Result<HashMap<CellKey, Vec<f64>>> {
        let file = QueryFile::parse("cells", &format!("{header}\nSELECT 1")).unwrap();
        let plan = Plan {
            file: &file,
            values: Vec::new(),
            by_measure,
            totals: None,
        };
        plan.contributions(&rows())
    }

    #[test]
    fn each_cell_has_its_shops_weights_in_the_order_of_their_ids() {
        let cells = contributions("-- keys: date, community_id", false).unwrap();
        let key =
            |date: &str, community: &str| (vec![date.to_string(), community.to_string()], None);
        // s9 twice on 04-23 in a, across batches: 5 + 0.25. A shop without an id reads as "",
        // before "s10"; "s10" before "s9" as text; a null weight is 0.
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[&key("2022-04-23", "a")], [0.0, 1.5, 5.25]);
        assert_eq!(cells[&key("2022-04-24", "a")], [7.0]);
        assert_eq!(cells[&key("2022-04-23", "b")], [2.0]);
    }

    #[test]
    fn without_keys_every_row_is_the_one_cell() {
        let cells = contributions("-- title: one cell", false).unwrap();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[&(Vec::new(), None)], [0.0, 2.0, 1.5, 12.25]);
    }

    #[test]
    fn a_cells_file_without_its_columns_is_an_error_naming_it() {
        let error = contributions("-- keys: day", false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("keys: the file returns no column day"),
            "{error}"
        );
        let error = contributions("-- keys: date", true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("must return a measure column"), "{error}");
    }
}
