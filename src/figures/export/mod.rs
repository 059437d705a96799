//! Figures for print: a dashboard panel as a reporter takes it away — its rows after
//! small-cell suppression (`cells.rs`), the chart drawn from those rows, and everything a
//! reader of the printed figure may ask: title, caption, source line, definition, the exact
//! SQL and parameters, the data version and when it was exported. `bundle.rs` writes it as
//! a folder or zip and checks an old bundle against today's data.

pub mod bundle;
pub mod cells;
pub mod files;

use std::collections::BTreeMap;

use crate::charts::Chart;
use crate::engine::Engine;
use crate::engine::format::{self, CsvEncoding, OutputFormat};
use crate::engine::queries::QueryResult;
use crate::error::{Error, Result};
use crate::figures::dashboards::{Dashboard, Filter, Panel, PanelKind};
use crate::figures::panels::{self, Filters, Study};
use crate::figures::render;
use crate::labels::{Lang, Unit};
pub use cells::{HiddenCell, Published};

/// One panel, ready to leave the system.
#[derive(Debug, Clone)]
pub struct Figure {
    pub dashboard: String,
    pub panel: Panel,
    pub lang: Lang,
    pub filters: Filters,
    /// The query's parameters as the figure ran it (filters bound to parameters).
    pub params: BTreeMap<String, String>,
    /// The SQL that ran, with every parameter bound: a planner can paste it and get the rows.
    pub sql: String,
    pub title: String,
    pub caption: String,
    pub source: String,
    /// The figure's definition in plain words: the query file's description.
    pub definition: String,
    /// Content hash of the data folder the figure was computed from.
    pub data_version: String,
    /// RFC 3339, in the district's zone.
    pub exported_at: String,
    /// The rows as published: hidden cells empty.
    pub published: Published,
    /// The same rows with codes in the reader's words (community names, 餐饮 for dining), for
    /// the Excel sheet a reporter reads; CSV and JSON keep the codes for reuse.
    pub readable: QueryResult,
    pub chart: Chart,
}

impl Figure {
    /// Computes a panel of a dashboard for print with the reader's filters.
    pub async fn build(
        engine: &Engine,
        study: &Study,
        dashboard: &Dashboard,
        panel_id: &str,
        filters: &Filters,
        lang: Lang,
    ) -> Result<Figure> {
        let panel = dashboard.panel(panel_id).ok_or_else(|| Error::Dashboard {
            file: format!("{}.toml", dashboard.name),
            panel: Some(panel_id.to_string()),
            message: format!(
                "no such panel (it has: {})",
                dashboard
                    .panels
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        let (params, mut row_filters) = dashboard.params_for(panel, &engine.library, filters)?;
        row_filters.extend(panel.r#where.iter().map(|(k, v)| (k.clone(), v.clone())));
        let file = engine
            .library
            .get(&panel.query)
            .ok_or_else(|| Error::Query {
                name: panel.query.clone(),
                message: "no such query file".into(),
            })?;
        // Its definition, even where the server reads the rows held for it.
        let sql = engine.library.definition(file, &params)?;
        let result = engine.run(&panel.query, &params).await?;
        let published = cells::publish(engine, file, &params, &result, &row_filters).await?;
        let lockdown = filters.get(&Filter::Lockdown).map(String::as_str);
        let mut chart = render::panel_chart_withheld(
            panel,
            &published.result,
            study,
            lang,
            lockdown,
            &|row, column| published.is_hidden(row, column).is_some(),
        )?;
        let source = render::source_line(lang).to_string();
        chart.source = Some(source.clone());
        let caption = lang.pick(&panel.caption).to_string();
        // As a reporter prints it: what it shows, what it is filtered to, which lockdown;
        // under the plot the period, the data version and what is withheld.
        chart.subtitle = [caption.clone(), scope(study, filters, lockdown, lang)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        chart.notes = [
            Some(period_line(&chart, study, lockdown, &engine.version, lang)),
            suppression_line(&published, lang),
        ]
        .into_iter()
        .flatten()
        .collect();
        chart.value_labels = true;
        if panel.kind == PanelKind::Kpi
            && let Some(column) = &panel.value
            && let Some(why) = published.is_hidden(0, column)
        {
            chart.kpi = Some(why.note(lang.is_en()).to_string());
        }
        let readable = readable(&published.result, study, lang)?;
        let exported_at = chrono::Utc::now()
            .with_timezone(&engine.settings.zone)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
        Ok(Figure {
            dashboard: dashboard.name.clone(),
            panel: panel.clone(),
            lang,
            filters: filters.clone(),
            params,
            sql,
            title: lang.pick(&panel.title).to_string(),
            caption,
            source,
            definition: file.description.clone(),
            data_version: engine.version.clone(),
            exported_at,
            published,
            readable,
            chart,
        })
    }

    /// The chart with the title drawn in (pages show it in HTML instead).
    pub fn svg(&self) -> Result<String> {
        render::svg(&self.chart)
    }

    /// For print: 1600 × 900 at scale 2, 2400 × 1350 at 3.
    pub fn png(&self, scale: u32) -> Result<Vec<u8>> {
        render::png(&self.chart, scale)
    }

    /// Alt text written from the published numbers, in the figure's language.
    pub fn alt_text(&self) -> String {
        self.chart.alt_text()
    }

    /// The suppression notes a reader needs, one per reason, in the figure's language.
    pub fn suppression_notes(&self) -> Vec<String> {
        suppression_notes(&self.published, self.lang)
    }

    /// The rows as CSV, with a `note` column saying why a value is empty where one is.
    pub fn csv(&self, encoding: CsvEncoding) -> Result<Vec<u8>> {
        let with_notes = self.with_note_column()?;
        let text = format::to_bytes(&with_notes, OutputFormat::Csv)?;
        let text =
            String::from_utf8(text).map_err(|e| Error::Other(format!("CSV is not UTF-8: {e}")))?;
        Ok(format::encode_csv(&text, encoding))
    }

    /// An Excel workbook: the data sheet (typed, a note on every emptied cell) and an About
    /// sheet with everything `figure.json` says.
    pub fn xlsx(&self) -> Result<Vec<u8>> {
        let en = self.lang.is_en();
        let result = &self.published.result;
        let names: Vec<String> = result.column_names();
        let notes = self
            .published
            .hidden
            .iter()
            .filter_map(|h| {
                names
                    .iter()
                    .position(|n| n == &h.column)
                    .map(|c| (h.row, c, h.why.note(en).to_string()))
            })
            .collect();
        let row_notes = self.published.row_notes(en);
        let book = format::Workbook {
            sheet: Some(if en { "Data" } else { "数据" }.into()),
            headings: Some(
                names
                    .iter()
                    .map(|n| panels::column_title(n, self.lang))
                    .collect(),
            ),
            about: Some((if en { "About" } else { "说明" }.into(), self.about_rows())),
            notes,
            last_column: row_notes
                .iter()
                .any(Option::is_some)
                .then(|| (if en { "note" } else { "注释" }.to_string(), row_notes)),
            number_formats: names
                .iter()
                .enumerate()
                .filter_map(|(c, name)| {
                    // The unit comes from the one rule pages and tables use.
                    let format = match panels::column_unit(name, Unit::Count) {
                        Unit::Share => "0.0%",
                        Unit::Yuan => "#,##0.00",
                        Unit::Percent | Unit::Points => "0.0",
                        _ if name.ends_with("_per_provider") => "0.0",
                        _ => return None,
                    };
                    Some((c, format.to_string()))
                })
                .collect(),
        };
        format::xlsx(&self.readable, &book)
    }

    /// Label / text rows for the About sheet.
    fn about_rows(&self) -> Vec<(String, String)> {
        let en = self.lang.is_en();
        let label = |zh: &str, english: &str| if en { english } else { zh }.to_string();
        let mut rows = vec![
            (label("标题", "Title"), self.title.clone()),
            (label("说明", "Caption"), self.caption.clone()),
            (label("来源", "Source"), self.source.clone()),
            // Query files describe their figures in English.
            (label("定义（英文）", "Definition"), self.definition.clone()),
        ];
        for note in self.suppression_notes() {
            rows.push((label("隐去说明", "Suppressed"), note));
        }
        rows.push((label("图表描述", "Alt text"), self.alt_text()));
        rows.push((label("查询", "Query"), self.panel.query.clone()));
        rows.push((label("参数", "Parameters"), describe(&self.params)));
        rows.push((label("SQL", "SQL"), self.sql.clone()));
        rows.push((label("数据版本", "Data version"), self.data_version.clone()));
        rows.push((label("导出时间", "Exported at"), self.exported_at.clone()));
        rows.push((
            label("看板", "Dashboard"),
            format!("{} / {}", self.dashboard, self.panel.id),
        ));
        rows
    }

    /// The published rows plus a last `note` column, where any value was hidden.
    fn with_note_column(&self) -> Result<QueryResult> {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        use datafusion::arrow::record_batch::RecordBatch;
        let result = &self.published.result;
        let notes = self.published.row_notes(self.lang.is_en());
        if notes.iter().all(Option::is_none) {
            return Ok(result.clone());
        }
        let mut fields: Vec<Field> = result
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(Field::new("note", DataType::Utf8, true));
        let schema = std::sync::Arc::new(Schema::new(fields));
        let mut batches = Vec::new();
        let mut start = 0;
        for batch in &result.batches {
            let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
            let slice = &notes[start..start + batch.num_rows()];
            columns.push(std::sync::Arc::new(StringArray::from(slice.to_vec())));
            batches.push(RecordBatch::try_new(schema.clone(), columns)?);
            start += batch.num_rows();
        }
        Ok(QueryResult { schema, batches })
    }

    /// Every value of the published rows as text (None: empty), for `figure.json` and for
    /// checking a bundle later.
    pub fn rows(&self) -> Vec<Vec<Option<String>>> {
        use datafusion::arrow::array::Array;
        let result = &self.published.result;
        let texts = crate::engine::format::text_rows(result);
        let mut out = Vec::new();
        let mut start = 0;
        for batch in &result.batches {
            for r in 0..batch.num_rows() {
                out.push(
                    (0..batch.num_columns())
                        .map(|c| (!batch.column(c).is_null(r)).then(|| texts[start + r][c].clone()))
                        .collect(),
                );
            }
            start += batch.num_rows();
        }
        out
    }

    /// `figure.json`: what the figure is, where it came from, and its numbers.
    pub fn manifest(&self) -> serde_json::Value {
        let columns: Vec<&String> = self
            .published
            .result
            .schema
            .fields()
            .iter()
            .map(|f| f.name())
            .collect();
        serde_json::json!({
            "dashboard": self.dashboard,
            "panel": self.panel.id,
            "lang": self.lang.code(),
            "title": self.title,
            "caption": self.caption,
            "source": self.source,
            "notes": [self.definition],
            "alt_text": self.alt_text(),
            "suppression": self.suppression_notes(),
            "suppressed_cells": self.published.hidden.iter().map(|h| serde_json::json!({
                "row": h.row,
                "column": h.column,
                "reason": h.why.code(),
            })).collect::<Vec<_>>(),
            "query": self.panel.query,
            "sql": self.sql,
            "parameters": self.params,
            "filters": self.filters.iter().map(|(f, v)| (f.param().to_string(), v.clone())).collect::<BTreeMap<_, _>>(),
            "data_version": self.data_version,
            "exported_at": self.exported_at,
            "yanhuo_version": env!("CARGO_PKG_VERSION"),
            "columns": columns,
            "rows": self.rows(),
        })
    }
}

/// `yanhuo export DASHBOARD PANEL --out DIR`: the panel's bundle written into `out`.
pub async fn export_panel(
    settings: &crate::engine::settings::Settings,
    dashboard: &str,
    panel: &str,
    out: &std::path::Path,
    lang: &str,
    filters: &Filters,
) -> Result<Vec<std::path::PathBuf>> {
    let lang = files::parse_lang(lang)?;
    let engine = Engine::open(settings).await?;
    let dashboard = files::open_dashboard(&engine, dashboard).await?;
    let study = Study::load(&engine).await?;
    let figure = Figure::build(&engine, &study, &dashboard, panel, filters, lang).await?;
    bundle::write_dir(&figure, out)
}

/// Text columns of codes turned into the reader's words.
fn readable(result: &QueryResult, study: &Study, lang: Lang) -> Result<QueryResult> {
    use datafusion::arrow::array::{ArrayRef, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    const CODED: [&str; 5] = [
        "community_id",
        "category",
        "channel",
        "channel_group",
        "need",
    ];
    let coded: Vec<bool> = result
        .schema
        .fields()
        .iter()
        .map(|f| CODED.contains(&f.name().as_str()))
        .collect();
    if !coded.contains(&true) {
        return Ok(result.clone());
    }
    let schema = std::sync::Arc::new(Schema::new(
        result
            .schema
            .fields()
            .iter()
            .zip(&coded)
            .map(|(f, &c)| {
                if c {
                    Field::new(f.name(), DataType::Utf8, true)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect::<Vec<_>>(),
    ));
    let mut batches = Vec::new();
    for batch in &result.batches {
        let one = QueryResult {
            schema: batch.schema(),
            batches: vec![batch.clone()],
        };
        let mut columns: Vec<ArrayRef> = Vec::new();
        for (i, field) in batch.schema().fields().iter().enumerate() {
            if coded[i] {
                let labels: Vec<String> = panels::texts(&one, field.name())
                    .iter()
                    .map(|v| study.label(field.name(), v, lang))
                    .collect();
                columns.push(std::sync::Arc::new(StringArray::from(labels)));
            } else {
                columns.push(batch.column(i).clone());
            }
        }
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(QueryResult { schema, batches })
}

/// `key=value, …` for the About sheet.
fn describe(params: &BTreeMap<String, String>) -> String {
    if params.is_empty() {
        return "—".into();
    }
    params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One sentence per reason a value was hidden: "2 个数值已隐去：不足3家店铺，已隐去".
fn suppression_notes(published: &Published, lang: Lang) -> Vec<String> {
    let mut counts: Vec<(crate::figures::suppress::Hidden, usize)> = Vec::new();
    for h in &published.hidden {
        match counts.iter_mut().find(|(why, _)| *why == h.why) {
            Some((_, n)) => *n += 1,
            None => counts.push((h.why, 1)),
        }
    }
    counts
        .into_iter()
        .map(|(why, n)| {
            if lang.is_en() {
                format!(
                    "{n} value{} left empty — {}",
                    if n == 1 { "" } else { "s" },
                    why.note(true)
                )
            } else {
                format!("{n}个数值留空——{}", why.note(false))
            }
        })
        .collect()
}

/// What a figure is filtered to, in words: the community and kind of shop (or all of
/// them) and the lockdown with its dates.
fn scope(study: &Study, filters: &Filters, lockdown: Option<&str>, lang: Lang) -> String {
    let en = lang.is_en();
    let community = match filters.get(&Filter::Community) {
        Some(id) => study.label("community_id", id, lang),
        None if en => "all communities".into(),
        None => "全部社区".into(),
    };
    let category = match filters.get(&Filter::Category) {
        Some(code) => study.label("category", code, lang),
        None if en => "all kinds of shop".into(),
        None => "全部店铺类型".into(),
    };
    let mut parts = vec![community, category];
    if let Some((_, first, last)) = study.lockdown(lockdown) {
        parts.push(if en {
            format!(
                "lockdown {} to {}",
                first.format("%-d %b %Y"),
                last.format("%-d %b %Y")
            )
        } else {
            format!(
                "封控期 {}至{}",
                first.format("%Y年%-m月%-d日"),
                last.format("%-m月%-d日")
            )
        });
    }
    let scope = parts.join(" · ");
    if en {
        format!("Showing: {scope}")
    } else {
        format!("范围：{scope}")
    }
}

/// The dates the figure covers (its axis, or the lockdown for a figure of the lockdown as a
/// whole) and the data version it was computed from.
fn period_line(
    chart: &Chart,
    study: &Study,
    lockdown: Option<&str>,
    version: &str,
    lang: Lang,
) -> String {
    let en = lang.is_en();
    let dates = match &chart.x {
        crate::charts::XAxis::Dates(d) => d.first().zip(d.last()).map(|(a, b)| (*a, *b)),
        crate::charts::XAxis::Categories(_) => study.lockdown(lockdown).map(|(_, a, b)| (*a, *b)),
    };
    let version: String = version.chars().take(12).collect();
    match (dates, en) {
        (Some((a, b)), true) => format!("Period: {a} to {b} · data version {version}"),
        (Some((a, b)), false) => format!("统计期：{a} 至 {b} · 数据版本 {version}"),
        (None, true) => format!("Data version {version}"),
        (None, false) => format!("数据版本 {version}"),
    }
}

/// The line under a chart that lost values.
fn suppression_line(published: &Published, lang: Lang) -> Option<String> {
    let n = published.hidden.len();
    (n > 0).then(|| {
        if lang.is_en() {
            format!("× not published: {n} value(s) suppressed to protect single shops.")
        } else {
            format!("× 数据不公布：为保护单个店铺，{n}个数值未公布。")
        }
    })
}
