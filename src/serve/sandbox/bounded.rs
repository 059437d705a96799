//! Functions that build values from a few bytes of SQL, bounded before they build.
//!
//! DataFusion's memory pool counts what operators hold (hash tables, sorts), not what a
//! scalar function allocates: `SELECT length(repeat('x', 1000000000))` took 4 GB outside a
//! 512 MiB pool, and `lpad('x', 1500000000)` 5.9 GB, in one call that no time limit can
//! interrupt. In the sandbox's context these functions keep their names, types and results
//! but first work out, from their arguments, how many bytes they would build: past
//! [`Caps::value`] for one value, or [`Caps::call`] for one batch, they refuse with
//! DataFusion's "resources exhausted", which the sandbox reports as its memory limit.
//! `||` on strings is planned as the same kind of bounded function (DataFusion evaluates it
//! with no check); `||` on lists stays DataFusion's.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::concat_elements::concat_elements_dyn;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{DFSchema, Result, ScalarValue};
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::BinaryOperator;

/// Bytes one value may have: a string or a list a function builds.
pub const VALUE_BYTES: usize = 16 << 20;

/// How much one call may build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Caps {
    /// Bytes of one value.
    pub value: usize,
    /// Bytes of one call's whole output (a batch of up to 8,192 values): a quarter of the
    /// query's memory, so a few such columns still fit in it.
    pub call: usize,
}

impl Caps {
    pub fn for_memory(memory: usize) -> Caps {
        let call = (memory / 4).max(1 << 20);
        Caps {
            value: VALUE_BYTES.min(call),
            call,
        }
    }
}

/// How a function's output grows with its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Growth {
    /// `repeat(text, n)`: the text n times.
    Repeat,
    /// `lpad`/`rpad(text, n [, fill])`: n characters, each at most as long as the fill.
    Pad,
    /// `replace(text, from, to)`: every `from` (or, for an empty one, every gap) becomes `to`.
    Replace,
    /// `concat(a, b, …)`, `||`: the sum of the arguments.
    Concat,
    /// `concat_ws(sep, a, b, …)`: the arguments and a separator between each two.
    ConcatWs,
    /// `overlay(text placing p …)`: at most the text and what is placed.
    Overlay,
    /// `array_repeat(element, n)`: n elements.
    ArrayRepeat,
    /// `range`/`generate_series(start, stop [, step])` as values: one integer per step.
    Series,
}

const BOUNDED: [(&str, Growth); 10] = [
    ("repeat", Growth::Repeat),
    ("lpad", Growth::Pad),
    ("rpad", Growth::Pad),
    ("replace", Growth::Replace),
    ("concat", Growth::Concat),
    ("concat_ws", Growth::ConcatWs),
    ("overlay", Growth::Overlay),
    ("array_repeat", Growth::ArrayRepeat),
    ("range", Growth::Series),
    ("generate_series", Growth::Series),
];

/// Replaces the functions above in `ctx` with bounded ones, and plans `||` bounded.
pub fn register(ctx: &mut SessionContext, caps: Caps) -> Result<()> {
    for (name, growth) in BOUNDED {
        // A function DataFusion was built without is not there to bound.
        let Ok(inner) = ctx.udf(name) else { continue };
        let mut signature = inner.signature().clone();
        signature.volatility = Volatility::Volatile;
        SessionContext::register_udf(
            ctx,
            ScalarUDF::new_from_impl(Bounded {
                inner: inner.as_ref().clone(),
                signature,
                growth,
                caps,
            }),
        );
    }
    let op = Arc::new(ScalarUDF::new_from_impl(ConcatOp::new(caps)));
    ctx.register_expr_planner(Arc::new(ConcatPlanner { op }))
}

/// A built-in function that checks what it would build first.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Bounded {
    inner: ScalarUDF,
    /// The inner function's, but volatile: see [`check`].
    signature: Signature,
    growth: Growth,
    caps: Caps,
}

impl ScalarUDFImpl for Bounded {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(
        &self,
        args: ReturnFieldArgs,
    ) -> Result<datafusion::arrow::datatypes::FieldRef> {
        self.inner.return_field_from_args(args)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.inner.documentation()
    }

    // `simplify` is not passed on: concat's rebuilds the call with DataFusion's own,
    // unbounded concat.

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        check(
            self.name(),
            self.growth,
            &args.args,
            args.number_rows,
            self.caps,
        )?;
        self.inner.invoke_with_args(args)
    }
}

/// Refuses a call whose output would pass `caps`, estimated from its arguments without
/// building anything (a scalar argument is read once, never repeated per row).
///
/// A call on constants returns one value, which the projection then copies into every row
/// of its batch: `repeat('x', 16000000)` over 8,192 rows is 128 GiB. So a call counts as
/// `number_rows` values whatever its arguments, and the bounded functions are volatile, so
/// the planner never folds them into a constant that escapes the count.
fn check(
    name: &str,
    growth: Growth,
    args: &[ColumnarValue],
    rows: usize,
    caps: Caps,
) -> Result<()> {
    let bytes = |i: usize| args.get(i).map(byte_lengths).transpose();
    let ints = |i: usize| args.get(i).map(integers).transpose();
    let per_row: Box<dyn Fn(usize) -> u64> = match growth {
        Growth::Repeat => {
            let (text, n) = (bytes(0)?, ints(1)?);
            Box::new(move |r| at(&text, r).saturating_mul(at(&n, r)))
        }
        Growth::Pad => {
            let (text, n, fill) = (bytes(0)?, ints(1)?, bytes(2)?);
            let fill_given = fill.is_some();
            Box::new(move |r| {
                let char_bytes = if fill_given { at(&fill, r).min(4) } else { 1 };
                at(&text, r).saturating_add(at(&n, r).saturating_mul(char_bytes))
            })
        }
        Growth::Replace => {
            let (text, from, to) = (bytes(0)?, bytes(1)?, bytes(2)?);
            Box::new(move |r| {
                let t = at(&text, r);
                let places = t / at(&from, r).max(1) + 1;
                t.saturating_add(places.saturating_mul(at(&to, r)))
            })
        }
        Growth::Concat | Growth::Overlay => {
            let all = (0..args.len()).map(bytes).collect::<Result<Vec<_>>>()?;
            Box::new(move |r| all.iter().fold(0u64, |s, a| s.saturating_add(at(a, r))))
        }
        Growth::ConcatWs => {
            let all = (0..args.len()).map(bytes).collect::<Result<Vec<_>>>()?;
            let gaps = args.len().saturating_sub(2) as u64;
            Box::new(move |r| {
                let parts = all[1..]
                    .iter()
                    .fold(0u64, |s, a| s.saturating_add(at(a, r)));
                parts.saturating_add(gaps.saturating_mul(at(&all[0], r)))
            })
        }
        Growth::ArrayRepeat => {
            let (element, n) = (bytes(0)?, ints(1)?);
            Box::new(move |r| at(&n, r).saturating_mul(at(&element, r).saturating_add(8)))
        }
        Growth::Series => {
            // Only integer series are estimated; dates and timestamps step by intervals,
            // and their lists are caught by the batch check of every operator.
            let integer = args
                .iter()
                .all(|a| a.data_type().is_integer() || a.data_type().is_null());
            if !integer {
                return Ok(());
            }
            let signed = |i: usize| args.get(i).map(signed_integers).transpose();
            let (a, b, c) = (signed(0)?, signed(1)?, signed(2)?);
            let one_arg = b.is_none();
            Box::new(move |r| {
                let (start, stop) = if one_arg {
                    (0, signed_at(&a, r))
                } else {
                    (signed_at(&a, r), signed_at(&b, r))
                };
                let step = if c.is_some() { signed_at(&c, r) } else { 1 };
                let span = (i128::from(stop) - i128::from(start)).unsigned_abs();
                let steps = span / i128::from(step).unsigned_abs().max(1) + 1;
                u64::try_from(steps.saturating_mul(8)).unwrap_or(u64::MAX)
            })
        }
    };
    let mut total = 0u64;
    for r in 0..rows {
        let one = per_row(r);
        if one > caps.value as u64 {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{name} would build a value of {one} bytes; one value may be at most {} MiB",
                caps.value >> 20
            )));
        }
        total = total.saturating_add(one);
        if total > caps.call as u64 {
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{name} would build more than {} MiB in one batch of {rows} rows",
                caps.call >> 20
            )));
        }
    }
    Ok(())
}

/// Per row: a scalar's value, or an array's values (None: null).
enum Values<T> {
    One(Option<T>),
    Each(Vec<Option<T>>),
}

fn value_at<T: Copy>(values: &Option<Values<T>>, row: usize) -> Option<T> {
    match values.as_ref()? {
        Values::One(v) => *v,
        Values::Each(v) => v.get(row).copied().flatten(),
    }
}

/// A length or count at `row`; a null or missing argument builds nothing.
fn at(values: &Option<Values<u64>>, row: usize) -> u64 {
    value_at(values, row).unwrap_or(0)
}

fn signed_at(values: &Option<Values<i64>>, row: usize) -> i64 {
    value_at(values, row).unwrap_or(0)
}

/// Bytes of each string or binary value; other types by their text.
fn byte_lengths(arg: &ColumnarValue) -> Result<Values<u64>> {
    Ok(match arg {
        ColumnarValue::Scalar(s) => Values::One(scalar_len(s)),
        ColumnarValue::Array(a) => Values::Each(array_lengths(a)?),
    })
}

fn scalar_len(s: &ScalarValue) -> Option<u64> {
    if s.is_null() {
        return None;
    }
    Some(match s {
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => t.len() as u64,
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b)) => b.len() as u64,
        other => other.to_string().len() as u64,
    })
}

fn array_lengths(a: &ArrayRef) -> Result<Vec<Option<u64>>> {
    let len = |s: &str| s.len() as u64;
    let blen = |b: &[u8]| b.len() as u64;
    Ok(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().iter().map(|v| v.map(len)).collect(),
        DataType::LargeUtf8 => a.as_string::<i64>().iter().map(|v| v.map(len)).collect(),
        DataType::Utf8View => a.as_string_view().iter().map(|v| v.map(len)).collect(),
        DataType::Binary => a.as_binary::<i32>().iter().map(|v| v.map(blen)).collect(),
        DataType::LargeBinary => a.as_binary::<i64>().iter().map(|v| v.map(blen)).collect(),
        DataType::BinaryView => a.as_binary_view().iter().map(|v| v.map(blen)).collect(),
        _ => {
            let text = cast(a, &DataType::LargeUtf8)?;
            text.as_string::<i64>().iter().map(|v| v.map(len)).collect()
        }
    })
}

/// Counts: negative ones build nothing.
fn integers(arg: &ColumnarValue) -> Result<Values<u64>> {
    Ok(match signed_integers(arg)? {
        Values::One(v) => Values::One(v.map(|n| n.max(0) as u64)),
        Values::Each(v) => {
            Values::Each(v.into_iter().map(|n| n.map(|n| n.max(0) as u64)).collect())
        }
    })
}

fn signed_integers(arg: &ColumnarValue) -> Result<Values<i64>> {
    Ok(match arg {
        ColumnarValue::Scalar(s) => Values::One(match s.cast_to(&DataType::Int64)? {
            ScalarValue::Int64(v) => v,
            _ => None,
        }),
        ColumnarValue::Array(a) => {
            let ints = cast(a, &DataType::Int64)?;
            Values::Each(ints.as_primitive::<Int64Type>().iter().collect())
        }
    })
}

/// `a || b` on strings: null when either is, as DataFusion's operator.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ConcatOp {
    signature: Signature,
    caps: Caps,
}

impl ConcatOp {
    fn new(caps: Caps) -> ConcatOp {
        ConcatOp {
            // Volatile for the reason the bounded functions are (see `check`).
            signature: Signature::user_defined(Volatility::Volatile),
            caps,
        }
    }
}

impl ScalarUDFImpl for ConcatOp {
    fn name(&self) -> &str {
        "||"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    // Both sides one string type: views stay views (Parquet's strings), otherwise text.
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let common = if arg_types.iter().all(|t| t == &DataType::Utf8View) {
            DataType::Utf8View
        } else if arg_types.contains(&DataType::LargeUtf8) {
            DataType::LargeUtf8
        } else {
            DataType::Utf8
        };
        Ok(vec![common; arg_types.len()])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(arg_types.first().cloned().unwrap_or(DataType::Utf8))
    }

    // Columns keep the names DataFusion's operator gives them.
    fn display_name(&self, args: &[Expr]) -> Result<String> {
        let names: Vec<String> = args.iter().map(ToString::to_string).collect();
        Ok(names.join(" || "))
    }

    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        let names: Vec<String> = args.iter().map(|e| e.schema_name().to_string()).collect();
        Ok(names.join(" || "))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        check(
            "||",
            Growth::Concat,
            &args.args,
            args.number_rows,
            self.caps,
        )?;
        let [left, right] = args.args.as_slice() else {
            return Err(DataFusionError::Internal("|| takes two sides".into()));
        };
        let out_type = args.return_field.data_type().clone();
        if let (ColumnarValue::Scalar(l), ColumnarValue::Scalar(r)) = (left, right) {
            let text = match (l.try_as_str().flatten(), r.try_as_str().flatten()) {
                (Some(l), Some(r)) => Some(format!("{l}{r}")),
                _ => None,
            };
            return Ok(ColumnarValue::Scalar(
                ScalarValue::Utf8(text).cast_to(&out_type)?,
            ));
        }
        let rows = args.number_rows;
        let left = cast(&left.to_array(rows)?, &out_type)?;
        let right = cast(&right.to_array(rows)?, &out_type)?;
        Ok(ColumnarValue::Array(concat_elements_dyn(&left, &right)?))
    }
}

/// Plans `||` between strings as [`ConcatOp`]; DataFusion's planner for lists runs first
/// and takes `||` between lists.
#[derive(Debug)]
struct ConcatPlanner {
    op: Arc<ScalarUDF>,
}

impl ExprPlanner for ConcatPlanner {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        _schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        if expr.op != BinaryOperator::StringConcat {
            return Ok(PlannerResult::Original(expr));
        }
        Ok(PlannerResult::Planned(Expr::ScalarFunction(
            ScalarFunction::new_udf(self.op.clone(), vec![expr.left, expr.right]),
        )))
    }
}
