//! `yanhuo generate`: a synthetic Chaohui Street (朝晖街道) in the data contract's format,
//! for demos, tests and the committed `sample-data/`.
//!
//! Only the lockdown (拱墅区, 2022-04-23 02:00 to 2022-04-30 00:00) and the holiday
//! calendar are real; every shop, resident and order is made up, and the folder's README
//! says so. The same seed always gives the same rows.
//!
//! - [`district`]: communities, shops and their closures, the lockdown, the calendar, and the
//!   small tables (shop_status, resident_needs, shop_services).
//! - [`activity`]: one shop's day: its orders and its door-counter count.
//! - [`random`]: seeded ChaCha8 streams, one per shop-day.
//!
//! Orders stream to `orders/part-YYYY-MM.parquet`, a row group at a time, so memory stays
//! bounded however many shops and days are asked for (10,000 shops over a year is about
//! 150 million orders).

mod activity;
mod district;
mod random;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Encoding;
use datafusion::parquet::schema::types::ColumnPath;
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::contract;
use crate::engine::contract::TableSpec;
use crate::engine::import::{swap, write_parquet};
use crate::engine::kept;
use crate::error::{Error, Result};
use activity::{Day, FootfallColumns, Model, OrderColumns};
use district::{COMMUNITIES, STREET};
use random::Stream;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub shops: usize,
    /// The same seed gives the same district, row for row.
    pub seed: u64,
    /// The data folder to write; replaced whole if it holds an earlier generated district.
    pub out: PathBuf,
    /// First and last local date of orders and footfall.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The district's zone: local business hours become instants through it.
    pub zone: Tz,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// How much of the planted WeChat-group effect to plant: 1 as sample-data/README.md
    /// says, 0 for none. The same seed with 0 gives the same district without the extra
    /// orders (they are drawn last in each shop-day), which is how the coverage study in
    /// bench/ learns what was planted in the estimator's own terms.
    pub plant: f64,
}

impl GenerateOptions {
    /// The defaults of `yanhuo generate`: 2022-03-01 to 2022-06-30 in Asia/Shanghai.
    pub fn new(shops: usize, seed: u64, out: impl Into<PathBuf>) -> Self {
        GenerateOptions {
            shops,
            seed,
            out: out.into(),
            from: district::date(2022, 3, 1),
            to: district::date(2022, 6, 30),
            zone: chrono_tz::Asia::Shanghai,
            progress: false,
            plant: 1.0,
        }
    }

    /// The command that makes this district again.
    pub fn command(&self) -> String {
        let zone = if self.zone == chrono_tz::Asia::Shanghai {
            String::new()
        } else {
            format!(" --zone {}", self.zone.name())
        };
        let plant = if self.plant == 1.0 {
            String::new()
        } else {
            format!(" --plant {}", self.plant)
        };
        format!(
            "yanhuo generate --shops {} --seed {} --out {} --from {} --to {}{zone}{plant}",
            self.shops,
            self.seed,
            self.out.display(),
            self.from,
            self.to
        )
    }

    fn check(&self) -> Result<()> {
        let bad = |name: &str, message: String| {
            Err(Error::Parameter {
                name: name.into(),
                message,
            })
        };
        if self.shops == 0 {
            return bad("shops", "must be at least 1".into());
        }
        if self.shops > 99_999 {
            return bad(
                "shops",
                format!(
                    "{} is more than the 99,999 shop ids have room for",
                    self.shops
                ),
            );
        }
        if self.to < self.from {
            return bad("to", format!("{} is before --from {}", self.to, self.from));
        }
        if !(self.plant.is_finite() && (0.0..=10.0).contains(&self.plant)) {
            return bad(
                "plant",
                format!(
                    "{}: give a scale from 0 (nothing planted) to 10",
                    self.plant
                ),
            );
        }
        if (self.to - self.from).num_days() > 3660 {
            return bad(
                "to",
                "more than ten years of days; generate them in parts".into(),
            );
        }
        Ok(())
    }
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions::new(1000, 2022, "sample-data")
    }
}

/// What `generate` wrote.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub out: PathBuf,
    /// Rows per table, in the catalog's order.
    pub tables: Vec<(&'static str, u64)>,
    pub elapsed: Duration,
}

impl GenerateSummary {
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }

    pub fn rows_per_second(&self) -> f64 {
        self.total_rows() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for GenerateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "wrote a synthetic district (合成数据) to {}",
            self.out.display()
        )?;
        for (table, rows) in &self.tables {
            writeln!(f, "{table:<16} {rows:>12}")?;
        }
        write!(
            f,
            "{} rows in {:.1} s ({:.0} rows/s)",
            self.total_rows(),
            self.elapsed.as_secs_f64(),
            self.rows_per_second()
        )
    }
}

/// Writes a synthetic district to `opts.out`.
///
/// The folder is built beside `out` and swapped in at the end, so a failed run leaves what
/// was there. An existing `out` is replaced only if it is empty or was itself generated.
pub fn generate(opts: &GenerateOptions) -> Result<GenerateSummary> {
    opts.check()?;
    let started = Instant::now();
    let staging = prepare_staging(&opts.out)?;
    let written = write_district(opts, &staging).and_then(|tables| {
        let library = crate::engine::queries::Library::embedded()?;
        kept::build_blocking(&staging, opts.zone, &library, kept::Months::All)?;
        Ok(tables)
    });
    let tables = match written {
        Ok(tables) => tables,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    swap::swap_in(&staging, &opts.out)?;
    Ok(GenerateSummary {
        out: opts.out.clone(),
        tables,
        elapsed: started.elapsed(),
    })
}

/// Written at the top of the README of every generated folder; also how `generate`
/// recognises a folder it may replace.
const MARKER: &str = "# 合成数据 — synthetic data";

fn prepare_staging(out: &Path) -> Result<PathBuf> {
    // A killed earlier run may have left `out` missing, its generated folder aside.
    swap::recover(out)?;
    if out.exists() {
        if !out.is_dir() {
            return Err(Error::DataFolder {
                path: out.into(),
                message: "exists and is not a folder".into(),
            });
        }
        let empty = fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_none();
        let generated =
            fs::read_to_string(out.join("README.md")).is_ok_and(|r| r.starts_with(MARKER));
        if !empty && !generated {
            return Err(Error::DataFolder {
                path: out.into(),
                message:
                    "holds files `yanhuo generate` did not write; choose a new or empty folder"
                        .into(),
            });
        }
    }
    let staging = swap::staging(out, "generating")?;
    fs::create_dir_all(staging.join("orders")).map_err(|e| Error::io(&staging, e))?;
    Ok(staging)
}

fn spec(name: &str) -> &'static TableSpec {
    contract::table(name).expect("a table of the contract")
}

/// Rows are flushed to the Parquet writer in batches of this many.
const BATCH_ROWS: usize = 1 << 20;

fn write_district(opts: &GenerateOptions, dir: &Path) -> Result<Vec<(&'static str, u64)>> {
    let zone = opts.zone;
    let days: Vec<Day> = opts
        .from
        .iter_days()
        .take_while(|d| *d <= opts.to)
        .map(|d| Day::new(d, &zone))
        .collect();
    let window = (days[0].start, days[days.len() - 1].end);
    let mut rng = random::stream(opts.seed, Stream::District, 0, 0);
    let mut district = district::build(&mut rng, opts.shops, opts.from, opts.to, &zone);
    // Services first: the planted effect goes to the shops that were in a group.
    let mut services_rng = random::stream(opts.seed, Stream::Services, 0, 0);
    let services = district::shop_services(&mut services_rng, &district);
    let mut planted_rng = random::stream(opts.seed, Stream::Planted, 0, 0);
    let effects = district::planted_effects(&mut planted_rng);
    let members = district::members(&services, district.shops.len());
    for (shop, member) in district.shops.iter_mut().zip(members) {
        if member {
            let (lockdown, recovery) = effects[shop.community];
            shop.planted = (lockdown * opts.plant, recovery * opts.plant);
        }
    }
    let mut rows = Vec::new();
    let mut small = |name: &'static str, batch: RecordBatch| -> Result<()> {
        let spec = spec(name);
        rows.push((name, batch.num_rows() as u64));
        write_parquet(&dir.join(format!("{name}.parquet")), spec, &[batch], &zone)
    };
    small("communities", communities_batch(&zone)?)?;
    small("shops", shops_batch(&district, &zone)?)?;
    small("shop_status", status_batch(&district, window, &zone)?)?;
    let (orders, footfall) = write_activity(opts, dir, &district, &days)?;
    small("lockdowns", lockdowns_batch(&district, &zone)?)?;
    small("calendar", calendar_batch(opts.from, opts.to, &zone)?)?;
    let mut needs_rng = random::stream(opts.seed, Stream::Needs, 0, 0);
    small(
        "resident_needs",
        needs_batch(&district::resident_needs(&mut needs_rng), &zone)?,
    )?;
    small(
        "shop_services",
        services_batch(&district, &services, &zone)?,
    )?;
    rows.insert(3, ("orders", orders));
    rows.insert(4, ("footfall", footfall));

    let readme = dir.join("README.md");
    fs::write(&readme, readme_text(opts, &rows)).map_err(|e| Error::io(&readme, e))?;
    Ok(rows)
}

/// A Parquet file written a row group at a time, with the properties of every data folder's
/// Parquet (`session::parquet_properties`). Order ids are sorted runs of one prefix: delta encoding keeps
/// them to a few bytes each.
fn open_writer(path: &Path, spec: &TableSpec, zone: &Tz) -> Result<ArrowWriter<File>> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut props = crate::engine::session::parquet_properties(BATCH_ROWS)?;
    if spec.name == "orders" {
        let id = ColumnPath::from("order_id");
        props = props
            .set_column_dictionary_enabled(id.clone(), false)
            .set_column_encoding(id, Encoding::DELTA_BYTE_ARRAY);
        let at = ColumnPath::from("ordered_at");
        props = props
            .set_column_dictionary_enabled(at.clone(), false)
            .set_column_encoding(at, Encoding::DELTA_BINARY_PACKED);
    }
    ArrowWriter::try_new(file, spec.schema(zone), Some(props.build()))
        .map_err(|e| Error::Other(format!("{}: {e}", path.display())))
}

fn parquet_error(path: &Path) -> impl Fn(datafusion::parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::Other(format!("{}: {e}", path.display()))
}

/// Orders month by month and footfall, shop-day by shop-day. Returns the row counts.
fn write_activity(
    opts: &GenerateOptions,
    dir: &Path,
    district: &district::District,
    days: &[Day],
) -> Result<(u64, u64)> {
    let zone = opts.zone;
    let model = Model::new(zone, district.lockdown);
    let orders_spec = spec("orders");
    let footfall_spec = spec("footfall");
    let orders_schema = orders_spec.schema(&zone);
    let footfall_schema = footfall_spec.schema(&zone);

    let bar = if opts.progress {
        let bar = ProgressBar::new((district.shops.len() * days.len()) as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix:>14} {wide_bar} {pos}/{len} shop-days, {msg} ({eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let footfall_path = dir.join("footfall.parquet");
    let mut footfall_writer = open_writer(&footfall_path, footfall_spec, &zone)?;
    let mut footfall = FootfallColumns::default();
    let (mut order_rows, mut footfall_rows) = (0u64, 0u64);
    let mut drafts = Vec::new();

    for month in
        days.chunk_by(|a, b| (a.date.year(), a.date.month()) == (b.date.year(), b.date.month()))
    {
        let first = month[0].date;
        bar.set_prefix(format!("orders {:04}-{:02}", first.year(), first.month()));
        let path = dir.join("orders").join(format!(
            "part-{:04}-{:02}.parquet",
            first.year(),
            first.month()
        ));
        let mut writer = open_writer(&path, orders_spec, &zone)?;
        let mut orders = OrderColumns::with_capacity(BATCH_ROWS + 4096);
        for (index, shop) in district.shops.iter().enumerate() {
            for day in month {
                let mut rng = random::stream(
                    opts.seed,
                    Stream::ShopDay,
                    index as u64,
                    day.epoch_days as u64,
                );
                let result = activity::shop_day(&model, shop, day, &mut rng, &mut drafts);
                orders.push_day(&shop.id, day, &drafts);
                order_rows += result.orders as u64;
                if let Some((visitors, source)) = result.visitors {
                    footfall.push(&shop.id, day, visitors, source);
                    footfall_rows += 1;
                }
            }
            if orders.len() >= BATCH_ROWS {
                writer
                    .write(&orders.finish(&orders_schema, zone.name())?)
                    .map_err(parquet_error(&path))?;
            }
            if footfall.len() >= BATCH_ROWS {
                footfall_writer
                    .write(&footfall.finish(&footfall_schema)?)
                    .map_err(parquet_error(&footfall_path))?;
            }
            bar.inc(month.len() as u64);
            bar.set_message(format!("{order_rows} orders"));
        }
        if !orders.is_empty() {
            writer
                .write(&orders.finish(&orders_schema, zone.name())?)
                .map_err(parquet_error(&path))?;
        }
        writer.close().map_err(parquet_error(&path))?;
    }
    if !footfall.is_empty() {
        footfall_writer
            .write(&footfall.finish(&footfall_schema)?)
            .map_err(parquet_error(&footfall_path))?;
    }
    footfall_writer
        .close()
        .map_err(parquet_error(&footfall_path))?;
    bar.finish_and_clear();
    Ok((order_rows, footfall_rows))
}

fn text<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn timestamps(values: Vec<i64>, zone: &Tz) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values).with_timezone(zone.name()))
}

fn epoch_days(d: NaiveDate) -> i32 {
    (d - district::date(1970, 1, 1)).num_days() as i32
}

fn batch(name: &str, zone: &Tz, columns: Vec<ArrayRef>) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(spec(name).schema(zone), columns)?)
}

fn communities_batch(zone: &Tz) -> Result<RecordBatch> {
    batch(
        "communities",
        zone,
        vec![
            text(COMMUNITIES.iter().map(|c| c.id)),
            text(COMMUNITIES.iter().map(|c| c.name_zh)),
            text(COMMUNITIES.iter().map(|c| c.name_en)),
            text(COMMUNITIES.iter().map(|_| STREET)),
            Arc::new(Int64Array::from_iter_values(
                COMMUNITIES.iter().map(|c| c.households),
            )),
            Arc::new(Float64Array::from_iter_values(
                COMMUNITIES.iter().map(|c| c.elderly_share),
            )),
            Arc::new(Float64Array::from_iter_values(
                COMMUNITIES.iter().map(|c| c.renter_share),
            )),
        ],
    )
}

fn shops_batch(d: &district::District, zone: &Tz) -> Result<RecordBatch> {
    let s = &d.shops;
    batch(
        "shops",
        zone,
        vec![
            text(s.iter().map(|s| s.id.as_str())),
            text(s.iter().map(|s| s.name.as_str())),
            text(s.iter().map(|s| s.category.as_str())),
            text(s.iter().map(|s| COMMUNITIES[s.community].id)),
            Arc::new(s.iter().map(|s| s.area_m2).collect::<Float64Array>()),
            Arc::new(
                s.iter()
                    .map(|s| s.annual_rent_cny)
                    .collect::<Float64Array>(),
            ),
            Arc::new(
                s.iter()
                    .map(|s| s.opened_on.map(epoch_days))
                    .collect::<Date32Array>(),
            ),
        ],
    )
}

fn status_batch(d: &district::District, window: (i64, i64), zone: &Tz) -> Result<RecordBatch> {
    let events = district::status_events(d, window);
    batch(
        "shop_status",
        zone,
        vec![
            text(events.iter().map(|e| d.shops[e.shop].id.as_str())),
            timestamps(events.iter().map(|e| e.at).collect(), zone),
            text(events.iter().map(|e| e.status)),
            Arc::new(events.iter().map(|e| e.reason).collect::<StringArray>()),
        ],
    )
}

fn lockdowns_batch(d: &district::District, zone: &Tz) -> Result<RecordBatch> {
    batch(
        "lockdowns",
        zone,
        vec![
            text([district::LOCKDOWN_ID]),
            text([district::LOCKDOWN_AREA]),
            text([district::LOCKDOWN_LEVEL]),
            timestamps(vec![d.lockdown.0], zone),
            timestamps(vec![d.lockdown.1], zone),
            text([district::LOCKDOWN_NOTE]),
        ],
    )
}

fn calendar_batch(from: NaiveDate, to: NaiveDate, zone: &Tz) -> Result<RecordBatch> {
    let rows = district::calendar(from, to);
    batch(
        "calendar",
        zone,
        vec![
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|r| epoch_days(r.0)),
            )),
            text(rows.iter().map(|r| r.1.as_str())),
            text(rows.iter().map(|r| r.2)),
        ],
    )
}

fn needs_batch(needs: &[district::Need], zone: &Tz) -> Result<RecordBatch> {
    batch(
        "resident_needs",
        zone,
        vec![
            text(needs.iter().map(|n| COMMUNITIES[n.community].id)),
            text(needs.iter().map(|n| n.need)),
            Arc::new(Int64Array::from_iter_values(
                needs.iter().map(|n| n.households),
            )),
            Arc::new(Int64Array::from_iter_values(
                needs.iter().map(|n| n.elderly_households),
            )),
        ],
    )
}

fn services_batch(
    d: &district::District,
    services: &[district::Service],
    zone: &Tz,
) -> Result<RecordBatch> {
    batch(
        "shop_services",
        zone,
        vec![
            text(services.iter().map(|s| d.shops[s.shop].id.as_str())),
            text(services.iter().map(|s| s.service)),
            text(services.iter().map(|s| s.mode)),
            Arc::new(
                services
                    .iter()
                    .map(|s| s.since.map(epoch_days))
                    .collect::<Date32Array>(),
            ),
        ],
    )
}

fn readme_text(opts: &GenerateOptions, rows: &[(&'static str, u64)]) -> String {
    let mut table = String::new();
    for (name, n) in rows {
        let file = if *name == "orders" {
            "orders/part-YYYY-MM.parquet".to_string()
        } else {
            format!("{name}.parquet")
        };
        table.push_str(&format!("| {name} | {file} | {n} |\n"));
    }
    format!(
        "{MARKER}

Everything in this folder was made up by `yanhuo generate`. 这是合成数据：不是真实的商户、居民或顾客。
No row describes a real shop, resident or customer of {STREET} (Chaohui Street, Gongshu
District, Hangzhou). The community names are invented except 黎园社区 (Liyuan); shop names
are common patterns (老王面馆, 朝晖鲜果); customers are pseudonyms (`c-<community>-<n>`).

Only two things are real: the lockdown (`{id}`: {area}, {level}, 2022-04-23 02:00 to
2022-04-30 00:00 local time) and China's 2022 holidays and adjusted workdays (调休).

Made with:

    {command}

Seed {seed}, {shops} shops, {from} to {to}, zone {zone}. The same command gives the same rows.

| table | file | rows |
|---|---|---|
{table}
What the generator assumes, so nobody mistakes it for a finding:
- every shop closes at the lockdown's start; most reopen the morning it ends, about one in
  ten days later, about 1% never; a few press \"closed\" twice, a handful renovated in March;
- while closed, shops sell only online, at a share of normal revenue set by category
  (fresh produce 60-120%, dining 30-50%, barbers almost nothing, clinics little);
- after reopening, in-store trade and door-counter visitors recover over one to three weeks
  depending on the community, and online orders stay above their earlier share;
- about 2% of orders are refunded or cancelled; some shops have no door counter, and
  counters miss about 1.5% of days.

A planted finding, so a reader can check that \"Did the WeChat groups help?\" finds what was
put in: a shop in a community WeChat group (a `wechat_order` row with `since` on or before
2022-04-23) sells extra orders through the group, {lock:.0}% of a normal day's orders on each
lockdown date and {rec:.0}% on each of the 28 recovery dates, twice that in Liyuan (the pilot);
each community's effect is that times 1 + {spread:.1} × a standard normal draw (seeded), so
the groups worked better in some communities than in others. Nothing else depends on
membership: without the plant the effect would be 0 but for chance.
",
        lock = 100.0 * district::PLANTED_LOCKDOWN,
        rec = 100.0 * district::PLANTED_RECOVERY,
        spread = district::PLANTED_COMMUNITY_SPREAD,
        id = district::LOCKDOWN_ID,
        area = district::LOCKDOWN_AREA,
        level = district::LOCKDOWN_LEVEL,
        command = opts.command(),
        seed = opts.seed,
        shops = opts.shops,
        from = opts.from,
        to = opts.to,
        zone = opts.zone.name(),
    )
}

#[cfg(test)]
mod tests;
