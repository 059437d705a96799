//! Postgres's binary format, for the clients that ask for it (asyncpg asks for every
//! column, psycopg when told to): values out, and `$n` parameters in.
//!
//! Dates count days and timestamps microseconds from 2000-01-01 (UTC for `timestamptz`);
//! `numeric` is base-10000 digits with a weight and a display scale.

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::scalar::ScalarValue;
use pgwire::api::Type;

/// Days from 1970-01-01 to 2000-01-01, Postgres's epoch.
const EPOCH_DAYS: i32 = 10_957;
/// Microseconds from 1970-01-01 to 2000-01-01.
const EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One non-null value of `column` in binary, or None for a type sent as text (its text
/// bytes are then the binary form: text, varchar and what travels as text).
pub fn value(column: &dyn Array, row: usize) -> Option<Vec<u8>> {
    Some(match column.data_type() {
        DataType::Boolean => vec![u8::from(column.as_boolean().value(row))],
        DataType::Int8 => i16::from(column.as_primitive::<Int8Type>().value(row))
            .to_be_bytes()
            .to_vec(),
        DataType::UInt8 => i16::from(column.as_primitive::<UInt8Type>().value(row))
            .to_be_bytes()
            .to_vec(),
        DataType::Int16 => column
            .as_primitive::<Int16Type>()
            .value(row)
            .to_be_bytes()
            .to_vec(),
        DataType::Int32 => column
            .as_primitive::<Int32Type>()
            .value(row)
            .to_be_bytes()
            .to_vec(),
        DataType::UInt16 => i32::from(column.as_primitive::<UInt16Type>().value(row))
            .to_be_bytes()
            .to_vec(),
        DataType::Int64 => column
            .as_primitive::<Int64Type>()
            .value(row)
            .to_be_bytes()
            .to_vec(),
        DataType::UInt32 => i64::from(column.as_primitive::<UInt32Type>().value(row))
            .to_be_bytes()
            .to_vec(),
        DataType::UInt64 => numeric(
            i128::from(column.as_primitive::<UInt64Type>().value(row)),
            0,
        ),
        DataType::Float32 => column
            .as_primitive::<Float32Type>()
            .value(row)
            .to_be_bytes()
            .to_vec(),
        DataType::Float64 => column
            .as_primitive::<Float64Type>()
            .value(row)
            .to_be_bytes()
            .to_vec(),
        DataType::Decimal128(_, scale) if *scale >= 0 => numeric(
            column.as_primitive::<Decimal128Type>().value(row),
            *scale as u16,
        ),
        DataType::Date32 => (column.as_primitive::<Date32Type>().value(row) - EPOCH_DAYS)
            .to_be_bytes()
            .to_vec(),
        DataType::Timestamp(unit, _) => {
            let micros = match unit {
                TimeUnit::Second => column
                    .as_primitive::<TimestampSecondType>()
                    .value(row)
                    .checked_mul(1_000_000)?,
                TimeUnit::Millisecond => column
                    .as_primitive::<TimestampMillisecondType>()
                    .value(row)
                    .checked_mul(1_000)?,
                TimeUnit::Microsecond => {
                    column.as_primitive::<TimestampMicrosecondType>().value(row)
                }
                TimeUnit::Nanosecond => {
                    column.as_primitive::<TimestampNanosecondType>().value(row) / 1_000
                }
            };
            (micros - EPOCH_MICROS).to_be_bytes().to_vec()
        }
        _ => return None,
    })
}

/// `value × 10^-scale` as Postgres's binary numeric.
pub fn numeric(value: i128, scale: u16) -> Vec<u8> {
    let negative = value < 0;
    let magnitude = value.unsigned_abs();
    let divisor = 10u128.pow(u32::from(scale));
    let (whole, fraction) = (magnitude / divisor, magnitude % divisor);

    // Whole part in base 10,000 from the right; the fraction from the left, padded to a
    // multiple of four decimal digits.
    let mut groups = Vec::new();
    let mut rest = whole;
    while rest > 0 {
        groups.push((rest % 10_000) as i16);
        rest /= 10_000;
    }
    groups.reverse();
    let mut weight = groups.len() as i16 - 1;
    if scale > 0 {
        let mut digits = format!("{fraction:0width$}", width = usize::from(scale));
        while digits.len() % 4 != 0 {
            digits.push('0');
        }
        for chunk in digits.as_bytes().chunks(4) {
            let text = std::str::from_utf8(chunk).unwrap_or("0");
            groups.push(text.parse().unwrap_or(0));
        }
    }
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };
    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&scale.to_be_bytes());
    for group in groups {
        out.extend_from_slice(&group.to_be_bytes());
    }
    out
}

/// Postgres's binary numeric as decimal text (`-12.50`), or None when malformed or NaN.
pub fn numeric_text(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i16> {
        Some(i16::from_be_bytes(bytes.get(i..i + 2)?.try_into().ok()?))
    };
    let (count, weight, sign, scale) = (word(0)?, word(2)?, word(4)? as u16, word(6)?);
    if sign == 0xC000 || count < 0 || scale < 0 {
        return None;
    }
    let groups: Vec<i16> = (0..count as usize)
        .map(|i| word(8 + 2 * i))
        .collect::<Option<_>>()?;
    let mut whole = String::new();
    for position in 0..=weight.max(-1) {
        let group = groups.get(position as usize).copied().unwrap_or(0);
        if whole.is_empty() {
            whole = group.to_string();
        } else {
            whole.push_str(&format!("{group:04}"));
        }
    }
    if whole.is_empty() {
        whole.push('0');
    }
    let mut fraction = String::new();
    let mut position = weight + 1;
    while fraction.len() < scale as usize {
        let group = if position < 0 {
            0
        } else {
            groups.get(position as usize).copied().unwrap_or(0)
        };
        fraction.push_str(&format!("{group:04}"));
        position += 1;
    }
    fraction.truncate(scale as usize);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Some(if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    })
}

/// A binary `$n` parameter of Postgres type `ty` as a typed value, or None when its bytes
/// are not that type's.
pub fn parameter(ty: &Type, bytes: &[u8]) -> Option<ScalarValue> {
    let fixed = |n: usize| -> Option<&[u8]> { (bytes.len() == n).then_some(bytes) };
    Some(match ty {
        t if *t == Type::BOOL => ScalarValue::Boolean(Some(fixed(1)?[0] != 0)),
        t if *t == Type::INT2 => ScalarValue::Int64(Some(i64::from(i16::from_be_bytes(
            fixed(2)?.try_into().ok()?,
        )))),
        t if *t == Type::INT4 || *t == Type::OID => ScalarValue::Int64(Some(i64::from(
            i32::from_be_bytes(fixed(4)?.try_into().ok()?),
        ))),
        t if *t == Type::INT8 => {
            ScalarValue::Int64(Some(i64::from_be_bytes(fixed(8)?.try_into().ok()?)))
        }
        t if *t == Type::FLOAT4 => ScalarValue::Float64(Some(f64::from(f32::from_be_bytes(
            fixed(4)?.try_into().ok()?,
        )))),
        t if *t == Type::FLOAT8 => {
            ScalarValue::Float64(Some(f64::from_be_bytes(fixed(8)?.try_into().ok()?)))
        }
        t if *t == Type::NUMERIC => ScalarValue::Float64(Some(numeric_text(bytes)?.parse().ok()?)),
        t if *t == Type::DATE => ScalarValue::Date32(Some(
            i32::from_be_bytes(fixed(4)?.try_into().ok()?).checked_add(EPOCH_DAYS)?,
        )),
        t if *t == Type::TIMESTAMP => ScalarValue::TimestampMicrosecond(
            Some(i64::from_be_bytes(fixed(8)?.try_into().ok()?).checked_add(EPOCH_MICROS)?),
            None,
        ),
        t if *t == Type::TIMESTAMPTZ => ScalarValue::TimestampMicrosecond(
            Some(i64::from_be_bytes(fixed(8)?.try_into().ok()?).checked_add(EPOCH_MICROS)?),
            Some("UTC".into()),
        ),
        // Text, varchar, name, unknown: the bytes are the text.
        _ => ScalarValue::Utf8(Some(std::str::from_utf8(bytes).ok()?.to_string())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Date32Array, TimestampMicrosecondArray};

    fn words(bytes: &[u8]) -> Vec<i16> {
        bytes
            .chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    #[test]
    fn numerics_are_base_ten_thousand_digits() {
        // 12.50: one whole group (12), one fraction group (5000), weight 0, scale 2.
        assert_eq!(words(&numeric(1250, 2)), vec![2, 0, 0, 2, 12, 5000]);
        // 0.05: no whole group; the first fraction group 0500 has weight -1.
        assert_eq!(words(&numeric(5, 2)), vec![1, -1, 0, 2, 500]);
        // 123456.7: whole 12|3456 (weight 1) and fraction 7000.
        assert_eq!(
            words(&numeric(1_234_567, 1)),
            vec![3, 1, 0, 1, 12, 3456, 7000]
        );
        // -20000.00: trailing zero groups dropped, sign 0x4000.
        assert_eq!(words(&numeric(-2_000_000, 2)), vec![1, 1, 0x4000, 2, 2]);
        assert_eq!(words(&numeric(0, 2)), vec![0, 0, 0, 2]);
        for (value, scale, text) in [
            (1250, 2, "12.50"),
            (5, 2, "0.05"),
            (1_234_567, 1, "123456.7"),
            (-2_000_000, 2, "-20000.00"),
            (0, 2, "0.00"),
            (7, 0, "7"),
        ] {
            assert_eq!(numeric_text(&numeric(value, scale)).as_deref(), Some(text));
        }
    }

    #[test]
    fn dates_and_timestamps_count_from_2000() {
        // 2022-04-23 is day 19,105 after 1970-01-01, so day 8,148 after 2000-01-01.
        let dates = Date32Array::from(vec![19_105]);
        assert_eq!(value(&dates, 0), Some(8_148i32.to_be_bytes().to_vec()));
        // 2000-01-01T00:00:01Z: one second after Postgres's epoch.
        let instants = TimestampMicrosecondArray::from(vec![EPOCH_MICROS + 1_000_000])
            .with_timezone("Asia/Shanghai");
        assert_eq!(
            value(&instants, 0),
            Some(1_000_000i64.to_be_bytes().to_vec())
        );
        assert_eq!(
            parameter(&Type::DATE, &8_148i32.to_be_bytes()),
            Some(ScalarValue::Date32(Some(19_105)))
        );
    }
}
