//! `yanhuo bench`: how fast the figures, the charts and the pages are on a data folder, and
//! how much memory that took. Measured here, in a benchmark, not in timed tests.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::charts::{self, Chart, ChartKind, Series, Unit, XAxis};
use crate::config::Settings;
use crate::error::Result;
use crate::labels::Lang;
use crate::{catalog, queries};

/// The figures of docs/METRICS.md.
const METRICS: [&str; 7] = [
    "closure_length",
    "online_recovery",
    "footfall_change",
    "footfall_recovery",
    "customer_change",
    "district_summary",
    "two_lists",
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

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
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

pub async fn run(settings: &Settings, runs: usize) -> Result<String> {
    let runs = runs.max(1);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "data folder: {}   runs: {runs}",
        settings.data_dir.display()
    );
    let opened = Instant::now();
    let (ctx, _) = catalog::open(&settings.data_dir, settings.zone).await?;
    let _ = writeln!(out, "open the data folder: {}", ms(opened.elapsed()));
    let library = settings.library()?;
    let orders = queries::run_sql(&ctx, "SELECT count(*) FROM orders").await?;
    let _ = writeln!(
        out,
        "orders: {}",
        crate::panels::text_rows(&orders).concat().concat()
    );

    let _ = writeln!(
        out,
        "\n{:<22} {:>12} {:>12}",
        "query", "cold", "warm (median)"
    );
    let params = BTreeMap::new();
    for name in METRICS {
        let file = library
            .get(name)
            .ok_or_else(|| crate::Error::Other(format!("no query {name}")))?;
        let sql = library.expand(file, &params)?;
        let first = Instant::now();
        queries::run_sql(&ctx, &sql).await?;
        let cold = first.elapsed();
        let mut warm = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            queries::run_sql(&ctx, &sql).await?;
            warm.push(t.elapsed());
        }
        let _ = writeln!(out, "{name:<22} {:>12} {:>12}", ms(cold), ms(median(warm)));
    }

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
    let _ = writeln!(
        out,
        "\nline chart, 120 days × 12 series: SVG {} , PNG 1600×900 {}",
        ms(median(svg)),
        ms(median(png))
    );

    let opening = Instant::now();
    let state = crate::web::AppState::open(settings.clone()).await?;
    let router = crate::web::router(state);
    let opening = opening.elapsed();
    let cold = Instant::now();
    let page = |router: axum::Router| async move {
        use tower::ServiceExt;
        let request = axum::http::Request::builder()
            .uri("/d/recovery")
            .body(axum::body::Body::empty())
            .map_err(|e| crate::Error::Other(e.to_string()))?;
        let response = router
            .oneshot(request)
            .await
            .map_err(|e| crate::Error::Other(e.to_string()))?;
        let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        Ok::<(), crate::Error>(())
    };
    page(router.clone()).await?;
    let cold = cold.elapsed();
    let mut warm = Vec::new();
    for _ in 0..runs.max(20) {
        let t = Instant::now();
        page(router.clone()).await?;
        warm.push(t.elapsed());
    }
    let _ = writeln!(
        out,
        "recovery dashboard page: server start {}, first view (cold) {}, warm p50 {}",
        ms(opening),
        ms(cold),
        ms(median(warm))
    );
    if let Some(peak) = peak_memory_mib() {
        let _ = writeln!(out, "peak memory: {peak:.0} MiB");
    }
    Ok(out)
}
