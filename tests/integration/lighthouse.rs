//! Lighthouse's mobile audit of the recovery dashboard and the SQL console on the sample
//! data: performance at least 0.95; accessibility, best practices and SEO all 1.0 (issue 18).
//!
//! CI installs `lighthouse@12.2.3` with npm into `$HOME/.cache/yanhuo/npm` (.ci/run; the
//! folder can be moved with `YANHUO_NPM`), and it drives Debian's Chromium. Elsewhere,
//! without them, the test says so and passes; with `CI` set it fails instead.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::browser::{ONE_BROWSER, browser, serve_sample};

/// The npm folder holding lighthouse, or None (and a SKIPPED line) where it is missing.
fn lighthouse() -> Option<PathBuf> {
    let dir = std::env::var_os("YANHUO_NPM")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/yanhuo/npm")))?;
    if dir.join("node_modules/.bin/lighthouse").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs lighthouse in {} (.ci/run installs it)",
        dir.display()
    );
    eprintln!(
        "SKIPPED: the Lighthouse test needs `npm i -E lighthouse@12.2.3` in {}",
        dir.display()
    );
    None
}

/// One plain GET, so the server has rendered and kept the page before it is audited (a
/// busy server answers from its page cache; the audit is of the page, not the first render).
fn warm(base: &str, path: &str) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: br\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    assert!(reply.starts_with(b"HTTP/1.1 200"), "GET {path}");
}

/// The four category scores of a mobile audit of `url`, and the audits that fell short.
fn audit(npm: &std::path::Path, chromium: &std::path::Path, url: &str) -> (Value, Vec<String>) {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.json");
    let status = Command::new("npx")
        .current_dir(npm)
        .env("CHROME_PATH", chromium)
        .args([
            "--no-install",
            "lighthouse",
            url,
            "--chrome-flags=--headless --no-sandbox --disable-gpu",
            "--form-factor=mobile",
            "--only-categories=performance,accessibility,best-practices,seo",
            "--output=json",
            "--quiet",
        ])
        .arg(format!("--output-path={}", report.display()))
        .status()
        .expect("npx runs");
    assert!(status.success(), "lighthouse {url}: {status}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let scores = report["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, c)| (name.clone(), c["score"].clone()))
        .collect();
    let short = report["audits"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["score"].as_f64().is_some_and(|s| s < 1.0))
        .map(|a| format!("{} {} {}", a["id"], a["score"], a["displayValue"]))
        .collect();
    (scores, short)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lighthouse_mobile_scores_the_dashboard_and_the_console() {
    let Some((chromium, _)) = browser() else {
        return;
    };
    let Some(npm) = lighthouse() else {
        return;
    };
    let (base, stop, server) = serve_sample().await;
    tokio::task::spawn_blocking(move || {
        // Alone with the browser: another Chromium beside it would be counted as this
        // page's work.
        let _alone = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
        for path in ["/d/recovery", "/sql"] {
            warm(&base, path);
            // The performance score moves with the machine's load (the other tests of this
            // binary run beside it). Lighthouse's own advice for that is the median of
            // several runs: one run that passes is enough, otherwise the median of three.
            let mut runs = Vec::new();
            let (scores, short) = loop {
                let (scores, short) = audit(&npm, &chromium, &format!("{base}{path}"));
                eprintln!("lighthouse {path}: {scores} (short of 1: {short:?})");
                let performance = scores["performance"].as_f64().unwrap_or(0.0);
                runs.push(performance);
                if (runs.len() == 1 && performance >= 0.95) || runs.len() == 3 {
                    break (scores, short);
                }
            };
            runs.sort_by(f64::total_cmp);
            let performance = runs[runs.len() / 2];
            let score = |name: &str| scores[name].as_f64().unwrap_or(0.0);
            assert!(
                performance >= 0.95,
                "{path}: performance {runs:?}, median {performance}; last run {scores} {short:?}"
            );
            for category in ["accessibility", "best-practices", "seo"] {
                assert_eq!(score(category), 1.0, "{path} {category}: {short:?}");
            }
        }
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
