//! The district itself: Chaohui Street's communities, its shops and what each shop is like,
//! the lockdown, the holiday calendar, and the small tables that follow from them
//! (shop_status, resident_needs, shop_services).
//!
//! Everything here is small (at most a few rows per shop) and built in memory in one pass
//! of one random stream, so a seed always gives the same district.
//!
//! - [`street`]: the communities and the kinds of shop.
//! - [`calendar`]: the lockdown, the holidays, local times as instants.
//! - [`names`]: shop names.
//! - [`tables`]: shop_status, resident_needs, shop_services and group membership.
//! - here: a shop (its traits and closures), the district built from the seed, and the
//!   planted WeChat-group effect.

mod calendar;
mod names;
mod street;
mod tables;

use std::collections::HashSet;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::random::{normal, pick_weighted};
pub use calendar::*;
use names::shop_name;
pub use street::*;
pub use tables::*;

/// When a shop was closed, as instants in UTC microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Closure {
    pub start: i64,
    /// `None`: the shop never reopened within the data.
    pub end: Option<i64>,
    pub reason: &'static str,
    /// The shopkeeper pressed "closed" a second time, this many minutes after the first.
    pub repeated_after_min: Option<i64>,
}

impl Closure {
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|e| t < e)
    }

    pub fn overlaps(&self, from: i64, to: i64) -> bool {
        self.start < to && self.end.is_none_or(|e| e > from)
    }

    pub fn is_lockdown(&self) -> bool {
        self.reason == LOCKDOWN_LEVEL
    }
}

/// How a shop's door counter reports, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FootfallSource {
    DoorCounter,
    WifiProbe,
    Manual,
}

impl FootfallSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FootfallSource::DoorCounter => "door_counter",
            FootfallSource::WifiProbe => "wifi_probe",
            FootfallSource::Manual => "manual",
        }
    }
}

/// One shop: what the shops table says about it, and the hidden traits that drive its
/// orders and visitors.
pub struct Shop {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub community: usize,
    pub area_m2: Option<f64>,
    pub annual_rent_cny: Option<f64>,
    pub opened_on: Option<NaiveDate>,
    /// Orders on an ordinary weekday before the lockdown.
    pub base_orders: f64,
    pub online_share: f64,
    pub lockdown_revenue: f64,
    /// The shop's prices relative to its category.
    pub price_level: f64,
    /// Closures in time order: at most one renovation in March, then the lockdown.
    pub closures: Vec<Closure>,
    pub footfall: Option<FootfallSource>,
    /// Door-counter visitors per in-store order.
    pub visitors_per_order: f64,
    /// Where this shop's regulars start among the community's household numbers.
    pub customer_offset: u32,
    pub customer_pool: u32,
    /// The planted WeChat-group effect (sample-data/README.md): the extra share of a normal
    /// day's orders a member sells through its group on a lockdown date and on a recovery
    /// date. (0, 0) for a shop that is not a member.
    pub planted: (f64, f64),
}

impl Shop {
    pub fn lockdown_closure(&self) -> Option<&Closure> {
        self.closures.iter().find(|c| c.is_lockdown())
    }
}

/// Everything about the district that is not an order or a visitor count.
pub struct District {
    pub shops: Vec<Shop>,
    pub lockdown: (i64, i64),
}

/// Builds the shops and their closures.
pub fn build(
    rng: &mut ChaCha8Rng,
    shops: usize,
    from: NaiveDate,
    to: NaiveDate,
    zone: &Tz,
) -> District {
    let lockdown = lockdown_window(zone);
    let per_community = shops_per_community(shops);
    let mut slots: Vec<(usize, Category)> = Vec::with_capacity(shops);
    for (community, &count) in per_community.iter().enumerate() {
        let liyuan = COMMUNITIES[community].id == "liyuan";
        let weights: Vec<f64> = ALL_CATEGORIES.iter().map(|c| c.weight(liyuan)).collect();
        for _ in 0..count {
            slots.push((community, ALL_CATEGORIES[pick_weighted(rng, &weights)]));
        }
    }
    // Shop numbers say nothing about where a shop is.
    slots.shuffle(rng);
    let mut names = HashSet::new();
    let shops = slots
        .into_iter()
        .enumerate()
        .map(|(i, (community, category))| {
            make_shop(
                rng, i, community, category, &mut names, from, to, zone, lockdown,
            )
        })
        .collect();
    District { shops, lockdown }
}

/// Liyuan's fixed share, the rest in proportion to households (largest remainder).
fn shops_per_community(shops: usize) -> Vec<usize> {
    let liyuan = ((shops as f64 * LIYUAN_SHOP_SHARE).round() as usize).min(shops);
    let rest = shops - liyuan;
    let others: i64 = COMMUNITIES
        .iter()
        .filter(|c| c.id != "liyuan")
        .map(|c| c.households)
        .sum();
    let mut counts = vec![0usize; COMMUNITIES.len()];
    let mut remainders = Vec::new();
    let mut given = 0;
    for (i, c) in COMMUNITIES.iter().enumerate() {
        if c.id == "liyuan" {
            counts[i] = liyuan;
            continue;
        }
        let exact = rest as f64 * c.households as f64 / others as f64;
        counts[i] = exact.floor() as usize;
        given += counts[i];
        remainders.push((exact - exact.floor(), i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take(rest - given) {
        counts[i] += 1;
    }
    counts
}

#[allow(clippy::too_many_arguments)]
fn make_shop(
    rng: &mut ChaCha8Rng,
    index: usize,
    community: usize,
    category: Category,
    names: &mut HashSet<String>,
    from: NaiveDate,
    to: NaiveDate,
    zone: &Tz,
    (lockdown_start, lockdown_end): (i64, i64),
) -> Shop {
    let name = shop_name(rng, category, names);
    let (lo, hi) = category.area();
    let area = (rng.random_range(lo..hi) * 2.0).round() / 2.0;
    let area_m2 = (!rng.random_bool(0.06)).then_some(area);
    // Street-front rent in an older part of Gongshu: 1,800-4,200 yuan per m² a year.
    let rent = (area * rng.random_range(1800.0..4200.0) / 100.0).round() * 100.0;
    let annual_rent_cny = match area_m2 {
        Some(_) => (!rng.random_bool(0.10)).then_some(rent),
        None => rng.random_bool(0.5).then_some(rent),
    };

    // A few shops opened while the data runs, so they lack a full baseline: most of them
    // in the weeks before the lockdown, some after it.
    let opened_on = if rng.random_bool(0.02) {
        let (a, b) = if rng.random_bool(0.7) {
            (date(2022, 3, 25), date(2022, 4, 15))
        } else {
            (date(2022, 5, 10), date(2022, 6, 10))
        };
        let span = (b - a).num_days();
        let day = a + chrono::Duration::days(rng.random_range(0..=span));
        let first = from.succ_opt().unwrap_or(from);
        Some(day.clamp(first.min(to), to))
    } else {
        None
    };

    let base_orders = category.base_orders() * (normal(rng) * 0.45).exp();
    let (a, b) = category.online_share();
    let online_share = rng.random_range(a..=b);
    let (a, b) = category.lockdown_revenue();
    let lockdown_revenue = rng.random_range(a..=b);
    let price_level = rng.random_range(0.85..1.2);

    let mut closures = Vec::new();
    let exists_at = |t: i64| opened_on.is_none_or(|d| local_instant(zone, d, 0) <= t);
    // A handful renovated in March, a week or so, unrelated to the epidemic.
    if rng.random_bool(0.006) {
        let day = date(2022, 3, 1) + chrono::Duration::days(rng.random_range(2..20));
        let start = local_instant(zone, day, rng.random_range(19..22) * 3600);
        let end = local_instant(
            zone,
            day + chrono::Duration::days(rng.random_range(4..12)),
            rng.random_range(7..10) * 3600,
        );
        if exists_at(start) {
            closures.push(Closure {
                start,
                end: Some(end),
                reason: "renovation",
                repeated_after_min: None,
            });
        }
    }
    if exists_at(lockdown_start) {
        let hour = 3_600_000_000i64;
        let end = if rng.random_bool(0.01) {
            None
        } else if rng.random_bool(category.late_reopen()) {
            Some(lockdown_end + rng.random_range(26 * hour..200 * hour))
        } else {
            // The morning the lockdown lifted: a few right at midnight, most from 06:00.
            let lag = match rng.random_range(0..100) {
                0..8 => rng.random_range(0..hour),
                8..88 => rng.random_range(6 * hour..12 * hour),
                _ => rng.random_range(12 * hour..23 * hour),
            };
            Some(lockdown_end + lag)
        };
        // Round to the second: nobody's phone records microseconds.
        let end = end.map(|e| e / 1_000_000 * 1_000_000);
        let repeated_after_min = rng.random_bool(0.03).then(|| rng.random_range(1..240));
        closures.push(Closure {
            start: lockdown_start,
            end,
            reason: LOCKDOWN_LEVEL,
            repeated_after_min,
        });
    }

    let footfall = match rng.random_range(0..100) {
        0..12 => None,
        12..82 => Some(FootfallSource::DoorCounter),
        82..95 => Some(FootfallSource::WifiProbe),
        _ => Some(FootfallSource::Manual),
    };
    let visitors_per_order = match category {
        Category::Dining => 1.3,
        Category::FreshProduce => 1.4,
        Category::Convenience => 1.3,
        Category::Barber => 1.6,
        Category::Hardware => 2.5,
        Category::Clinic => 1.8,
        Category::Other => 2.0,
    } * rng.random_range(0.9..1.15);
    let households = COMMUNITIES[community].households.max(1) as u32;
    Shop {
        id: format!("s{:05}", index + 1),
        name,
        category,
        community,
        area_m2,
        annual_rent_cny,
        opened_on,
        base_orders,
        online_share,
        lockdown_revenue,
        price_level,
        closures,
        footfall,
        visitors_per_order,
        customer_offset: rng.random_range(0..households),
        customer_pool: ((base_orders * 12.0) as u32).clamp(40, households),
        planted: (0.0, 0.0),
    }
}

/// The planted effect, in share of a normal day's sales: members keep this much more during
/// the lockdown and after it, twice as much in the pilot community (Liyuan).
pub const PLANTED_LOCKDOWN: f64 = 0.15;
pub const PLANTED_RECOVERY: f64 = 0.06;
/// The spread of a community's own effect around the planted one (a standard deviation, as a
/// share of it): groups worked better in some communities than others.
pub const PLANTED_COMMUNITY_SPREAD: f64 = 0.2;

/// Each community's planted (lockdown, recovery) effect, drawn once from the seed.
pub fn planted_effects(rng: &mut ChaCha8Rng) -> Vec<(f64, f64)> {
    COMMUNITIES
        .iter()
        .map(|c| {
            let pilot = if c.id == "liyuan" { 2.0 } else { 1.0 };
            let noise = (1.0 + PLANTED_COMMUNITY_SPREAD * normal(rng)).max(0.0);
            (
                PLANTED_LOCKDOWN * pilot * noise,
                PLANTED_RECOVERY * pilot * noise,
            )
        })
        .collect()
}
