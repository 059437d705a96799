//! The `yanhuo` binary as a user runs it: `query` in each output format, query files and
//! parameters, and errors printed plainly.

use std::path::Path;
use std::process::{Command, Output};

use crate::fixture::write_district;

/// The binary as a user runs it, on the data folder `data`.
pub fn yanhuo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yanhuo"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("YANHUO_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn query_prints_csv_with_offsets_dates_and_empty_nulls() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let out = stdout(&yanhuo(
        dir.path(),
        &[
            "query",
            "--format",
            "csv",
            "SELECT s.shop_id, s.name, s.opened_on, e.changed_at, e.status, 1.0 / 3 AS third FROM shops s JOIN shop_status e ON e.shop_id = s.shop_id WHERE s.shop_id IN ('s2', 's5') AND e.status = 'closed' ORDER BY s.shop_id",
        ],
    ));
    assert_eq!(
        out,
        "shop_id,name,opened_on,changed_at,status,third\n\
         s2,\"朝晖鲜果, 蔬菜\",2022-04-01,2022-04-20T10:00:00+08:00,closed,0.3333333333333333\n\
         s5,<script>alert(1)</script>,2022-03-19,2022-04-23T02:00:00+08:00,closed,0.3333333333333333\n"
    );
}

#[test]
fn query_runs_a_query_file_by_name_with_parameters() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let out = stdout(&yanhuo(
        dir.path(),
        &[
            "query",
            "--format",
            "csv",
            "closure_length",
            "--param",
            "lockdown_id=later-2022-06",
        ],
    ));
    assert_eq!(
        out,
        "shop_id,community_id,category,closed_at,reopened_at,closure_days,reopen_lag_hours\n\
         s3,b,barber,2022-04-23T02:00:00+08:00,,,\n\
         s7,c,other,2022-06-10T00:00:00+08:00,2022-06-12T00:00:00+08:00,2.0,0.0\n"
    );
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/two_lists.sql");
    let out = stdout(&yanhuo(
        dir.path(),
        &[
            "query",
            "--format",
            "json",
            "--file",
            file.to_str().unwrap(),
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert_eq!(json[1]["need"], "haircut");
    assert!(json[1]["households_per_provider"].is_null());
}

#[test]
fn query_table_format_is_aligned_and_counts_rows() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let out = stdout(&yanhuo(
        dir.path(),
        &[
            "query",
            "--format",
            "table",
            "SELECT community_id, name_zh FROM communities ORDER BY community_id",
        ],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "| community_id | name_zh  |");
    assert_eq!(lines[3], "| a            | 黎园社区 |");
    assert_eq!(lines.last(), Some(&"3 rows"));
}

#[test]
fn query_writes_parquet_that_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let output = yanhuo(
        dir.path(),
        &[
            "query",
            "--format",
            "parquet",
            "SELECT shop_id, amount_cny FROM orders ORDER BY order_id LIMIT 2",
        ],
    );
    assert!(output.status.success());
    let reader =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            bytes::Bytes::from(output.stdout),
        )
        .unwrap()
        .build()
        .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 2);
}

#[test]
fn sql_errors_are_printed_plainly() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let output = yanhuo(dir.path(), &["query", "SELECT nope FROM shops"]);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.starts_with("yanhuo: "), "{err}");
    assert!(err.contains("nope"), "{err}");
    assert!(
        !err.contains("backtrace") && !err.contains("panicked"),
        "{err}"
    );

    let output = yanhuo(
        dir.path(),
        &["query", "closure_length", "--param", "lockdown=x"],
    );
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("parameter lockdown: query closure_length has no such parameter"),
        "{err}"
    );
}

#[test]
fn render_writes_every_panel_in_chinese_and_english() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let out = tempfile::tempdir().unwrap();
    let dashboard = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/recovery.toml");
    for lang in ["zh", "en"] {
        let listed = stdout(&yanhuo(
            dir.path(),
            &[
                "render",
                dashboard.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
                "--lang",
                lang,
            ],
        ));
        assert_eq!(listed.lines().count(), 10, "{listed}");
    }
    let footfall = std::fs::read_to_string(out.path().join("footfall-en.svg")).unwrap();
    let doc = roxmltree::Document::parse(&footfall).unwrap();
    assert_eq!(doc.root_element().attribute("lang"), Some("en"));
    assert!(footfall.contains("Footfall change by community"));
    let png = stdout(&yanhuo(
        dir.path(),
        &[
            "render",
            "community",
            "--out",
            out.path().to_str().unwrap(),
            "--format",
            "png",
            "--param",
            "community=a",
        ],
    ));
    let first = png.lines().next().unwrap();
    let info = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(first).unwrap()))
        .read_info()
        .unwrap();
    // 800 × 2 wide; as high as the plot (400 × 2) and the words around it need.
    assert_eq!(info.info().width, 1600);
    assert!(info.info().height > 2 * 400, "{}", info.info().height);
}

#[test]
fn the_footfall_charts_alt_text_has_the_days_footfall_recovery_counts() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let recovery = stdout(&yanhuo(&sample, &["query", "footfall_recovery"]));
    let days = recovery
        .lines()
        .find_map(|line| line.strip_prefix("liyuan,"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    stdout(&yanhuo(
        &sample,
        &[
            "render",
            "recovery",
            "--out",
            out.path().to_str().unwrap(),
            "--lang",
            "en",
            "--param",
            "community=liyuan",
        ],
    ));
    let footfall = std::fs::read_to_string(out.path().join("footfall-en.svg")).unwrap();
    let doc = roxmltree::Document::parse(&footfall).unwrap();
    let title = doc
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    // The rule is footfall_change's days_to_recover; the alt text only says it.
    assert!(
        title.ends_with(&format!(
            " and was back to 90% of normal {days} days after it ended."
        )),
        "{title} (footfall_recovery: {days})"
    );
}

#[test]
fn every_setting_and_subcommand_is_in_the_readme() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut commands = vec![
        "query",
        "import",
        "generate",
        "keep",
        "serve",
        "render",
        "export",
        "bench",
        "hash-password",
    ];
    if cfg!(feature = "ballista") {
        commands.extend(["scheduler", "executor"]);
    }
    for command in commands {
        assert!(
            readme.contains(&format!("yanhuo {command}")),
            "README lacks `yanhuo {command}`"
        );
        let help = stdout(&yanhuo(dir.path(), &[command, "--help"]));
        assert!(
            help.contains("[env: YANHUO_DATA="),
            "the global settings show in {command} --help"
        );
        for (_, rest) in help
            .match_indices("[env: ")
            .map(|(i, _)| help.split_at(i + 6))
        {
            let var = rest.split(['=', ']']).next().unwrap_or_default();
            assert!(
                readme.contains(var),
                "README lacks the setting {var} (yanhuo {command})"
            );
        }
        for word in help.split(|c: char| c.is_whitespace() || c == ']' || c == ',') {
            if word.starts_with("--") && word.len() > 2 && word != "--help" {
                let flag = word.trim_end_matches(['.', ':']);
                assert!(
                    readme.contains(flag),
                    "README lacks {flag} (yanhuo {command})"
                );
            }
        }
    }
}

#[test]
fn engine_names_what_it_expects_and_a_cluster_wants_parquet() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let wrong = yanhuo(
        dir.path(),
        &["--engine", "spark://x:1", "query", "closure_length"],
    );
    assert!(!wrong.status.success());
    assert_eq!(
        String::from_utf8_lossy(&wrong.stderr),
        "yanhuo: setting engine: \"spark://x:1\": expected `embedded` or `ballista://HOST:PORT` (a Ballista scheduler)\n"
    );
    // The fixture folder is CSV: a cluster's executors could not open it, so nothing is sent.
    let csv = yanhuo(
        dir.path(),
        &[
            "--engine",
            "ballista://127.0.0.1:9",
            "query",
            "closure_length",
        ],
    );
    assert!(!csv.status.success());
    let message = String::from_utf8_lossy(&csv.stderr);
    assert!(
        message.contains("table communities is CSV")
            && message.contains("a Ballista cluster reads every table from Parquet files")
            && message.contains("yanhuo import RAW --into DIR"),
        "{message}"
    );
}

#[test]
fn serve_refuses_sandbox_settings_out_of_range_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    for (flag, value, message) in [
        // 1e20 s panicked in Duration::from_secs_f64; 2^44 MiB wrapped to 0 bytes.
        (
            "--sql-timeout",
            "1e20",
            "setting sql-timeout: 100000000000000000000 s is more than a day: give at most 86400 seconds",
        ),
        (
            "--sql-timeout",
            "0",
            "setting sql-timeout: 0 is not a positive number of seconds",
        ),
        (
            "--sql-memory",
            "17592186044416",
            "setting sql-memory: 17592186044416 MiB is out of range: give from 16 MiB to 1048576 MiB (1 TiB)",
        ),
        (
            "--sql-memory",
            "1",
            "setting sql-memory: 1 MiB is out of range: give from 16 MiB to 1048576 MiB (1 TiB)",
        ),
        (
            "--sql-rows",
            "0",
            "setting sql-rows: 0 rows: give at least 1",
        ),
        (
            "--sql-export-rows",
            "0",
            "setting sql-export-rows: 0 rows: give at least 1",
        ),
        (
            "--sql-concurrency",
            "0",
            "setting sql-concurrency: 0 queries at once is out of range: give from 1 to 1024",
        ),
    ] {
        let output = yanhuo(dir.path(), &["serve", "--addr", "127.0.0.1:0", flag, value]);
        assert!(!output.status.success(), "{flag} {value} started");
        assert_eq!(
            String::from_utf8_lossy(&output.stderr),
            format!("yanhuo: {message}\n"),
            "{flag} {value}"
        );
    }
}

#[test]
fn print_sql_binds_the_folders_study_window_and_reads_kept_files_by_name() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    // The fixture's first lockdown: study dates 03-19 .. 05-27; its second: 05-06 .. 07-09
    // (worked out in metrics.rs).
    let sql = stdout(&yanhuo(
        dir.path(),
        &["query", "customer_change", "--print-sql"],
    ));
    assert!(
        sql.contains("date >= DATE '2022-03-19'") && sql.contains("date <= DATE '2022-05-27'"),
        "{sql}"
    );
    assert!(!sql.contains("$study_"), "{sql}");
    let later = stdout(&yanhuo(
        dir.path(),
        &[
            "query",
            "footfall_change",
            "--print-sql",
            "--param",
            "lockdown_id=later-2022-06",
        ],
    ));
    assert!(
        later.contains("f.date >= DATE '2022-05-06'")
            && later.contains("f.date <= DATE '2022-07-09'"),
        "{later}"
    );
    // The bundled sample keeps its files: read by name, the window still bound.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let kept = stdout(&yanhuo(
        &sample,
        &["query", "customer_change", "--print-sql", "--read-kept"],
    ));
    assert!(
        !kept.contains("shop_day_customers AS (") && kept.contains("date >= DATE '"),
        "{kept}"
    );
}

#[test]
fn hold_tables_under_takes_0_for_none_and_refuses_a_bad_size_naming_itself() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let sql = "SELECT community_id, count(*) AS shops FROM shops GROUP BY community_id ORDER BY 1";
    let held = stdout(&yanhuo(dir.path(), &["query", "--format", "csv", sql]));
    let none = stdout(&yanhuo(
        dir.path(),
        &["--hold-tables-under", "0", "query", "--format", "csv", sql],
    ));
    assert_eq!(held, none);
    assert!(held.starts_with("community_id,shops\na,"), "{held}");
    let refused = yanhuo(dir.path(), &["--hold-tables-under", "lots", "query", sql]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("hold-tables-under") && message.contains("\"lots\""),
        "{message}"
    );
}

/// `bench --paced` runs a figure only when asked, and says after each run how long it took:
/// bench/compare_duckdb.py runs DuckDB between its runs. The report that ends it is made of
/// the same runs; input closed before the runs end is an error that says so.
#[test]
fn bench_paced_runs_a_figure_each_time_it_is_asked_and_says_how_long() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let paced = |runs: &str| {
        Command::new(env!("CARGO_BIN_EXE_yanhuo"))
            .arg("--data")
            .arg(dir.path())
            .args([
                "bench",
                "--json",
                "--paced",
                "--runs",
                runs,
                "--only",
                "two_lists",
            ])
            .env("YANHUO_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    let mut child = paced("3");
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    // The cold run, then three warm ones, each after its line.
    let mut runs = Vec::new();
    for _ in 0..4 {
        input.write_all(b"\n").unwrap();
        input.flush().unwrap();
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        let run: serde_json::Value = serde_json::from_str(&line).unwrap();
        runs.push(run["run_ms"].as_f64().unwrap());
    }
    drop(input);
    let mut rest = String::new();
    output.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let report: serde_json::Value = serde_json::from_str(&rest).unwrap();
    let figure = &report["queries"][0];
    assert_eq!(figure["name"], "two_lists");
    assert_eq!(figure["cold_ms"].as_f64(), Some(runs[0]));
    let mut warm = runs[1..].to_vec();
    warm.sort_by(f64::total_cmp);
    assert_eq!(figure["warm_ms"].as_f64(), Some(warm[1]));

    // Asked once for two runs: the cold one runs, then the closed input stops it.
    let mut child = paced("1");
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"\n").unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(said.lines().count(), 1, "{said}");
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("standard input closed"), "{message}");
}
