//! `yanhuo bench`: how fast the figures, the charts and the pages are on a data folder, and
//! how much memory that took. Measured here, in a benchmark, not in timed tests.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::charts::{self, Chart, ChartKind, Series, Unit, XAxis};
use crate::engine::queries;
use crate::engine::settings::Settings;
use crate::error::Result;
use crate::labels::Lang;

pub mod planning;

/// The figures of docs/METRICS.md: the seven, then the three of "Did the WeChat groups help?".
pub const METRICS: [&str; 10] = [
    "closure_length",
    "online_recovery",
    "footfall_change",
    "footfall_recovery",
    "customer_change",
    "district_summary",
    "two_lists",
    "wechat_effect",
    "wechat_by_category",
    "wechat_event_study",
];

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let n = times.len();
    if n == 0 {
        Duration::ZERO
    } else if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    }
}

/// The benchmark chart of the charts issue: 120 days × 12 series.
pub fn sample_line_chart() -> Chart {
    let start = NaiveDate::from_ymd_opt(2022, 3, 1).unwrap_or_default();
    let dates: Vec<NaiveDate> = (0..120)
        .map(|i| start + chrono::Duration::days(i))
        .collect();
    let mut chart = Chart::new(ChartKind::Line, Lang::Zh, "各社区客流变化");
    chart.unit = Unit::Percent;
    chart.reference = Some(0.0);
    chart.shaded = vec![(dates[53], dates[59], "封控".into())];
    chart.series = (0..12)
        .map(|s| Series {
            label: format!("社区{s}"),
            color: s,
            bar_colors: Vec::new(),
            recovery: None,
            values: (0..120)
                .map(|d| Some(((d * 7 + s * 13) % 40) as f64 - 20.0))
                .collect(),
        })
        .collect();
    chart.x = XAxis::Dates(dates);
    chart
}

/// Peak resident memory of this process, from /proc (Linux), in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// One query's times.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueryTime {
    pub name: String,
    pub cold_ms: f64,
    /// Median of the warm runs.
    pub warm_ms: f64,
    /// Of a warm run, the time to a physical plan (parsing, planning, optimising): the part
    /// of a small figure that DataFusion spends before it reads a row.
    pub plan_ms: f64,
    /// Median of warm runs as the server runs the figure: reading the folder's kept tables
    /// (`engine::kept`), or the tables it computed when it opened, with no result cache.
    pub served_ms: f64,
}

/// Everything `yanhuo bench` measured; printed as a table, or as JSON for `bench/` scripts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub data_dir: String,
    pub runs: usize,
    pub orders: u64,
    pub open_ms: f64,
    /// Whether the folder's kept tables were current: `Current`, `Stale` or `Absent`.
    pub kept: String,
    /// The tables held in memory once read (`--hold-tables-under`), the folder's and the
    /// kept ones: another engine compared on the same folder should hold the same ones.
    pub held_tables: Vec<String>,
    /// Opening the folder as the server does (kept tables registered, the others computed).
    pub engine_open_ms: f64,
    pub queries: Vec<QueryTime>,
    pub chart_svg_ms: f64,
    pub chart_png_ms: f64,
    pub server_start_ms: f64,
    pub dashboard_cold_ms: f64,
    pub dashboard_warm_ms: f64,
    /// [`DOWNLOADS`], each its first request: a panel's data with the publishing rules
    /// applied.
    pub downloads_ms: Vec<(String, f64)>,
    pub peak_memory_mib: Option<f64>,
}

/// The downloads whose publishing check reads the most rows (a shop's share of every cell
/// of every study date), after the dashboard page.
const DOWNLOADS: [&str; 2] = ["/d/community/channels.csv", "/d/recovery/footfall.csv"];

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |v: f64| format!("{v:.2} ms");
        writeln!(f, "data folder: {}   runs: {}", self.data_dir, self.runs)?;
        writeln!(f, "open the data folder: {}", ms(self.open_ms))?;
        writeln!(f, "orders: {}", self.orders)?;
        writeln!(f, "held in memory: {}", self.held_tables.join(", "))?;
        writeln!(
            f,
            "kept tables: {}; the folder opened as the server opens it in {}",
            self.kept,
            ms(self.engine_open_ms)
        )?;
        writeln!(
            f,
            "\n{:<22} {:>12} {:>14} {:>14} {:>14}",
            "query", "cold", "warm (median)", "of it planning", "as served"
        )?;
        for q in &self.queries {
            writeln!(
                f,
                "{:<22} {:>12} {:>14} {:>14} {:>14}",
                q.name,
                ms(q.cold_ms),
                ms(q.warm_ms),
                ms(q.plan_ms),
                ms(q.served_ms)
            )?;
        }
        writeln!(
            f,
            "\nline chart, 120 days × 12 series: SVG {} , PNG 1600×900 {}",
            ms(self.chart_svg_ms),
            ms(self.chart_png_ms)
        )?;
        writeln!(
            f,
            "recovery dashboard page: server start {}, first view (cold) {}, warm p50 {}",
            ms(self.server_start_ms),
            ms(self.dashboard_cold_ms),
            ms(self.dashboard_warm_ms)
        )?;
        for (uri, took) in &self.downloads_ms {
            writeln!(f, "download {uri} (first request): {}", ms(*took))?;
        }
        if let Some(peak) = self.peak_memory_mib {
            writeln!(f, "peak memory: {peak:.0} MiB")?;
        }
        Ok(())
    }
}

/// The time to a physical plan of `sql`.
async fn plan_time(ctx: &datafusion::prelude::SessionContext, sql: &str) -> Result<Duration> {
    let t = Instant::now();
    ctx.sql(sql).await?.create_physical_plan().await?;
    Ok(t.elapsed())
}

/// The figures of docs/METRICS.md named in `only` (all of them if it is empty), in order.
fn selected(only: &[String]) -> Result<Vec<&'static str>> {
    if let Some(unknown) = only.iter().find(|o| !METRICS.contains(&o.as_str())) {
        return Err(crate::Error::Other(format!(
            "bench --only: {unknown} is not a figure of docs/METRICS.md (they are: {})",
            METRICS.join(", ")
        )));
    }
    Ok(METRICS
        .into_iter()
        .filter(|n| only.is_empty() || only.iter().any(|o| o == n))
        .collect())
}

/// The folder's tables, and the query files with every file inlined, as another engine
/// runs them, and the study window bound as the server binds it (`query --print-sql`
/// prints the same text).
async fn open_inlined(
    settings: &Settings,
) -> Result<(datafusion::prelude::SessionContext, queries::Library)> {
    let (ctx, _) = crate::engine::cluster::open(settings).await?;
    let mut library = settings.library()?;
    library.set_windows(queries::window::study_windows(&ctx, &library).await?);
    Ok((ctx, library))
}

/// Where each figure's time to a physical plan goes ([`planning`]), `runs` times over.
pub async fn planning(
    settings: &Settings,
    runs: usize,
    only: &[String],
) -> Result<Vec<planning::Phases>> {
    let names = selected(only)?;
    if matches!(
        settings.backend,
        crate::engine::settings::Backend::Ballista(_)
    ) {
        // A cluster's scheduler plans each query again, in stages, where this cannot time it.
        tracing::warn!(
            "bench --planning times planning in this process's session only, not the cluster's"
        );
    }
    let (ctx, library) = open_inlined(settings).await?;
    let mut out = Vec::new();
    for name in names {
        let file = library
            .get(name)
            .ok_or_else(|| crate::Error::Other(format!("no query {name}")))?;
        let sql = library.expand(file, &BTreeMap::new())?;
        // Planned once through the whole session first: it reads the held tables the text
        // names (a step-by-step plan would read them through a session without physical
        // rules). Then once unmeasured: the first planning also reads each file's statistics.
        plan_time(&ctx, &sql).await?;
        planning::measure(&ctx, name, &sql, 1).await?;
        out.push(planning::measure(&ctx, name, &sql, runs).await?);
    }
    Ok(out)
}

/// Whether the figures' runs follow one another or take turns with another engine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    Free,
    /// Each run waits for a line on standard input, and prints its time as a line of JSON
    /// after it (`bench --paced`).
    Turns,
}

impl Pace {
    /// Waits for the caller's line, if runs take turns: none (its input closed) is an error,
    /// since the caller has gone.
    async fn wait(self) -> Result<()> {
        if self == Pace::Free {
            return Ok(());
        }
        let read = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)
        })
        .await
        .map_err(|e| crate::Error::Other(format!("waiting for a turn: {e}")))?;
        match read {
            Ok(0) => Err(crate::Error::Other(
                "bench --paced: standard input closed before the runs ended".into(),
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(crate::Error::Other(format!(
                "bench --paced: reading standard input: {e}"
            ))),
        }
    }

    /// Tells the caller a run ended and how long it took, if runs take turns.
    fn ran(self, took: Duration) {
        if self == Pace::Turns {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{{\"run_ms\": {}}}", millis(took));
            let _ = out.flush();
        }
    }
}

/// Measures the figures of docs/METRICS.md, or those of them named in `only`.
pub async fn run(settings: &Settings, runs: usize, only: &[String], pace: Pace) -> Result<Report> {
    let names = selected(only)?;
    let runs = runs.max(1);
    let opened = Instant::now();
    let (ctx, library) = open_inlined(settings).await?;
    let open_ms = millis(opened.elapsed());
    let orders = queries::run_sql(&ctx, "SELECT count(*) FROM orders").await?;
    let orders = crate::figures::panels::numbers(&orders, "count(*)")
        .first()
        .copied()
        .flatten()
        .unwrap_or(0.0) as u64;
    let params = BTreeMap::new();
    let engine_opened = Instant::now();
    let engine = crate::engine::Engine::open(settings).await?;
    let engine_open_ms = millis(engine_opened.elapsed());
    let mut times = Vec::new();
    for name in names {
        let file = library
            .get(name)
            .ok_or_else(|| crate::Error::Other(format!("no query {name}")))?;
        let sql = library.expand(file, &params)?;
        pace.wait().await?;
        let first = Instant::now();
        queries::run_sql(&ctx, &sql).await?;
        let cold = first.elapsed();
        pace.ran(cold);
        let mut warm = Vec::new();
        let mut plan = Vec::new();
        for _ in 0..runs {
            pace.wait().await?;
            let t = Instant::now();
            queries::run_sql(&ctx, &sql).await?;
            let took = t.elapsed();
            warm.push(took);
            // Planning once more, in the same turn: the other engine waits for it too.
            plan.push(plan_time(&ctx, &sql).await?);
            pace.ran(took);
        }
        let served_sql = engine.library.expand(file, &params)?;
        let mut served = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            queries::run_sql(&engine.ctx, &served_sql).await?;
            served.push(t.elapsed());
        }
        times.push(QueryTime {
            name: name.to_string(),
            cold_ms: millis(cold),
            warm_ms: millis(median(warm)),
            plan_ms: millis(median(plan)),
            served_ms: millis(median(served)),
        });
    }

    let kept = format!("{:?}", engine.kept);
    let held_tables = engine.held.clone();
    // The page below opens the folder again, as a server would; one engine at a time.
    drop(engine);

    let chart = sample_line_chart();
    let (mut svg, mut png) = (Vec::new(), Vec::new());
    for _ in 0..runs.max(5) {
        let t = Instant::now();
        charts::render_svg(&chart, 720, 405)?;
        svg.push(t.elapsed());
        let t = Instant::now();
        charts::render_png(&chart, 1600, 900, 1)?;
        png.push(t.elapsed());
    }

    let opening = Instant::now();
    let state = crate::serve::web::AppState::open(settings.clone()).await?;
    let router = crate::serve::web::router(state);
    let opening = opening.elapsed();
    let cold = Instant::now();
    let get = |router: axum::Router, uri: &'static str| async move {
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .map_err(|e| crate::Error::Other(e.to_string()))?;
        let response = router
            .oneshot(request)
            .await
            .map_err(|e| crate::Error::Other(e.to_string()))?;
        if !response.status().is_success() {
            return Err(crate::Error::Other(format!("{uri}: {}", response.status())));
        }
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        Ok::<(), crate::Error>(())
    };
    get(router.clone(), "/d/recovery").await?;
    let cold = cold.elapsed();
    let mut warm = Vec::new();
    for _ in 0..runs.max(20) {
        let t = Instant::now();
        get(router.clone(), "/d/recovery").await?;
        warm.push(t.elapsed());
    }
    let mut downloads = Vec::new();
    for uri in DOWNLOADS {
        let t = Instant::now();
        get(router.clone(), uri).await?;
        downloads.push((uri.to_string(), millis(t.elapsed())));
    }
    Ok(Report {
        data_dir: settings.data_dir.display().to_string(),
        runs,
        orders,
        open_ms,
        kept,
        held_tables,
        engine_open_ms,
        queries: times,
        chart_svg_ms: millis(median(svg)),
        chart_png_ms: millis(median(png)),
        server_start_ms: millis(opening),
        dashboard_cold_ms: millis(cold),
        dashboard_warm_ms: millis(median(warm)),
        downloads_ms: downloads,
        peak_memory_mib: peak_memory_mib(),
    })
}
