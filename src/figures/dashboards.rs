//! Dashboard files (`dashboards/*.toml`): a title, the filters a reader may set, and panels,
//! each naming a query file, a chart kind and which columns go where.
//!
//! A dashboard is checked against the queries when it is loaded: an unknown query or column
//! is an error naming the file, the panel and the problem, before anyone opens a page.

use std::collections::BTreeMap;
use std::path::Path;

use datafusion::prelude::SessionContext;
use serde::Deserialize;

use crate::engine::Engine;
use crate::engine::queries::{Library, QueryResult};
use crate::error::{Error, Result};

/// What a reader can narrow a dashboard to. Each binds to the query parameter of the same
/// meaning where the query has one, and otherwise filters rows on the column of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    Lockdown,
    Community,
    Category,
}

impl Filter {
    pub const ALL: [Filter; 3] = [Filter::Lockdown, Filter::Community, Filter::Category];

    /// The query parameter (and column) the filter binds to.
    pub fn param(self) -> &'static str {
        match self {
            Filter::Lockdown => "lockdown_id",
            Filter::Community => "community_id",
            Filter::Category => "category",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    Kpi,
    Line,
    Bar,
    StackedBar,
    Histogram,
    Table,
    /// An estimate by date with its intervals as bands (`bands`), zero line, lockdown shaded.
    EventStudy,
}

pub use crate::labels::{Unit, in_lang};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub id: String,
    /// `中文 / English`.
    pub title: String,
    pub query: String,
    pub kind: PanelKind,
    /// Extra parameters for the query, fixed by the dashboard.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// KPI tiles: the column whose (first-row) value is shown.
    pub value: Option<String>,
    /// KPI tiles: the columns of the value's 95% interval, shown beside it with a sentence
    /// that reads it ("we cannot tell" where it includes 0).
    pub interval: Option<[String; 2]>,
    /// Event studies: pairs of (low, high) columns drawn as bands, widest first.
    #[serde(default)]
    pub bands: Vec<[String; 2]>,
    pub x: Option<String>,
    /// The x column for English readers, where labels come in two columns.
    pub x_en: Option<String>,
    #[serde(default)]
    pub y: Vec<String>,
    /// A column whose values split the data into series (one line per community).
    pub series: Option<String>,
    /// Keep only rows where these columns have these values (e.g. channel_group).
    #[serde(default)]
    pub r#where: BTreeMap<String, String>,
    #[serde(default)]
    pub unit: Unit,
    /// Shade the lockdown dates on a date axis.
    #[serde(default)]
    pub shade_lockdown: bool,
    /// Mark holidays on a date axis.
    #[serde(default)]
    pub mark_holidays: bool,
    /// A reference line (0 for a change in percent, 1 for a rate).
    pub reference: Option<f64>,
    /// Table panels: the columns shown, in order (all when empty).
    #[serde(default)]
    pub columns: Vec<String>,
    /// `中文 / English`.
    #[serde(default)]
    pub caption: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    #[serde(skip)]
    pub name: String,
    /// `中文 / English`.
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(rename = "panels")]
    pub panels: Vec<Panel>,
    /// `中文 / English`: how to read the page's figures (what they assume, what they do not
    /// cover), printed under them.
    #[serde(default)]
    pub reading: String,
}

impl Dashboard {
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        let mut dashboard: Dashboard = toml::from_str(text).map_err(|e| Error::Dashboard {
            file: format!("{name}.toml"),
            panel: None,
            message: e.to_string(),
        })?;
        dashboard.name = name.to_string();
        Ok(dashboard)
    }

    pub fn panel(&self, id: &str) -> Option<&Panel> {
        self.panels.iter().find(|p| p.id == id)
    }

    fn error(&self, panel: &Panel, message: String) -> Error {
        Error::Dashboard {
            file: format!("{}.toml", self.name),
            panel: Some(panel.id.clone()),
            message,
        }
    }

    /// Checks every panel against its query: the query exists, its fixed parameters are
    /// its own, and every column the panel names is in the query's result.
    pub async fn check(&self, ctx: &SessionContext, library: &Library) -> Result<()> {
        let mut ids = std::collections::HashSet::new();
        for panel in &self.panels {
            if !ids.insert(&panel.id) {
                return Err(self.error(panel, "two panels have this id".into()));
            }
            let file = library.get(&panel.query).ok_or_else(|| {
                self.error(
                    panel,
                    format!(
                        "unknown query {:?} (no queries/{}.sql)",
                        panel.query, panel.query
                    ),
                )
            })?;
            let sql = library
                .expand(file, &panel.params)
                .map_err(|e| self.error(panel, e.to_string()))?;
            let df = ctx
                .sql(&sql)
                .await
                .map_err(|e| self.error(panel, Error::from(e).to_string()))?;
            let columns: Vec<String> = df
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let named = panel
                .value
                .iter()
                .chain(panel.interval.iter().flatten())
                .chain(panel.bands.iter().flatten())
                .chain(panel.x.iter())
                .chain(panel.x_en.iter())
                .chain(panel.y.iter())
                .chain(panel.series.iter())
                .chain(panel.columns.iter())
                .chain(panel.r#where.keys());
            for column in named {
                if !columns.contains(column) {
                    return Err(self.error(
                        panel,
                        format!(
                            "unknown column {column:?} in query {} (it has: {})",
                            panel.query,
                            columns.join(", ")
                        ),
                    ));
                }
            }
            let needs: &[(&str, bool)] = &[
                (
                    "value",
                    panel.kind != PanelKind::Kpi || panel.value.is_some(),
                ),
                (
                    "x",
                    !matches!(
                        panel.kind,
                        PanelKind::Line
                            | PanelKind::Bar
                            | PanelKind::StackedBar
                            | PanelKind::EventStudy
                    ) || panel.x.is_some(),
                ),
                (
                    "y",
                    !matches!(
                        panel.kind,
                        PanelKind::Line
                            | PanelKind::Bar
                            | PanelKind::StackedBar
                            | PanelKind::Histogram
                            | PanelKind::EventStudy
                    ) || !panel.y.is_empty(),
                ),
            ];
            for (what, ok) in needs {
                if !ok {
                    return Err(
                        self.error(panel, format!("a {:?} panel needs `{what}`", panel.kind))
                    );
                }
            }
            // Every panel can be downloaded for print, so its query must say which shops
            // make each row (src/figures/export/cells.rs).
            let cells = file.cells.as_deref().ok_or_else(|| {
                self.error(
                    panel,
                    format!(
                        "query {} has no `-- cells: FILE` line, so its figures cannot be checked for single shops before they are published",
                        panel.query
                    ),
                )
            })?;
            let cells_file = library.get(cells).ok_or_else(|| {
                self.error(
                    panel,
                    format!("query {}: cells: no query file named {cells}", panel.query),
                )
            })?;
            if let Some(key) = cells_file.keys.iter().find(|k| !columns.contains(k)) {
                return Err(self.error(
                    panel,
                    format!(
                        "{cells}: key {key:?} is not a column of {} (it has: {})",
                        panel.query,
                        columns.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The parameters a panel's query runs with, given the reader's filters.
    pub fn params_for(
        &self,
        panel: &Panel,
        library: &Library,
        filters: &BTreeMap<Filter, String>,
    ) -> Result<(BTreeMap<String, String>, RowFilters)> {
        let file = library
            .get(&panel.query)
            .ok_or_else(|| self.error(panel, format!("unknown query {:?}", panel.query)))?;
        let declared = library.params_of(file)?;
        let mut params = panel.params.clone();
        let mut row_filters = Vec::new();
        for (filter, value) in filters {
            if value.is_empty() {
                continue;
            }
            if declared.iter().any(|p| p.name == filter.param()) {
                params.insert(filter.param().to_string(), value.clone());
            } else {
                row_filters.push((filter.param().to_string(), value.clone()));
            }
        }
        Ok((params, row_filters))
    }
}

/// Filters bound to columns rather than parameters: (column, value).
pub type RowFilters = Vec<(String, String)>;

/// Every dashboard, by name.
#[derive(Debug, Clone, Default)]
pub struct Dashboards {
    pub list: Vec<Dashboard>,
}

impl Dashboards {
    /// The dashboards the engine's settings name (a folder, or the built-in ones), each
    /// checked against the engine's query files and tables.
    pub async fn open(engine: &Engine) -> Result<Self> {
        let dashboards = match &engine.settings.dashboards_dir {
            Some(dir) => Dashboards::from_dir(dir)?,
            None => Dashboards::embedded()?,
        };
        for dashboard in &dashboards.list {
            dashboard.check(&engine.ctx, &engine.library).await?;
        }
        Ok(dashboards)
    }

    pub fn embedded() -> Result<Self> {
        let mut list = Vec::new();
        for (name, text) in crate::engine::queries::EMBEDDED_DASHBOARDS {
            list.push(Dashboard::parse(name, text)?);
        }
        Ok(Dashboards { list })
    }

    pub fn from_dir(dir: &Path) -> Result<Self> {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut list = Vec::new();
        for path in paths {
            list.push(load_file(&path)?);
        }
        Ok(Dashboards { list })
    }

    pub fn get(&self, name: &str) -> Option<&Dashboard> {
        self.list.iter().find(|d| d.name == name)
    }
}

/// Reads one dashboard file.
pub fn load_file(path: &Path) -> Result<Dashboard> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("dashboard");
    Dashboard::parse(name, &text)
}

/// Keeps the rows of `result` whose `column` equals `value` (for filters a query has no
/// parameter for, and for a panel's fixed `where`).
pub fn filter_rows(result: &QueryResult, column: &str, value: &str) -> Result<QueryResult> {
    use datafusion::arrow::array::BooleanArray;
    use datafusion::arrow::compute::{cast, filter_record_batch};
    use datafusion::arrow::datatypes::DataType;
    let Ok(index) = result.schema.index_of(column) else {
        return Ok(result.clone());
    };
    let mut batches = Vec::new();
    for batch in &result.batches {
        let strings = cast(batch.column(index), &DataType::Utf8)?;
        let strings = datafusion::arrow::array::AsArray::as_string::<i32>(&strings);
        let keep: BooleanArray = strings.iter().map(|v| Some(v == Some(value))).collect();
        batches.push(filter_record_batch(batch, &keep)?);
    }
    Ok(QueryResult {
        schema: result.schema.clone(),
        batches,
    })
}
