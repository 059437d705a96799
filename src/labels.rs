//! Words the data uses as codes (categories, channels, needs) in the reader's language,
//! numbers and units written the way each language writes them, and `中文 / English` text.
//!
//! The base of every layer: the charts, the figures and the pages all write numbers
//! through here, so a number reads the same in a tile, on an axis and in a table.

use serde::Deserialize;

/// The reader's language: Chinese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute: zh-CN makes browsers pick Simplified Chinese glyph shapes.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// Picks one side of `中文 / English`.
    pub fn pick(self, text: &str) -> &str {
        in_lang(text, self.is_en())
    }
}

const CODES: &[(&str, &str, &str)] = &[
    ("dining", "餐饮", "dining"),
    ("fresh_produce", "生鲜果蔬", "fresh produce"),
    ("hardware", "五金", "hardware"),
    ("barber", "理发", "barber"),
    ("clinic", "诊所", "clinic"),
    ("convenience", "便利店", "convenience"),
    ("other", "其他", "other"),
    ("in_store", "到店", "in store"),
    ("online", "线上", "online"),
    ("wechat_group", "微信群", "WeChat group"),
    ("phone", "电话", "phone"),
    ("delivery_platform", "外卖平台", "delivery platform"),
    ("livestream", "直播", "livestream"),
    ("errand", "跑腿", "errand"),
    ("groceries", "买菜", "groceries"),
    ("meals", "吃饭", "meals"),
    ("medicine", "买药", "medicine"),
    ("haircut", "理发", "haircut"),
    ("repairs", "维修", "repairs"),
    ("errands", "代办", "errands"),
    ("shops_open", "营业", "open"),
    ("shops_closed", "关闭", "closed"),
    ("baseline", "基线期", "baseline"),
    ("lockdown", "封控期", "lockdown"),
    ("recovery", "恢复期", "recovery"),
    ("member_ratio", "在群商户", "in a WeChat group"),
    ("comparison_ratio", "对照商户", "comparison shops"),
    ("effect_pp", "多保住的销售", "sales kept beyond comparison"),
    ("band_low_pp", "同时成立的95%区间", "95% band for all days"),
    ("ci_low_pp", "当天的95%区间", "the day's 95% interval"),
];

/// A code in the reader's language; an unknown code is shown as it is.
pub fn code(code: &str, lang: Lang) -> &str {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| if lang.is_en() { *en } else { *zh })
        .unwrap_or(code)
}

/// A whole number with separators: 12,345 in English; in Chinese 万 above ten thousand
/// (1.2万) and 亿 above a hundred million.
pub fn number(value: f64, lang: Lang, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    if lang == Lang::Zh {
        let abs = value.abs();
        if abs >= 1e8 {
            return format!("{}亿", trim_zeros(format!("{:.2}", value / 1e8)));
        }
        if abs >= 1e4 {
            return format!("{}万", trim_zeros(format!("{:.1}", value / 1e4)));
        }
    }
    let text = format!("{value:.decimals$}");
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (whole, frac) = digits
        .split_once('.')
        .map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Picks one language out of `中文 / English`.
pub fn in_lang(text: &str, english: bool) -> &str {
    match text.split_once(" / ") {
        Some((zh, en)) => {
            if english {
                en.trim()
            } else {
                zh.trim()
            }
        }
        None => text.trim(),
    }
}

/// How a figure's numbers read, in a chart, a tile or a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[default]
    Count,
    Yuan,
    /// Values already in percent (pct_change).
    Percent,
    /// Shares from 0 to 1, shown as percent.
    Share,
    Days,
    Hours,
    Visitors,
    /// A difference of two percentages (the WeChat-group effect): 百分点, points.
    Points,
}

impl Unit {
    /// The axis's unit word.
    pub fn axis(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Unit::Count, _) => "",
            (Unit::Yuan, Lang::Zh) => "元",
            (Unit::Yuan, Lang::En) => "CNY",
            (Unit::Percent | Unit::Share, _) => "%",
            (Unit::Days, Lang::Zh) => "天",
            (Unit::Days, Lang::En) => "days",
            (Unit::Hours, Lang::Zh) => "小时",
            (Unit::Hours, Lang::En) => "hours",
            (Unit::Visitors, Lang::Zh) => "人次",
            (Unit::Visitors, Lang::En) => "visitors",
            (Unit::Points, Lang::Zh) => "百分点",
            (Unit::Points, Lang::En) => "points",
        }
    }
}

/// A number in a unit, as a reader reads it: 1.2万元, CNY 12,345, 45.0%, 7.3天.
pub fn format_value(v: f64, unit: Unit, lang: Lang) -> String {
    match unit {
        Unit::Share => format!("{}%", number(v * 100.0, Lang::En, 1)),
        Unit::Percent => format!("{}%", number(v, Lang::En, 1)),
        Unit::Days => match lang {
            Lang::Zh => format!("{}天", number(v, lang, 1)),
            Lang::En => format!("{} days", number(v, lang, 1)),
        },
        Unit::Hours => match lang {
            Lang::Zh => format!("{}小时", number(v, lang, 1)),
            Lang::En => format!("{} hours", number(v, lang, 1)),
        },
        Unit::Yuan => match lang {
            Lang::Zh => format!("{}元", number(v, lang, 0)),
            Lang::En => format!("CNY {}", number(v, lang, 0)),
        },
        Unit::Visitors => match lang {
            Lang::Zh => format!("{}人次", number(v, lang, 0)),
            Lang::En => format!("{} visitors", number(v, lang, 0)),
        },
        Unit::Points => match lang {
            Lang::Zh => format!("{}个百分点", number(v, lang, 1)),
            Lang::En => format!("{} points", number(v, lang, 1)),
        },
        Unit::Count => {
            let decimals = if v.fract() == 0.0 { 0 } else { 1 };
            number(v, lang, decimals)
        }
    }
}

/// An axis tick: like `format_value` but short (no unit word; the axis says it).
pub fn format_tick(v: f64, unit: Unit, lang: Lang) -> String {
    match unit {
        Unit::Share => format!("{}%", number(v * 100.0, Lang::En, 0)),
        Unit::Percent => format!("{}%", number(v, Lang::En, 0)),
        _ => {
            let decimals = if v.abs() < 10.0 && v.fract() != 0.0 {
                1
            } else {
                0
            };
            number(v, lang, decimals)
        }
    }
}

/// Text made safe inside HTML or SVG, in an element or a quoted attribute: every string
/// that came from the data or a reader (a shop's name, a filter, an error) goes through here.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// What a marked day is called on a chart: the holiday's name, or 调休 for a weekend day
/// worked in exchange for one (its name in the calendar is the holiday's, e.g. 清明节调休).
pub fn day_label(name: &str, workday: bool, lang: Lang) -> String {
    match (lang, workday) {
        (Lang::Zh, true) => "调休".into(),
        (Lang::Zh, false) => name.to_string(),
        (Lang::En, true) => "workday".into(),
        (Lang::En, false) => match name {
            "元旦" => "New Year".into(),
            "春节" => "Spring Festival".into(),
            "清明节" => "Qingming".into(),
            "劳动节" => "Labour Day".into(),
            "端午节" => "Dragon Boat".into(),
            "中秋节" => "Mid-Autumn".into(),
            "国庆节" => "National Day".into(),
            other => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(number(12345.0, Lang::En, 0), "12,345");
        assert_eq!(number(12345.0, Lang::Zh, 0), "1.2万");
        assert_eq!(number(-1234567.0, Lang::En, 0), "-1,234,567");
        assert_eq!(number(250_000_000.0, Lang::Zh, 0), "2.5亿");
        assert_eq!(number(999.5, Lang::Zh, 1), "999.5");
        assert_eq!(number(100000.0, Lang::Zh, 0), "10万");
    }

    #[test]
    fn codes_have_words_in_both_languages() {
        assert_eq!(code("fresh_produce", Lang::Zh), "生鲜果蔬");
        assert_eq!(code("wechat_group", Lang::En), "WeChat group");
        assert_eq!(code("unheard_of", Lang::Zh), "unheard_of");
    }
}
