//! `yanhuo import` end to end, through the library: every rule of the contract with a good
//! and a bad row, the rejects file's exact rows, idempotence, appending a month, Excel
//! sheets, and a corrupt file that leaves the data folder untouched.

use std::collections::BTreeMap;
use std::path::Path;

use yanhuo::engine::catalog;
use yanhuo::engine::import::{TableReport, import};
use yanhuo::engine::queries::run_sql;

use crate::fixture::{COMMUNITIES, LOCKDOWNS, SHOPS, V, rows, s};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

// Beside the import's own tests rather than a module of its own: its figures keep both
// cores busy for a minute.
#[path = "kept.rs"]
mod kept;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A source folder with the reference tables good, and one CSV per table with bad rows.
fn source_with_bad_rows(dir: &Path) {
    write(
        dir,
        "communities.csv",
        &format!(
            "{COMMUNITIES}d,坏社区,Bad,朝晖街道,-1,0.2,0.2\ne,坏社区,Bad,朝晖街道,10,1.5,0.2\n,无名,None,朝晖街道,10,0.2,0.2\n"
        ),
    );
    write(
        dir,
        "shops.csv",
        &format!(
            "{SHOPS}s8,新店,bakery,a,10,,\ns9,新店,dining,zz,10,,\ns10,新店,dining,a,0,,\ns11,新店,dining,a,10,-5,\ns12,新店,dining,a,10,,2022-13-01\n"
        ),
    );
    write(
        dir,
        "lockdowns.csv",
        &format!(
            "{LOCKDOWNS}bad,拱墅区,level2_response,2022-05-01T00:00:00+08:00,2022-04-01T00:00:00+08:00,\n"
        ),
    );
    write(
        dir,
        "orders.csv",
        "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref,note\n\
         o1,s1,2022-04-01T12:00:00+08:00,in_store,10.00,completed,c1,extra columns are fine\n\
         o1,s1,2022-04-01T12:00:00+08:00,in_store,10.00,completed,c1,a repeated id is kept once\n\
         o2,s1,2022-04-01 12:00:00,wechat_group,12.5,completed,,no offset: local time\n\
         o3,s1,2022-04-01T12:00:00+08:00,telegram,10.00,completed,,\n\
         o4,s1,2022-04-01T12:00:00+08:00,phone,-1.00,completed,,\n\
         o5,s1,2022-04-01T12:00:00+08:00,phone,1.005,completed,,\n\
         o6,s1,yesterday,phone,1.00,completed,,\n\
         o7,nope,2022-04-01T12:00:00+08:00,phone,1.00,completed,,\n\
         o8,s1,2022-04-01T12:00:00+08:00,phone,1.00,paid,,\n\
         ,s1,2022-04-01T12:00:00+08:00,phone,1.00,completed,,\n",
    );
    write(
        dir,
        "shop_status.csv",
        "shop_id,changed_at,status,reason\ns1,2022-04-23T02:00:00+08:00,closed,level2_response\ns1,2022-04-30T08:00:00+08:00,reopened,\n",
    );
    write(
        dir,
        "footfall.csv",
        "shop_id,date,visitors,source\ns1,2022-04-01,10,door_counter\ns1,2022-04-02,-3,door_counter\ns1,2022-04-03,7,camera\ns1,2022-04-04,2.5,manual\n",
    );
    write(
        dir,
        "calendar.csv",
        "date,kind,name\n2022-04-05,holiday,清明节\n2022-04-02,workday,清明节调休\n",
    );
}

fn report_of<'a>(tables: &'a [TableReport], name: &str) -> &'a TableReport {
    tables.iter().find(|t| t.table == name).unwrap()
}

#[test]
fn bad_rows_are_rejected_with_file_line_and_rule_and_good_rows_load() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    source_with_bad_rows(src.path());
    let report = import(src.path(), &into, ZONE).unwrap();

    let orders = report_of(&report.tables, "orders");
    assert_eq!(
        (
            orders.read,
            orders.loaded,
            orders.rejected,
            orders.duplicates
        ),
        (10, 2, 7, 1)
    );
    assert_eq!(orders.naive_timestamps, 1);
    assert_eq!(report_of(&report.tables, "communities").loaded, 3);
    assert_eq!(report_of(&report.tables, "shops").loaded, 7);
    assert_eq!(report_of(&report.tables, "lockdowns").loaded, 2);

    let rejects = std::fs::read_to_string(into.join("rejects/orders.csv")).unwrap();
    assert_eq!(
        rejects,
        "file,line,rule,row\n\
         orders.csv,5,\"channel: must be one of in_store, wechat_group, phone, delivery_platform, livestream, errand, got \"\"telegram\"\"\",\"o3,s1,2022-04-01T12:00:00+08:00,telegram,10.00,completed,,\"\n\
         orders.csv,6,\"amount_cny: must be >= 0, got -1.00\",\"o4,s1,2022-04-01T12:00:00+08:00,phone,-1.00,completed,,\"\n\
         orders.csv,7,\"amount_cny: must have at most 2 decimals (fen), got \"\"1.005\"\"\",\"o5,s1,2022-04-01T12:00:00+08:00,phone,1.005,completed,,\"\n\
         orders.csv,8,\"ordered_at: must be a timestamp (2022-04-23T02:00:00+08:00), got \"\"yesterday\"\"\",\"o6,s1,yesterday,phone,1.00,completed,,\"\n\
         orders.csv,9,\"shop_id: \"\"nope\"\" is not a shop_id in shops\",\"o7,nope,2022-04-01T12:00:00+08:00,phone,1.00,completed,,\"\n\
         orders.csv,10,\"status: must be one of completed, refunded, cancelled, got \"\"paid\"\"\",\"o8,s1,2022-04-01T12:00:00+08:00,phone,1.00,paid,,\"\n\
         orders.csv,11,\"order_id: required, but empty\",\",s1,2022-04-01T12:00:00+08:00,phone,1.00,completed,,\"\n"
    );

    let rule_of = |table: &str| -> Vec<(u64, String)> {
        let text = std::fs::read_to_string(into.join(format!("rejects/{table}.csv"))).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[1].parse().unwrap(), r[2].to_string())
            })
            .collect()
    };
    assert_eq!(
        rule_of("communities"),
        [
            (5, "households: must be >= 0, got -1".to_string()),
            (
                6,
                "elderly_share: must be a share between 0 and 1, got 1.5".to_string()
            ),
            (7, "community_id: required, but empty".to_string()),
        ]
    );
    assert_eq!(
        rule_of("shops"),
        [
            (9, "category: must be one of dining, fresh_produce, hardware, barber, clinic, convenience, other, got \"bakery\"".to_string()),
            (10, "community_id: \"zz\" is not a community_id in communities".to_string()),
            (11, "area_m2: must be > 0, got 0".to_string()),
            (12, "annual_rent_cny: must be >= 0, got -5".to_string()),
            (13, "opened_on: must be a date (YYYY-MM-DD), got \"2022-13-01\"".to_string()),
        ]
    );
    assert_eq!(
        rule_of("lockdowns"),
        [(4, "ends_at: must be after starts_at".to_string())]
    );
    assert_eq!(
        rule_of("shop_status"),
        [(
            3,
            "status: must be one of open, closed, got \"reopened\"".to_string()
        )]
    );
    assert_eq!(
        rule_of("footfall"),
        [
            (3, "visitors: must be >= 0, got -3".to_string()),
            (
                4,
                "source: must be one of door_counter, wifi_probe, manual, got \"camera\""
                    .to_string()
            ),
            (
                5,
                "visitors: must be a whole number, got \"2.5\"".to_string()
            ),
        ]
    );
    assert_eq!(
        rule_of("calendar"),
        [(
            3,
            "kind: must be one of holiday, adjusted_workday, got \"workday\"".to_string()
        )]
    );
}

async fn count(dir: &Path, sql: &str) -> Vec<Vec<V>> {
    let (ctx, _) = catalog::open(dir, ZONE).await.unwrap();
    rows(&run_sql(&ctx, sql).await.unwrap())
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walk(dir) {
        out.insert(
            entry.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&entry).unwrap(),
        );
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn importing_twice_changes_nothing_and_a_second_month_appends() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    source_with_bad_rows(src.path());
    import(src.path(), &into, ZONE).unwrap();
    let first = snapshot(&into);
    let again = import(src.path(), &into, ZONE).unwrap();
    let second = snapshot(&into);
    // The report tells what the latest import did (this time: all duplicates); the data and
    // the rejects are the same.
    let changed: Vec<&String> = first
        .keys()
        .filter(|k| *k != "rejects/report.txt" && first.get(*k) != second.get(*k))
        .collect();
    assert!(
        changed.is_empty() && first.len() == second.len(),
        "a second import of the same files changed {changed:?}"
    );
    let orders = report_of(&again.tables, "orders");
    // All 3 good rows are duplicates now: o1 twice and o2 once.
    assert_eq!((orders.loaded, orders.duplicates, orders.total), (0, 3, 2));

    let may = tempfile::tempdir().unwrap();
    write(
        may.path(),
        "orders-2022-05.csv",
        "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\n\
         o100,s1,2022-05-01T12:00:00+08:00,in_store,5.00,completed,\n\
         o1,s1,2022-04-01T12:00:00+08:00,in_store,10.00,completed,c1\n",
    );
    let report = import(may.path(), &into, ZONE).unwrap();
    let orders = report_of(&report.tables, "orders");
    assert_eq!(
        (orders.read, orders.loaded, orders.duplicates, orders.total),
        (2, 1, 1, 3)
    );
    assert_eq!(
        count(&into, "SELECT count(*), sum(amount_cny) FROM orders").await,
        vec![vec![V::I(3), V::F(27.5)]]
    );
    // The orders already there were not rewritten: the old file is the folder's first part,
    // and the one new order (o100) is a part of its own.
    let parts = |into: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(into.join("orders"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert!(!into.join("orders.parquet").exists());
    assert_eq!(parts(&into), ["import-0001.parquet", "part-0000.parquet"]);
    assert_eq!(
        second.get("orders.parquet"),
        snapshot(&into).get("orders/part-0000.parquet")
    );
    let rows_in = |file: &str| {
        use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
        let file = std::fs::File::open(into.join("orders").join(file)).unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        reader.metadata().file_metadata().num_rows()
    };
    assert_eq!(
        (rows_in("part-0000.parquet"), rows_in("import-0001.parquet")),
        (2, 1)
    );
    // A third import adds a third part and leaves the first two as they were.
    let before = snapshot(&into);
    let june = tempfile::tempdir().unwrap();
    write(
        june.path(),
        "orders-2022-06.csv",
        "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref
         o100,s1,2022-06-01T12:00:00+08:00,in_store,7.00,completed,
         o200,s2,2022-06-02T09:30:00+08:00,wechat_group,8.50,completed,c2
",
    );
    let report = import(june.path(), &into, ZONE).unwrap();
    let orders = report_of(&report.tables, "orders");
    assert_eq!((orders.loaded, orders.duplicates, orders.total), (1, 1, 4));
    assert_eq!(
        parts(&into),
        [
            "import-0001.parquet",
            "import-0002.parquet",
            "part-0000.parquet"
        ]
    );
    let after = snapshot(&into);
    for part in ["orders/part-0000.parquet", "orders/import-0001.parquet"] {
        assert_eq!(before.get(part), after.get(part), "{part}");
    }
    assert_eq!(rows_in("import-0002.parquet"), 1);
    assert_eq!(
        count(
            &into,
            "SELECT count(*), sum(amount_cny), max(order_id) FROM orders"
        )
        .await,
        vec![vec![V::I(4), V::F(36.0), s("o200")]]
    );
    // Other tables are untouched by an orders-only import.
    assert_eq!(
        count(&into, "SELECT count(*) FROM shops").await,
        vec![vec![V::I(7)]]
    );
}

#[tokio::test]
async fn a_corrupt_file_stops_the_import_and_leaves_the_data_folder_untouched() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    source_with_bad_rows(src.path());
    import(src.path(), &into, ZONE).unwrap();
    let before = snapshot(&into);

    // A truncated Parquet file.
    let broken = tempfile::tempdir().unwrap();
    let parquet = std::fs::read(into.join("shops.parquet")).unwrap();
    std::fs::write(
        broken.path().join("shops.parquet"),
        &parquet[..parquet.len() / 2],
    )
    .unwrap();
    write(
        broken.path(),
        "orders.csv",
        "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\nz1,s1,2022-05-01T12:00:00+08:00,in_store,5.00,completed,\n",
    );
    let err = import(broken.path(), &into, ZONE).unwrap_err().to_string();
    assert!(err.contains("shops.parquet"), "{err}");
    assert_eq!(snapshot(&into), before);

    // Neither UTF-8 nor GB18030 (GBK is read: see `sheets.rs`). 0xff starts no character
    // in either.
    let gbk = tempfile::tempdir().unwrap();
    let mut bytes =
        b"shop_id,name,category,community_id,area_m2,annual_rent_cny,opened_on\ns20,".to_vec();
    bytes.extend([0xc0, 0xcf, 0xff, 0xff]);
    bytes.extend(b",dining,a,10,,\n");
    std::fs::write(gbk.path().join("shops.csv"), bytes).unwrap();
    let err = import(gbk.path(), &into, ZONE).unwrap_err().to_string();
    assert!(err.contains("shops.csv") && err.contains("UTF-8"), "{err}");
    assert_eq!(snapshot(&into), before);

    // A wrong header.
    let header = tempfile::tempdir().unwrap();
    write(
        header.path(),
        "orders.csv",
        "id,shop,when\n1,s1,2022-05-01\n",
    );
    let err = import(header.path(), &into, ZONE).unwrap_err().to_string();
    assert!(
        err.contains("orders.csv") && err.contains("missing column(s) order_id"),
        "{err}"
    );
    assert_eq!(snapshot(&into), before);
}

#[tokio::test]
async fn excel_sheets_named_after_tables_import() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    source_with_bad_rows(src.path());
    std::fs::remove_file(src.path().join("orders.csv")).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("orders").unwrap();
    let header = [
        "order_id",
        "shop_id",
        "ordered_at",
        "channel",
        "amount_cny",
        "status",
        "customer_ref",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows_in: [(&str, &str, f64, &str); 2] = [
        ("x1", "wechat_group", 25.5, "completed"),
        ("x2", "wechat_group", -3.0, "completed"),
    ];
    for (r, (id, channel, amount, status)) in rows_in.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *id).unwrap();
        sheet.write_string(r, 1, "s1").unwrap();
        // A real Excel date-time cell, as shopkeepers type them: local time, no offset.
        let when = rust_xlsxwriter::ExcelDateTime::parse_from_str("2022-04-24 09:30:00").unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        sheet
            .write_datetime_with_format(r, 2, &when, &format)
            .unwrap();
        sheet.write_string(r, 3, *channel).unwrap();
        sheet.write_number(r, 4, *amount).unwrap();
        sheet.write_string(r, 5, *status).unwrap();
    }
    book.save(src.path().join("微信接龙.xlsx")).unwrap();

    let report = import(src.path(), &into, ZONE).unwrap();
    let orders = report_of(&report.tables, "orders");
    // Both rows had a local time with no offset, the rejected one too.
    assert_eq!(
        (
            orders.read,
            orders.loaded,
            orders.rejected,
            orders.naive_timestamps
        ),
        (2, 1, 1, 2)
    );
    let rejects = std::fs::read_to_string(into.join("rejects/orders.csv")).unwrap();
    assert!(
        rejects.contains("微信接龙.xlsx#orders,3,\"amount_cny: must be >= 0, got -3\""),
        "{rejects}"
    );
    assert_eq!(
        count(
            &into,
            "SELECT order_id, CAST(ordered_at AS VARCHAR), amount_cny FROM orders"
        )
        .await,
        vec![vec![s("x1"), s("2022-04-24T09:30:00+08:00"), V::F(25.5)]]
    );
}

#[tokio::test]
async fn a_rejected_row_that_starts_a_formula_is_written_as_text() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    write(
        src.path(),
        "communities.csv",
        &format!("{COMMUNITIES}=cmd|' /C calc'!A0,坏社区,Bad,朝晖街道,-1,0.2,0.2\n"),
    );
    import(src.path(), &into, ZONE).unwrap();
    // The row is one text cell: with the quote, Excel shows it and runs nothing. The line
    // number stays a number.
    assert_eq!(
        std::fs::read_to_string(into.join("rejects/communities.csv")).unwrap(),
        "file,line,rule,row\n\
         communities.csv,5,\"households: must be >= 0, got -1\",\"'=cmd|' /C calc'!A0,坏社区,Bad,朝晖街道,-1,0.2,0.2\"\n"
    );
}

/// `yanhuo import SRC --into INTO` as a child process, aborted at `crash_at` by the test hook
/// of src/import/swap.rs.
fn import_killed_at(src: &Path, into: &Path, crash_at: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yanhuo"))
        .args(["import"])
        .arg(src)
        .arg("--into")
        .arg(into)
        .env("YANHUO_LOG", "warn")
        .env("YANHUO_TEST_CRASH_AT", crash_at)
        .output()
        .expect("the binary runs")
}

/// The row count of every table, as the data folder holds them.
async fn table_counts(dir: &Path) -> Vec<Vec<V>> {
    count(
        dir,
        "SELECT (SELECT count(*) FROM communities) AS communities, \
         (SELECT count(*) FROM shops) AS shops, (SELECT count(*) FROM lockdowns) AS lockdowns, \
         (SELECT count(*) FROM shop_status) AS shop_status, \
         (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM calendar) AS calendar",
    )
    .await
}

/// Names beside the data folder (staging and replaced folders are hidden ones).
fn beside(into: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(into.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A data folder with every table, and an orders-only import to run into it.
fn folder_and_orders_import() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let full = tempfile::tempdir().unwrap();
    crate::fixture::write_district(full.path());
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    import(full.path(), &into, ZONE).unwrap();
    let may = tempfile::tempdir().unwrap();
    write(
        may.path(),
        "orders-2022-05.csv",
        "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref\n\
         new1,s1,2022-05-30T12:00:00+08:00,in_store,5.00,completed,\n",
    );
    (data, may, into)
}

#[tokio::test]
async fn an_import_killed_before_its_swap_leaves_the_old_folder_and_opening_it_tidies_up() {
    let (_data, may, into) = folder_and_orders_import();
    let before = table_counts(&into).await;
    let V::I(orders) = before[0][4] else {
        panic!("a count")
    };

    let killed = import_killed_at(may.path(), &into, "built");
    assert!(!killed.status.success(), "{killed:?}");
    let pid = killed_pid(&into);
    let leftover = into
        .parent()
        .unwrap()
        .join(format!(".data.importing-{pid}"));
    assert_eq!(
        beside(&into),
        [format!(".data.importing-{pid}"), "data".into()]
    );

    // Opening the folder (as `serve` and `query` do) finds the old data whole, says what it
    // removed, and removes it.
    let query = crate::cli::yanhuo(
        &into,
        &[
            "query",
            "--format",
            "csv",
            "SELECT count(*) AS n FROM orders",
        ],
    );
    assert!(query.status.success(), "{query:?}");
    assert_eq!(
        String::from_utf8_lossy(&query.stdout),
        format!("n\n{orders}\n")
    );
    let said = format!(
        "{}: removed an unfinished import (process {pid}, stopped before it was swapped in); \
         {} holds the data from before it",
        leftover.display(),
        into.display()
    );
    let log = String::from_utf8_lossy(&query.stderr);
    assert!(log.contains("WARN") && log.contains(&said), "{log}");
    assert_eq!(beside(&into), ["data"]);
    assert_eq!(table_counts(&into).await, before, "the old folder, whole");

    // And the next import runs on the whole old folder: every table there, one order more.
    let again = import_killed_at(may.path(), &into, "");
    assert!(again.status.success(), "{again:?}");
    let mut after = before.clone();
    after[0][4] = V::I(orders + 1);
    assert_eq!(table_counts(&into).await, after);
}

/// The process id in the name of the one staging folder beside `into`.
fn killed_pid(into: &Path) -> u32 {
    beside(into)
        .iter()
        .find_map(|n| n.strip_prefix(".data.importing-"))
        .and_then(|pid| pid.parse().ok())
        .expect("a staging folder with a process id")
}

#[tokio::test]
async fn an_import_killed_after_its_swap_leaves_the_new_folder_and_the_next_import_says_so() {
    let (_data, may, into) = folder_and_orders_import();
    let before = table_counts(&into).await;
    let killed = import_killed_at(may.path(), &into, "swapped");
    assert!(!killed.status.success(), "{killed:?}");
    let pid = killed_pid(&into);
    let leftover = into
        .parent()
        .unwrap()
        .join(format!(".data.importing-{pid}"));
    // The leftover is the old folder, the data folder the new one: both whole.
    assert_eq!(table_counts(&leftover).await, before);
    let mut after = before.clone();
    let V::I(orders) = before[0][4] else {
        panic!("a count")
    };
    after[0][4] = V::I(orders + 1);

    // The next import repairs first and says so in its report.
    let again = import(may.path(), &into, ZONE).unwrap();
    assert_eq!(
        again.recovered,
        [format!(
            "{}: removed the data folder an import (process {pid}) replaced; it was stopped \
             after swapping in, so {} holds that import's data",
            leftover.display(),
            into.display()
        )]
    );
    assert!(again.to_string().starts_with(&again.recovered[0]));
    assert_eq!(beside(&into), ["data"]);
    assert!(!into.join(yanhuo::engine::import::swap::UNFINISHED).exists());
    // The killed run's order was already in; this import found it a duplicate.
    assert_eq!(report_of(&again.tables, "orders").duplicates, 1);
    assert_eq!(table_counts(&into).await, after);
}
