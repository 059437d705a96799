//! Random draws the generator needs, on ChaCha8 streams derived from the seed.
//!
//! Each shop-day has its own stream, keyed by (seed, purpose, shop, day), so a shop-day's
//! orders do not depend on how many shops came before it or in which order days are
//! written: the same seed gives the same rows, and the work could be split across threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is used for; part of its key so two purposes never share draws.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Stream {
    District = 1,
    Needs = 2,
    Services = 3,
    ShopDay = 4,
    /// The planted WeChat-group effect's community-level noise.
    Planted = 5,
}

pub fn stream(seed: u64, purpose: Stream, a: u64, b: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(purpose as u64).to_le_bytes());
    key[16..24].copy_from_slice(&a.to_le_bytes());
    key[24..].copy_from_slice(&b.to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A Poisson draw: Knuth's product method for small means, a rounded normal for large
/// ones (where the two are indistinguishable at the scale of daily orders).
pub fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    if mean <= 0.0 || mean.is_nan() {
        return 0;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let mut k = 0;
        let mut p: f64 = rng.random();
        while p > limit {
            k += 1;
            p *= rng.random::<f64>();
        }
        k
    } else {
        (mean + mean.sqrt() * normal(rng) + 0.5).floor().max(0.0) as u32
    }
}

/// An index drawn with probability proportional to its weight.
pub fn pick_weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// An index drawn from a cumulative table whose last entry is 1.
pub fn pick_cumulative(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let x: f64 = rng.random();
    cumulative
        .iter()
        .position(|c| x < *c)
        .unwrap_or(cumulative.len() - 1)
}

pub fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    let mut out: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    if let Some(last) = out.last_mut() {
        *last = 1.0;
    }
    out
}
