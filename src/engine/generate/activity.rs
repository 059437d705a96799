//! A shop's day: its orders and its door-counter count, drawn from the shop's traits, the
//! kind of day, and where the day falls relative to the lockdown.
//!
//! Demand comes in three streams. In-store and "normal" online orders happen while the
//! shop is open; "closed" online orders (WeChat groups, phone, errands) happen while it is
//! closed. Each stream draws a Poisson count of orders at times spread over the category's
//! business hours, and keeps only the orders whose instant falls on its side of the
//! closure, so a shop that reopens at 09:00 gets morning orders online and the rest in
//! store without special cases.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::district::{
    COMMUNITIES, Category, Closure, DayKind, FootfallSource, Shop, day_kind, is_rest_day,
    local_instant,
};
use super::random::{cumulative, normal, pick_cumulative, poisson};

const MICROS_PER_DAY: i64 = 86_400_000_000;

pub use crate::engine::contract::{CHANNELS, ORDER_STATUSES};

/// One local date of the data, with its instants worked out once through the zone.
pub struct Day {
    pub date: NaiveDate,
    /// Days since 1970-01-01 (Arrow Date32).
    pub epoch_days: i32,
    pub start: i64,
    pub end: i64,
    pub noon: i64,
    /// `yyyymmdd`, for order ids.
    pub stamp: String,
    pub rest: bool,
    pub holiday: bool,
}

impl Day {
    pub fn new(date: NaiveDate, zone: &Tz) -> Self {
        let next = date.succ_opt().expect("a date before the end of time");
        Day {
            date,
            epoch_days: (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
                as i32,
            start: local_instant(zone, date, 0),
            end: local_instant(zone, next, 0),
            noon: local_instant(zone, date, 12 * 3600),
            stamp: format!("{:04}{:02}{:02}", date.year(), date.month(), date.day()),
            rest: is_rest_day(date),
            holiday: day_kind(date) == DayKind::Holiday,
        }
    }

    /// The instant of a local time of this day. On a day of ordinary length that is the
    /// local midnight plus the seconds; on a day a daylight-saving jump shortens or
    /// lengthens, ask the zone.
    fn instant(&self, zone: &Tz, secs: u32) -> i64 {
        if self.end - self.start == MICROS_PER_DAY {
            self.start + secs as i64 * 1_000_000
        } else {
            local_instant(zone, self.date, secs)
        }
    }
}

/// What does not change from shop-day to shop-day: lookup tables and the lockdown.
pub struct Model {
    pub zone: Tz,
    pub lockdown: (i64, i64),
    hours: [Vec<f64>; 7],
    online_before: [Vec<f64>; 2],
    online_during: [Vec<f64>; 2],
    online_after: [Vec<f64>; 2],
    barber_prices: Vec<f64>,
}

const BARBER_PRICES: [(i64, f64); 8] = [
    (30, 3.0),
    (35, 2.0),
    (38, 3.0),
    (45, 3.0),
    (48, 1.0),
    (58, 1.5),
    (68, 1.0),
    (80, 0.6),
];

impl Model {
    pub fn new(zone: Tz, lockdown: (i64, i64)) -> Self {
        // Orders by local hour 0..24.
        let hours = |c: Category| -> Vec<f64> {
            let w: [f64; 24] = match c {
                Category::Dining => [
                    0., 0., 0., 0., 0., 0., 2., 6., 6., 3., 3., 9., 12., 7., 2., 2., 3., 8., 11.,
                    8., 4., 3., 2., 1.,
                ],
                Category::FreshProduce => [
                    0., 0., 0., 0., 0., 1., 6., 10., 10., 8., 6., 5., 3., 2., 2., 4., 7., 8., 6.,
                    3., 1., 0., 0., 0.,
                ],
                Category::Convenience => [
                    1., 0.5, 0.2, 0., 0., 0., 1., 4., 5., 4., 4., 4., 5., 4., 4., 4., 5., 6., 7.,
                    7., 6., 5., 3., 2.,
                ],
                Category::Barber => [
                    0., 0., 0., 0., 0., 0., 0., 0., 1., 4., 5., 5., 3., 4., 5., 5., 5., 5., 4., 4.,
                    2., 0., 0., 0.,
                ],
                Category::Hardware => [
                    0., 0., 0., 0., 0., 0., 0., 2., 5., 6., 6., 5., 3., 4., 5., 5., 5., 4., 2., 0.,
                    0., 0., 0., 0.,
                ],
                Category::Clinic => [
                    0., 0., 0., 0., 0., 0., 0., 2., 8., 9., 8., 5., 1., 2., 6., 7., 6., 4., 2., 1.,
                    0., 0., 0., 0.,
                ],
                Category::Other => [
                    0., 0., 0., 0., 0., 0., 0., 0., 3., 5., 6., 6., 4., 5., 6., 6., 6., 5., 4., 2.,
                    0., 0., 0., 0.,
                ],
            };
            cumulative(&w)
        };
        // Online channels, in the order of CHANNELS[1..]: wechat_group, phone,
        // delivery_platform, livestream, errand. [0] for dining, [1] for everyone else.
        let mix = |w: [f64; 5]| cumulative(&w);
        Model {
            zone,
            lockdown,
            hours: [
                hours(Category::Dining),
                hours(Category::FreshProduce),
                hours(Category::Convenience),
                hours(Category::Barber),
                hours(Category::Hardware),
                hours(Category::Clinic),
                hours(Category::Other),
            ],
            online_before: [
                mix([0.12, 0.20, 0.66, 0.0, 0.02]),
                mix([0.35, 0.36, 0.24, 0.01, 0.04]),
            ],
            online_during: [
                mix([0.48, 0.18, 0.24, 0.0, 0.10]),
                mix([0.60, 0.15, 0.10, 0.03, 0.12]),
            ],
            online_after: [
                mix([0.28, 0.15, 0.52, 0.01, 0.04]),
                mix([0.50, 0.20, 0.18, 0.05, 0.07]),
            ],
            barber_prices: cumulative(&BARBER_PRICES.map(|p| p.1)),
        }
    }
}

fn category_index(c: Category) -> usize {
    match c {
        Category::Dining => 0,
        Category::FreshProduce => 1,
        Category::Convenience => 2,
        Category::Barber => 3,
        Category::Hardware => 4,
        Category::Clinic => 5,
        Category::Other => 6,
    }
}

/// Demand on a rest day or holiday relative to an ordinary weekday.
fn day_factor(c: Category, day: &Day) -> f64 {
    let (rest, holiday) = match c {
        Category::Dining => (1.25, 1.40),
        Category::FreshProduce => (1.15, 1.15),
        Category::Convenience => (1.05, 1.10),
        Category::Barber => (1.40, 1.20),
        Category::Hardware => (1.10, 0.85),
        Category::Clinic => (0.70, 0.55),
        Category::Other => (1.10, 0.90),
    };
    match (day.rest, day.holiday) {
        (_, true) => holiday,
        (true, false) => rest,
        _ => 1.0,
    }
}

/// How much bigger an order placed while the shop is closed is: group-buy baskets of
/// vegetables, a family's meals for two days.
fn lockdown_ticket(c: Category) -> f64 {
    match c {
        Category::Dining => 1.25,
        Category::FreshProduce => 1.4,
        Category::Convenience => 1.5,
        _ => 1.0,
    }
}

/// In-store demand after reopening: starts at `r0` of normal and closes the gap with the
/// community's time constant. Barbers start above normal: a week of hair to cut.
fn in_store_recovery(c: Category, days_since: f64, tau: f64) -> f64 {
    let r0 = match c {
        Category::Dining => 0.35,
        Category::FreshProduce => 0.60,
        Category::Convenience => 0.55,
        Category::Barber => 1.30,
        Category::Hardware => 0.50,
        Category::Clinic => 0.45,
        Category::Other => 0.40,
    };
    1.0 - (1.0 - r0) * (-days_since / tau).exp()
}

/// Online demand after reopening relative to before: the WeChat groups stayed.
fn online_after(days_since: f64) -> f64 {
    1.45 + 0.9 * (-days_since / 14.0).exp()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    InStore,
    OnlineOpen,
    OnlineClosed,
}

/// An order before it has an id: orders are numbered in time order within a shop-day.
#[derive(Clone, Copy)]
pub struct Draft {
    secs: u32,
    at: i64,
    channel: u8,
    status: u8,
    amount_fen: i64,
    /// (community index, household number); number 0 is no customer_ref.
    customer: (u8, u32),
}

/// What a shop-day produced, for the caller's counts and the footfall row.
pub struct DayResult {
    pub orders: usize,
    pub visitors: Option<(i64, FootfallSource)>,
}

/// Draws one shop-day. Appends its orders to `drafts` (cleared first), sorted by time.
pub fn shop_day(
    model: &Model,
    shop: &Shop,
    day: &Day,
    rng: &mut ChaCha8Rng,
    drafts: &mut Vec<Draft>,
) -> DayResult {
    drafts.clear();
    if shop.opened_on.is_some_and(|d| d > day.date) {
        return DayResult {
            orders: 0,
            visitors: None,
        };
    }
    let c = shop.category;
    let lock_end = model.lockdown.1;
    let tau = COMMUNITIES[shop.community].recovery_tau_days;
    // May Day 2022 began the morning the lockdown lifted: nobody went out to celebrate, so
    // those holidays sell like ordinary weekdays.
    let subdued = day.holiday && day.start >= lock_end && day.start < lock_end + 7 * MICROS_PER_DAY;
    let df = if subdued { 1.0 } else { day_factor(c, day) } * (normal(rng) * 0.12).exp();

    // Where the day stands relative to the lockdown.
    let lockdown = shop.lockdown_closure();
    let reopened = lockdown.and_then(|l| l.end).or(if lockdown.is_none() {
        Some(lock_end)
    } else {
        None
    });
    let (in_factor, online_factor, after) = match reopened {
        Some(r) if day.noon >= r => {
            let days_since = (day.noon - r) as f64 / MICROS_PER_DAY as f64;
            let recovery = if lockdown.is_some() {
                in_store_recovery(c, days_since, tau)
            } else {
                1.0
            };
            (recovery, online_after(days_since), true)
        }
        _ => (1.0, 1.0, day.noon >= lock_end),
    };
    let lambda_in = shop.base_orders * (1.0 - shop.online_share) * df * in_factor;
    let lambda_online = shop.base_orders * shop.online_share * df * online_factor;

    let closure: Option<&Closure> = shop
        .closures
        .iter()
        .find(|cl| cl.overlaps(day.start, day.end));
    let lambda_closed = match closure {
        Some(cl) if cl.is_lockdown() => {
            let mut l = shop.base_orders * shop.lockdown_revenue / lockdown_ticket(c) * df.sqrt();
            if cl.end.is_none() && day.start >= lock_end {
                // Gave up: a few loyal group members still order, fewer each week.
                let weeks = (day.start - lock_end) as f64 / (7.0 * MICROS_PER_DAY as f64);
                l *= 0.15 * (-weeks).exp();
            }
            l
        }
        _ => 0.0,
    };

    let ci = category_index(c);
    let group = usize::from(c != Category::Dining);
    let mut in_store_kept = 0;
    for (stream, lambda) in [
        (Stream::InStore, lambda_in),
        (Stream::OnlineOpen, lambda_online),
        (Stream::OnlineClosed, lambda_closed),
    ] {
        let n = poisson(rng, lambda);
        for _ in 0..n {
            let hour = pick_cumulative(rng, &model.hours[ci]) as u32;
            let secs = hour * 3600 + rng.random_range(0..3600);
            let at = day.instant(&model.zone, secs);
            let closed = closure.is_some_and(|cl| cl.contains(at));
            if closed != (stream == Stream::OnlineClosed) {
                continue;
            }
            let channel = match stream {
                Stream::InStore => 0u8,
                Stream::OnlineOpen => {
                    let mix = if after {
                        &model.online_after[group]
                    } else {
                        &model.online_before[group]
                    };
                    1 + pick_cumulative(rng, mix) as u8
                }
                Stream::OnlineClosed => 1 + pick_cumulative(rng, &model.online_during[group]) as u8,
            };
            if channel == 0 {
                in_store_kept += 1;
            }
            let amount_fen = amount(
                model,
                rng,
                shop,
                channel != 0,
                stream == Stream::OnlineClosed,
            );
            let u: f64 = rng.random();
            let status = match (channel == 0, u) {
                (true, u) if u < 0.006 => 2,
                (true, u) if u < 0.016 => 1,
                (false, u) if u < 0.020 => 2,
                (false, u) if u < 0.035 => 1,
                _ => 0,
            };
            let customer = customer(rng, shop, channel == 0);
            drafts.push(Draft {
                secs,
                at,
                channel,
                status,
                amount_fen,
                customer,
            });
        }
    }
    drafts.sort_by_key(|d| d.secs);

    let visitors = shop.footfall.and_then(|source| {
        if rng.random_bool(0.015) {
            return None; // the counter's upload failed that day
        }
        match closure {
            Some(cl) if !cl.is_lockdown() => return None, // renovation: counter unplugged
            Some(cl) if cl.end.is_none() && day.start >= lock_end => return None, // gone for good
            _ => {}
        }
        let closed_all_day =
            closure.is_some_and(|cl| cl.contains(day.start) && cl.end.is_none_or(|e| e >= day.end));
        let mut v = if closed_all_day {
            // The shopkeeper checking on stock, a delivery rider.
            poisson(rng, 0.4) as f64
        } else {
            in_store_kept as f64 * shop.visitors_per_order * (normal(rng) * 0.08).exp()
        };
        match source {
            FootfallSource::DoorCounter => {}
            // Probes count phones walking past, too.
            FootfallSource::WifiProbe => {
                v = v * 1.7 + poisson(rng, if closed_all_day { 1.0 } else { 6.0 }) as f64
            }
            // A tally on paper, rounded.
            FootfallSource::Manual => v = (v / 5.0).round() * 5.0,
        }
        Some((v.round().max(0.0) as i64, source))
    });
    // The planted WeChat-group effect: a member sells `planted` of a normal day's orders more
    // through its group on a lockdown or recovery date, drawn after everything else so a
    // shop-day's other orders and its footfall stay as they were.
    let lockdown_date = day.end > model.lockdown.0 && day.start < lock_end;
    let recovery_date = day.start >= lock_end && day.start < lock_end + 28 * MICROS_PER_DAY;
    let uplift = match (lockdown_date, recovery_date) {
        (true, _) => shop.planted.0,
        (_, true) => shop.planted.1,
        _ => 0.0,
    };
    if uplift > 0.0 && closure.is_none_or(|cl| cl.is_lockdown()) {
        let n = poisson(rng, shop.base_orders * df * uplift);
        for _ in 0..n {
            let hour = pick_cumulative(rng, &model.hours[ci]) as u32;
            let secs = hour * 3600 + rng.random_range(0..3600);
            let at = day.instant(&model.zone, secs);
            let amount_fen = amount(model, rng, shop, true, false);
            let customer = customer(rng, shop, false);
            drafts.push(Draft {
                secs,
                at,
                channel: 1, // wechat_group
                status: 0,
                amount_fen,
                customer,
            });
        }
    }
    drafts.sort_by_key(|d| d.secs);
    DayResult {
        orders: drafts.len(),
        visitors,
    }
}

/// An order's amount in fen, priced the way the category prices.
fn amount(model: &Model, rng: &mut ChaCha8Rng, shop: &Shop, online: bool, closed: bool) -> i64 {
    let c = shop.category;
    let (median, sigma, lo, hi) = match c {
        Category::Dining => (28.0, 0.35, 8.0, 150.0),
        Category::FreshProduce => (36.0, 0.45, 3.0, 300.0),
        Category::Convenience => (16.0, 0.6, 2.0, 200.0),
        Category::Barber => {
            let i = pick_cumulative(rng, &model.barber_prices);
            return BARBER_PRICES[i].0 * 100;
        }
        Category::Clinic => (95.0, 0.55, 20.0, 800.0),
        Category::Hardware => (65.0, 0.8, 3.0, 2000.0),
        Category::Other => (40.0, 0.6, 5.0, 600.0),
    };
    let mut yuan = median * shop.price_level * (normal(rng) * sigma).exp();
    if closed {
        yuan *= lockdown_ticket(c);
    }
    if online && c == Category::Dining {
        yuan += 2.0; // packaging
    }
    let yuan = yuan.clamp(lo, hi);
    // Prices as they are written: whole yuan at the noodle shop, fen for weighed produce.
    let step_fen = match c {
        Category::Dining if rng.random_bool(0.85) => 100.0,
        Category::Dining | Category::Hardware => 50.0,
        Category::Convenience => 10.0,
        Category::Other => 100.0,
        _ => 1.0,
    };
    ((yuan * 100.0 / step_fen).round() * step_fen) as i64
}

/// A customer pseudonym: a household number in a community, mostly the shop's own
/// community and mostly its regulars. Many walk-in customers pay cash and stay unknown.
fn customer(rng: &mut ChaCha8Rng, shop: &Shop, in_store: bool) -> (u8, u32) {
    if rng.random_bool(if in_store { 0.35 } else { 0.02 }) {
        return (0, 0);
    }
    if rng.random_bool(0.9) {
        let hh = COMMUNITIES[shop.community].households.max(1) as u32;
        let u: f64 = rng.random();
        let k = (shop.customer_pool as f64 * u.powf(1.6)) as u32;
        (shop.community as u8, 1 + (shop.customer_offset + k) % hh)
    } else {
        let community = rng.random_range(0..COMMUNITIES.len());
        let hh = COMMUNITIES[community].households.max(1) as u32;
        (community as u8, 1 + rng.random_range(0..hh))
    }
}

pub use columns::{FootfallColumns, OrderColumns};

/// Column builders for the two big tables, in the contract's schemas.
mod columns {
    use std::fmt::Write;
    use std::sync::Arc;

    use datafusion::arrow::array::{
        ArrayRef, Date32Array, Decimal128Array, Int64Array, StringBuilder,
        TimestampMicrosecondArray,
    };
    use datafusion::arrow::datatypes::SchemaRef;
    use datafusion::arrow::record_batch::RecordBatch;

    use super::super::district::{COMMUNITIES, FootfallSource};
    use super::{CHANNELS, Day, Draft, ORDER_STATUSES};
    use crate::error::Result;

    pub struct OrderColumns {
        order_id: StringBuilder,
        shop_id: StringBuilder,
        ordered_at: Vec<i64>,
        channel: StringBuilder,
        amount: Vec<i128>,
        status: StringBuilder,
        customer: StringBuilder,
    }

    impl OrderColumns {
        pub fn with_capacity(rows: usize) -> Self {
            OrderColumns {
                order_id: StringBuilder::with_capacity(rows, rows * 24),
                shop_id: StringBuilder::with_capacity(rows, rows * 6),
                ordered_at: Vec::with_capacity(rows),
                channel: StringBuilder::with_capacity(rows, rows * 9),
                amount: Vec::with_capacity(rows),
                status: StringBuilder::with_capacity(rows, rows * 9),
                customer: StringBuilder::with_capacity(rows, rows * 16),
            }
        }

        pub fn len(&self) -> usize {
            self.ordered_at.len()
        }

        pub fn is_empty(&self) -> bool {
            self.ordered_at.is_empty()
        }

        pub fn push_day(&mut self, shop_id: &str, day: &Day, drafts: &[Draft]) {
            for (n, d) in drafts.iter().enumerate() {
                // Infallible: writing into a growable buffer.
                let _ = write!(self.order_id, "o-{shop_id}-{}-{:04}", day.stamp, n + 1);
                self.order_id.append_value("");
                self.shop_id.append_value(shop_id);
                self.ordered_at.push(d.at);
                self.channel.append_value(CHANNELS[d.channel as usize]);
                self.amount.push(d.amount_fen as i128);
                self.status.append_value(ORDER_STATUSES[d.status as usize]);
                let (community, household) = d.customer;
                if household == 0 {
                    self.customer.append_null();
                } else {
                    let _ = write!(
                        self.customer,
                        "c-{}-{household}",
                        COMMUNITIES[community as usize].id
                    );
                    self.customer.append_value("");
                }
            }
        }

        pub fn finish(&mut self, schema: &SchemaRef, zone: &str) -> Result<RecordBatch> {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(self.order_id.finish()),
                Arc::new(self.shop_id.finish()),
                Arc::new(
                    TimestampMicrosecondArray::from(std::mem::take(&mut self.ordered_at))
                        .with_timezone(zone),
                ),
                Arc::new(self.channel.finish()),
                Arc::new(
                    Decimal128Array::from(std::mem::take(&mut self.amount))
                        .with_precision_and_scale(12, 2)?,
                ),
                Arc::new(self.status.finish()),
                Arc::new(self.customer.finish()),
            ];
            Ok(RecordBatch::try_new(schema.clone(), columns)?)
        }
    }

    #[derive(Default)]
    pub struct FootfallColumns {
        shop_id: StringBuilder,
        date: Vec<i32>,
        visitors: Vec<i64>,
        source: StringBuilder,
    }

    impl FootfallColumns {
        pub fn len(&self) -> usize {
            self.date.len()
        }

        pub fn is_empty(&self) -> bool {
            self.date.is_empty()
        }

        pub fn push(&mut self, shop_id: &str, day: &Day, visitors: i64, source: FootfallSource) {
            self.shop_id.append_value(shop_id);
            self.date.push(day.epoch_days);
            self.visitors.push(visitors);
            self.source.append_value(source.as_str());
        }

        pub fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch> {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(self.shop_id.finish()),
                Arc::new(Date32Array::from(std::mem::take(&mut self.date))),
                Arc::new(Int64Array::from(std::mem::take(&mut self.visitors))),
                Arc::new(self.source.finish()),
            ];
            Ok(RecordBatch::try_new(schema.clone(), columns)?)
        }
    }
}
