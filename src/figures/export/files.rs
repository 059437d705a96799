//! The command line's side of figures: a dashboard named by file or by name, filters and a
//! language as typed, and `yanhuo render`, which writes every panel of a dashboard to files
//! (suppressed for print, like every export).

use std::path::{Path, PathBuf};

use crate::engine::Engine;
use crate::engine::settings::Settings;
use crate::error::{Error, Result};
use crate::figures::dashboards::{self, Dashboard, Dashboards, Filter};
use crate::figures::export::Figure;
use crate::figures::panels::{Filters, Study};
use crate::figures::render::{png, svg};
use crate::labels::Lang;

/// KEY=VALUE pairs of `yanhuo render` as dashboard filters.
pub fn parse_filters(pairs: &[String]) -> Result<Filters> {
    let mut filters = Filters::new();
    for (key, value) in crate::engine::queries::parse_assignments(pairs)? {
        let filter = Filter::ALL
            .into_iter()
            .find(|f| f.param() == key || format!("{f:?}").eq_ignore_ascii_case(&key))
            .ok_or_else(|| Error::Parameter {
                name: key.clone(),
                message: "use lockdown, community or category".into(),
            })?;
        filters.insert(filter, value);
    }
    Ok(filters)
}

/// Writes every panel of a dashboard (a file, or a built-in one by name) to `out`.
pub async fn render_dashboard(
    settings: &Settings,
    dashboard: &str,
    out: &Path,
    format: &str,
    lang: &str,
    filters: &Filters,
) -> Result<Vec<PathBuf>> {
    let engine = Engine::open(settings).await?;
    let dashboard = open_dashboard(&engine, dashboard).await?;
    let lang = parse_lang(lang)?;
    if !matches!(format, "svg" | "png") {
        return Err(Error::Setting {
            name: "format".into(),
            message: format!("{format:?}: use svg or png"),
        });
    }
    let study = Study::load(&engine).await?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut written = Vec::new();
    for panel in &dashboard.panels {
        // Files leave the system: the figure's rows are suppressed for print first.
        let figure = Figure::build(&engine, &study, &dashboard, &panel.id, filters, lang).await?;
        let chart = figure.chart;
        let path = out.join(format!("{}-{}.{format}", panel.id, lang.code()));
        let bytes = if format == "svg" {
            svg(&chart)?.into_bytes()
        } else {
            png(&chart, 2)?
        };
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// A dashboard file (checked against the queries) or a built-in dashboard by name.
pub async fn open_dashboard(engine: &Engine, dashboard: &str) -> Result<Dashboard> {
    let path = Path::new(dashboard);
    if path.is_file() {
        let d = dashboards::load_file(path)?;
        d.check(&engine.ctx, &engine.library).await?;
        return Ok(d);
    }
    let built_in = Dashboards::open(engine).await?;
    built_in.get(dashboard).cloned().ok_or_else(|| {
        Error::Other(format!(
            "{dashboard}: no such dashboard file or built-in dashboard ({})",
            built_in
                .list
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// `--lang`: zh or en.
pub fn parse_lang(lang: &str) -> Result<Lang> {
    match lang {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => Err(Error::Setting {
            name: "lang".into(),
            message: format!("{other:?}: use zh or en"),
        }),
    }
}
