//! Every reader of `yanhuo import` under broken input: CSV (UTF-8 and GBK), Excel, Parquet
//! and the map file, as bytes flipped, cut short, spliced with random bytes or replaced by
//! them, with huge cells and deeply nested TOML. The import must never panic, must name the
//! file when it stops, and must leave the data folder as it was when it stops (or, when it
//! succeeds, a folder that opens, with nothing left beside it).
//!
//! 48 cases run in `cargo test`; `YANHUO_IMPORT_FUZZ_CASES=5000` runs more and
//! `YANHUO_IMPORT_FUZZ_SEED` another sequence (README, "Importing").

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Format, Workbook};
use yanhuo::engine::catalog;
use yanhuo::engine::import::{ImportOptions, Mapping, import, import_with};

use crate::fixture::{COMMUNITIES, LOCKDOWNS, SHOP_STATUS, SHOPS};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

const ORDERS_CSV: &str = "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref
o1,s1,2022-04-01T12:00:00+08:00,in_store,10.00,completed,c1
o2,s2,2022-04-02 12:00:00,wechat_group,12.5,refunded,
";

const CHINESE_CSV: &str = "黎园社区 4月订单\r\n单号,店铺编号,下单时间,渠道,实收金额,状态,顾客\r\n\
    g1,s1,2022/4/23 10:05,到店,12.5元,已完成,\r\ng2,s1,2022年4月23日 11:00,饿了么,\"1,234.00\",已完成,老主顾\r\n\
    合计,,,,\"1,246.50\",,\r\n";

const MAP: &str = r#"
zone = "Asia/Shanghai"
[columns]
"收款" = "amount_cny"
[values.channel]
"小程序" = "wechat_group"
[[file]]
name = "orders*.xlsx"
table = "orders"
fixed = { shop_id = "s1" }
"#;

/// One seed file per reader, as bytes.
struct Seeds {
    csv: Vec<u8>,
    gbk: Vec<u8>,
    xlsx: Vec<u8>,
    parquet: Vec<u8>,
}

fn xlsx_with(cell: &str) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("4月").unwrap();
    sheet
        .merge_range(0, 0, 0, 3, "信德生鲜 4月订单", &Format::new())
        .unwrap();
    for (c, h) in ["下单时间", "渠道", "收款", "状态"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for (c, v) in ["2022/4/23 10:05", "小程序", cell, "已完成"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, c as u16, *v).unwrap();
    }
    sheet.write_string(3, 0, "合计").unwrap();
    book.save_to_buffer().unwrap()
}

fn seeds() -> Seeds {
    let raw = tempfile::tempdir().unwrap();
    let folder = tempfile::tempdir().unwrap();
    reference(raw.path());
    std::fs::write(raw.path().join("orders.csv"), ORDERS_CSV).unwrap();
    import(raw.path(), &folder.path().join("d"), ZONE).unwrap();
    Seeds {
        csv: ORDERS_CSV.as_bytes().to_vec(),
        gbk: encoding_rs::GBK.encode(CHINESE_CSV).0.into_owned(),
        xlsx: xlsx_with("¥12.50"),
        parquet: std::fs::read(folder.path().join("d/orders.parquet")).unwrap(),
    }
}

fn reference(dir: &Path) {
    std::fs::write(dir.join("communities.csv"), COMMUNITIES).unwrap();
    std::fs::write(dir.join("shops.csv"), SHOPS).unwrap();
    std::fs::write(dir.join("lockdowns.csv"), LOCKDOWNS).unwrap();
    std::fs::write(dir.join("shop_status.csv"), SHOP_STATUS).unwrap();
}

/// `bytes` broken one of several ways.
fn mutate(rng: &mut ChaCha8Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match rng.random_range(0..6) {
        0 => {
            for _ in 0..rng.random_range(1..8) {
                if !out.is_empty() {
                    let i = rng.random_range(0..out.len());
                    out[i] = rng.random();
                }
            }
        }
        1 => out.truncate(rng.random_range(0..=out.len())),
        2 => {
            let at = rng.random_range(0..=out.len());
            let junk: Vec<u8> = (0..rng.random_range(1..64)).map(|_| rng.random()).collect();
            out.splice(at..at, junk);
        }
        3 => {
            out = (0..rng.random_range(0..4096))
                .map(|_| rng.random())
                .collect()
        }
        4 => {
            // A huge cell: a megabyte without a separator.
            let at = rng.random_range(0..=out.len());
            let fill = if rng.random_bool(0.5) { b'x' } else { b'"' };
            out.splice(at..at, std::iter::repeat_n(fill, 1 << 20));
        }
        _ => {
            let cut = rng.random_range(0..=out.len());
            out.truncate(cut);
            out.extend_from_slice(bytes);
        }
    }
    out
}

/// A map file: the seed broken, or nested deeper than any parser's stack should follow.
fn map_text(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let depth = rng.random_range(1..50_000);
    match rng.random_range(0..4) {
        0 => format!("a = {}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes(),
        1 => format!("a = {}1{}", "{b = ".repeat(depth), "}".repeat(depth)).into_bytes(),
        2 => format!("[{}]\nx = 1", vec!["t"; depth.min(5000)].join(".")).into_bytes(),
        _ => mutate(rng, MAP.as_bytes()),
    }
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn every_reader_survives_broken_files_and_names_them() {
    let cases: usize = std::env::var("YANHUO_IMPORT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let seed: u64 = std::env::var("YANHUO_IMPORT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seeds = seeds();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    let base = tempfile::tempdir().unwrap();
    reference(base.path());
    import(base.path(), &into, ZONE).unwrap();
    let started = std::time::Instant::now();
    let (mut stopped, mut loaded) = (0, 0);

    for case in 0..cases {
        let src = tempfile::tempdir().unwrap();
        reference(src.path());
        let mut map = Mapping::default();
        let (name, bytes) = match case % 5 {
            0 => ("orders.csv", mutate(&mut rng, &seeds.csv)),
            1 => ("订单-gbk.csv", mutate(&mut rng, &seeds.gbk)),
            2 if rng.random_bool(0.2) => {
                // A workbook that is whole, with a huge cell.
                ("orders-4月.xlsx", xlsx_with(&"¥".repeat(30_000)))
            }
            2 => ("orders-4月.xlsx", mutate(&mut rng, &seeds.xlsx)),
            3 => ("orders.parquet", mutate(&mut rng, &seeds.parquet)),
            _ => ("map.toml", map_text(&mut rng)),
        };
        let path = src.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        if name == "map.toml" {
            std::fs::remove_file(&path).unwrap();
            let map_path = data.path().join("map.toml");
            std::fs::write(&map_path, &bytes).unwrap();
            match Mapping::load(&map_path) {
                Ok(m) => map = m,
                Err(e) => {
                    let message = e.to_string();
                    assert!(message.contains("map.toml"), "case {case}: {message}");
                    stopped += 1;
                    std::fs::remove_file(&map_path).unwrap();
                    continue;
                }
            }
            std::fs::remove_file(&map_path).unwrap();
            std::fs::write(src.path().join("orders-4月.xlsx"), &seeds.xlsx).unwrap();
        }
        let before = snapshot(data.path());
        let options = ImportOptions {
            zone: Some(ZONE),
            map,
            dry_run: case % 2 == 1,
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            import_with(src.path(), &into, &options)
        }));
        let Ok(result) = result else {
            panic!("case {case} (seed {seed}, {name}): the import panicked");
        };
        match result {
            Err(e) => {
                let message = e.to_string();
                let named = if name == "map.toml" {
                    "orders-4月.xlsx"
                } else {
                    name
                };
                assert!(
                    message.contains(named),
                    "case {case} (seed {seed}): the error does not name {named}: {message}"
                );
                assert!(
                    snapshot(data.path()) == before,
                    "case {case} (seed {seed}, {name}): a failed import changed the data folder"
                );
                stopped += 1;
            }
            Ok(report) => {
                if options.dry_run {
                    assert!(
                        snapshot(data.path()) == before,
                        "case {case}: a dry run wrote"
                    );
                } else {
                    let beside: Vec<_> = std::fs::read_dir(data.path())
                        .unwrap()
                        .map(|e| e.unwrap().file_name())
                        .filter(|n| n != "data")
                        .collect();
                    assert!(beside.is_empty(), "case {case}: left {beside:?}");
                    catalog::open(&into, ZONE)
                        .await
                        .unwrap_or_else(|e| panic!("case {case}: the folder does not open: {e}"));
                }
                let _ = report;
                loaded += 1;
            }
        }
    }
    eprintln!(
        "import fuzz: {cases} cases (seed {seed}): {stopped} stopped with the file named, {loaded} imported, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
