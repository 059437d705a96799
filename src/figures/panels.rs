//! What a dashboard panel shows, computed from its query: the rows after the reader's
//! filters, a KPI tile's number, a table's cells, and the context a chart needs (community
//! names, lockdown dates, holidays).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::DataType;

use crate::engine::Engine;
use crate::engine::format::text_rows;
use crate::engine::queries::{QueryResult, run_sql};
use crate::error::Result;
use crate::figures::dashboards::{self, Dashboard, Filter, Panel, Unit};
use crate::labels::{self, Lang};

/// The reader's choices: lockdown, community, category (empty: all).
pub type Filters = BTreeMap<Filter, String>;

/// Runs a panel's query with the reader's filters and the panel's own `where`.
pub async fn panel_rows(
    engine: &Engine,
    dashboard: &Dashboard,
    panel: &Panel,
    filters: &Filters,
) -> Result<QueryResult> {
    let (params, row_filters) = dashboard.params_for(panel, &engine.library, filters)?;
    let result = engine.run(&panel.query, &params).await?;
    let mut result: QueryResult = (*result).clone();
    for (column, value) in row_filters
        .iter()
        .map(|(k, v)| (k, v))
        .chain(panel.r#where.iter())
    {
        result = dashboards::filter_rows(&result, column, value)?;
    }
    Ok(result)
}

/// Runs the distinct queries of a dashboard's panels at once, so a first view waits for the
/// slowest query rather than for all of them in turn; the panels then read the cache.
pub async fn prefetch(engine: &Engine, dashboard: &Dashboard, filters: &Filters) -> Result<()> {
    let mut distinct: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for panel in &dashboard.panels {
        let (params, _) = dashboard.params_for(panel, &engine.library, filters)?;
        let key = (panel.query.clone(), params);
        if !distinct.contains(&key) {
            distinct.push(key);
        }
    }
    futures::future::try_join_all(
        distinct
            .iter()
            .map(|(query, params)| engine.run(query, params)),
    )
    .await?;
    Ok(())
}

/// Names and dates the pages and charts need, read once per data version.
#[derive(Debug, Clone, Default)]
pub struct Study {
    /// community_id → (name_zh, name_en), in id order.
    pub communities: Vec<(String, String, String)>,
    /// lockdown_id, first and last lockdown date, in start order.
    pub lockdowns: Vec<(String, NaiveDate, NaiveDate)>,
    /// Days the calendar marks: date, name, and whether it is an adjusted workday (调休)
    /// rather than a holiday.
    pub holidays: Vec<(NaiveDate, String, bool)>,
}

impl Study {
    pub async fn load(engine: &Engine) -> Result<Study> {
        let mut study = Study::default();
        let communities = run_sql(
            &engine.ctx,
            "SELECT community_id, name_zh, name_en FROM communities ORDER BY community_id",
        )
        .await?;
        for row in text_rows(&communities) {
            if let [id, zh, en] = row.as_slice() {
                study.communities.push((id.clone(), zh.clone(), en.clone()));
            }
        }
        // The dates are lockdown_dates.sql's, so the filters and the figures agree.
        let lockdowns = engine.run("lockdown_dates", &BTreeMap::new()).await?;
        let first = lockdowns.schema.index_of("first_lockdown_date")?;
        let last = lockdowns.schema.index_of("last_lockdown_date")?;
        for row in text_rows(&lockdowns) {
            if let (Some(id), Some(first), Some(last)) =
                (row.first(), row.get(first), row.get(last))
                && let (Ok(first), Ok(last)) = (first.parse(), last.parse())
            {
                study.lockdowns.push((id.clone(), first, last));
            }
        }
        let holidays = run_sql(
            &engine.ctx,
            "SELECT date, name, kind FROM calendar WHERE kind IN ('holiday', 'adjusted_workday') ORDER BY date",
        )
        .await?;
        for row in text_rows(&holidays) {
            if let [date, name, kind] = row.as_slice()
                && let Ok(date) = date.parse()
            {
                study
                    .holidays
                    .push((date, name.clone(), kind == "adjusted_workday"));
            }
        }
        Ok(study)
    }

    pub fn community_name(&self, id: &str, lang: Lang) -> String {
        self.communities
            .iter()
            .find(|(c, _, _)| c == id)
            .map(|(_, zh, en)| if lang.is_en() { en.clone() } else { zh.clone() })
            .unwrap_or_else(|| id.to_string())
    }

    /// The lockdown a filter value names, or the earliest.
    pub fn lockdown(&self, id: Option<&str>) -> Option<&(String, NaiveDate, NaiveDate)> {
        match id.filter(|i| !i.is_empty()) {
            Some(id) => self.lockdowns.iter().find(|(l, _, _)| l == id),
            None => self.lockdowns.first(),
        }
    }

    /// A value from the data in the reader's language: community names, category and
    /// channel codes.
    pub fn label(&self, column: &str, value: &str, lang: Lang) -> String {
        if column == "community_id" {
            self.community_name(value, lang)
        } else {
            labels::code(value, lang).to_string()
        }
    }
}

/// The value of `column` in every row, as numbers (None for nulls and non-numbers).
pub fn numbers(result: &QueryResult, column: &str) -> Vec<Option<f64>> {
    let mut out = Vec::new();
    let Ok(index) = result.schema.index_of(column) else {
        return out;
    };
    for batch in &result.batches {
        let Ok(array) = datafusion::arrow::compute::cast(batch.column(index), &DataType::Float64)
        else {
            continue;
        };
        let array = datafusion::arrow::array::AsArray::as_primitive::<
            datafusion::arrow::datatypes::Float64Type,
        >(&array);
        out.extend((0..array.len()).map(|i| (!array.is_null(i)).then(|| array.value(i))));
    }
    out
}

/// The value of `column` in every row, as text.
pub fn texts(result: &QueryResult, column: &str) -> Vec<String> {
    let Ok(index) = result.schema.index_of(column) else {
        return Vec::new();
    };
    crate::engine::format::text_column(result, index)
}

/// A number in a panel's unit, as a reader reads it; "no data" for a null.
pub fn format_value(value: Option<f64>, unit: Unit, lang: Lang) -> String {
    match value {
        Some(v) => crate::labels::format_value(v, unit, lang),
        None if lang.is_en() => "n/a".into(),
        None => "无数据".into(),
    }
}

/// A KPI tile's number, with its 95% interval where the panel names one.
pub fn kpi(panel: &Panel, result: &QueryResult, lang: Lang) -> String {
    let first = |column: &str| numbers(result, column).first().copied().flatten();
    let value = panel.value.as_deref().and_then(first);
    let shown = format_value(value, panel.unit, lang);
    match (&panel.interval, value) {
        (Some([low, high]), Some(_)) => match (first(low), first(high)) {
            (Some(l), Some(h)) => format!("{shown} ({})", interval_text(l, h, lang)),
            _ => shown,
        },
        _ => shown,
    }
}

/// "95% 区间 −1.2 – 3.4" in the reader's language.
fn interval_text(low: f64, high: f64, lang: Lang) -> String {
    let n = |v: f64| labels::number(v, lang, 1);
    if lang.is_en() {
        format!("95% interval {} to {}", n(low), n(high))
    } else {
        format!("95% 区间 {}–{}", n(low), n(high))
    }
}

/// The sentence under an effect tile, written from its numbers: what the estimate says, and
/// "we cannot tell" when its interval includes 0, or why there is no interval.
pub fn effect_sentence(panel: &Panel, result: &QueryResult, lang: Lang) -> Option<String> {
    let [low, high] = panel.interval.as_ref()?;
    let first = |column: &str| numbers(result, column).first().copied().flatten();
    let when = dashboards::in_lang(&panel.title, lang.is_en());
    let Some(effect) = panel.value.as_deref().and_then(first) else {
        return Some(if lang.is_en() {
            format!(
                "{when}: no comparison — no community and kind of shop has both shops in a WeChat group and shops not in one."
            )
        } else {
            format!("{when}：无法比较——没有哪个社区的同类店铺既有在群的也有不在群的。")
        });
    };
    let points = labels::number(effect.abs(), lang, 1);
    let (more, more_en) = if effect >= 0.0 {
        ("多", "more")
    } else {
        ("少", "less")
    };
    let claim = if lang.is_en() {
        format!(
            "{when}: shops in a WeChat group kept {points} points {more_en} of their normal sales than comparable shops not in one"
        )
    } else {
        format!("{when}：在群商户比同社区同类不在群的商户{more}保住了 {points} 个百分点的销售")
    };
    Some(match (first(low), first(high)) {
        (Some(l), Some(h)) if l <= 0.0 && h >= 0.0 => {
            if lang.is_en() {
                format!(
                    "{claim} ({}). The interval includes 0: we cannot tell whether the groups made a difference.",
                    interval_text(l, h, lang)
                )
            } else {
                format!(
                    "{claim}（{}）。区间包含0：我们无法判断微信群是否起了作用。",
                    interval_text(l, h, lang)
                )
            }
        }
        (Some(l), Some(h)) => {
            if lang.is_en() {
                format!("{claim} ({}).", interval_text(l, h, lang))
            } else {
                format!("{claim}（{}）。", interval_text(l, h, lang))
            }
        }
        _ => {
            if lang.is_en() {
                format!(
                    "{claim}. No interval: fewer than {} communities take part, too few for a wild cluster bootstrap to be trusted, so we cannot say how sure this is.",
                    crate::engine::functions::wild_cluster::MIN_CLUSTERS
                )
            } else {
                format!(
                    "{claim}。没有区间：参与比较的社区少于{}个，社区太少时野聚类自助法的区间不可信，无法说明这个数有多可靠。",
                    crate::engine::functions::wild_cluster::MIN_CLUSTERS
                )
            }
        }
    })
}

/// The result's columns a table panel shows, by position: the panel's list, or all.
pub fn shown_columns(panel: &Panel, result: &QueryResult) -> Vec<usize> {
    let names: Vec<&String> = result.schema.fields().iter().map(|f| f.name()).collect();
    if panel.columns.is_empty() {
        (0..names.len()).collect()
    } else {
        panel
            .columns
            .iter()
            .filter_map(|c| names.iter().position(|n| *n == c))
            .collect()
    }
}

/// A table panel: header and rows of display text, codes and numbers in the reader's terms.
pub fn table(
    panel: &Panel,
    result: &QueryResult,
    study: &Study,
    lang: Lang,
) -> (Vec<String>, Vec<Vec<String>>) {
    let names: Vec<String> = result.column_names();
    let shown = shown_columns(panel, result);
    let header = shown
        .iter()
        .map(|&i| column_title(&names[i], lang))
        .collect();
    let numeric: Vec<bool> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let mut rows = Vec::new();
    let all_numbers: Vec<Vec<Option<f64>>> = names.iter().map(|n| numbers(result, n)).collect();
    for (r, row) in text_rows(result).into_iter().enumerate() {
        rows.push(
            shown
                .iter()
                .map(|&i| {
                    if numeric[i] {
                        let unit = column_unit(&names[i], panel.unit);
                        let value = all_numbers[i].get(r).copied().flatten();
                        if value.is_none() {
                            String::new()
                        } else {
                            format_value(value, unit, lang)
                        }
                    } else {
                        study.label(&names[i], &row[i], lang)
                    }
                })
                .collect(),
        );
    }
    (header, rows)
}

/// Column names a reader sees.
pub fn column_title(column: &str, lang: Lang) -> String {
    const TITLES: &[(&str, &str, &str)] = &[
        ("community_id", "社区", "community"),
        ("category", "类别", "category"),
        ("shops", "店铺", "shops"),
        ("recovery_rate", "线上找回", "recovered online"),
        (
            "baseline_online_share",
            "平时线上占比",
            "online share before",
        ),
        ("days_to_recover", "客流恢复天数", "days to recover"),
        ("expected_cny", "应有销售额", "expected sales"),
        ("online_cny", "线上销售额", "online sales"),
        ("need", "需求", "need"),
        ("households", "户数", "households"),
        ("elderly_households", "老年户", "elderly households"),
        ("providers", "提供服务的店铺", "shops offering it"),
        ("households_per_provider", "每店户数", "households per shop"),
        ("date", "日期", "date"),
        ("is_pilot", "试点", "pilot"),
        (
            "gap_pp",
            "比同类店铺多找回（百分点）",
            "recovered beyond like shops (points)",
        ),
        ("rank", "排名", "rank"),
        ("communities", "社区数", "communities"),
        ("p_value", "排名p值", "rank p-value"),
        ("spells", "次数", "spells"),
        ("visitors", "客流（人次）", "visitors"),
        ("baseline_visitors", "平时客流（人次）", "usual visitors"),
        ("pct_change", "变化（%）", "change (%)"),
        ("revenue_cny", "营业额（元）", "revenue (CNY)"),
        ("orders", "订单数", "orders"),
        ("channel", "渠道", "channel"),
        ("channel_group", "渠道", "channel"),
        ("period", "时段", "period"),
        ("shops_open", "营业店铺", "shops open"),
        ("shops_closed", "关闭店铺", "shops closed"),
        ("bucket", "分组", "bucket"),
        ("label_zh", "关闭时长", "closure length (Chinese)"),
        ("label_en", "关闭时长（英文）", "closure length"),
        ("name_zh", "社区名称", "name (Chinese)"),
        ("name_en", "英文名称", "name"),
    ];
    TITLES
        .iter()
        .find(|(c, _, _)| *c == column)
        .map(|(_, zh, en)| {
            if lang.is_en() {
                en.to_string()
            } else {
                zh.to_string()
            }
        })
        .unwrap_or_else(|| column.to_string())
}

/// The unit of a column in a table: shares and days are known by name, the rest take the
/// panel's unit.
pub fn column_unit(column: &str, panel_unit: Unit) -> Unit {
    if column.ends_with("_rate") || column.ends_with("_share") {
        Unit::Share
    } else if column.starts_with("days") || column.ends_with("_days") {
        Unit::Days
    } else if column.ends_with("_cny") {
        Unit::Yuan
    } else if column.ends_with("_pp") {
        Unit::Points
    } else if column == "p_value" || column == "rank" || column == "communities" {
        Unit::Count
    } else if column.ends_with("_pct") || column == "pct_change" {
        Unit::Percent
    } else if panel_unit == Unit::Share {
        Unit::Count
    } else {
        panel_unit
    }
}
