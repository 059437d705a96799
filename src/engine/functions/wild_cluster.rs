//! The wild cluster bootstrap of "Did the WeChat groups help?" (docs/METRICS.md), as two SQL
//! aggregate functions, so each figure stays one query file that runs the same from the CLI,
//! the web, the Postgres wire and Ballista:
//!
//! - `wild_cluster_interval(num, base, member, stratum, cluster)` over one cell's shops: a
//!   struct `{effect_pp, se_pp, ci_low_pp, ci_high_pp, clusters}`;
//! - `wild_cluster_band(num, base, member, stratum, cluster, cell)` over every cell of an
//!   event study at once: the critical value c_band of the simultaneous band (Float64).
//!
//! A stratum is a `stratum` value within a `cluster` (a kind of shop within a community), so
//! it never spans two clusters: then y* is already demeaned within its stratum and θ* and se*
//! have the closed forms used below. Rows with a null argument, base ≤ 0, or in a stratum without
//! both a member and a non-member take no part. Every one of the 2^G sign vectors is
//! enumerated — no random draws, so the same data gives the same interval on every machine.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, ListArray, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

/// A wild bootstrap over fewer clusters is not to be trusted (METRICS.md): no interval.
pub const MIN_CLUSTERS: usize = 11;
/// 2^20 sign vectors is about a million; beyond that the enumeration would hold a page for
/// seconds, so the interval is not computed (a street has a dozen or so communities).
pub const MAX_CLUSTERS: usize = 20;

/// One shop in one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Obs {
    pub num: f64,
    pub base: f64,
    pub member: bool,
    /// The stratum within the cluster (the kind of shop within the community).
    pub stratum: String,
    pub cluster: String,
}

impl Obs {
    fn key(&self) -> (&str, &str) {
        (self.cluster.as_str(), self.stratum.as_str())
    }
}

/// The weighted regression of y on D and the strata, ready for the bootstrap.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The coefficient on D (a fraction; ×100 is effect_pp).
    pub theta: f64,
    /// Its cluster-robust standard error; None with one cluster or N ≤ K.
    pub se: Option<f64>,
    /// The clusters with a kept stratum, sorted.
    pub clusters: Vec<String>,
    /// N: shops in the regression.
    pub shops: usize,
    /// Kept strata (K − 1).
    pub strata: usize,
    /// Per cluster: a_g = Σ w D̃ û and b_g = Σ w D̃².
    a: Vec<f64>,
    b: Vec<f64>,
    /// Σ w D̃².
    s: f64,
    /// The small-sample factor q = G/(G−1) · (N−1)/(N−K).
    q: Option<f64>,
}

/// Fits one cell (steps 1–2 of the definition).
pub fn fit(obs: &[Obs]) -> Result<Option<Fit>> {
    let obs: Vec<&Obs> = obs
        .iter()
        .filter(|o| o.base > 0.0 && o.base.is_finite() && o.num.is_finite())
        .collect();
    // B1_s and B0_s. A stratum is a stratum value within a cluster (a kind of shop within a
    // community), so it never spans two clusters.
    let mut strata: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
    for o in &obs {
        let entry = strata.entry(o.key()).or_insert((0.0, 0.0));
        if o.member {
            entry.0 += o.base;
        } else {
            entry.1 += o.base;
        }
    }
    strata.retain(|_, (b1, b0)| *b1 > 0.0 && *b0 > 0.0);
    let kept: Vec<&&Obs> = obs
        .iter()
        .filter(|o| strata.contains_key(&o.key()))
        .collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let clusters: Vec<String> = strata
        .keys()
        .map(|(c, _)| c.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Weights: a member its base; a non-member its base × B1_s / B0_s, so each stratum's
    // non-members weigh as much as its members and the weighted mean of D is ½.
    let weight = |o: &Obs| {
        let (b1, b0) = strata[&o.key()];
        if o.member { o.base } else { o.base * b1 / b0 }
    };
    let d_tilde = |o: &Obs| if o.member { 0.5 } else { -0.5 };
    let mut mean_y: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
    for o in &kept {
        let w = weight(o);
        let e = mean_y.entry(o.key()).or_insert((0.0, 0.0));
        e.0 += w * o.num / o.base;
        e.1 += w;
    }
    let y_tilde = |o: &Obs| {
        let (wy, w) = mean_y[&o.key()];
        o.num / o.base - wy / w
    };
    let (mut sxy, mut s) = (0.0, 0.0);
    for o in &kept {
        let (w, d) = (weight(o), d_tilde(o));
        sxy += w * d * y_tilde(o);
        s += w * d * d;
    }
    let theta = sxy / s;
    let mut a = vec![0.0; clusters.len()];
    let mut b = vec![0.0; clusters.len()];
    for o in &kept {
        let g = clusters
            .binary_search(&o.cluster)
            .map_err(|_| datafusion::error::DataFusionError::Internal("cluster".into()))?;
        let (w, d) = (weight(o), d_tilde(o));
        let u = y_tilde(o) - theta * d;
        a[g] += w * d * u;
        b[g] += w * d * d;
    }
    let (g, n, k) = (clusters.len(), kept.len(), 1 + strata.len());
    let q =
        (g >= 2 && n > k).then(|| g as f64 / (g as f64 - 1.0) * (n as f64 - 1.0) / (n - k) as f64);
    let se = q.map(|q| (q * a.iter().map(|x| x * x).sum::<f64>()).sqrt() / s);
    Ok(Some(Fit {
        theta,
        se,
        clusters,
        shops: n,
        strata: strata.len(),
        a,
        b,
        s,
        q,
    }))
}

impl Fit {
    /// t* = (θ* − θ) / se* for the sign vector `v` (indexed like `clusters`), step 3. With
    /// y*_i = θ D̃_i + v_g û_i: θ* − θ = Σ_g v_g a_g / S, and the cluster scores of û* are
    /// v_g a_g − (θ* − θ) b_g. A se* of 0 gives t* = 0 where θ* = θ and ∞ otherwise.
    fn t_star(&self, v: impl Fn(usize) -> f64) -> f64 {
        let q = self.q.unwrap_or(f64::NAN);
        let delta: f64 = self
            .a
            .iter()
            .enumerate()
            .map(|(g, a)| v(g) * a)
            .sum::<f64>()
            / self.s;
        let scores: f64 = (0..self.a.len())
            .map(|g| {
                let x = v(g) * self.a[g] - delta * self.b[g];
                x * x
            })
            .sum();
        let se = (q * scores).sqrt() / self.s;
        if se > 0.0 {
            delta / se
        } else if delta == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    /// Whether this cell gets an interval: enough clusters, and a standard error.
    pub fn has_interval(&self, min_clusters: usize) -> bool {
        let g = self.clusters.len();
        g >= min_clusters && g <= MAX_CLUSTERS && self.se.is_some()
    }
}

/// The ⌈0.95 · n⌉-th smallest of `values` (n = their count), step 4.
fn quantile_95(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    // ⌈19n / 20⌉ in integers: 0.95 · 2^G has no exact binary form.
    let k = (19 * n).div_ceil(20);
    let (_, kth, _) = values.select_nth_unstable_by(k - 1, |x, y| x.total_cmp(y));
    Some(*kth)
}

/// Sign v_g of vector number `m` for cluster position `g`: bit g of m set → −1.
fn sign(m: u64, g: usize) -> f64 {
    if m >> g & 1 == 1 { -1.0 } else { 1.0 }
}

/// The critical value c of one cell: over all 2^G sign vectors, the ⌈0.95 · 2^G⌉-th
/// smallest |t*|. None where the cell gets no interval.
pub fn critical_value(fit: &Fit, min_clusters: usize) -> Option<f64> {
    if !fit.has_interval(min_clusters) {
        return None;
    }
    let vectors = 1u64 << fit.clusters.len();
    let mut t: Vec<f64> = (0..vectors)
        .map(|m| fit.t_star(|g| sign(m, g)).abs())
        .collect();
    quantile_95(&mut t)
}

/// One cell's figure, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub effect_pp: f64,
    pub se_pp: Option<f64>,
    pub ci_low_pp: Option<f64>,
    pub ci_high_pp: Option<f64>,
    pub clusters: usize,
}

pub fn interval(obs: &[Obs], min_clusters: usize) -> Result<Option<Interval>> {
    let Some(fit) = fit(obs)? else {
        return Ok(None);
    };
    let c = critical_value(&fit, min_clusters);
    let bound = |sign: f64| Some(100.0 * (fit.theta + sign * c? * fit.se?));
    Ok(Some(Interval {
        effect_pp: 100.0 * fit.theta,
        se_pp: fit.se.map(|se| 100.0 * se),
        ci_low_pp: bound(-1.0),
        ci_high_pp: bound(1.0),
        clusters: fit.clusters.len(),
    }))
}

/// The simultaneous band's critical value over several cells (the event study's dates):
/// the same v on every cell, c_band = the ⌈0.95 · 2^G⌉-th smallest over v of the max over
/// cells of |t*|, cells without a pointwise interval taking no part.
///
/// The definition indexes v by every community with a shop in the study; this enumerates
/// only those with a kept stratum in a taking-part cell. The others change no t*, so each
/// value of the full enumeration is one of ours repeated 2^m times, and its ⌈0.95 · 2^(G+m)⌉-th
/// smallest is our ⌈0.95 · 2^G⌉-th (⌈⌈x⌉ / 2^m⌉ = ⌈x / 2^m⌉): the same number, 2^m times sooner.
pub fn band_critical_value(fits: &[Fit], min_clusters: usize) -> Option<f64> {
    let taking_part: Vec<&Fit> = fits
        .iter()
        .filter(|f| f.has_interval(min_clusters))
        .collect();
    let clusters: Vec<&String> = taking_part
        .iter()
        .flat_map(|f| f.clusters.iter())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if taking_part.is_empty() || clusters.len() > MAX_CLUSTERS {
        return None;
    }
    // Each cell's clusters as positions in the band's list.
    let positions: Vec<Vec<usize>> = taking_part
        .iter()
        .map(|f| {
            f.clusters
                .iter()
                .map(|c| clusters.iter().position(|x| *x == c).unwrap_or(0))
                .collect()
        })
        .collect();
    let vectors = 1u64 << clusters.len();
    let mut max_t: Vec<f64> = (0..vectors)
        .map(|m| {
            taking_part
                .iter()
                .zip(&positions)
                .map(|(f, at)| f.t_star(|g| sign(m, at[g])).abs())
                .fold(0.0, f64::max)
        })
        .collect();
    quantile_95(&mut max_t)
}

/// `wild_cluster_interval` for SQL.
pub fn interval_udaf() -> AggregateUDF {
    AggregateUDF::from(WildCluster::new(false))
}

/// `wild_cluster_band` for SQL.
pub fn band_udaf() -> AggregateUDF {
    AggregateUDF::from(WildCluster::new(true))
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct WildCluster {
    /// The band: rows carry their cell, and the answer is c_band.
    band: bool,
    signature: Signature,
}

impl WildCluster {
    fn new(band: bool) -> Self {
        let args = if band { 6 } else { 5 };
        WildCluster {
            band,
            signature: Signature::any(args, Volatility::Immutable),
        }
    }
}

fn interval_fields() -> Fields {
    Fields::from(vec![
        Field::new("effect_pp", DataType::Float64, true),
        Field::new("se_pp", DataType::Float64, true),
        Field::new("ci_low_pp", DataType::Float64, true),
        Field::new("ci_high_pp", DataType::Float64, true),
        Field::new("clusters", DataType::Int64, true),
    ])
}

/// The accumulated rows' columns, as the partial state too.
const COLUMNS: [(&str, DataType); 6] = [
    ("num", DataType::Float64),
    ("base", DataType::Float64),
    ("member", DataType::Boolean),
    ("stratum", DataType::Utf8),
    ("cluster", DataType::Utf8),
    ("cell", DataType::Utf8),
];

impl AggregateUDFImpl for WildCluster {
    fn name(&self) -> &str {
        if self.band {
            "wild_cluster_band"
        } else {
            "wild_cluster_interval"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let wanted = if self.band { 6 } else { 5 };
        if arg_types.len() != wanted {
            return plan_err!(
                "{} takes {wanted} arguments: num, base, member, stratum, cluster{}",
                self.name(),
                if self.band { ", cell" } else { "" }
            );
        }
        Ok(if self.band {
            DataType::Float64
        } else {
            DataType::Struct(interval_fields())
        })
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Rows {
            band: self.band,
            rows: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let columns = if self.band { 6 } else { 5 };
        Ok(COLUMNS[..columns]
            .iter()
            .map(|(name, ty)| {
                Arc::new(Field::new_list(
                    format!("{}[{name}]", args.name),
                    Field::new_list_field(ty.clone(), true),
                    true,
                ))
            })
            .collect())
    }
}

/// Every row seen: the bootstrap needs them all at the end.
#[derive(Debug)]
struct Rows {
    band: bool,
    rows: Vec<(Obs, String)>,
}

impl Rows {
    /// Appends the rows of argument (or state) columns; rows with a null take no part.
    fn push_columns(&mut self, columns: &[ArrayRef]) -> Result<()> {
        let num = cast(&columns[0], &DataType::Float64)?;
        let base = cast(&columns[1], &DataType::Float64)?;
        let member = cast(&columns[2], &DataType::Boolean)?;
        let stratum = cast(&columns[3], &DataType::Utf8)?;
        let cluster = cast(&columns[4], &DataType::Utf8)?;
        let cell = match columns.get(5) {
            Some(c) if self.band => Some(cast(c, &DataType::Utf8)?),
            _ => None,
        };
        let (num, base) = (
            num.as_primitive::<Float64Type>(),
            base.as_primitive::<Float64Type>(),
        );
        let member: &BooleanArray = member.as_boolean();
        let stratum: &StringArray = stratum.as_string();
        let cluster: &StringArray = cluster.as_string();
        let cell: Option<&StringArray> = cell.as_ref().map(|c| c.as_string());
        for i in 0..num.len() {
            let nulls = [
                num.is_null(i),
                base.is_null(i),
                member.is_null(i),
                stratum.is_null(i),
                cluster.is_null(i),
            ];
            if nulls.iter().any(|n| *n) || cell.is_some_and(|c| c.is_null(i)) {
                continue;
            }
            self.rows.push((
                Obs {
                    num: num.value(i),
                    base: base.value(i),
                    member: member.value(i),
                    stratum: stratum.value(i).to_string(),
                    cluster: cluster.value(i).to_string(),
                },
                cell.map_or(String::new(), |c| c.value(i).to_string()),
            ));
        }
        Ok(())
    }
}

impl Accumulator for Rows {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let wanted = if self.band { 6 } else { 5 };
        if values.len() != wanted {
            return exec_err!("wild cluster bootstrap: {wanted} arguments expected");
        }
        self.push_columns(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        // Each state row is one partial accumulator's lists; flatten each list column.
        let lists: Vec<&ListArray> = states.iter().map(|s| s.as_list::<i32>()).collect();
        let Some(first) = lists.first() else {
            return Ok(());
        };
        for row in 0..first.len() {
            if first.is_null(row) {
                continue;
            }
            let columns: Vec<ArrayRef> = lists.iter().map(|l| l.value(row)).collect();
            self.push_columns(&columns)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = |array: ArrayRef| {
            ScalarValue::List(Arc::new(
                SingleRowListArrayBuilder::new(array).build_list_array(),
            ))
        };
        let obs = self.rows.iter().map(|(o, _)| o);
        let mut state = vec![
            list(Arc::new(
                obs.clone().map(|o| o.num).collect::<Float64Array>(),
            )),
            list(Arc::new(
                obs.clone().map(|o| o.base).collect::<Float64Array>(),
            )),
            list(Arc::new(
                obs.clone()
                    .map(|o| Some(o.member))
                    .collect::<BooleanArray>(),
            )),
            list(Arc::new(
                obs.clone()
                    .map(|o| Some(o.stratum.as_str()))
                    .collect::<StringArray>(),
            )),
            list(Arc::new(
                obs.map(|o| Some(o.cluster.as_str()))
                    .collect::<StringArray>(),
            )),
        ];
        if self.band {
            state.push(list(Arc::new(
                self.rows
                    .iter()
                    .map(|(_, c)| Some(c.as_str()))
                    .collect::<StringArray>(),
            )));
        }
        Ok(state)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.band {
            let mut cells: BTreeMap<&str, Vec<Obs>> = BTreeMap::new();
            for (o, cell) in &self.rows {
                cells.entry(cell.as_str()).or_default().push(o.clone());
            }
            let mut fits = Vec::new();
            for obs in cells.values() {
                if let Some(f) = fit(obs)? {
                    fits.push(f);
                }
            }
            return Ok(ScalarValue::Float64(band_critical_value(
                &fits,
                MIN_CLUSTERS,
            )));
        }
        let obs: Vec<Obs> = self.rows.iter().map(|(o, _)| o.clone()).collect();
        let result = interval(&obs, MIN_CLUSTERS)?;
        let fields = interval_fields();
        let values: [ArrayRef; 5] = [
            Arc::new(Float64Array::from(vec![result.map(|r| r.effect_pp)])),
            Arc::new(Float64Array::from(vec![result.and_then(|r| r.se_pp)])),
            Arc::new(Float64Array::from(vec![result.and_then(|r| r.ci_low_pp)])),
            Arc::new(Float64Array::from(vec![result.and_then(|r| r.ci_high_pp)])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![
                result.map(|r| r.clusters as i64),
            ])),
        ];
        let array = datafusion::arrow::array::StructArray::try_new(fields, values.to_vec(), None)?;
        Ok(ScalarValue::Struct(Arc::new(array)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .rows
                .iter()
                .map(|(o, c)| {
                    std::mem::size_of::<(Obs, String)>()
                        + o.stratum.len()
                        + o.cluster.len()
                        + c.len()
                })
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(num: f64, base: f64, member: bool, stratum: &str, cluster: &str) -> Obs {
        Obs {
            num,
            base,
            member,
            stratum: stratum.into(),
            cluster: cluster.into(),
        }
    }

    /// Three communities, one stratum each, one member and one non-member of base 10 each:
    /// B1_s = B0_s, so every weight is 10 and S = Σ w D̃² = 6 · 10 / 4 = 15.
    /// Gaps y_member − y_non: A 0.2, B 0.4, C 0.9. Within a stratum ỹ = ±gap/2, so
    /// Σ w D̃ ỹ = Σ_s 5 · gap = 7.5 and θ = 0.5; û = ±(gap − θ)/2, so
    /// a_g = 5 (gap − θ) = −1.5, −0.5, 2.0 (summing to 0, as normal equations do); b_g = 5.
    /// N = 6, K = 4: q = 3/2 · 5/2 = 3.75; se = √(3.75 · 6.5) / 15 = √24.375 / 15.
    fn three_communities() -> Vec<Obs> {
        vec![
            shop(8.0, 10.0, true, "A-dining", "A"),
            shop(6.0, 10.0, false, "A-dining", "A"),
            shop(7.0, 10.0, true, "B-dining", "B"),
            shop(3.0, 10.0, false, "B-dining", "B"),
            shop(9.0, 10.0, true, "C-dining", "C"),
            shop(0.0, 10.0, false, "C-dining", "C"),
        ]
    }

    const TINY: f64 = 1e-12;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < TINY, "{a} against {b}");
    }

    #[test]
    fn three_communities_fit_by_hand() {
        let f = fit(&three_communities()).unwrap().unwrap();
        close(f.theta, 0.5);
        close(f.se.unwrap(), 24.375f64.sqrt() / 15.0);
        assert_eq!((f.shops, f.strata, f.clusters.len()), (6, 3, 3));
        for (got, want) in f.a.iter().zip([-1.5, -0.5, 2.0]) {
            close(*got, want);
        }
    }

    #[test]
    fn all_eight_sign_vectors_of_three_communities_by_hand() {
        // v = (vA, vB, vC); bit g set is −1. δ = Σ v a / 15; scores (v_g a_g − 5δ)²;
        // se* = √(3.75 · Σ scores) / 15; t* = δ / se*.
        // (+,+,+), (−,−,−): Σ v a = 0 → t* = 0.
        // (−,+,+): Σ v a = 3, δ = 0.2, scores 0.5², 1.5², 1² = 3.5 → t* = 3 / √13.125.
        // (+,−,+): Σ v a = 1, δ = 1/15, scores (11/6)², (1/6)², (5/3)² = 37/6 → 1 / √(3.75·37/6).
        // (+,+,−): Σ v a = −4, δ = −4/15, scores (1/6)², (5/6)², (2/3)² = 7/6 → −4 / √4.375.
        // Each negated vector gives −t*.
        let f = fit(&three_communities()).unwrap().unwrap();
        let by_hand = [
            (0b000, 0.0),
            (0b001, 3.0 / 13.125f64.sqrt()),
            (0b010, 1.0 / (3.75f64 * 37.0 / 6.0).sqrt()),
            (0b100, -4.0 / 4.375f64.sqrt()),
        ];
        for (m, t) in by_hand {
            close(f.t_star(|g| sign(m, g)), t);
            close(f.t_star(|g| sign(!m & 0b111, g)), -t);
        }
        // ⌈0.95 · 8⌉ = 8: the largest |t*|, 4 / √4.375 = √(128/35).
        let c = critical_value(&f, 3).unwrap();
        close(c, (128.0f64 / 35.0).sqrt());
        // θ ± c · se = 0.5 ± √(128/35 · 195/8) / 15 = 0.5 ± 4 √(39/7) / 15.
        let i = interval(&three_communities(), 3).unwrap().unwrap();
        let half = 100.0 * 4.0 * (39.0f64 / 7.0).sqrt() / 15.0;
        close(i.ci_low_pp.unwrap(), 50.0 - half);
        close(i.ci_high_pp.unwrap(), 50.0 + half);
        // With the real threshold, three communities get no interval but keep their se.
        let i = interval(&three_communities(), MIN_CLUSTERS)
            .unwrap()
            .unwrap();
        assert_eq!((i.ci_low_pp, i.ci_high_pp), (None, None));
        close(i.se_pp.unwrap(), 100.0 * 24.375f64.sqrt() / 15.0);
    }

    #[test]
    fn the_band_over_one_cell_is_its_pointwise_value_and_over_two_at_least_each() {
        let one = fit(&three_communities()).unwrap().unwrap();
        let c = critical_value(&one, 3).unwrap();
        close(
            band_critical_value(std::slice::from_ref(&one), 3).unwrap(),
            c,
        );
        let mut other = three_communities();
        other[1].num = 1.0;
        let two = fit(&other).unwrap().unwrap();
        let band = band_critical_value(&[one, two.clone()], 3).unwrap();
        assert!(band >= c - TINY && band >= critical_value(&two, 3).unwrap() - TINY);
    }

    #[test]
    fn theta_is_the_member_ratio_less_the_reweighted_comparison_ratio() {
        // One community, two strata of unequal size. Stratum x: member 30/20, non-members
        // 10/10 and 30/30 (B1 20, B0 40, N0 40); stratum y: member 5/10, non-member 2/5.
        // R1 = 35/30; R0 = (20/30)(40/40) + (10/30)(2/5) = 2/3 + 2/15 = 12/15.
        let obs = vec![
            shop(30.0, 20.0, true, "x", "A"),
            shop(10.0, 10.0, false, "x", "A"),
            shop(30.0, 30.0, false, "x", "A"),
            shop(5.0, 10.0, true, "y", "A"),
            shop(2.0, 5.0, false, "y", "A"),
            // Left out: base 0, and a stratum with members only.
            shop(4.0, 0.0, false, "y", "A"),
            shop(9.0, 10.0, true, "z", "A"),
        ];
        let f = fit(&obs).unwrap().unwrap();
        close(f.theta, 35.0 / 30.0 - 12.0 / 15.0);
        assert_eq!((f.shops, f.strata), (5, 2));
        // One cluster: no standard error.
        assert_eq!(f.se, None);
    }

    #[test]
    fn the_same_stratum_value_in_two_clusters_is_two_strata() {
        // "dining" in A has only a member and in B only a non-member: neither is kept.
        let obs = vec![
            shop(1.0, 1.0, true, "s", "A"),
            shop(1.0, 1.0, false, "s", "B"),
        ];
        assert!(fit(&obs).unwrap().is_none());
    }
}
