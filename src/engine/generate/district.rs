//! The district itself: Chaohui Street's communities, its shops and what each shop is like,
//! the lockdown, the holiday calendar, and the small tables that follow from them
//! (shop_status, resident_needs, shop_services).
//!
//! Everything here is small (at most a few rows per shop) and built in memory in one pass
//! of one random stream, so a seed always gives the same district.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use chrono_tz::Tz;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::random::{normal, pick_weighted};

/// A residential community (社区) of the street. Names are made up except 黎园社区.
pub struct Community {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub households: i64,
    pub elderly_share: f64,
    pub renter_share: f64,
    /// Days for in-store trade to make up two thirds of what it lost by reopening: older,
    /// more-renting communities came back to the shops more slowly.
    pub recovery_tau_days: f64,
}

pub const STREET: &str = "朝晖街道";

pub const COMMUNITIES: &[Community] = &[
    Community {
        id: "liyuan",
        name_zh: "黎园社区",
        name_en: "Liyuan",
        households: 2000,
        elderly_share: 0.33,
        renter_share: 0.33,
        recovery_tau_days: 6.0,
    },
    Community {
        id: "meiyuan",
        name_zh: "梅园社区",
        name_en: "Meiyuan",
        households: 2650,
        elderly_share: 0.29,
        renter_share: 0.21,
        recovery_tau_days: 4.5,
    },
    Community {
        id: "xiangzhang",
        name_zh: "香樟社区",
        name_en: "Xiangzhang",
        households: 3120,
        elderly_share: 0.24,
        renter_share: 0.27,
        recovery_tau_days: 4.0,
    },
    Community {
        id: "qiaoxi",
        name_zh: "桥西社区",
        name_en: "Qiaoxi",
        households: 2380,
        elderly_share: 0.36,
        renter_share: 0.18,
        recovery_tau_days: 8.0,
    },
    Community {
        id: "wenhuiyuan",
        name_zh: "文晖苑社区",
        name_en: "Wenhuiyuan",
        households: 3460,
        elderly_share: 0.21,
        renter_share: 0.38,
        recovery_tau_days: 4.0,
    },
    Community {
        id: "jinghe",
        name_zh: "景和社区",
        name_en: "Jinghe",
        households: 1870,
        elderly_share: 0.31,
        renter_share: 0.25,
        recovery_tau_days: 5.5,
    },
    Community {
        id: "chaoyang",
        name_zh: "朝阳新村社区",
        name_en: "Chaoyang Xincun",
        households: 2940,
        elderly_share: 0.38,
        renter_share: 0.16,
        recovery_tau_days: 9.5,
    },
    Community {
        id: "hemuli",
        name_zh: "和睦里社区",
        name_en: "Hemuli",
        households: 2210,
        elderly_share: 0.27,
        renter_share: 0.42,
        recovery_tau_days: 5.0,
    },
    Community {
        id: "anqing",
        name_zh: "安庆社区",
        name_en: "Anqing",
        households: 2560,
        elderly_share: 0.34,
        renter_share: 0.22,
        recovery_tau_days: 7.0,
    },
    Community {
        id: "shangtanghe",
        name_zh: "上塘河社区",
        name_en: "Shangtanghe",
        households: 3280,
        elderly_share: 0.19,
        renter_share: 0.35,
        recovery_tau_days: 4.5,
    },
    Community {
        id: "yuhua",
        name_zh: "毓华社区",
        name_en: "Yuhua",
        households: 1740,
        elderly_share: 0.37,
        renter_share: 0.14,
        recovery_tau_days: 10.0,
    },
    Community {
        id: "xinfeng",
        name_zh: "新丰社区",
        name_en: "Xinfeng",
        households: 2990,
        elderly_share: 0.26,
        renter_share: 0.31,
        recovery_tau_days: 4.5,
    },
];

/// The one community the project was first asked about gets a fixed share of the shops:
/// 64 of 1,000, mostly places to eat.
pub const LIYUAN_SHOP_SHARE: f64 = 0.064;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Dining,
    FreshProduce,
    Convenience,
    Barber,
    Hardware,
    Clinic,
    Other,
}

pub const ALL_CATEGORIES: [Category; 7] = [
    Category::Dining,
    Category::FreshProduce,
    Category::Convenience,
    Category::Barber,
    Category::Hardware,
    Category::Clinic,
    Category::Other,
];

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Dining => "dining",
            Category::FreshProduce => "fresh_produce",
            Category::Convenience => "convenience",
            Category::Barber => "barber",
            Category::Hardware => "hardware",
            Category::Clinic => "clinic",
            Category::Other => "other",
        }
    }

    /// Share of the street's shops, in the order of `ALL_CATEGORIES`.
    fn weight(self, liyuan: bool) -> f64 {
        match (self, liyuan) {
            (Category::Dining, false) => 0.34,
            (Category::FreshProduce, false) => 0.20,
            (Category::Convenience, false) => 0.15,
            (Category::Barber, false) => 0.11,
            (Category::Hardware, false) => 0.09,
            (Category::Clinic, false) => 0.06,
            (Category::Other, false) => 0.05,
            (Category::Dining, true) => 0.56,
            (Category::FreshProduce, true) => 0.12,
            (Category::Convenience, true) => 0.10,
            (Category::Barber, true) => 0.08,
            (Category::Hardware, true) => 0.05,
            (Category::Clinic, true) => 0.05,
            (Category::Other, true) => 0.04,
        }
    }

    /// Floor area range in m².
    fn area(self) -> (f64, f64) {
        match self {
            Category::Dining => (18.0, 90.0),
            Category::FreshProduce => (8.0, 45.0),
            Category::Convenience => (15.0, 70.0),
            Category::Barber => (12.0, 45.0),
            Category::Hardware => (15.0, 60.0),
            Category::Clinic => (30.0, 140.0),
            Category::Other => (8.0, 50.0),
        }
    }

    /// Orders on an ordinary weekday, all channels, for a typical shop.
    pub fn base_orders(self) -> f64 {
        match self {
            Category::Dining => 45.0,
            Category::FreshProduce => 55.0,
            Category::Convenience => 70.0,
            Category::Barber => 12.0,
            Category::Hardware => 8.0,
            Category::Clinic => 15.0,
            Category::Other => 14.0,
        }
    }

    /// Share of orders placed online before the lockdown.
    pub fn online_share(self) -> (f64, f64) {
        match self {
            Category::Dining => (0.08, 0.25),
            Category::FreshProduce => (0.04, 0.14),
            Category::Convenience => (0.02, 0.08),
            Category::Barber => (0.0, 0.04),
            Category::Hardware => (0.03, 0.10),
            Category::Clinic => (0.01, 0.06),
            Category::Other => (0.02, 0.08),
        }
    }

    /// Revenue sold online while closed, as a fraction of a normal day's revenue.
    pub fn lockdown_revenue(self) -> (f64, f64) {
        match self {
            Category::Dining => (0.30, 0.50),
            Category::FreshProduce => (0.60, 1.20),
            Category::Convenience => (0.45, 0.90),
            Category::Barber => (0.0, 0.03),
            Category::Hardware => (0.05, 0.25),
            Category::Clinic => (0.05, 0.20),
            Category::Other => (0.05, 0.30),
        }
    }

    /// Probability that a shop of this kind reopened days after the lockdown ended, not
    /// the morning it did: barbers and clinics waited for staff and inspections.
    fn late_reopen(self) -> f64 {
        match self {
            Category::Barber | Category::Clinic => 0.18,
            Category::Other | Category::Hardware => 0.12,
            _ => 0.08,
        }
    }
}

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

pub const LOCKDOWN_ID: &str = "gongshu-2022-04";
pub const LOCKDOWN_AREA: &str = "拱墅区";
pub const LOCKDOWN_LEVEL: &str = "level2_response";
pub const LOCKDOWN_NOTE: &str =
    "拱墅区部分区域实施二级响应管控 (level-2 response in parts of Gongshu District)";

/// The lockdown's start and end in the district's zone. The real event was at 02:00 and
/// midnight Beijing time; a district generated in another zone keeps the same local
/// times, so its lockdown dates stay 04-23 .. 04-29.
pub fn lockdown_window(zone: &Tz) -> (i64, i64) {
    let start = local_instant(zone, date(2022, 4, 23), 2 * 3600);
    let end = local_instant(zone, date(2022, 4, 30), 0);
    (start, end)
}

/// China's 2022 holidays and adjusted workdays (调休), as announced by the State Council
/// (国办发明电〔2021〕11号).
pub const CALENDAR_2022: &[(u32, u32, DayKind, &str)] = &[
    (1, 1, DayKind::Holiday, "元旦"),
    (1, 2, DayKind::Holiday, "元旦"),
    (1, 3, DayKind::Holiday, "元旦"),
    (1, 29, DayKind::AdjustedWorkday, "春节"),
    (1, 30, DayKind::AdjustedWorkday, "春节"),
    (1, 31, DayKind::Holiday, "春节"),
    (2, 1, DayKind::Holiday, "春节"),
    (2, 2, DayKind::Holiday, "春节"),
    (2, 3, DayKind::Holiday, "春节"),
    (2, 4, DayKind::Holiday, "春节"),
    (2, 5, DayKind::Holiday, "春节"),
    (2, 6, DayKind::Holiday, "春节"),
    (4, 2, DayKind::AdjustedWorkday, "清明节"),
    (4, 3, DayKind::Holiday, "清明节"),
    (4, 4, DayKind::Holiday, "清明节"),
    (4, 5, DayKind::Holiday, "清明节"),
    (4, 24, DayKind::AdjustedWorkday, "劳动节"),
    (4, 30, DayKind::Holiday, "劳动节"),
    (5, 1, DayKind::Holiday, "劳动节"),
    (5, 2, DayKind::Holiday, "劳动节"),
    (5, 3, DayKind::Holiday, "劳动节"),
    (5, 4, DayKind::Holiday, "劳动节"),
    (5, 7, DayKind::AdjustedWorkday, "劳动节"),
    (6, 3, DayKind::Holiday, "端午节"),
    (6, 4, DayKind::Holiday, "端午节"),
    (6, 5, DayKind::Holiday, "端午节"),
    (9, 10, DayKind::Holiday, "中秋节"),
    (9, 11, DayKind::Holiday, "中秋节"),
    (9, 12, DayKind::Holiday, "中秋节"),
    (10, 1, DayKind::Holiday, "国庆节"),
    (10, 2, DayKind::Holiday, "国庆节"),
    (10, 3, DayKind::Holiday, "国庆节"),
    (10, 4, DayKind::Holiday, "国庆节"),
    (10, 5, DayKind::Holiday, "国庆节"),
    (10, 6, DayKind::Holiday, "国庆节"),
    (10, 7, DayKind::Holiday, "国庆节"),
    (10, 8, DayKind::AdjustedWorkday, "国庆节"),
    (10, 9, DayKind::AdjustedWorkday, "国庆节"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Ordinary,
    Holiday,
    AdjustedWorkday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Ordinary => "ordinary",
            DayKind::Holiday => "holiday",
            DayKind::AdjustedWorkday => "adjusted_workday",
        }
    }
}

/// The calendar rows within [from, to].
pub fn calendar(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, DayKind, &'static str)> {
    CALENDAR_2022
        .iter()
        .map(|&(m, d, kind, name)| (date(2022, m, d), kind, name))
        .filter(|(day, _, _)| *day >= from && *day <= to)
        .collect()
}

pub fn day_kind(day: NaiveDate) -> DayKind {
    CALENDAR_2022
        .iter()
        .find(|&&(m, d, _, _)| day.year() == 2022 && day.month() == m && day.day() == d)
        .map_or(DayKind::Ordinary, |&(_, _, kind, _)| kind)
}

/// Whether people have the day off: weekends and holidays, but not adjusted workdays.
pub fn is_rest_day(day: NaiveDate) -> bool {
    match day_kind(day) {
        DayKind::Holiday => true,
        DayKind::AdjustedWorkday => false,
        DayKind::Ordinary => matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
    }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a fixed, valid date")
}

/// The instant (UTC microseconds) of a local wall-clock time in `zone`. A time that a
/// daylight-saving jump skips moves on to the first instant that exists.
pub fn local_instant(zone: &Tz, day: NaiveDate, secs_of_day: u32) -> i64 {
    let mut local: NaiveDateTime =
        day.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::seconds(secs_of_day as i64);
    for _ in 0..8 {
        if let Some(t) = zone.from_local_datetime(&local).earliest() {
            return t.timestamp_micros();
        }
        local += chrono::Duration::minutes(30);
    }
    // No zone skips four hours; fall back to reading the time as UTC.
    local.and_utc().timestamp_micros()
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

const PEOPLE: &[&str] = &[
    "老王",
    "老张",
    "阿芳",
    "小李",
    "阿强",
    "老陈",
    "刘记",
    "周记",
    "胖哥",
    "阿婆",
    "三毛",
    "小林",
    "吴妈",
    "老杭州",
    "金华",
    "兰溪",
    "绍兴",
    "温州",
    "安吉",
    "东北",
    "阿毛",
    "老钱",
    "小沈",
    "徐记",
    "阿华",
    "红梅",
    "建国",
    "阿忠",
    "老孙",
    "小蒋",
];
const PLACES: &[&str] = &[
    "朝晖", "运河", "黎园", "梅园", "香积", "和睦", "上塘", "湖墅", "潮王", "稻香", "德胜", "新村",
];

fn name_parts(category: Category) -> &'static [&'static str] {
    match category {
        Category::Dining => &[
            "面馆",
            "片儿川",
            "馄饨",
            "小笼包",
            "快餐",
            "烧烤&啤酒",
            "饺子馆",
            "小吃",
            "酱鸭",
            "大排档",
            "煲仔饭",
            "麻辣烫",
            "早餐店",
            "米线",
            "私房菜",
        ],
        Category::FreshProduce => &[
            "鲜果",
            "果蔬",
            "生鲜",
            "肉铺",
            "菜店",
            "水产",
            "豆腐坊",
            "鲜肉店",
            "蔬菜摊",
        ],
        Category::Convenience => &["便利店", "小卖部", "超市", "烟酒店", "日杂店"],
        Category::Barber => &["理发", "发艺", "美发", "剪艺", "理发店"],
        Category::Hardware => &["五金", "水电五金", "锁具五金", "五金建材", "家电维修"],
        Category::Clinic => &["诊所", "口腔门诊", "中医诊所", "大药房", "推拿馆"],
        Category::Other => &[
            "裁缝铺",
            "干洗店",
            "花店",
            "打印店",
            "修鞋铺",
            "彩票站",
            "眼镜店",
        ],
    }
}

fn shop_name(rng: &mut ChaCha8Rng, category: Category, used: &mut HashSet<String>) -> String {
    let parts = name_parts(category);
    for _ in 0..6 {
        let prefix = if rng.random_bool(0.6) {
            PEOPLE[rng.random_range(0..PEOPLE.len())]
        } else {
            PLACES[rng.random_range(0..PLACES.len())]
        };
        let name = format!("{prefix}{}", parts[rng.random_range(0..parts.len())]);
        if used.insert(name.clone()) {
            return name;
        }
    }
    // A street this size has branches: 二店, 三店, ...
    let base = format!(
        "{}{}",
        PLACES[rng.random_range(0..PLACES.len())],
        parts[rng.random_range(0..parts.len())]
    );
    let mut n = 2;
    loop {
        let name = format!("{base}({n}号店)");
        if used.insert(name.clone()) {
            return name;
        }
        n += 1;
    }
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
            let noise = (1.0 + PLANTED_COMMUNITY_SPREAD * super::random::normal(rng)).max(0.0);
            (
                PLANTED_LOCKDOWN * pilot * noise,
                PLANTED_RECOVERY * pilot * noise,
            )
        })
        .collect()
}

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
