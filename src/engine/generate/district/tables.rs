//! The small tables that follow from the shops: shop_status (the closures as an event log),
//! resident_needs, shop_services, and which shops count as WeChat-group members.

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{COMMUNITIES, Category, District, date};

/// Whether the shop is a WeChat-group member as the study defines it: a wechat_order row
/// with `since` on or before the first lockdown date.
pub fn members(services: &[Service], shops: usize) -> Vec<bool> {
    let mut out = vec![false; shops];
    for s in services {
        if s.mode == "wechat_order" && s.since.is_some_and(|d| d <= date(2022, 4, 23)) {
            out[s.shop] = true;
        }
    }
    out
}

/// One row of shop_status.
pub struct StatusEvent {
    pub shop: usize,
    pub at: i64,
    pub status: &'static str,
    pub reason: Option<&'static str>,
}

/// The event log, limited to events within the data's days [from 00:00, to+1 00:00).
pub fn status_events(district: &District, window: (i64, i64)) -> Vec<StatusEvent> {
    let mut events = Vec::new();
    for (i, shop) in district.shops.iter().enumerate() {
        for c in &shop.closures {
            events.push(StatusEvent {
                shop: i,
                at: c.start,
                status: "closed",
                reason: Some(c.reason),
            });
            if let Some(min) = c.repeated_after_min {
                events.push(StatusEvent {
                    shop: i,
                    at: c.start + min * 60_000_000,
                    status: "closed",
                    reason: Some(c.reason),
                });
            }
            if let Some(end) = c.end {
                events.push(StatusEvent {
                    shop: i,
                    at: end,
                    status: "open",
                    reason: None,
                });
            }
        }
    }
    events.retain(|e| e.at >= window.0 && e.at < window.1);
    events
}

/// One row of resident_needs.
pub struct Need {
    pub community: usize,
    pub need: &'static str,
    pub households: i64,
    pub elderly_households: i64,
}

pub fn resident_needs(rng: &mut ChaCha8Rng) -> Vec<Need> {
    let mut out = Vec::new();
    for (i, c) in COMMUNITIES.iter().enumerate() {
        let hh = c.households as f64;
        // Households with someone aged 60+ outnumber the share of residents who are.
        let elderly_hh = hh * (c.elderly_share * 1.35).min(1.0);
        let needs: [(&str, f64, f64); 6] = [
            ("groceries", 0.93, 0.97),
            ("meals", 0.15 + 0.45 * c.renter_share, 0.30),
            ("medicine", 0.18 + 0.55 * c.elderly_share, 0.70),
            ("haircut", 0.55, 0.45),
            ("repairs", 0.12, 0.22),
            ("errands", 0.04 + 0.30 * c.elderly_share, 0.40),
        ];
        for (need, share, elderly_share) in needs {
            let jitter = rng.random_range(0.93..1.07);
            let households = (hh * share * jitter).round() as i64;
            let elderly = ((elderly_hh * elderly_share * jitter).round() as i64).min(households);
            out.push(Need {
                community: i,
                need,
                households,
                elderly_households: elderly,
            });
        }
    }
    out
}

/// One row of shop_services.
pub struct Service {
    pub shop: usize,
    pub service: &'static str,
    pub mode: &'static str,
    pub since: Option<NaiveDate>,
}

pub fn shop_services(rng: &mut ChaCha8Rng, district: &District) -> Vec<Service> {
    let mut out = Vec::new();
    for (i, shop) in district.shops.iter().enumerate() {
        let offers: &[(&str, &str, f64)] = match shop.category {
            Category::FreshProduce => &[
                ("groceries", "wechat_order", 0.85),
                ("groceries", "delivery", 0.45),
                ("groceries", "livestream", 0.05),
            ],
            Category::Dining => &[
                ("meals", "delivery", 0.60),
                ("meals", "wechat_order", 0.45),
                ("meals", "phone_order", 0.35),
            ],
            Category::Clinic => &[
                ("medicine", "phone_order", 0.50),
                ("medicine", "delivery", 0.30),
                ("medicine", "home_visit", 0.15),
            ],
            Category::Barber => &[
                ("haircut", "home_visit", 0.30),
                ("haircut", "wechat_order", 0.20),
            ],
            Category::Hardware => &[
                ("repairs", "home_visit", 0.60),
                ("repairs", "phone_order", 0.50),
            ],
            Category::Convenience => &[
                ("groceries", "wechat_order", 0.60),
                ("groceries", "delivery", 0.40),
                ("errands", "errand", 0.35),
            ],
            Category::Other => &[("errands", "errand", 0.25), ("repairs", "home_visit", 0.10)],
        };
        for &(service, mode, p) in offers {
            if !rng.random_bool(p) {
                continue;
            }
            let since = service_since(rng, mode).map(|d| match shop.opened_on {
                Some(opened) => d.max(opened),
                None => d,
            });
            out.push(Service {
                shop: i,
                service,
                mode,
                since,
            });
        }
    }
    out
}

/// When a shop started offering a service. WeChat groups and errands mostly started in the
/// days around the lockdown; delivery platforms long before; phone orders always.
fn service_since(rng: &mut ChaCha8Rng, mode: &str) -> Option<NaiveDate> {
    let around = |rng: &mut ChaCha8Rng, a: NaiveDate, days: i64| {
        Some(a + chrono::Duration::days(rng.random_range(0..=days)))
    };
    let roll = rng.random_range(0..100);
    match mode {
        "wechat_order" => match roll {
            0..65 => around(rng, date(2022, 4, 18), 9),
            65..85 => around(rng, date(2020, 2, 1), 600),
            _ => None,
        },
        "errand" => match roll {
            0..80 => around(rng, date(2022, 4, 22), 6),
            _ => None,
        },
        "home_visit" => match roll {
            0..50 => around(rng, date(2022, 4, 25), 20),
            50..75 => around(rng, date(2019, 6, 1), 900),
            _ => None,
        },
        "livestream" => around(rng, date(2022, 5, 1), 45),
        "delivery" => match roll {
            0..60 => around(rng, date(2018, 1, 1), 1500),
            60..80 => around(rng, date(2022, 4, 20), 10),
            _ => None,
        },
        _ => match roll {
            0..20 => around(rng, date(2022, 4, 22), 7),
            _ => None,
        },
    }
}
