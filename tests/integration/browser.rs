//! End to end in a real browser: the server on 127.0.0.1 with the bundled sample data, and
//! Debian's headless Chromium driven through chromedriver (WebDriver is JSON over HTTP, so a
//! few lines of std networking drive it). Open the overview, change a filter and the
//! language, check the chart and the text changed, save screenshots at 375 and 1280 px; in
//! the SQL console, run a join with Ctrl+Enter, chart it, and fit a phone.
//!
//! CI installs chromium and chromium-driver (.ci/run). Elsewhere, without them, the test
//! passes with a SKIPPED line; under CI it fails instead (`crate::tools`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yanhuo::engine::settings::Settings;
use yanhuo::serve::web::{self, AppState};

use crate::http::free_port;

/// Held by each test while its browser runs: two Chromiums at once on two cores slow each
/// other past the tests' waits.
pub(crate) static ONE_BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Where the tests leave their screenshots, for a person to look at.
fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// One HTTP/1.1 request to chromedriver; the JSON `value` of its answer.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open whatever we ask: read by Content-Length.
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16384];
    let payload = loop {
        let n = stream.read(&mut buffer).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the answer ended".into());
        }
        raw.extend_from_slice(&buffer[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let body = String::from_utf8_lossy(&raw[end + 4..]).to_string();
        if head.contains("transfer-encoding: chunked") || head.contains("transfer-encoding:chunked")
        {
            if body.ends_with("0\r\n\r\n") {
                break dechunk(&body);
            }
            continue;
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .ok_or("no Content-Length")?;
        if raw.len() - (end + 4) >= length {
            break body;
        }
    };
    let json: Value = serde_json::from_str(&payload).map_err(|e| format!("{e}: {payload}"))?;
    if let Some(error) = json["value"].get("error") {
        return Err(format!("{error}: {}", json["value"]["message"]));
    }
    Ok(json["value"].clone())
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (u32::from(*d) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

struct Driver {
    _alone: std::sync::MutexGuard<'static, ()>,
    child: Child,
    port: u16,
    session: String,
    /// Chromium's profile folder, removed after the browser is gone.
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = http(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(chromium: &Path, chromedriver: &Path) -> Driver {
        Driver::start_with(chromium, chromedriver, true)
    }

    /// A browser with JavaScript on or off (a planner's locked-down browser).
    fn start_with(chromium: &Path, chromedriver: &Path, javascript: bool) -> Driver {
        let alone = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
        let profile = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(port, "GET", "/status", None).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                // This machine's network is closed: no background connections, no updates.
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--hide-scrollbars",
                         format!("--user-data-dir={}", profile.path().display())],
                "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
            }
        }}});
        let session = match http(port, "POST", "/session", Some(&capabilities)) {
            Ok(value) => value["sessionId"].as_str().unwrap_or_default().to_string(),
            Err(e) => {
                let _ = child.kill();
                panic!("no browser session: {e}");
            }
        };
        Driver {
            _alone: alone,
            child,
            port,
            session,
            _profile: profile,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        http(self.port, method, &path, body.as_ref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url})));
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// A Chrome DevTools command through chromedriver, for what WebDriver cannot see (which
    /// font drew a node).
    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
    }

    /// Types `text` into the element, as keys (U+E007 is Enter, U+E009 Control).
    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The fonts that drew the text of the first node matching `css`: (family, whether it
    /// is a web font, glyphs). The built-in font's own name is its source's, Noto Sans CJK SC.
    fn fonts_of(&self, css: &str) -> Vec<(String, bool, u64)> {
        self.cdp("DOM.enable", json!({}));
        self.cdp("CSS.enable", json!({}));
        let root = self.cdp("DOM.getDocument", json!({"depth": -1}));
        let node = self.cdp(
            "DOM.querySelector",
            json!({"nodeId": root["root"]["nodeId"], "selector": css}),
        );
        let fonts = self.cdp(
            "CSS.getPlatformFontsForNode",
            json!({"nodeId": node["nodeId"]}),
        );
        fonts["fonts"]
            .as_array()
            .map(|fonts| {
                fonts
                    .iter()
                    .map(|f| {
                        (
                            f["familyName"].as_str().unwrap_or_default().to_string(),
                            f["isCustomFont"].as_bool().unwrap_or_default(),
                            f["glyphCount"].as_u64().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.script(script) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "waited 30 s for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, width: u32, path: &Path) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": 2200})),
        );
        let png = self.call("GET", "/screenshot", None);
        std::fs::write(path, base64_decode(png.as_str().unwrap_or_default())).unwrap();
    }
}

/// Debian's chromium and chromedriver, or None (and a SKIPPED line) where they are missing;
/// CI must have them.
pub(crate) fn browser() -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) else {
        crate::tools::skip(
            "the browser tests",
            "chromium and chromium-driver",
            "apt-get install chromium chromium-driver",
        );
        return None;
    };
    Some((chromium, chromedriver))
}

/// The server on the sample data at a free port: its address, the switch that stops it,
/// and its task.
pub(crate) async fn serve_sample() -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<yanhuo::Result<()>>,
) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let state = AppState::open(Settings::new(sample, "Asia/Shanghai", None).unwrap())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    (base, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_in_a_real_browser_filters_switches_language_and_fits_a_phone() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;

    let shots = screenshots();
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start(&chromium, &chromedriver);
        driver.go(&format!("{base}/d/recovery"));
        let label = "return document.querySelector('#footfall figure').getAttribute('aria-label')";
        let before = driver.script(label);
        assert!(
            before.as_str().unwrap().starts_with("各社区客流变化"),
            "{before}"
        );
        assert_eq!(
            driver.script("return document.documentElement.lang"),
            "zh-CN"
        );
        // Twelve communities in the footfall chart's legend (the narrow and the wide drawing).
        let legend = "return document.querySelectorAll('#footfall .wide text').length";
        let all_texts = driver.script(legend).as_u64().unwrap();

        // Choose Liyuan in the community filter and apply, as a person would.
        driver.click("select[name=community] option[value=liyuan]");
        driver.click("form.filters button[type=submit]");
        driver.wait_for(
            "the filtered page",
            "return location.search.includes('community=liyuan')",
        );
        let after = driver.script(label);
        assert_ne!(before, after, "the chart did not change with the filter");
        assert!(driver.script(legend).as_u64().unwrap() < all_texts);
        assert_eq!(
            driver.script("return document.querySelector('select[name=community]').value"),
            "liyuan"
        );

        // Switch to English: same filter, English words.
        driver.click("a.switch");
        driver.wait_for(
            "the English page",
            "return document.documentElement.lang === 'en'",
        );
        let heading = driver.script("return document.querySelector('#footfall h2').textContent");
        assert_eq!(heading, "Footfall change by community");
        assert!(
            driver
                .script("return location.search")
                .as_str()
                .unwrap()
                .contains("community=liyuan")
        );

        // A reporter's downloads from the footfall panel: each link answers with its file.
        let downloads = driver.script(
            "return Array.from(document.querySelectorAll('#footfall .links a[download]')).map(a => { \
               const x = new XMLHttpRequest(); x.open('GET', a.href, false); x.send(); \
               return [a.textContent, x.status, x.getResponseHeader('content-type')]; })",
        );
        let downloads: Vec<(String, u64, String)> = downloads
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d[0].as_str().unwrap().to_string(),
                    d[1].as_u64().unwrap(),
                    d[2].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let expect = [
            ("PNG", "image/png"),
            ("PNG 3×", "image/png"),
            ("SVG", "image/svg+xml; charset=utf-8"),
            ("CSV", "text/csv; charset=utf-8"),
            ("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("JSON", "application/json"),
            ("bundle (zip)", "application/zip"),
        ];
        assert_eq!(
            downloads,
            expect
                .iter()
                .map(|(t, c)| (t.to_string(), 200, c.to_string()))
                .collect::<Vec<_>>()
        );

        // The chart alone for a news site's iframe: alt text from the data, the source line,
        // and nothing wider than a phone.
        driver.go(&format!("{base}/embed/recovery/footfall?community=liyuan"));
        let alt = driver.script("return document.querySelector('figure').getAttribute('aria-label')");
        assert!(
            alt.as_str().unwrap().starts_with("各社区客流变化：黎园社区在封控期间下降"),
            "{alt}"
        );
        let source = driver.script("return document.querySelector('.source').textContent");
        assert!(source.as_str().unwrap().starts_with("数据来源："), "{source}");
        let path = shots.join("embed-375.png");
        driver.screenshot(375, &path);
        eprintln!("screenshot: {}", path.display());

        driver.go(&format!("{base}/d/recovery"));
        for width in [375, 1280] {
            let path = shots.join(format!("overview-{width}.png"));
            driver.screenshot(width, &path);
            let bytes = std::fs::read(&path).unwrap();
            let info = png::Decoder::new(std::io::Cursor::new(bytes))
                .read_info()
                .unwrap();
            assert_eq!(info.info().width, width, "screenshot width");
            eprintln!("screenshot: {}", path.display());
        }
        // Nothing on the phone is wider than the phone.
        driver.call(
            "POST",
            "/window/rect",
            Some(json!({"width": 375, "height": 2200})),
        );
        // No chart text a phone shows is under 12 CSS px: each text's size in its drawing
        // times how much the drawing is scaled to fit the column.
        let smallest = driver.script(
            "let least = 1000; \
             for (const svg of document.querySelectorAll('main svg')) { \
               const width = svg.getBoundingClientRect().width; \
               if (width === 0 || !svg.viewBox.baseVal) continue; \
               const zoom = width / svg.viewBox.baseVal.width; \
               for (const t of svg.querySelectorAll('text')) { \
                 if (!t.textContent.trim()) continue; \
                 least = Math.min(least, parseFloat(t.getAttribute('font-size')) * zoom); } } \
             return least;",
        );
        let smallest = smallest.as_f64().unwrap();
        assert!(
            (12.0..1000.0).contains(&smallest),
            "chart text at {smallest} CSS px on a 375 px phone"
        );
        let overflow =
            driver.script("return document.documentElement.scrollWidth <= window.innerWidth");
        assert_eq!(
            overflow,
            Value::Bool(true),
            "the page scrolls sideways at 375 px"
        );
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_console_runs_on_ctrl_enter_charts_and_fits_a_phone() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;
    let shots = screenshots();
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start(&chromium, &chromedriver);
        driver.go(&format!("{base}/sql"));
        // Type a join of orders with shops and press Ctrl+Enter, as a planner would.
        let editor = driver.element("textarea[name=q]");
        let sql = "SELECT s.category, COUNT(*) AS orders FROM orders o JOIN shops s USING (shop_id) GROUP BY s.category ORDER BY s.category";
        driver.call(
            "POST",
            &format!("/element/{editor}/value"),
            Some(json!({ "text": format!("{sql}\u{E009}\u{E007}") })),
        );
        driver.wait_for(
            "the result after Ctrl+Enter",
            "return document.querySelectorAll('.result tbody tr').length === 7",
        );
        // One click on the chart form's button draws orders by category.
        driver.click(".chartform input[name=chart][value=bar]");
        driver.click(".chartform input[name=y][value=orders]");
        driver.click(".chartform button[type=submit]");
        driver.wait_for(
            "the chart",
            "const i = document.querySelector('.chart img'); return !!i && i.complete && i.naturalWidth > 0",
        );
        assert!(
            driver
                .script("return location.search")
                .as_str()
                .unwrap()
                .contains("chart=bar")
        );
        let path = shots.join("sql-375.png");
        driver.screenshot(375, &path);
        eprintln!("screenshot: {}", path.display());
        let overflow =
            driver.script("return document.documentElement.scrollWidth <= window.innerWidth");
        assert_eq!(overflow, Value::Bool(true), "/sql scrolls sideways at 375 px");
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// Makes the page draw with the built-in font alone, as on a machine with no Chinese font
/// (a bare Linux, an old Windows without its CJK pack): the reader's fonts named before it
/// in the stylesheet are skipped, and the charts' SVG text follows.
const ONLY_BUILT_IN_FONT: &str = "const s = document.createElement('style'); \
    s.textContent = ':root, svg text { font-family: \"Yanhuo Sans\" !important; }'; \
    document.head.appendChild(s); document.body.offsetHeight; return true";

/// Waits until every font face the page asked for has arrived.
const FONTS_LOADED: &str = "const faces = Array.from(document.fonts); \
    return document.fonts.status === 'loaded' && faces.every(f => f.status !== 'loading') && \
    faces.some(f => f.family.includes('Yanhuo') && f.status === 'loaded')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recovery_page_with_only_the_built_in_font_transfers_under_400_kb() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start(&chromium, &chromedriver);
        driver.go(&format!("{base}/d/recovery"));
        driver.script(ONLY_BUILT_IN_FONT);
        driver.wait_for("the font slices", FONTS_LOADED);
        // Every byte over the wire: the page (compressed), its stylesheet, the font's slices.
        let sent = driver.script(
            "const nav = performance.getEntriesByType('navigation')[0]; \
             const rs = performance.getEntriesByType('resource'); \
             return {total: nav.transferSize + rs.reduce((n, r) => n + r.transferSize, 0), \
                     page: nav.transferSize, \
                     files: rs.map(r => [new URL(r.name).pathname, r.transferSize])}",
        );
        let total = sent["total"].as_u64().unwrap();
        let files: Vec<(String, u64)> = sent["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f[0].as_str().unwrap().to_string(), f[1].as_u64().unwrap()))
            .collect();
        eprintln!(
            "/d/recovery: {total} bytes, page {}, {files:?}",
            sent["page"]
        );
        // The page's text is all yanhuo's own and the sample data's names: slice 0 alone.
        let slices: Vec<&str> = files
            .iter()
            .map(|(path, _)| path.as_str())
            .filter(|p| p.starts_with("/assets/fonts/"))
            .collect();
        assert_eq!(slices.len(), 1, "{files:?}");
        assert!(
            slices[0].starts_with("/assets/fonts/yanhuo-00-"),
            "{slices:?}"
        );
        assert!(!files.iter().any(|(p, _)| p.ends_with(".otf")), "{files:?}");
        assert!(
            total < 400 * 1024,
            "/d/recovery transferred {total} bytes: {files:?}"
        );
        // And the Chinese was drawn with it, not boxes.
        assert_eq!(
            driver.script(
                "return document.fonts.check('16px \"Yanhuo Sans\"', '朝晖街道封控影响总览')"
            ),
            Value::Bool(true)
        );
        let fonts = driver.fonts_of("main h1");
        assert!(
            !fonts.is_empty() && fonts.iter().all(|(_, web_font, _)| *web_font),
            "{fonts:?}"
        );
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sql_editor_completes_column_names_marks_errors_and_its_button_has_the_font() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;
    let shots = screenshots();
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start(&chromium, &chromedriver);
        driver.go(&format!("{base}/sql"));

        // The Run button's 运行 in the built-in font: a <button> takes the page's font.
        driver.script(ONLY_BUILT_IN_FONT);
        driver.wait_for("the font slices", FONTS_LOADED);
        let fonts = driver.fonts_of("#console button[type=submit]");
        assert_eq!(
            fonts,
            [("Noto Sans CJK SC".to_string(), true, 2)],
            "the Run button's 运行 was drawn with {fonts:?}"
        );

        // Touching the query brings the editor, which completes column names from the schema.
        driver.click("textarea[name=q]");
        driver.wait_for(
            "the editor",
            "return !!document.querySelector('.cm-content') && document.getElementById('q').hidden",
        );
        driver.type_into(".cm-content", "SELECT shop_");
        driver.wait_for(
            "completions",
            "return !!document.querySelector('.cm-tooltip-autocomplete li')",
        );
        let offered = driver.script(
            "return Array.from(document.querySelectorAll('.cm-tooltip-autocomplete li .cm-completionLabel')).map(l => l.textContent)",
        );
        let offered: Vec<&str> = offered
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(offered.contains(&"shop_id"), "offered {offered:?}");
        for width in [375, 1280] {
            let path = shots.join(format!("sql-editor-{width}.png"));
            driver.screenshot(width, &path);
            eprintln!("screenshot: {}", path.display());
        }

        // An error with a position is marked there: "found: SELEC at Line: 1, Column: 1".
        driver.go(&format!("{base}/sql?q=SELEC%20shop_id%20FROM%20shops"));
        driver.wait_for(
            "the error mark",
            "return !!document.querySelector('.cm-lintRange-error')",
        );
        let marked = driver.script("return document.querySelector('.cm-lintRange-error').textContent");
        assert_eq!(marked, "SELEC");
        // One without (a misspelt column) is marked at the name.
        driver.go(&format!("{base}/sql?q=SELECT%20shop_idd%20FROM%20shops"));
        driver.wait_for(
            "the error mark",
            "return !!document.querySelector('.cm-lintRange-error')",
        );
        let marked = driver.script("return document.querySelector('.cm-lintRange-error').textContent");
        assert_eq!(marked, "shop_idd");
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_sql_console_is_a_plain_form_that_runs() {
    let Some((chromium, chromedriver)) = browser() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;
    tokio::task::spawn_blocking(move || {
        let driver = Driver::start_with(&chromium, &chromedriver, false);
        driver.go(&format!("{base}/sql"));
        driver.type_into("textarea[name=q]", "SELECT COUNT(*) AS n FROM communities");
        driver.click("#console button[type=submit]");
        driver.wait_for(
            "the result",
            "return document.querySelectorAll('.result tbody tr').length === 1",
        );
        // Twelve communities in the sample data (sample-data/README.md).
        assert_eq!(
            driver.script("return document.querySelector('.result tbody td').textContent"),
            "12"
        );
        assert_eq!(
            driver.script("return document.querySelectorAll('.cm-editor').length"),
            0
        );
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
