//! `yanhuo import` on the books a street office really has: a shop's workbook with a title
//! row, a merged two-row header, Chinese codes, Excel and Chinese times, a 合计 row, a blank
//! row, one sheet per month and an empty sheet, no shop column (a map file gives it), no
//! order ids; a GBK CSV from Excel on Chinese Windows; `--dry-run`; a map file with a typo.
//! Each asserts the exact rows loaded and rejected.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use yanhuo::engine::catalog;
use yanhuo::engine::import::{ImportOptions, Mapping, import_with};
use yanhuo::engine::queries::run_sql;

use crate::fixture::{COMMUNITIES, LOCKDOWNS, SHOP_STATUS, SHOPS, V, rows, s};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Communities, shops, shop_status and lockdowns in the contract's form, for orders to refer to.
fn reference_tables(dir: &Path) {
    std::fs::write(dir.join("communities.csv"), COMMUNITIES).unwrap();
    std::fs::write(dir.join("shops.csv"), SHOPS).unwrap();
    std::fs::write(dir.join("lockdowns.csv"), LOCKDOWNS).unwrap();
    std::fs::write(dir.join("shop_status.csv"), SHOP_STATUS).unwrap();
}

/// 信德生鲜.xlsx: no table in its name, no shop column, no order ids.
///
/// Sheet 4月 (Excel rows):
/// 1 黎园社区 信德生鲜 4月订单                      (title, merged A1:E1)
/// 2 下单时间 | 渠道 | 金额 (merged C2:D2) | 状态 | 顾客   (下单时间, 渠道, 状态, 顾客 merged down)
/// 3          |      | 实收 | 优惠 |       |
/// 4 2022-04-23 10:05 (date cell) | 微信群 | ¥12.50 | 2 | 已完成 | c1
/// 5 2022/4/23 10:05 (text)       | 微信群 | 12.5 (number) |  | 已完成 | c1   (the same order again)
/// 6 (blank)
/// 7 2022年4月24日 09:00 | 美团 | 1,234.00 |  | 已退款 |
/// 8 昨天 | 电话 | 5 |  | 已完成 |                     (rejected: not a time)
/// 9 合计 |  | ¥1,264.00 |                              (a total: left out)
///
/// Sheet 5月: header on row 1, one order. Sheet3: empty, as WPS leaves it.
fn shop_workbook(path: &Path) {
    let mut book = Workbook::new();
    let plain = Format::new();
    let when = Format::new().set_num_format("yyyy/m/d h:mm");
    let april = book.add_worksheet().set_name("4月").unwrap();
    april
        .merge_range(0, 0, 0, 5, "黎园社区 信德生鲜 4月订单", &plain)
        .unwrap();
    for (col, name) in [(0u16, "下单时间"), (1, "渠道"), (4, "状态"), (5, "顾客")] {
        april.merge_range(1, col, 2, col, name, &plain).unwrap();
    }
    april.merge_range(1, 2, 1, 3, "金额", &plain).unwrap();
    april.write_string(2, 2, "实收").unwrap();
    april.write_string(2, 3, "优惠").unwrap();
    let at = ExcelDateTime::parse_from_str("2022-04-23 10:05:00").unwrap();
    april.write_datetime_with_format(3, 0, &at, &when).unwrap();
    april.write_string(3, 1, "微信群").unwrap();
    april.write_string(3, 2, "¥12.50").unwrap();
    april.write_number(3, 3, 2).unwrap();
    april.write_string(3, 4, "已完成").unwrap();
    april.write_string(3, 5, "c1").unwrap();
    april.write_string(4, 0, "2022/4/23 10:05").unwrap();
    april.write_string(4, 1, "微信群").unwrap();
    april.write_number(4, 2, 12.5).unwrap();
    april.write_string(4, 4, "已完成").unwrap();
    april.write_string(4, 5, "c1").unwrap();
    for (col, text) in [
        (0u16, "2022年4月24日 09:00"),
        (1, "美团"),
        (2, "1,234.00"),
        (4, "已退款"),
    ] {
        april.write_string(6, col, text).unwrap();
    }
    for (col, text) in [(0u16, "昨天"), (1, "电话"), (2, "5"), (4, "已完成")] {
        april.write_string(7, col, text).unwrap();
    }
    april.write_string(8, 0, "合计").unwrap();
    april.write_string(8, 2, "¥1,264.00").unwrap();

    let may = book.add_worksheet().set_name("5月").unwrap();
    for (col, text) in ["下单时间", "渠道", "实收金额（元）", "状态"]
        .iter()
        .enumerate()
    {
        may.write_string(0, col as u16, *text).unwrap();
    }
    for (col, text) in ["2022/5/1 08:30", "跑腿", "20元", "已取消"]
        .iter()
        .enumerate()
    {
        may.write_string(1, col as u16, *text).unwrap();
    }
    book.add_worksheet().set_name("Sheet3").unwrap();
    book.save(path).unwrap();
}

const SHOP_MAP: &str = r#"
[[file]]
name = "信德生鲜*.xlsx"
fixed = { shop_id = "s2" }
"#;

async fn sql(dir: &Path, sql: &str) -> Vec<Vec<V>> {
    let (ctx, _) = catalog::open(dir, ZONE).await.unwrap();
    rows(&run_sql(&ctx, sql).await.unwrap())
}

fn options(map: &str, dry_run: bool) -> ImportOptions {
    ImportOptions {
        zone: Some(ZONE),
        map: Mapping::parse(map).unwrap(),
        dry_run,
    }
}

#[tokio::test]
async fn a_shops_workbook_imports_as_it_comes() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    reference_tables(src.path());
    shop_workbook(&src.path().join("信德生鲜.xlsx"));

    let report = import_with(src.path(), &into, &options(SHOP_MAP, false)).unwrap();
    let orders = report.tables.iter().find(|t| t.table == "orders").unwrap();
    // 4月: rows 4, 5, 7, 8 read (8 rejected), 5月: one row; rows 4 and 5 are two orders.
    assert_eq!(
        (
            orders.read,
            orders.loaded,
            orders.rejected,
            orders.duplicates
        ),
        (5, 4, 1, 0)
    );
    assert_eq!(
        std::fs::read_to_string(into.join("rejects/orders.csv")).unwrap(),
        "file,line,rule,row\n\
         信德生鲜.xlsx#4月,8,\"ordered_at: must be a timestamp (2022-04-23T02:00:00+08:00), got \"\"昨天\"\"\",\"昨天,电话,5,,已完成,\"\n"
    );
    assert_eq!(
        sql(
            &into,
            "SELECT shop_id, CAST(ordered_at AS VARCHAR) AS at, channel, amount_cny, status, customer_ref \
             FROM orders ORDER BY ordered_at, order_id"
        )
        .await,
        vec![
            vec![s("s2"), s("2022-04-23T10:05:00+08:00"), s("wechat_group"), V::F(12.5), s("completed"), s("c1")],
            vec![s("s2"), s("2022-04-23T10:05:00+08:00"), s("wechat_group"), V::F(12.5), s("completed"), s("c1")],
            vec![s("s2"), s("2022-04-24T09:00:00+08:00"), s("delivery_platform"), V::F(1234.0), s("refunded"), V::Null],
            vec![s("s2"), s("2022-05-01T08:30:00+08:00"), s("errand"), V::F(20.0), s("cancelled"), V::Null],
        ]
    );
    // Four ids made from the rows, `h` and 16 hex digits, the two identical orders apart.
    assert_eq!(
        sql(
            &into,
            "SELECT count(DISTINCT order_id), min(length(order_id)), max(length(order_id)), \
             count(*) FILTER (WHERE order_id LIKE 'h%') FROM orders"
        )
        .await,
        vec![vec![V::I(4), V::I(17), V::I(17), V::I(4)]]
    );

    let april = report
        .files
        .iter()
        .find(|f| f.label == "信德生鲜.xlsx#4月")
        .unwrap();
    assert_eq!(
        (
            april.header_line,
            april.title_rows,
            april.rows,
            april.rejected,
            april.totals,
            april.blanks
        ),
        (2, 1, 4, 1, 1, 1)
    );
    assert!(april.derived_order_id);
    assert_eq!(
        april.mapped,
        vec![
            ("下单时间".to_string(), "ordered_at"),
            ("渠道".to_string(), "channel"),
            ("实收".to_string(), "amount_cny"),
            ("状态".to_string(), "status"),
            ("顾客".to_string(), "customer_ref"),
        ]
    );
    assert_eq!(
        april.fixed,
        vec![("shop_id", "s2".to_string(), "map file".to_string())]
    );
    assert_eq!(report.empty, vec!["信德生鲜.xlsx#Sheet3".to_string()]);
    let text = report.to_string();
    assert!(
        text.contains("信德生鲜.xlsx#4月 → orders: header on line 2 (1 title row above skipped)")
            && text.contains("columns: 下单时间 → ordered_at, 渠道 → channel, 实收 → amount_cny")
            && text.contains("shop_id = s2 for every row (from the map file)")
            && text.contains(
                "4 rows read, 1 rejected, 1 total row (合计) left out, 1 blank row skipped"
            )
            && text.contains("channel 微信群 → wechat_group (2)")
            && text.contains("信德生鲜.xlsx#Sheet3: empty, skipped"),
        "{text}"
    );

    // The same workbook again: the derived ids are the same, so nothing is added.
    let again = import_with(src.path(), &into, &options(SHOP_MAP, false)).unwrap();
    let orders = again.tables.iter().find(|t| t.table == "orders").unwrap();
    assert_eq!((orders.loaded, orders.duplicates, orders.total), (0, 4, 4));
}

#[tokio::test]
async fn a_gbk_csv_from_excel_on_chinese_windows_is_read_and_says_so() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    reference_tables(src.path());
    let text = "单号,店铺编号,下单时间,渠道,实收金额,状态,顾客\r\n\
                g1,s1,2022/4/23 10:05,到店,12.5元,已完成,\r\n\
                g2,s1,2022年4月23日 11:00,饿了么,\"1,234.00\",已完成,老主顾\r\n\
                g3,s1,2022/4/23 12:00,飞鸽,3,已完成,\r\n\
                合计,,,,\"1,249.50\",,\r\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file must not be UTF-8"
    );
    std::fs::write(src.path().join("订单明细-信德.csv"), &bytes).unwrap();

    let report = import_with(src.path(), &into, &options("", false)).unwrap();
    let orders = report.tables.iter().find(|t| t.table == "orders").unwrap();
    assert_eq!((orders.read, orders.loaded, orders.rejected), (3, 2, 1));
    assert_eq!(
        sql(
            &into,
            "SELECT order_id, CAST(ordered_at AS VARCHAR) AS at, channel, amount_cny, customer_ref FROM orders ORDER BY order_id"
        )
        .await,
        vec![
            vec![s("g1"), s("2022-04-23T10:05:00+08:00"), s("in_store"), V::F(12.5), V::Null],
            vec![s("g2"), s("2022-04-23T11:00:00+08:00"), s("delivery_platform"), V::F(1234.0), s("老主顾")],
        ]
    );
    assert_eq!(
        std::fs::read_to_string(into.join("rejects/orders.csv")).unwrap(),
        "file,line,rule,row\n\
         订单明细-信德.csv,4,\"channel: must be one of in_store, wechat_group, phone, delivery_platform, livestream, errand, got \"\"飞鸽\"\"\",\"g3,s1,2022/4/23 12:00,飞鸽,3,已完成,\"\n"
    );
    let file = report
        .files
        .iter()
        .find(|f| f.label == "订单明细-信德.csv")
        .unwrap();
    assert_eq!((file.encoding, file.totals), (Some("GB18030"), 1));
    let text = report.to_string();
    assert!(
        text.contains("订单明细-信德.csv → orders (GB18030): header on line 1"),
        "{text}"
    );
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    reference_tables(src.path());
    shop_workbook(&src.path().join("信德生鲜.xlsx"));

    // Into nothing: still nothing after, and nothing beside it.
    let report = import_with(src.path(), &into, &options(SHOP_MAP, true)).unwrap();
    assert!(!into.exists());
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
    let orders = report.tables.iter().find(|t| t.table == "orders").unwrap();
    assert_eq!((orders.loaded, orders.rejected), (4, 1));
    let text = report.to_string();
    assert!(
        text.starts_with("Dry run: nothing was written to")
            && text.contains(
                "would reject 信德生鲜.xlsx#4月, line 8: ordered_at: must be a timestamp"
            ),
        "{text}"
    );

    // Into a folder: byte for byte the same after.
    import_with(src.path(), &into, &options("", false)).unwrap();
    let before = snapshot(data.path());
    import_with(src.path(), &into, &options(SHOP_MAP, true)).unwrap();
    assert_eq!(snapshot(data.path()), before);
}

#[test]
fn the_command_takes_a_map_file_and_names_its_mistakes() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    reference_tables(src.path());
    shop_workbook(&src.path().join("信德生鲜.xlsx"));
    let map = src.path().join("map.toml");
    let run = |map_text: &str| {
        std::fs::write(&map, map_text).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_yanhuo"))
            .arg("import")
            .arg(src.path())
            .arg("--into")
            .arg(&into)
            .arg("--map")
            .arg(&map)
            .arg("--dry-run")
            .env("YANHUO_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run("[[file]]\nname = \"信德生鲜*.xlsx\"\nfixed = { shop_idd = \"s2\" }\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("map.toml") && stderr.contains("fixed.shop_idd"),
        "{stderr}"
    );
    let out = run(SHOP_MAP);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Dry run") && stdout.contains("shop_id = s2 for every row"),
        "{stdout}"
    );
    assert!(!into.exists());
}
