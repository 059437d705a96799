//! The days: the lockdown (its id, area and window in the district's zone), China's 2022
//! holidays and adjusted workdays, and local wall-clock times as instants.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Weekday};
use chrono_tz::Tz;

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
