//! The web layer through its router, without a server (axum's `oneshot`): pages, filters,
//! languages, downloads with ETags, errors, escaping, and reopening after an import; frame
//! headers on every route; charts of values too large to draw; and, on a real server, the
//! header-read timeout.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yanhuo::engine::settings::Settings;
use yanhuo::serve::web::{self, AppState};

use crate::fixture::write_district;
use crate::http::{Reply, send};

struct Site {
    dir: tempfile::TempDir,
    state: Arc<AppState>,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    // A community whose name is markup: it must reach the page as text.
    let communities = std::fs::read_to_string(dir.path().join("communities.csv"))
        .unwrap()
        .replace(
            "c,新村社区,Xincun",
            "c,<script>alert(1)</script>,<b>Xincun</b>",
        );
    std::fs::write(dir.path().join("communities.csv"), communities).unwrap();
    let settings = Settings::new(dir.path().to_path_buf(), "Asia/Shanghai", None).unwrap();
    let state = AppState::open(settings).await.unwrap();
    Site { dir, state }
}

async fn get(site: &Site, uri: &str, etag: Option<&str>) -> Reply {
    let mut request = Request::builder().uri(uri);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    send(&site.state, request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn overview_shows_the_headline_figures_in_chinese_and_english() {
    let site = site().await;
    let index = get(&site, "/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.text().contains("朝晖街道封控影响总览"));

    let zh = get(&site, "/d/recovery", None).await;
    assert_eq!(zh.status, StatusCode::OK);
    let page = zh.text();
    assert!(page.contains("<html lang=\"zh-CN\">"));
    // From the fixture (see metrics.rs): 6 shops closed, half reopened within a day,
    // 125 / 225 recovered online, footfall back in 2 days.
    assert!(page.contains("<div class=\"value\">6</div>"), "{page}");
    assert!(page.contains("<div class=\"value\">50.0%</div>"));
    assert!(page.contains("<div class=\"value\">55.6%</div>"));
    assert!(page.contains("<div class=\"value\">2.0天</div>"));
    assert!(page.contains("<svg lang=\"zh-CN\""));
    assert!(page.contains("各社区客流变化"));

    let en = get(&site, "/d/recovery?lang=en", None).await.text();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("<div class=\"value\">2.0 days</div>"));
    assert!(en.contains("Footfall change by community"));
    assert!(en.contains("Liyuan"));
}

#[tokio::test]
async fn filters_narrow_the_figures_and_link_the_drill_downs() {
    let site = site().await;
    let all = get(&site, "/d/community", None).await.text();
    let b = get(&site, "/d/community?community=b", None).await.text();
    assert_ne!(all, b);
    // The filter is selected in the form, and community b's footfall line is the only one.
    assert!(
        b.contains("<option value=\"b\" selected>永丰社区</option>"),
        "{b}"
    );
    let footfall = |page: &str| {
        let start = page
            .find("<section class=\"panel\" id=\"footfall\">")
            .unwrap();
        let end = start + page[start..].find("</section>").unwrap();
        page[start..end].to_string()
    };
    // Unfiltered, two lines with a legend: a in the palette's first colour, b in its
    // second (c has no footfall). Filtered to b: b's line alone, so no legend.
    let (all_chart, b_chart) = (footfall(&all), footfall(&b));
    assert!(all_chart.contains("黎园社区") && all_chart.contains("永丰社区"));
    assert!(all_chart.contains("stroke=\"#0072B2\"") && all_chart.contains("stroke=\"#E69F00\""));
    assert!(!b_chart.contains("黎园社区") && !b_chart.contains("stroke=\"#0072B2\""));
    assert!(b_chart.contains("stroke=\"#E69F00\""), "{b_chart}");
    let overview = get(&site, "/d/recovery", None).await.text();
    assert!(overview.contains("href=\"/d/community?community=a\""));
    // A later lockdown: the figures change.
    let june = get(&site, "/d/recovery?lockdown=later-2022-06", None)
        .await
        .text();
    assert!(
        june.contains("<div class=\"value\">2</div>"),
        "two shops closed in June"
    );
}

#[tokio::test]
async fn names_from_the_data_are_escaped() {
    let site = site().await;
    let page = get(&site, "/d/recovery", None).await.text();
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || page.contains("&#60;script&#62;"),
        "{page}"
    );
    let svg = get(&site, "/d/community/footfall.svg", None).await.text();
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn downloads_carry_strong_etags_and_answer_304() {
    let site = site().await;
    let svg = get(&site, "/d/recovery/footfall.svg", None).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(
        svg.headers[header::CONTENT_TYPE],
        "image/svg+xml; charset=utf-8"
    );
    let etag = svg.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    let again = get(&site, "/d/recovery/footfall.svg", Some(&etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // Another language is another file.
    let en = get(&site, "/d/recovery/footfall.svg?lang=en", Some(&etag)).await;
    assert_eq!(en.status, StatusCode::OK);
    assert_ne!(en.headers[header::ETAG], etag.as_str());

    let png = get(&site, "/d/recovery/footfall.png", None).await;
    assert_eq!(png.headers[header::CONTENT_TYPE], "image/png");
    let decoder = png::Decoder::new(std::io::Cursor::new(png.body));
    let info = decoder.read_info().unwrap();
    // 800 × 2 wide. High: the plot's 400; above it 8 + the title (22 px type, 32 apart) +
    // the caption and the scope line (14 px, 20 apart each) + 6 = 86; below it 6 + the
    // period line, the line on what is not published (the fixture's communities have too
    // few shops for their footfall) and the source line (12 px, 17 apart each) + 4 = 61;
    // all times 2.
    assert_eq!(
        (info.info().width, info.info().height),
        (1600, 2 * (400 + 86 + 61))
    );

    let csv = get(&site, "/d/recovery/recovery_by_community.csv", None)
        .await
        .text();
    // A byte-order mark first, so Excel reads the Chinese names as UTF-8.
    assert!(
        csv.starts_with("\u{feff}community_id,name_zh,name_en,shops,"),
        "{csv}"
    );
}

#[tokio::test]
async fn mistakes_get_helpful_errors_not_panics() {
    let site = site().await;
    let missing = get(&site, "/d/nope", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.text().contains(
            "no dashboard named nope (there are: community, impact, recovery, two_lists)"
        )
    );
    let panel = get(&site, "/d/recovery/nope.svg", None).await;
    assert_eq!(panel.status, StatusCode::NOT_FOUND);
    let unknown = get(&site, "/d/recovery?colour=red", None).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text().contains("unknown parameter colour"));
    let community = get(&site, "/d/recovery?community=zz", None).await;
    assert_eq!(community.status, StatusCode::BAD_REQUEST);
    assert!(community.text().contains("no such community: zz"));
    let format = get(&site, "/d/recovery/footfall.gif", None).await;
    assert_eq!(format.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn results_are_cached_and_an_import_reopens_the_data() {
    let site = site().await;
    get(&site, "/d/recovery", None).await;
    let health: serde_json::Value =
        serde_json::from_str(&get(&site, "/healthz", None).await.text()).unwrap();
    let cached = health["cached_results"].as_u64().unwrap();
    assert!(cached > 0);
    let version = health["data_version"].as_str().unwrap().to_string();
    get(&site, "/d/recovery", None).await;
    let health: serde_json::Value =
        serde_json::from_str(&get(&site, "/healthz", None).await.text()).unwrap();
    assert_eq!(
        health["cached_results"].as_u64().unwrap(),
        cached,
        "a second view ran queries"
    );

    assert!(
        get(&site, "/d/recovery", None)
            .await
            .text()
            .contains("<div class=\"value\">6</div>")
    );
    // New data: a shop more, closed by the lockdown. The server notices within its check
    // interval, and the tile of shops closed counts it: 6 + 1.
    let shops = std::fs::read_to_string(site.dir.path().join("shops.csv")).unwrap();
    std::fs::write(
        site.dir.path().join("shops.csv"),
        format!("{shops}s8,新店,dining,a,10,,\n"),
    )
    .unwrap();
    let status = std::fs::read_to_string(site.dir.path().join("shop_status.csv")).unwrap();
    std::fs::write(
        site.dir.path().join("shop_status.csv"),
        format!("{status}s8,2022-04-23T02:00:00+08:00,closed,level2_response\n"),
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let health: serde_json::Value =
        serde_json::from_str(&get(&site, "/healthz", None).await.text()).unwrap();
    assert_ne!(health["data_version"].as_str().unwrap(), version);
    // A fresh cache: only lockdown_dates, which opening the folder reads for the filters.
    assert_eq!(health["cached_results"].as_u64().unwrap(), 1);
    assert!(
        get(&site, "/d/recovery", None)
            .await
            .text()
            .contains("<div class=\"value\">7</div>")
    );
}

#[tokio::test]
async fn a_bad_dashboard_file_names_the_file_the_panel_and_the_problem() {
    let site = site().await;
    let loaded = site.state.current().await.unwrap();
    let engine = &loaded.engine;
    let check = |text: &str| {
        let dashboard = yanhuo::figures::dashboards::Dashboard::parse("broken", text);
        async move {
            match dashboard {
                Ok(d) => d
                    .check(&engine.ctx, &engine.library)
                    .await
                    .unwrap_err()
                    .to_string(),
                Err(e) => e.to_string(),
            }
        }
    };
    let unknown_query = check("title = \"t\"\n[[panels]]\nid = \"p1\"\ntitle = \"x\"\nquery = \"nope\"\nkind = \"kpi\"\nvalue = \"v\"\n").await;
    assert_eq!(
        unknown_query,
        "broken.toml, panel p1: unknown query \"nope\" (no queries/nope.sql)"
    );
    let unknown_column = check(
        "title = \"t\"\n[[panels]]\nid = \"tiles\"\ntitle = \"x\"\nquery = \"district_summary\"\nkind = \"kpi\"\nvalue = \"shops_open\"\n",
    )
    .await;
    assert!(
        unknown_column.starts_with("broken.toml, panel tiles: unknown column \"shops_open\" in query district_summary (it has: shops, shops_closed,"),
        "{unknown_column}"
    );
    let no_x = check("title = \"t\"\n[[panels]]\nid = \"line\"\ntitle = \"x\"\nquery = \"footfall_change\"\nkind = \"line\"\ny = [\"pct_change\"]\n").await;
    assert_eq!(no_x, "broken.toml, panel line: a Line panel needs `x`");
    let typo = check("title = \"t\"\n[[panels]]\nid = \"p\"\ntitle = \"x\"\nquery = \"two_lists\"\nkind = \"pie\"\n").await;
    assert!(
        typo.starts_with("broken.toml: ") && typo.contains("pie"),
        "{typo}"
    );
}

/// A server on a port of its own with a short header timeout; the sender stops it.
async fn serve(
    site: &Site,
    header_read: Duration,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(web::serve_with(
        listener,
        site.state.clone(),
        async move {
            let _ = stopped.await;
        },
        web::Timeouts { header_read },
    ));
    (addr, stop)
}

/// One request on a new connection, the reply read to its end.
async fn fetch(addr: SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: yanhuo\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    String::from_utf8_lossy(&reply).into_owned()
}

/// Reads until the server closes the connection; what it sent, and when it closed.
async fn until_closed(stream: &mut tokio::net::TcpStream, started: Instant) -> (Vec<u8>, Duration) {
    let mut got = Vec::new();
    // A reset is a close too: only the timeout matters.
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut got))
        .await
        .expect("the server closed the connection within 10 s");
    (got, started.elapsed())
}

#[tokio::test]
async fn a_half_sent_header_is_cut_off_after_the_header_timeout() {
    let site = site().await;
    let (addr, stop) = serve(&site, Duration::from_millis(500)).await;
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: yanhuo\r\nX-Slow: ")
        .await
        .unwrap();
    let (got, after) = until_closed(&mut half, started).await;
    assert!(after >= Duration::from_millis(500), "{after:?}");
    assert!(after < Duration::from_secs(3), "{after:?}");
    assert_eq!(String::from_utf8_lossy(&got), "");
    // A connection that says nothing at all goes the same way.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let (got, after) = until_closed(&mut silent, started).await;
    assert!(after < Duration::from_secs(3), "{after:?}");
    assert_eq!(got, b"");
    // The server still answers.
    let reply = fetch(addr, "/healthz").await;
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\"status\":\"ok\"}"), "{reply}");
    stop.send(()).unwrap();
}

#[tokio::test]
async fn no_page_but_an_embed_may_be_framed() {
    let site = site().await;
    let console = get(&site, "/sql", None).await;
    assert_eq!(console.status, StatusCode::OK);
    assert_eq!(console.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(
        console.headers[header::CONTENT_SECURITY_POLICY],
        "frame-ancestors 'none'"
    );
    let embed = get(&site, "/embed/recovery/footfall", None).await;
    assert_eq!(embed.status, StatusCode::OK);
    assert!(!embed.headers.contains_key(header::X_FRAME_OPTIONS));
    let policies: Vec<_> = embed
        .headers
        .get_all(header::CONTENT_SECURITY_POLICY)
        .iter()
        .collect();
    assert_eq!(policies, ["frame-ancestors *"]);
    // Every route of the router, whatever it answers (404s included).
    for route in web::routes() {
        let uri = route.path.replace('{', "%7B").replace('}', "%7D");
        let reply = get(&site, &uri, None).await;
        let deny = reply
            .headers
            .get(header::X_FRAME_OPTIONS)
            .map(|v| v.to_str().unwrap());
        assert_eq!(deny, (!route.frameable).then_some("DENY"), "{uri}");
    }
    assert_eq!(get(&site, "/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_chart_of_the_largest_floats_answers_quickly_with_a_notice() {
    let site = site().await;
    let sql = "SELECT * FROM (VALUES ('a', 1e308), ('b', -1e308), ('c', 1e308)) AS t(x, v)";
    let encoded: String = sql
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    // More at once than there are turns at drawing: none may hold up the others.
    let started = Instant::now();
    let mut charts = Vec::new();
    for kind in ["line", "bar", "line", "bar"] {
        let state = site.state.clone();
        let uri = format!("/sql/chart.svg?q={encoded}&chart={kind}&x=x&y=v&lang=en");
        charts.push(tokio::spawn(
            async move { crate::http::get(&state, &uri).await },
        ));
    }
    for chart in charts {
        let chart = chart.await.unwrap();
        assert_eq!(chart.status, StatusCode::OK, "{}", chart.text());
        assert!(
            chart
                .text()
                .contains("Values too large (or not finite) to draw"),
            "{}",
            chart.text()
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(get(&site, "/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_dashboard_page_is_sent_compressed_and_revalidated_until_the_data_changes() {
    let site = site().await;
    let plain = get(&site, "/d/recovery", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.headers.get(header::CONTENT_ENCODING), None);
    assert_eq!(plain.headers[header::VARY], "accept-encoding");
    let etag = plain.headers[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");

    let browser = |encoding: &'static str| {
        Request::builder()
            .uri("/d/recovery")
            .header(header::ACCEPT_ENCODING, encoding)
            .body(Body::empty())
            .unwrap()
    };
    // The bytes a browser gets are the page, smaller.
    let br = send(&site.state, browser("gzip, deflate, br")).await;
    assert_eq!(br.headers[header::CONTENT_ENCODING], "br");
    assert_eq!(br.headers[header::ETAG].to_str().unwrap(), etag);
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut br.body.as_slice(), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain.body);
    assert!(
        br.body.len() * 4 < plain.body.len(),
        "{} of {}",
        br.body.len(),
        plain.body.len()
    );

    let gzip = send(&site.state, browser("gzip")).await;
    assert_eq!(gzip.headers[header::CONTENT_ENCODING], "gzip");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(gzip.body.as_slice()),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain.body);

    // The browser that has it gets a 304 with no body; another view is another page.
    let again = get(&site, "/d/recovery", Some(&etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let english = get(&site, "/d/recovery?lang=en", Some(&etag)).await;
    assert_eq!(english.status, StatusCode::OK);
    assert_ne!(english.headers[header::ETAG].to_str().unwrap(), etag);

    // Other text answers are gzipped on the way out; PNGs are left as they are.
    let svg = send(
        &site.state,
        Request::builder()
            .uri("/d/recovery/footfall.svg")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.headers[header::CONTENT_ENCODING], "gzip");
    let png = send(
        &site.state,
        Request::builder()
            .uri("/d/recovery/footfall.png")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers.get(header::CONTENT_ENCODING), None);

    // New data: the kept page is not sent again.
    let shops = site.dir.path().join("shops.csv");
    let text = std::fs::read_to_string(&shops).unwrap();
    std::fs::write(&shops, format!("{text}s8,新店,dining,a,10,,\n")).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let changed = get(&site, "/d/recovery", Some(&etag)).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.headers[header::ETAG].to_str().unwrap(), etag);
}

#[tokio::test]
async fn pages_link_content_hashed_assets_that_are_cached_for_good_and_fonts_come_in_slices() {
    let site = site().await;
    let page = get(&site, "/d/recovery", None).await.text();
    let style = web::style_href();
    assert!(page.contains(&format!("href=\"{style}\"")), "no {style}");
    assert!(page.contains("<meta name=\"description\" content=\""));

    let gzip = |uri: &str| {
        Request::builder()
            .uri(uri)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap()
    };
    let css = send(&site.state, gzip(style)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(css.headers[header::CONTENT_ENCODING], "gzip");

    // The stylesheet names the font's slices; each answers as WOFF2, for good, and is not
    // gzipped again (WOFF2 is compressed inside).
    let css = get(&site, style, None).await.text();
    assert!(!css.contains("font.otf"));
    let first = css
        .split("url(/assets/fonts/")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap();
    assert!(
        first.starts_with("yanhuo-00-") && first.ends_with(".woff2"),
        "{first}"
    );
    let slice = send(&site.state, gzip(&format!("/assets/fonts/{first}"))).await;
    assert_eq!(slice.status, StatusCode::OK);
    assert_eq!(slice.headers[header::CONTENT_TYPE], "font/woff2");
    assert_eq!(
        slice.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(!slice.headers.contains_key(header::CONTENT_ENCODING));
    assert!(slice.body.starts_with(b"wOF2"));
    assert_eq!(
        get(&site, "/assets/fonts/yanhuo-99-000000000000.woff2", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The console links its script (no inline script) and the script names the editor.
    let console = get(&site, "/sql", None).await.text();
    assert!(console.contains(&format!(
        "<script src=\"{}\" defer></script>",
        web::console_href()
    )));
    assert!(!console.contains("<script>"));
    assert!(console.contains(&format!("data-editor=\"{}\"", web::editor_href())));
    let editor = get(&site, web::editor_href(), None).await;
    assert_eq!(
        editor.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(editor.body.len() > 100_000);
}

/// The first slice's `unicode-range`, read from assets/fonts/slices.css.
fn first_slice_ranges() -> Vec<(u32, u32)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let css = std::fs::read_to_string(root.join("assets/fonts/slices.css")).unwrap();
    let rule = css
        .split("@font-face")
        .nth(1)
        .expect("a first @font-face rule");
    let ranges = rule
        .split("unicode-range:")
        .nth(1)
        .and_then(|r| r.split('}').next())
        .expect("its unicode-range");
    ranges
        .split(',')
        .map(|r| {
            let r = r.trim().trim_start_matches("U+");
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            (
                u32::from_str_radix(a, 16).unwrap(),
                u32::from_str_radix(b, 16).unwrap(),
            )
        })
        .collect()
}

/// A page of the sample data needs no slice but the first (assets/fonts/slice.py): new
/// Chinese words in a dashboard, a query file's title or a template without re-running the
/// slicer cost every reader extra font downloads before the first paint (the console's
/// list of query files did: Lighthouse's first paint went from 1.8 s to 2.6 s).
#[test]
fn the_first_font_slice_holds_every_character_of_the_dashboards_queries_and_templates() {
    let ranges = first_slice_ranges();
    let covered = |c: char| ranges.iter().any(|(a, b)| (*a..=*b).contains(&(c as u32)));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut missing = std::collections::BTreeSet::new();
    for (folder, ext) in [
        ("dashboards", "toml"),
        ("queries", "sql"),
        ("templates", "html"),
    ] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == ext) {
                let text = std::fs::read_to_string(&path).unwrap();
                // Query files show their title and parameter notes, not their comments.
                let shown: String = if ext == "sql" {
                    text.lines()
                        .filter(|l| l.starts_with("-- title:") || l.starts_with("-- param:"))
                        .collect()
                } else {
                    text
                };
                for c in shown.chars().filter(|c| !c.is_ascii() && !covered(*c)) {
                    missing.insert(format!("{c} ({})", path.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in the first slice (run python3 assets/fonts/slice.py): {missing:?}"
    );
    // The check reads the ranges it thinks it reads: 烟 and 火 are in, a rare hanzi is not.
    assert!(covered('烟') && covered('火') && !covered('龘'));
}
