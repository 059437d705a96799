//! A tiny district whose every figure was worked out by hand (the derivations are next to the
//! assertions in `metrics.rs`).
//!
//! Lockdown L1 `gongshu-2022-04`: 2022-04-23 02:00 to 2022-04-30 00:00 (+08:00), so the
//! lockdown dates are 04-23 (a Saturday) .. 04-29. The 35 dates before run 03-19 .. 04-22:
//! five of each weekday. The calendar takes out 04-02 (Sat, adjusted workday) and 04-03,
//! 04-04, 04-05 (Sun, Mon, Tue, Qingming): the baseline has 31 dates, four Saturdays, Sundays,
//! Mondays and Tuesdays (even counts under the median) and five of the other weekdays.
//! Recovery dates: 04-30 .. 05-27. A second lockdown, listed first, is later in the year.
//!
//! Shops: s1 dining (a), s2 fresh_produce (a, opened 04-01: no full baseline), s3 barber (b,
//! never reopens, no sales), s4 clinic (b, opened 03-18: a full baseline), s5 dining (b, opened
//! 03-19, the first baseline date: not before it, so no full baseline), s6 hardware (a), s7
//! other (c, closed only in the second lockdown).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use datafusion::arrow::array::Array;
use datafusion::common::ScalarValue;
use datafusion::prelude::SessionContext;
use yanhuo::engine::queries::{self, Library, QueryResult};

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("fixture dates are valid")
}

fn dates(from: &str, to: &str) -> impl Iterator<Item = NaiveDate> {
    let (from, to) = (date(from), date(to));
    (0..=(to - from).num_days()).map(move |i| from + Duration::days(i))
}

const EXCLUDED: [&str; 4] = ["2022-04-02", "2022-04-03", "2022-04-04", "2022-04-05"];

fn is_baseline(d: NaiveDate) -> bool {
    d >= date("2022-03-19")
        && d <= date("2022-04-22")
        && !EXCLUDED.contains(&d.to_string().as_str())
}

pub const COMMUNITIES: &str =
    "\u{feff}community_id,name_zh,name_en,street,households,elderly_share,renter_share
a,黎园社区,Liyuan,朝晖街道,2000,0.33,0.33
b,永丰社区,Yongfeng,朝晖街道,1500,0.2,0.4
c,新村社区,Xincun,朝晖街道,800,0.5,0.1
";

pub const SHOPS: &str = "shop_id,name,category,community_id,area_m2,annual_rent_cny,opened_on
s1,老王面馆,dining,a,40,60000,
s2,\"朝晖鲜果, 蔬菜\",fresh_produce,a,,,2022-04-01
s3,阿芳理发,barber,b,20,30000,
s4,社区诊所,clinic,b,80,,2022-03-18
s5,<script>alert(1)</script>,dining,b,30,,2022-03-19
s6,五金店,hardware,a,25,20000,
s7,杂货,other,c,,,
";

pub const LOCKDOWNS: &str = "lockdown_id,area,level,starts_at,ends_at,note
later-2022-06,拱墅区,level2_response,2022-06-10T00:00:00+08:00,2022-06-12T00:00:00+08:00,a second lockdown
gongshu-2022-04,拱墅区,level2_response,2022-04-23T02:00:00+08:00,2022-04-30T00:00:00+08:00,
";

pub const CALENDAR: &str = "date,kind,name
2022-04-02,adjusted_workday,清明节调休
2022-04-03,holiday,清明节
2022-04-04,holiday,清明节
2022-04-05,holiday,清明节
2022-04-30,holiday,劳动节
";

/// Closure spells (L1 unless said): s1 closes twice (one spell) and reopens 04-30 08:00; s2
/// closed before the lockdown; s3 never reopens; s4 had a March spell, then closes at 02:00
/// local written in UTC and reopens early; s5 reopens 30 minutes after the end; s6 had a spell
/// that ended an hour before the lockdown began, then reopens 27 hours late; s7 closes only in
/// the second lockdown.
pub const SHOP_STATUS: &str = "shop_id,changed_at,status,reason
s1,2022-04-23T02:00:00+08:00,closed,level2_response
s1,2022-04-23T09:00:00+08:00,closed,level2_response
s1,2022-04-30T08:00:00+08:00,open,
s2,2022-04-20T10:00:00+08:00,closed,renovation
s2,2022-05-02T10:00:00+08:00,open,
s3,2022-04-23T02:00:00+08:00,closed,level2_response
s4,2022-03-10T09:00:00+08:00,closed,renovation
s4,2022-03-12T09:00:00+08:00,open,
s4,2022-04-22T18:00:00Z,closed,level2_response
s4,2022-04-29T20:00:00+08:00,open,
s5,2022-04-23 02:00:00,closed,level2_response
s5,2022-04-30T00:30:00+08:00,open,
s6,2022-04-20T00:00:00+08:00,closed,
s6,2022-04-23T01:00:00+08:00,open,
s6,2022-04-23T02:00:00+08:00,closed,level2_response
s6,2022-05-01T03:00:00+08:00,open,
s7,2022-06-10T00:00:00+08:00,closed,level2_response
s7,2022-06-12T00:00:00+08:00,open,
";

/// s1's orders, one by one. Baseline revenue by weekday: Saturdays 80, 100 (60 in store + 40
/// WeChat), 120, 200; Mondays 10 (written in UTC on Sunday evening), 30, 0, 20; Wednesdays
/// 10 (and a refund of 999), 20 (phone), 30, 40, 50; other days nothing. 04-02 (excluded)
/// sold 1000.
const S1_ORDERS: &str = "o1,s1,2022-03-19T12:00:00+08:00,in_store,80.00,completed,c1
o2,s1,2022-03-26T12:00:00+08:00,in_store,60,completed,c1
o3,s1,2022-03-26T13:00:00+08:00,wechat_group,40.00,completed,c2
o4,s1,2022-04-09T12:00:00+08:00,in_store,120.00,completed,c1
o5,s1,2022-04-16T12:00:00+08:00,in_store,200.00,completed,
o6,s1,2022-03-20T17:30:00Z,in_store,10.00,completed,c5
o7,s1,2022-03-28T12:00:00+08:00,in_store,30.00,completed,c5
o8,s1,2022-04-18T12:00:00+08:00,in_store,20.00,completed,c6
o9,s1,2022-03-23T12:00:00+08:00,in_store,10.00,completed,c3
o10,s1,2022-03-23T12:30:00+08:00,in_store,999.00,refunded,c9
o11,s1,2022-03-30T12:00:00+08:00,phone,20.00,completed,c3
o12,s1,2022-04-06T12:00:00+08:00,in_store,30.00,completed,c4
o13,s1,2022-04-13T12:00:00+08:00,in_store,40.00,completed,c3
o14,s1,2022-04-20T12:00:00+08:00,in_store,50.00,completed,c3
o15,s1,2022-04-02T12:00:00+08:00,in_store,1000.00,completed,c7
o16,s1,2022-04-22T16:30:00Z,wechat_group,9.50,completed,c2
o17,s1,2022-04-24T10:00:00+08:00,wechat_group,50.00,completed,c2
o18,s1,2022-04-25T10:00:00+08:00,phone,30.50,completed,c2
o19,s1,2022-04-26T10:00:00+08:00,wechat_group,100.00,cancelled,c2
o20,s1,2022-04-27T10:00:00+08:00,in_store,20.00,completed,c2
o21,s1,2022-04-29T16:30:00Z,wechat_group,12.00,completed,c2
o22,s1,2022-05-02T10:00:00+08:00,in_store,30.00,completed,c1
o23,s1,2022-05-02T11:00:00+08:00,wechat_group,15.00,completed,c1
o24,s1,2022-05-10T10:00:00+08:00,in_store,25.00,completed,c8
o25,s2,2022-04-10T10:00:00+08:00,in_store,50.00,completed,e1
o26,s2,2022-04-24T10:00:00+08:00,wechat_group,30.00,completed,e1
o27,s5,2022-03-20T10:00:00+08:00,in_store,100.00,completed,f1
";

fn orders() -> String {
    let mut csv =
        String::from("order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\n");
    csv.push_str(S1_ORDERS);
    // s4: 10 yuan in store by customer d1 on every baseline date; 7 yuan by WeChat on
    // 04-24 .. 04-28; nothing after.
    for d in dates("2022-03-19", "2022-04-22").filter(|d| is_baseline(*d)) {
        let _ = writeln!(
            csv,
            "s4-{d},s4,{d}T15:00:00+08:00,in_store,10.00,completed,d1"
        );
    }
    for d in dates("2022-04-24", "2022-04-28") {
        let _ = writeln!(
            csv,
            "s4-{d},s4,{d}T15:00:00+08:00,wechat_group,7.00,completed,d2"
        );
    }
    csv
}

/// Footfall. s1: 100 a day, except no row on 03-23, 80 / 90 / 60 on Wednesdays 03-30, 04-06,
/// 04-20; 5 a day in the lockdown; 80, 95, 90, 91 on 04-30 .. 05-03, then 100. s6: Saturdays
/// only, 40 (500 on the excluded 04-02, 0 in the lockdown). s4: 50 a day before the lockdown,
/// no rows during it, 10 a day after. s7: 0 every day.
fn footfall() -> String {
    let mut csv = String::from("shop_id,date,visitors,source\n");
    for d in dates("2022-03-19", "2022-05-27") {
        let s1 = match d.to_string().as_str() {
            "2022-03-23" => None,
            "2022-03-30" => Some(80),
            "2022-04-06" => Some(90),
            "2022-04-20" => Some(60),
            "2022-04-30" => Some(80),
            "2022-05-01" => Some(95),
            "2022-05-02" => Some(90),
            "2022-05-03" => Some(91),
            _ if d >= date("2022-04-23") && d <= date("2022-04-29") => Some(5),
            _ => Some(100),
        };
        if let Some(v) = s1 {
            let _ = writeln!(csv, "s1,{d},{v},door_counter");
        }
        if d.weekday() == chrono::Weekday::Sat {
            let v = match d.to_string().as_str() {
                "2022-04-02" => 500,
                "2022-04-23" => 0,
                _ => 40,
            };
            let _ = writeln!(csv, "s6,{d},{v},wifi_probe");
        }
        if d < date("2022-04-23") {
            let _ = writeln!(csv, "s4,{d},50,door_counter");
        } else if d > date("2022-04-29") {
            let _ = writeln!(csv, "s4,{d},10,manual");
        }
        let _ = writeln!(csv, "s7,{d},0,door_counter");
    }
    csv
}

pub const RESIDENT_NEEDS: &str = "community_id,need,households,elderly_households
a,groceries,100,40
a,haircut,50,20
b,groceries,80,10
";

pub const SHOP_SERVICES: &str = "shop_id,service,mode,since
s2,groceries,wechat_order,2022-04-23
s2,groceries,delivery,
s6,groceries,errand,2022-04-24
s4,groceries,phone_order,
s7,errands,errand,
";

/// Writes the district as CSV files into `dir`.
pub fn write_district(dir: &Path) {
    let files: [(&str, String); 9] = [
        ("communities.csv", COMMUNITIES.into()),
        ("shops.csv", SHOPS.into()),
        ("lockdowns.csv", LOCKDOWNS.into()),
        ("calendar.csv", CALENDAR.into()),
        ("shop_status.csv", SHOP_STATUS.into()),
        ("orders.csv", orders()),
        ("footfall.csv", footfall()),
        ("resident_needs.csv", RESIDENT_NEEDS.into()),
        ("shop_services.csv", SHOP_SERVICES.into()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("temp dir is writable");
    }
}

/// A second district for "Did the WeChat groups help?" (the working is in `impact.rs`), with
/// the calendar and lockdowns above. Every shop sells the same each day: `before` yuan a day
/// in store from 03-19 to 04-22 (so every weekday's baseline median is `before`), and
/// `during` a day online (WeChat for members, delivery platforms for the others) from 04-23
/// to 05-27, the lockdown and recovery dates.
///
/// | shop | community | category | wechat_order since | before | during | |
/// |---|---|---|---|---|---|---|
/// | m1 | a | dining | 04-18 | 10 | 8 | member; a level2_response closure |
/// | m2 | a | dining | null (meals), 2020-01-01 (groceries) | 30 | 15 | member: one qualifying row is enough |
/// | n1 | a | dining | (delivery only) | 20 | 6 | non-member |
/// | x5 | a | dining | — | 20 | 2 | non-member; renovated 03-01..03-10, before the window |
/// | ha | a | hardware | 04-18 | 10 | 5 | member of a stratum with no non-member |
/// | x3 | a | dining | null | 10 | 5 | unknown membership |
/// | m3 | b | dining | 04-23 | 10 | 9 | member (since = d0 counts) |
/// | n2 | b | dining | — | 10 | 4 | non-member |
/// | n3 | b | dining | — | 30 | 15 | non-member |
/// | z0 | b | dining | 04-18 | 0 | 5 | member with no baseline sales: out of every cell |
/// | x4 | b | dining | 04-24 | 10 | 5 | unknown membership (joined after d0) |
/// | m4 | c | clinic | 04-18 | 20 | 20 | member |
/// | n4 | c | clinic | — | 20 | 10 | non-member |
/// | x2 | c | clinic | null | 10 | 5 | renovated 05-10..05-12: another closure |
/// | x1 | c | dining | 04-18 | 10 | 5 | opened 04-01: no full baseline |
pub const WECHAT_SHOPS: [(&str, &str, &str, f64, f64); 15] = [
    ("m1", "a", "dining", 10.0, 8.0),
    ("m2", "a", "dining", 30.0, 15.0),
    ("n1", "a", "dining", 20.0, 6.0),
    ("x5", "a", "dining", 20.0, 2.0),
    ("ha", "a", "hardware", 10.0, 5.0),
    ("x3", "a", "dining", 10.0, 5.0),
    ("m3", "b", "dining", 10.0, 9.0),
    ("n2", "b", "dining", 10.0, 4.0),
    ("n3", "b", "dining", 30.0, 15.0),
    ("z0", "b", "dining", 0.0, 5.0),
    ("x4", "b", "dining", 10.0, 5.0),
    ("m4", "c", "clinic", 20.0, 20.0),
    ("n4", "c", "clinic", 20.0, 10.0),
    ("x2", "c", "clinic", 10.0, 5.0),
    ("x1", "c", "dining", 10.0, 5.0),
];

const WECHAT_SERVICES: &str = "shop_id,service,mode,since
m1,meals,wechat_order,2022-04-18
m2,meals,wechat_order,
m2,groceries,wechat_order,2020-01-01
n1,meals,delivery,2019-01-01
ha,repairs,wechat_order,2022-04-18
x3,meals,wechat_order,
m3,meals,wechat_order,2022-04-23
z0,meals,wechat_order,2022-04-18
x4,meals,wechat_order,2022-04-24
m4,medicine,wechat_order,2022-04-18
x2,medicine,wechat_order,
x1,meals,wechat_order,2022-04-18
";

const WECHAT_STATUS: &str = "shop_id,changed_at,status,reason
m1,2022-04-23T02:00:00+08:00,closed,level2_response
m1,2022-04-30T08:00:00+08:00,open,
x5,2022-03-01T09:00:00+08:00,closed,renovation
x5,2022-03-10T09:00:00+08:00,open,
x2,2022-05-10T09:00:00+08:00,closed,renovation
x2,2022-05-12T09:00:00+08:00,open,
";

/// Writes the WeChat-group district as CSV files into `dir`.
pub fn write_wechat_district(dir: &Path) {
    let members = ["m1", "m2", "ha", "m3", "z0", "m4", "x1"];
    let mut shops =
        String::from("shop_id,name,category,community_id,area_m2,annual_rent_cny,opened_on\n");
    let mut orders =
        String::from("order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\n");
    for (shop, community, category, before, during) in WECHAT_SHOPS {
        let opened = if shop == "x1" { "2022-04-01" } else { "" };
        let _ = writeln!(shops, "{shop},{shop},{category},{community},,,{opened}");
        let online = if members.contains(&shop) {
            "wechat_group"
        } else {
            "delivery_platform"
        };
        for d in dates("2022-03-19", "2022-05-27") {
            let (channel, amount) = if d < date("2022-04-23") {
                ("in_store", before)
            } else {
                (online, during)
            };
            if amount > 0.0 && (shop != "x1" || d >= date("2022-04-01")) {
                let _ = writeln!(
                    orders,
                    "{shop}-{d},{shop},{d}T12:00:00+08:00,{channel},{amount:.2},completed,"
                );
            }
        }
    }
    let files: [(&str, String); 9] = [
        ("communities.csv", COMMUNITIES.into()),
        ("shops.csv", shops),
        ("lockdowns.csv", LOCKDOWNS.into()),
        ("calendar.csv", CALENDAR.into()),
        ("shop_status.csv", WECHAT_STATUS.into()),
        ("orders.csv", orders),
        ("footfall.csv", "shop_id,date,visitors,source\n".into()),
        ("resident_needs.csv", RESIDENT_NEEDS.into()),
        ("shop_services.csv", WECHAT_SERVICES.into()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("temp dir is writable");
    }
}

pub struct District {
    pub _dir: tempfile::TempDir,
    pub ctx: SessionContext,
    pub library: Library,
}

pub async fn district() -> District {
    open_district(write_district).await
}

/// The WeChat-group district of `impact.rs`, opened.
pub async fn wechat_district() -> District {
    open_district(write_wechat_district).await
}

async fn open_district(write: fn(&Path)) -> District {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path());
    let (ctx, registration) = yanhuo::engine::catalog::open(dir.path(), chrono_tz::Asia::Shanghai)
        .await
        .expect("the fixture opens");
    for load in &registration.loads {
        assert!(
            load.rejects.is_empty(),
            "fixture rows rejected: {:?}",
            load.rejects
        );
    }
    // The study window bound as the server binds it (`queries::window`).
    let mut library = Library::embedded().expect("query files parse");
    let windows = queries::window::study_windows(&ctx, &library)
        .await
        .expect("the study windows");
    library.set_windows(windows);
    District {
        _dir: dir,
        ctx,
        library,
    }
}

/// A result cell, compared with a tiny tolerance for floats.
#[derive(Debug, Clone)]
pub enum V {
    Null,
    I(i64),
    F(f64),
    S(String),
}

impl PartialEq for V {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (V::Null, V::Null) => true,
            (V::I(a), V::I(b)) => a == b,
            (V::S(a), V::S(b)) => a == b,
            (V::F(a), V::F(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            (V::F(a), V::I(b)) | (V::I(b), V::F(a)) => (a - *b as f64).abs() <= 1e-9,
            _ => false,
        }
    }
}

pub fn s(text: &str) -> V {
    V::S(text.to_string())
}

fn cell(value: ScalarValue) -> V {
    if value.is_null() {
        return V::Null;
    }
    match value {
        ScalarValue::Int8(Some(v)) => V::I(v.into()),
        ScalarValue::Int16(Some(v)) => V::I(v.into()),
        ScalarValue::Int32(Some(v)) => V::I(v.into()),
        ScalarValue::Int64(Some(v)) => V::I(v),
        ScalarValue::UInt64(Some(v)) => V::I(v as i64),
        ScalarValue::Float64(Some(v)) => V::F(v),
        ScalarValue::Float32(Some(v)) => V::F(v.into()),
        ScalarValue::Decimal128(Some(v), _, scale) => V::F(v as f64 / 10f64.powi(scale.into())),
        ScalarValue::Utf8(Some(v))
        | ScalarValue::LargeUtf8(Some(v))
        | ScalarValue::Utf8View(Some(v)) => V::S(v),
        other => V::S(other.to_string()),
    }
}

/// Every row of a result as cells; timestamps and dates as their display text.
pub fn rows(result: &QueryResult) -> Vec<Vec<V>> {
    let mut out = Vec::new();
    for batch in &result.batches {
        for row in 0..batch.num_rows() {
            let mut cells = Vec::new();
            for column in batch.columns() {
                let value = ScalarValue::try_from_array(column.as_ref(), row).expect("cell");
                let v = match column.data_type() {
                    datafusion::arrow::datatypes::DataType::Date32
                    | datafusion::arrow::datatypes::DataType::Timestamp(_, _) => {
                        if column.is_null(row) {
                            V::Null
                        } else {
                            V::S(
                                datafusion::arrow::util::display::array_value_to_string(
                                    column, row,
                                )
                                .expect("display"),
                            )
                        }
                    }
                    _ => cell(value),
                };
                cells.push(v);
            }
            out.push(cells);
        }
    }
    out
}

pub fn columns(result: &QueryResult) -> Vec<String> {
    result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

impl District {
    pub async fn run(&self, name: &str, params: &[(&str, &str)]) -> QueryResult {
        let params: BTreeMap<String, String> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match queries::run(&self.ctx, &self.library, name, &params).await {
            Ok(result) => result,
            Err(e) => panic!("{name}: {e}"),
        }
    }
}
