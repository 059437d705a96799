//! SQL functions yanhuo adds to DataFusion, for what plain SQL cannot say cleanly.
//!
//! `local_date(ts)`: the calendar date of an instant in the district's zone. Every daily
//! figure is by local date (METRICS.md), and a cast to DATE would take the date in whatever
//! zone the value happens to carry, or in UTC.
//!
//! `wild_cluster_interval(num, base, member, stratum, cluster)` and
//! `wild_cluster_band(num, base, member, stratum, cluster, cell)`: the interval of "Did the
//! WeChat groups help?", computed in Rust ([`wild_cluster`]) so the figure stays one SQL file.

pub mod wild_cluster;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array, PrimitiveArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::{max, min};
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::interval_arithmetic::Interval;
use datafusion::logical_expr::preimage::PreimageResult;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;

pub fn register(ctx: &SessionContext, zone: Tz) {
    ctx.register_udf(local_date(zone));
    ctx.register_udaf(wild_cluster::interval_udaf());
    ctx.register_udaf(wild_cluster::band_udaf());
}

/// `local_date` for `zone`; a Ballista scheduler and its executors register it too.
pub fn local_date(zone: Tz) -> ScalarUDF {
    ScalarUDF::from(LocalDate::new(zone))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LocalDate {
    zone: Tz,
    signature: Signature,
}

impl LocalDate {
    fn new(zone: Tz) -> Self {
        Self {
            zone,
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;
const DAY: i64 = 86_400_000_000;
const QUARTER_HOUR: i64 = 900_000_000;

/// The zone's offset from UTC at an instant, in microseconds.
fn offset_micros(micros: i64, zone: &Tz) -> Option<i64> {
    use chrono::Offset;
    let instant = DateTime::<Utc>::from_timestamp_micros(micros)?;
    let offset = instant.with_timezone(zone).offset().fix().local_minus_utc();
    Some(i64::from(offset) * 1_000_000)
}

/// Days since 1970-01-01 of the local date of `micros` (an instant) in `zone`.
pub fn local_date_days(micros: i64, zone: &Tz) -> Option<i32> {
    let instant = DateTime::<Utc>::from_timestamp_micros(micros)?;
    let date: NaiveDate = instant.with_timezone(zone).date_naive();
    Some(chrono::Datelike::num_days_from_ce(&date) - UNIX_EPOCH_DAYS_FROM_CE)
}

/// Days a batch may span and still be looked up day by day (a month's orders span 31).
const SPAN_DAYS: i64 = 400;
/// Whole UTC days remembered per process: years of days, a few megabytes at most.
const REMEMBERED_DAYS: usize = 1 << 16;

/// The zone's offset over a whole UTC day, where it has one: looked up once per zone and day
/// for the whole process, since every batch of orders falls on the same few hundred days.
static DAY_OFFSETS: LazyLock<RwLock<DayOffsets>> = LazyLock::new(Default::default);

/// Offset in microseconds by zone and UTC day (days since 1970-01-01).
type DayOffsets = HashMap<(Tz, i64), Option<i64>>;

/// The offset of UTC day `day` if it is the same at each of the day's quarter hours and at
/// its end, so the same all day (a zone's offset holds for at least a quarter hour); None
/// on the day of a change, or outside the dates chrono knows.
fn whole_day_offset(day: i64, zone: &Tz) -> Option<i64> {
    let start = day.checked_mul(DAY)?;
    // Past the end, every instant of the day below is in range.
    start.checked_add(DAY)?;
    let first = offset_micros(start, zone)?;
    (1..=DAY / QUARTER_HOUR)
        .map(|q| {
            offset_micros(
                start + q * QUARTER_HOUR - i64::from(q == DAY / QUARTER_HOUR),
                zone,
            )
        })
        .all(|offset| offset == Some(first))
        .then_some(first)
}

/// Each UTC day from `first` to `last` with its offset where it has one all day; the days
/// not remembered yet are worked out and remembered.
fn day_offsets(first: i64, last: i64, zone: &Tz) -> Vec<Option<i64>> {
    let known: Vec<Option<Option<i64>>> = match DAY_OFFSETS.read() {
        Ok(m) => (first..=last)
            .map(|d| m.get(&(*zone, d)).copied())
            .collect(),
        Err(_) => vec![None; (last - first + 1) as usize],
    };
    let missing = known.iter().any(Option::is_none);
    let offsets: Vec<Option<i64>> = known
        .into_iter()
        .zip(first..=last)
        .map(|(k, d)| k.unwrap_or_else(|| whole_day_offset(d, zone)))
        .collect();
    if missing
        && let Ok(mut m) = DAY_OFFSETS.write()
        && m.len() + offsets.len() <= REMEMBERED_DAYS
    {
        for (d, offset) in (first..=last).zip(&offsets) {
            m.insert((*zone, d), *offset);
        }
    }
    offsets
}

/// The local dates of a batch of instants. Looking the zone up is the cost (millions of
/// orders): a batch whose days share one offset is shifted by it, with no lookup per row;
/// one that crosses a change looks up only the rows of that day.
fn dates_in_zone(micros: &PrimitiveArray<TimestampMicrosecondType>, zone: &Tz) -> Date32Array {
    let (Some(lo), Some(hi)) = (min(micros), max(micros)) else {
        return Date32Array::new_null(micros.len());
    };
    let (first, last) = (lo.div_euclid(DAY), hi.div_euclid(DAY));
    if last - first > SPAN_DAYS {
        return micros
            .iter()
            .map(|v| v.and_then(|m| local_date_days(m, zone)))
            .collect();
    }
    let offsets = day_offsets(first, last, zone);
    if let [Some(one), rest @ ..] = offsets.as_slice()
        && rest.iter().all(|o| o == &Some(*one))
    {
        return micros.unary(|m| (m + one).div_euclid(DAY) as i32);
    }
    micros
        .iter()
        .map(|v| {
            let m = v?;
            match offsets[(m.div_euclid(DAY) - first) as usize] {
                Some(offset) => Some((m + offset).div_euclid(DAY) as i32),
                None => local_date_days(m, zone),
            }
        })
        .collect()
}

/// The first instant, in microseconds, whose local date is `day` (days since 1970-01-01): its
/// local midnight in `zone`, or for a wall-clock time with no zone the midnight itself.
/// None where that midnight is skipped or repeated by a change of offset: there the dates
/// around it do not follow the instants in order, and no range says which is which.
fn day_start(day: i32, zone: Option<&Tz>) -> Option<i64> {
    use chrono::TimeZone;
    let midnight = NaiveDate::from_num_days_from_ce_opt(day.checked_add(UNIX_EPOCH_DAYS_FROM_CE)?)?
        .and_hms_opt(0, 0, 0)?;
    match zone {
        None => Some(midnight.and_utc().timestamp_micros()),
        Some(zone) => match zone.from_local_datetime(&midnight) {
            chrono::LocalResult::Single(instant) => Some(instant.timestamp_micros()),
            _ => None,
        },
    }
}

/// `micros` as a literal of the column's own type, where that unit holds it exactly.
fn timestamp_scalar(micros: i64, unit: &TimeUnit, tz: &Option<Arc<str>>) -> Option<ScalarValue> {
    let exact = |per: i64| (micros % per == 0).then_some(micros / per);
    let tz = tz.clone();
    Some(match unit {
        TimeUnit::Second => ScalarValue::TimestampSecond(Some(exact(1_000_000)?), tz),
        TimeUnit::Millisecond => ScalarValue::TimestampMillisecond(Some(exact(1_000)?), tz),
        TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(Some(micros), tz),
        TimeUnit::Nanosecond => {
            ScalarValue::TimestampNanosecond(Some(micros.checked_mul(1_000)?), tz)
        }
    })
}

impl ScalarUDFImpl for LocalDate {
    fn name(&self) -> &str {
        "local_date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [DataType::Timestamp(_, _)] | [DataType::Null] => Ok(DataType::Date32),
            [other] => plan_err!("local_date takes a timestamp, not {other}"),
            _ => plan_err!("local_date takes one argument"),
        }
    }

    /// `local_date(ts) op DATE 'd'` as a range on `ts` itself, which Parquet's statistics can
    /// prune (a planner's day of a city's orders reads one month's file, not twelve).
    fn preimage(
        &self,
        args: &[Expr],
        lit_expr: &Expr,
        info: &SimplifyContext,
    ) -> Result<PreimageResult> {
        let ([arg], Some(ScalarValue::Date32(Some(day)))) = (args, lit_expr.as_literal()) else {
            return Ok(PreimageResult::None);
        };
        let DataType::Timestamp(unit, tz) = info.get_data_type(arg)? else {
            return Ok(PreimageResult::None);
        };
        let zone = tz.as_ref().map(|_| &self.zone);
        let bounds = day.checked_add(1).and_then(|next| {
            let lower = timestamp_scalar(day_start(*day, zone)?, &unit, &tz)?;
            let upper = timestamp_scalar(day_start(next, zone)?, &unit, &tz)?;
            Some((lower, upper))
        });
        let Some((lower, upper)) = bounds else {
            return Ok(PreimageResult::None);
        };
        Ok(PreimageResult::Range {
            expr: arg.clone(),
            interval: Box::new(Interval::try_new(lower, upper)?),
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [arg] = args.args.as_slice() else {
            return exec_err!("local_date takes one argument");
        };
        let array: ArrayRef = arg.to_array(args.number_rows)?;
        let out: Date32Array = match array.data_type() {
            DataType::Null => Date32Array::new_null(array.len()),
            DataType::Timestamp(_, tz) => {
                let micros = cast(
                    &array,
                    &DataType::Timestamp(TimeUnit::Microsecond, tz.clone()),
                )?;
                let micros = micros.as_primitive::<TimestampMicrosecondType>();
                match tz {
                    Some(_) => dates_in_zone(micros, &self.zone),
                    // A wall-clock time with no zone is already local.
                    None => micros.unary(|m| m.div_euclid(DAY) as i32),
                }
            }
            other => return exec_err!("local_date takes a timestamp, not {other}"),
        };
        let out: ArrayRef = Arc::new(out);
        Ok(match arg {
            ColumnarValue::Scalar(_) => {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
            }
            ColumnarValue::Array(_) => ColumnarValue::Array(out),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_offsets_give_the_same_dates_across_a_daylight_saving_change() {
        // New York springs forward at 2022-03-13 07:00 UTC; step through it by 7 minutes.
        let zone = chrono_tz::America::New_York;
        let start = 1_647_129_600_000_000; // 2022-03-13 00:00 UTC
        let values: Vec<i64> = (0..200).map(|i| start + i * 420_000_000).collect();
        let udf = LocalDate::new(zone);
        let array = datafusion::arrow::array::TimestampMicrosecondArray::from(values.clone())
            .with_timezone("UTC");
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(Arc::new(array))],
            arg_fields: vec![],
            number_rows: values.len(),
            return_field: Arc::new(datafusion::arrow::datatypes::Field::new(
                "d",
                DataType::Date32,
                true,
            )),
            config_options: Arc::new(datafusion::config::ConfigOptions::default()),
        };
        let ColumnarValue::Array(out) = udf.invoke_with_args(args).unwrap() else {
            panic!()
        };
        let out = out.as_primitive::<datafusion::arrow::datatypes::Date32Type>();
        for (i, m) in values.iter().enumerate() {
            assert_eq!(Some(out.value(i)), local_date_days(*m, &zone), "at {m}");
        }
    }

    #[test]
    fn a_batch_gives_each_rows_own_date_whatever_days_it_spans() {
        // Instants out of order (as orders sorted by shop are), with nulls, over: a month in
        // Hangzhou; New York's spring and autumn changes; Lord Howe's half-hour change; a
        // span longer than is looked up day by day; and nothing but nulls.
        let mut state = 7_u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as i64
        };
        let april = 1_648_771_200_000_000; // 2022-04-01 00:00 UTC
        let new_york_spring = 1_647_129_600_000_000; // 2022-03-13 00:00 UTC
        let new_york_autumn = 1_667_692_800_000_000; // 2022-11-06 00:00 UTC
        let lord_howe = 1_648_900_000_000_000; // 2022-04-02, the night of its change
        let cases: [(Tz, i64, i64); 5] = [
            (chrono_tz::Asia::Shanghai, april, 31 * DAY),
            (
                chrono_tz::America::New_York,
                new_york_spring - 3 * DAY,
                6 * DAY,
            ),
            (chrono_tz::America::New_York, new_york_autumn, 2 * DAY),
            (chrono_tz::Australia::Lord_Howe, lord_howe - DAY, 2 * DAY),
            (chrono_tz::Asia::Shanghai, april, 3 * 365 * DAY),
        ];
        for (zone, start, span) in cases {
            let values: Vec<Option<i64>> = (0..5_000)
                .map(|i| (i % 97 != 0).then(|| start + next() % span))
                .collect();
            let array = PrimitiveArray::<TimestampMicrosecondType>::from(values.clone());
            let out = dates_in_zone(&array, &zone);
            for (i, v) in values.iter().enumerate() {
                let expected = v.and_then(|m| local_date_days(m, &zone));
                assert_eq!(
                    out.is_valid(i).then(|| out.value(i)),
                    expected,
                    "{zone} at {v:?}"
                );
            }
        }
        let nulls = PrimitiveArray::<TimestampMicrosecondType>::from(vec![None, None]);
        assert_eq!(
            dates_in_zone(&nulls, &chrono_tz::Asia::Shanghai).null_count(),
            2
        );
    }

    #[test]
    fn a_day_has_one_offset_unless_the_zone_changes_on_it() {
        let new_york = chrono_tz::America::New_York;
        let day = 1_647_129_600_000_000 / DAY; // 2022-03-13, clocks go forward at 07:00 UTC
        assert_eq!(whole_day_offset(day, &new_york), None);
        assert_eq!(
            whole_day_offset(day - 1, &new_york),
            Some(-5 * 3_600_000_000)
        );
        assert_eq!(
            whole_day_offset(day + 1, &new_york),
            Some(-4 * 3_600_000_000)
        );
        assert_eq!(whole_day_offset(i64::MAX / DAY, &new_york), None);
    }

    /// Rows of `local_date(ts) op DATE 'd'` as DataFusion answers it (rewritten to a range on
    /// `ts`), against the date of each row worked out one by one.
    #[tokio::test]
    async fn a_comparison_with_a_date_selects_the_same_rows_as_a_range_on_the_instant() {
        use datafusion::arrow::array::{RecordBatch, TimestampMicrosecondArray};
        use datafusion::arrow::datatypes::{Field, Schema};
        // New York's spring change (2022-03-13 02:00 local) and São Paulo's of 2018-11-04,
        // which skipped local midnight itself: there the rows are compared one by one.
        let cases = [
            (chrono_tz::America::New_York, 1_646_870_400_000_000_i64), // 2022-03-10 UTC
            (chrono_tz::America::Sao_Paulo, 1_541_030_400_000_000),    // 2018-11-01 UTC
        ];
        for (zone, start) in cases {
            let instants: Vec<Option<i64>> = (0..400)
                .map(|i| (i % 53 != 0).then_some(start + i * 37 * 60_000_000))
                .collect();
            let schema = Arc::new(Schema::new(vec![
                Field::new(
                    "ts",
                    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                    true,
                ),
                Field::new(
                    "wall",
                    DataType::Timestamp(TimeUnit::Microsecond, None),
                    true,
                ),
            ]));
            let batch = RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(
                        TimestampMicrosecondArray::from(instants.clone()).with_timezone("UTC"),
                    ),
                    Arc::new(TimestampMicrosecondArray::from(instants.clone())),
                ],
            )
            .unwrap();
            let ctx = SessionContext::new();
            register(&ctx, zone);
            let table =
                datafusion::datasource::MemTable::try_new(schema, vec![vec![batch]]).unwrap();
            ctx.register_table("t", Arc::new(table)).unwrap();
            let first = start.div_euclid(DAY) as i32;
            for day in first - 1..first + 7 {
                let date =
                    NaiveDate::from_num_days_from_ce_opt(day + UNIX_EPOCH_DAYS_FROM_CE).unwrap();
                for (op, keep) in [
                    ("=", (|a, b| a == b) as fn(i32, i32) -> bool),
                    ("<>", |a, b| a != b),
                    ("<", |a, b| a < b),
                    ("<=", |a, b| a <= b),
                    (">", |a, b| a > b),
                    (">=", |a, b| a >= b),
                ] {
                    for (column, local) in [("ts", true), ("wall", false)] {
                        let sql = format!(
                            "SELECT count(*) FROM t WHERE local_date({column}) {op} DATE '{date}'"
                        );
                        let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
                        let counted = batches[0]
                            .column(0)
                            .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                            .value(0);
                        let expected = instants
                            .iter()
                            .flatten()
                            .map(|m| {
                                if local {
                                    local_date_days(*m, &zone).unwrap()
                                } else {
                                    m.div_euclid(DAY) as i32
                                }
                            })
                            .filter(|d| keep(*d, day))
                            .count() as i64;
                        assert_eq!(counted, expected, "{zone}: {sql}");
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn a_date_comparison_becomes_a_range_that_parquet_can_prune_on() {
        let ctx = SessionContext::new();
        register(&ctx, chrono_tz::Asia::Shanghai);
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![
            datafusion::arrow::datatypes::Field::new(
                "ordered_at",
                DataType::Timestamp(TimeUnit::Microsecond, Some("+08:00".into())),
                true,
            ),
        ]));
        let table = datafusion::datasource::MemTable::try_new(schema, vec![vec![]]).unwrap();
        ctx.register_table("orders", Arc::new(table)).unwrap();
        let plan = ctx
            .sql("SELECT * FROM orders WHERE local_date(ordered_at) BETWEEN DATE '2022-04-23' AND DATE '2022-04-30'")
            .await
            .unwrap()
            .into_optimized_plan()
            .unwrap();
        let text = plan.display_indent().to_string();
        // 2022-04-23 00:00 in Hangzhou is 04-22 16:00 UTC; the range ends at 05-01 00:00 local.
        let from = 1_650_643_200_000_000_i64;
        let to = from + 8 * DAY;
        assert!(
            text.contains(&format!(
                "orders.ordered_at >= TimestampMicrosecond({from}, Some(\"+08:00\"))"
            )) && text.contains(&format!(
                "orders.ordered_at < TimestampMicrosecond({to}, Some(\"+08:00\"))"
            )) && !text.contains("local_date"),
            "{text}"
        );
    }

    #[test]
    fn utc_evening_is_next_local_day_in_shanghai() {
        // 2022-04-22T18:30:00Z is 2022-04-23 02:30 in Hangzhou.
        let micros = 1_650_652_200_000_000;
        let days = local_date_days(micros, &chrono_tz::Asia::Shanghai).unwrap();
        let date = NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_DAYS_FROM_CE).unwrap();
        assert_eq!(date, NaiveDate::from_ymd_opt(2022, 4, 23).unwrap());
    }
}
