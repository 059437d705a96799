//! Every chart kind drawn from a small fixture; the SVG read back with an XML parser.

use chrono::NaiveDate;

use super::*;

fn date(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 4, d).unwrap()
}

fn footfall(lang: Lang) -> Chart {
    let mut chart = Chart::new(ChartKind::Line, lang, "各社区客流变化");
    chart.x = XAxis::Dates((1..=30).map(date).collect());
    chart.unit = Unit::Percent;
    chart.reference = Some(0.0);
    chart.shaded = vec![(date(23), date(29), "封控".into())];
    chart.markers = vec![(date(5), "清明节".into())];
    chart.series = vec![
        Series {
            label: "黎园社区".into(),
            color: 0,
            bar_colors: Vec::new(),
            recovery: None,
            values: (1..=30)
                .map(|d| Some(if (23..=29).contains(&d) { -95.0 } else { 2.0 }))
                .collect(),
        },
        Series {
            label: "<script>alert(1)</script> & \"co\"".into(),
            color: 1,
            bar_colors: Vec::new(),
            recovery: None,
            // A gap on the 10th: two pieces of line.
            values: (1..=30)
                .map(|d| if d == 10 { None } else { Some(-5.0) })
                .collect(),
        },
    ];
    chart
}

fn fill_of(node: &roxmltree::Node) -> String {
    node.attribute("fill")
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

#[test]
fn line_chart_svg_has_its_series_shading_and_language() {
    let svg = render_svg(&footfall(Lang::Zh), 720, 405).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.attribute("lang"), Some("zh-CN"));
    let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
    assert!(title.text().unwrap().starts_with("各社区客流变化"));
    let lines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .collect();
    let stroke = |n: &roxmltree::Node| {
        n.attribute("stroke")
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    // One line for the first series, two pieces for the second (the null is a gap).
    assert_eq!(
        lines
            .iter()
            .filter(|n| stroke(n) == hex(style::PALETTE[0]))
            .count(),
        1
    );
    assert_eq!(
        lines
            .iter()
            .filter(|n| stroke(n) == hex(style::PALETTE[1]))
            .count(),
        2
    );
    // The lockdown is shaded once, and labelled.
    let shade = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && fill_of(n) == hex(style::SHADE))
        .count();
    assert_eq!(shade, 1);
    let texts: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"封控"));
    assert!(texts.contains(&"黎园社区"));
    assert!(texts.contains(&"04-01"));
    assert!(texts.iter().any(|t| t.ends_with('%')));
}

#[test]
fn labels_from_data_stay_text_in_svg() {
    let svg = render_svg(&footfall(Lang::En), 720, 405).unwrap();
    assert!(!svg.contains("<script"), "unescaped label in {svg}");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("script"))
            .count(),
        0
    );
    let texts: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        texts.contains(&"<script>alert(1)</script> & \"co\""),
        "{texts:?}"
    );
    assert_eq!(doc.root_element().attribute("lang"), Some("en"));
}

fn bars(kind: ChartKind) -> Chart {
    let mut chart = Chart::new(kind, Lang::Zh, "每日营业额");
    chart.x = XAxis::Categories(vec!["餐饮".into(), "理发".into(), "诊所".into()]);
    chart.unit = Unit::Yuan;
    chart.series = vec![
        Series {
            label: "到店".into(),
            color: 0,
            bar_colors: Vec::new(),
            recovery: None,
            values: vec![Some(30_000.0), Some(10.0), None],
        },
        Series {
            label: "线上".into(),
            color: 1,
            bar_colors: Vec::new(),
            recovery: None,
            values: vec![Some(5_000.0), Some(20.0), Some(7.0)],
        },
    ];
    chart
}

fn rects_of(svg: &str, color: plotters::style::RGBColor) -> Vec<(f64, f64, f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("rect") && fill_of(n) == hex(color))
        .map(|n| {
            let f = |a: &str| {
                n.attribute(a)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            (f("x"), f("y"), f("width"), f("height"))
        })
        .collect()
}

#[test]
fn bars_stand_side_by_side_and_stack() {
    let side = render_svg(&bars(ChartKind::Bar), 720, 405).unwrap();
    // Two bars of the first series (the null draws none), three of the second; plus the
    // legend's swatch of each.
    assert_eq!(rects_of(&side, style::PALETTE[0]).len(), 2 + 1);
    assert_eq!(rects_of(&side, style::PALETTE[1]).len(), 3 + 1);
    let stacked = render_svg(&bars(ChartKind::StackedBar), 720, 405).unwrap();
    // Bars only: the legend's swatches stand right of the plot (the last 120 px).
    let in_plot = |r: &(f64, f64, f64, f64)| r.0 < 600.0;
    let first: Vec<_> = rects_of(&stacked, style::PALETTE[0])
        .into_iter()
        .filter(in_plot)
        .collect();
    let second: Vec<_> = rects_of(&stacked, style::PALETTE[1])
        .into_iter()
        .filter(in_plot)
        .collect();
    // Stacked: the online bar of 餐饮 sits on top of the in-store one, same x and width.
    assert_eq!(first[0].0, second[0].0);
    assert_eq!(first[0].2, second[0].2);
    assert!(second[0].1 < first[0].1);
    let texts = roxmltree::Document::parse(&stacked)
        .unwrap()
        .descendants()
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect::<Vec<_>>();
    // Yuan in Chinese: 万 on the axis.
    assert!(texts.iter().any(|t| t.ends_with('万')), "{texts:?}");
}

#[test]
fn histogram_kpi_and_table_render() {
    let mut histogram = Chart::new(ChartKind::Histogram, Lang::En, "How long shops were closed");
    histogram.x = XAxis::Categories(vec![
        "under 7 days".into(),
        "7 days".into(),
        "8 days".into(),
    ]);
    histogram.series = vec![Series {
        label: "spells".into(),
        color: 0,
        bar_colors: Vec::new(),
        recovery: None,
        values: vec![Some(3.0), Some(300.0), Some(20.0)],
    }];
    let svg = render_svg(&histogram, 720, 405).unwrap();
    let bins = rects_of(&svg, style::PALETTE[0]);
    assert_eq!(bins.len(), 3);
    // Bins touch: each starts about where the previous ends.
    assert!(
        (bins[1].0 - (bins[0].0 + bins[0].2)).abs() < 0.05 * bins[0].2,
        "{bins:?}"
    );

    let mut kpi = Chart::new(ChartKind::Kpi, Lang::Zh, "关闭时长中位数");
    kpi.kpi = Some("7.3天".into());
    let svg = render_svg(&kpi, 400, 200).unwrap();
    assert!(svg.contains("7.3天"));

    let mut table = Chart::new(ChartKind::Table, Lang::Zh, "各社区一览");
    table.table = Some((
        vec!["社区".into(), "店铺".into()],
        vec![vec!["黎园社区".into(), "64".into()]],
    ));
    let svg = render_svg(&table, 720, 405).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"黎园社区") && texts.contains(&"64"));
}

/// Ink (non-white pixels) in a band of rows of an RGB image.
fn ink(png_bytes: &[u8], rows: std::ops::Range<usize>) -> (Vec<u8>, usize, (u32, u32)) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let stride = info.width as usize * 3;
    let band = buffer[rows.start * stride..rows.end * stride].to_vec();
    let count = band
        .chunks(3)
        .filter(|p| p.iter().any(|&c| c < 200))
        .count();
    (band, count, (info.width, info.height))
}

#[test]
fn png_is_twice_the_size_and_draws_chinese_glyphs() {
    let mut first = Chart::new(ChartKind::Kpi, Lang::Zh, "封控影响总览");
    first.kpi = Some("7.3天".into());
    let mut second = first.clone();
    second.title = "客流恢复天数".into();
    let (a, a_ink, size) = ink(&render_png(&first, 800, 450, 2).unwrap(), 0..80);
    let (b, b_ink, _) = ink(&render_png(&second, 800, 450, 2).unwrap(), 0..80);
    // 450 for the plot, and the title's line: 8 + 22 × 1.45 + 6 = 46.
    assert_eq!(size, (1600, 2 * (450 + 46)));
    // Both titles have ink, and different characters make different ink: missing glyphs
    // would draw nothing, or the same empty boxes for both.
    assert!(a_ink > 500 && b_ink > 500, "{a_ink} {b_ink}");
    assert_ne!(a, b);
}

/// A line chart of `values` over as many days, in English.
fn line_of(values: Vec<Option<f64>>) -> Chart {
    let mut chart = Chart::new(ChartKind::Line, Lang::En, "");
    chart.x = XAxis::Dates((1..=values.len() as u32).map(date).collect());
    chart.series = vec![Series {
        label: "x".into(),
        color: 0,
        bar_colors: Vec::new(),
        recovery: None,
        values,
    }];
    chart
}

#[test]
fn values_near_the_largest_float_get_a_notice_not_an_endless_drawing() {
    let notice = "Values too large (or not finite) to draw";
    for values in [
        vec![Some(1e308), Some(-1e308)],
        vec![Some(1e308), Some(1e308)],
        vec![Some(f64::INFINITY), Some(0.0)],
        vec![Some(f64::NAN), Some(1.0)],
        vec![Some(1e300), Some(0.0)],
    ] {
        let chart = line_of(values.clone());
        assert_eq!(y_range(&chart, false), None, "{values:?}");
        let started = std::time::Instant::now();
        let svg = render_svg(&chart, 720, 405).unwrap();
        assert!(svg.contains(notice), "{values:?}: {svg}");
        render_png(&chart, 800, 450, 1).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    // Stacked bars whose sum overflows, though each value is finite.
    let mut stacked = bars(ChartKind::StackedBar);
    for series in &mut stacked.series {
        series.values = vec![Some(1.5e308); series.values.len()];
    }
    assert_eq!(y_range(&stacked, true), None);
    let svg = render_svg(&stacked, 720, 405).unwrap();
    assert!(svg.contains("数值过大或不是有限数，无法作图"), "{svg}");
}

#[test]
fn large_but_drawable_values_keep_a_span_the_floats_can_step_through() {
    // Below the bound: drawn, with an axis.
    let chart = line_of(vec![Some(1e299), Some(-1e299)]);
    let (lo, hi) = y_range(&chart, false).unwrap();
    assert!(lo < -1e299 && hi > 1e299);
    assert!(!render_svg(&chart, 720, 405).unwrap().contains("too large"));
    // One value around 1e20: the span grows with the value, not by 1 (below 1e20's step).
    let chart = line_of(vec![Some(1e20), Some(1e20)]);
    let (lo, hi) = y_range(&chart, false).unwrap();
    assert!(((hi - lo) / 1.16e14 - 1.0).abs() < 1e-9, "{lo} {hi}");
    render_svg(&chart, 720, 405).unwrap();
    // Small values keep the old span of 1.
    let chart = line_of(vec![Some(3.0), Some(3.0)]);
    let (lo, hi) = y_range(&chart, false).unwrap();
    assert_eq!((lo, hi), (3.0 - 0.08, 4.0 + 0.08));
}

/// Every text of an SVG: (font-size, x, y, text).
fn texts_of(svg: &str) -> Vec<(f64, f64, f64, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let f = |a: &str| {
                n.attribute(a)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            let text = n.text().unwrap_or_default().trim().to_string();
            (f("font-size"), f("x"), f("y"), text)
        })
        .collect()
}

#[test]
fn a_phone_drawing_has_no_text_under_13_px_and_its_legend_below() {
    let mut chart = footfall(Lang::Zh).bare();
    chart.layout = Layout::Narrow;
    chart.series = (0..12)
        .map(|c| Series {
            label: format!("社区{c}"),
            color: c,
            bar_colors: Vec::new(),
            recovery: None,
            values: vec![Some(c as f64); 30],
        })
        .collect();
    chart.markers = vec![
        (date(2), "调休".into()),
        (date(3), "清明节".into()),
        (date(4), "清明节".into()),
        (date(5), "清明节".into()),
    ];
    // 325 wide, as the column of a 375 px phone: a size in the drawing is the size read.
    let svg = render_svg(&chart, 325, 250 + 6 * 19 + 12).unwrap();
    let texts = texts_of(&svg);
    assert!(!texts.is_empty());
    for (size, _, _, text) in &texts {
        assert!(*size >= 12.99, "{text:?} at {size} px");
    }
    // The legend: two columns under the plot, six rows, every name inside the drawing.
    let legend: Vec<_> = texts.iter().filter(|t| t.3.starts_with("社区")).collect();
    assert_eq!(legend.len(), 12);
    let columns: std::collections::BTreeSet<i64> = legend.iter().map(|t| t.1 as i64).collect();
    assert_eq!(columns.len(), 2);
    assert!(
        legend.iter().all(|t| t.1 < 325.0 && t.2 > 200.0),
        "{legend:?}"
    );
    // The holidays are named, a run of days once: 调休 and 清明节, each one time.
    let named = |name: &str| texts.iter().filter(|t| t.3 == name).count();
    assert_eq!((named("调休"), named("清明节")), (1, 1));
    // Four dates at most along the axis.
    let dates = texts.iter().filter(|t| t.3.starts_with("04-")).count();
    assert!((2..=5).contains(&dates), "{dates}");
}

#[test]
fn a_withheld_bar_is_a_marked_stub_and_printed_bars_carry_their_values() {
    let mut chart = Chart::new(ChartKind::Bar, Lang::Zh, "各类店铺线上找回的销售");
    chart.x = XAxis::Categories(vec!["餐饮".into(), "理发".into(), "诊所".into()]);
    chart.unit = Unit::Share;
    chart.series = vec![Series {
        label: "recovery_rate".into(),
        color: 0,
        bar_colors: Vec::new(),
        recovery: None,
        values: vec![Some(0.5), None, Some(0.25)],
    }];
    chart.hidden = vec![(0, 1)];
    chart.value_labels = true;
    chart.subtitle = vec!["范围：黎园社区".into()];
    chart.notes = vec!["× 数据不公布：为保护单个店铺，1个数值未公布。".into()];
    let svg = render_svg(&chart, 800, 400).unwrap();
    let texts: Vec<String> = texts_of(&svg).into_iter().map(|t| t.3).collect();
    // The withheld bar: one ×, and the notes say what it means; the others' values.
    assert_eq!(texts.iter().filter(|t| *t == "×").count(), 1);
    assert!(texts.iter().any(|t| t == "50.0%") && texts.iter().any(|t| t == "25.0%"));
    for words in [
        "各类店铺线上找回的销售",
        "范围：黎园社区",
        "× 数据不公布：为保护单个店铺，1个数值未公布。",
    ] {
        assert!(texts.iter().any(|t| t == words), "{words} in {texts:?}");
    }
    // No bar is drawn for 理发: two bars of the series' colour.
    assert_eq!(rects_of(&svg, style::PALETTE[0]).len(), 2);
}
