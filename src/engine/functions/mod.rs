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

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
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
                    // An instant: its date where the shops are. Looking the zone up is the cost
                    // (millions of orders); a zone's offset holds for at least a quarter hour, so
                    // rows in the same quarter hour reuse it.
                    Some(_) => {
                        let mut last: Option<(i64, i64)> = None;
                        micros
                            .iter()
                            .map(|v| {
                                let m = v?;
                                let quarter = m.div_euclid(QUARTER_HOUR);
                                let offset = match last {
                                    Some((q, offset)) if q == quarter => offset,
                                    _ => {
                                        let offset = offset_micros(m, &self.zone)?;
                                        last = Some((quarter, offset));
                                        offset
                                    }
                                };
                                Some((m + offset).div_euclid(DAY) as i32)
                            })
                            .collect()
                    }
                    // A wall-clock time with no zone is already local.
                    None => micros
                        .iter()
                        .map(|v| v.map(|m| m.div_euclid(DAY) as i32))
                        .collect(),
                }
            }
            other => return exec_err!("local_date takes a timestamp, not {other}"),
        };
        let out: ArrayRef = Arc::new(out);
        Ok(match arg {
            ColumnarValue::Scalar(_) => {
                ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&out, 0)?)
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
    fn utc_evening_is_next_local_day_in_shanghai() {
        // 2022-04-22T18:30:00Z is 2022-04-23 02:30 in Hangzhou.
        let micros = 1_650_652_200_000_000;
        let days = local_date_days(micros, &chrono_tz::Asia::Shanghai).unwrap();
        let date = NaiveDate::from_num_days_from_ce_opt(days + UNIX_EPOCH_DAYS_FROM_CE).unwrap();
        assert_eq!(date, NaiveDate::from_ymd_opt(2022, 4, 23).unwrap());
    }
}
