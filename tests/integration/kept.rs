//! The kept tables (`kept/NAME/YYYY-MM.parquet`): what `import` writes, by hand on the
//! fixture; a second import recomputes only the months it adds orders to; and every query
//! file gives the same numbers from the kept tables as from the orders, before and after.
//! The files kept at their defaults (`kept/NAME/defaults.parquet`) follow every table: an
//! import of another table recomputes them, a table changed by hand makes them unread.
//! The folder's small tables read into memory when it opens give the rows their Parquet gives.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use yanhuo::engine::Engine;
use yanhuo::engine::catalog;
use yanhuo::engine::import::import;
use yanhuo::engine::kept::{self, Status};
use yanhuo::engine::memo::MemoTable;
use yanhuo::engine::queries::{self, Library, run_sql};
use yanhuo::engine::settings::Settings;

use crate::fixture::{SHOP_STATUS, V, rows, s, write_district};

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Orders that arrived late: s1 sold 40 yuan more in store on 05-02 to a new customer, and 12
/// by phone just after midnight on 05-01 (written in UTC: still 04-30 there); a refund of s4
/// on 05-03 is not revenue. All of them fall in May by local date.
const LATE_ORDERS: &str = "order_id,shop_id,ordered_at,channel,amount_cny,status,customer_ref
o100,s1,2022-05-02T18:00:00+08:00,in_store,40.00,completed,c9
o101,s1,2022-04-30T16:30:00Z,phone,12.00,completed,c1
o102,s4,2022-05-03T09:00:00+08:00,wechat_group,8.00,refunded,d2
";

/// The fixture district imported into a new data folder (which writes its kept tables).
fn imported() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let src = tempfile::tempdir().unwrap();
    write_district(src.path());
    let data = tempfile::tempdir().unwrap();
    let into = data.path().join("data");
    import(src.path(), &into, ZONE).unwrap();
    (src, data, into)
}

async fn engine(dir: &Path) -> Engine {
    let settings = Settings::new(dir.to_path_buf(), ZONE.name(), None).unwrap();
    Engine::open(&settings).await.unwrap()
}

async fn kept_rows(engine: &Engine, sql: &str) -> Vec<Vec<V>> {
    rows(&run_sql(&engine.ctx, sql).await.unwrap())
}

/// Every query file at its defaults, from the orders (no kept table read, every file inlined).
async fn from_orders(dir: &Path) -> BTreeMap<String, Vec<Vec<V>>> {
    let (ctx, _) = catalog::open(dir, ZONE).await.unwrap();
    let library = Library::embedded().unwrap();
    let mut out = BTreeMap::new();
    for file in library.files() {
        let result = queries::run(&ctx, &library, &file.name, &BTreeMap::new())
            .await
            .unwrap();
        out.insert(file.name.clone(), sorted(rows(&result)));
    }
    out
}

/// Every query file at its defaults, through an engine that reads the kept tables.
async fn from_kept(engine: &Engine) -> BTreeMap<String, Vec<Vec<V>>> {
    let mut out = BTreeMap::new();
    for file in engine.library.files() {
        let result = engine.run(&file.name, &BTreeMap::new()).await.unwrap();
        out.insert(file.name.clone(), sorted(rows(&result)));
    }
    out
}

/// Rows in a fixed order, for files without an ORDER BY.
fn sorted(mut rows: Vec<Vec<V>>) -> Vec<Vec<V>> {
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

fn assert_same(kept: &BTreeMap<String, Vec<Vec<V>>>, orders: &BTreeMap<String, Vec<Vec<V>>>) {
    assert_eq!(kept.len(), orders.len());
    for (name, expected) in orders {
        // Floats are compared to 1e-9 of their size (`V`): the kept tables' sums are exact
        // decimals; the doubles built on them are summed in whatever order the hash
        // aggregation meets them, from the orders as well.
        assert_eq!(
            &kept[name], expected,
            "{name}: kept tables and orders disagree"
        );
    }
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().ino()
}

#[tokio::test]
async fn import_keeps_revenue_channels_and_customers_by_shop_and_local_day() {
    let (_src, _data, into) = imported();
    for table in ["shop_days", "shop_day_channels", "shop_day_customers"] {
        let months: Vec<String> = std::fs::read_dir(into.join("kept").join(table))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // The fixture's completed orders run from 03-19 to 05-10.
        assert_eq!(
            months,
            ["2022-03.parquet", "2022-04.parquet", "2022-05.parquet"],
            "{table}"
        );
    }
    let engine = engine(&into).await;
    assert_eq!(engine.kept, Status::Current);
    // s1 on 03-26: 60 in store (c1) and 40 by WeChat (c2). 03-23: 10 in store; the refund of
    // 999 is not revenue. 03-21 (a Monday): 10 yuan written as 03-20 17:30 UTC. 04-16: 200
    // with no customer pseudonym: an order, no customer. 04-30: 12 by WeChat at 00:30 local.
    assert_eq!(
        kept_rows(
            &engine,
            "SELECT CAST(date AS VARCHAR) AS day, CAST(revenue_cny AS DOUBLE) AS r, CAST(online_cny AS DOUBLE) AS o \
             FROM shop_days WHERE shop_id = 's1' AND date IN \
             (DATE '2022-03-21', DATE '2022-03-23', DATE '2022-03-26', DATE '2022-04-16', DATE '2022-04-30') \
             ORDER BY date"
        )
        .await,
        vec![
            vec![s("2022-03-21"), V::F(10.0), V::F(0.0)],
            vec![s("2022-03-23"), V::F(10.0), V::F(0.0)],
            vec![s("2022-03-26"), V::F(100.0), V::F(40.0)],
            vec![s("2022-04-16"), V::F(200.0), V::F(0.0)],
            vec![s("2022-04-30"), V::F(12.0), V::F(12.0)],
        ]
    );
    assert_eq!(
        kept_rows(
            &engine,
            "SELECT channel, CAST(revenue_cny AS DOUBLE), orders FROM shop_day_channels \
             WHERE shop_id = 's1' AND date = DATE '2022-03-26' ORDER BY channel"
        )
        .await,
        vec![
            vec![s("in_store"), V::F(60.0), V::I(1)],
            vec![s("wechat_group"), V::F(40.0), V::I(1)],
        ]
    );
    assert_eq!(
        kept_rows(
            &engine,
            "SELECT CAST(date AS VARCHAR) AS day, customers, orders FROM shop_day_customers \
             WHERE shop_id = 's1' AND date IN (DATE '2022-03-23', DATE '2022-03-26', DATE '2022-04-16') \
             ORDER BY date"
        )
        .await,
        vec![
            vec![s("2022-03-23"), V::I(1), V::I(1)],
            vec![s("2022-03-26"), V::I(2), V::I(2)],
            vec![s("2022-04-16"), V::I(0), V::I(1)],
        ]
    );
    // s4 sold 10 yuan in store on each of the 31 baseline dates and 7 by WeChat on 5 dates.
    assert_eq!(
        kept_rows(
            &engine,
            "SELECT channel, CAST(SUM(revenue_cny) AS DOUBLE), SUM(orders) FROM shop_day_channels \
             WHERE shop_id = 's4' GROUP BY channel ORDER BY channel"
        )
        .await,
        vec![
            vec![s("in_store"), V::F(310.0), V::I(31)],
            vec![s("wechat_group"), V::F(35.0), V::I(5)],
        ]
    );
    assert_same(&from_kept(&engine).await, &from_orders(&into).await);
}

#[tokio::test]
async fn a_second_import_recomputes_only_the_months_of_its_orders_and_no_figure_moves() {
    let (_src, _data, into) = imported();
    let march = into.join("kept/shop_days/2022-03.parquet");
    let april = into.join("kept/shop_days/2022-04.parquet");
    let may = into.join("kept/shop_days/2022-05.parquet");
    let (march_before, april_before, may_before) = (inode(&march), inode(&april), inode(&may));

    let late = tempfile::tempdir().unwrap();
    std::fs::write(late.path().join("orders-late.csv"), LATE_ORDERS).unwrap();
    import(late.path(), &into, ZONE).unwrap();

    // March and April are the same files, linked into the new folder; May was written anew.
    assert_eq!(inode(&march), march_before);
    assert_eq!(inode(&april), april_before);
    assert_ne!(inode(&may), may_before);

    let engine = engine(&into).await;
    assert_eq!(engine.kept, Status::Current);
    // s1 on 05-02: 30 in store and 15 by WeChat (c1), then 40 in store (c9). On 05-01: the
    // 12 by phone written in UTC on 04-30. 04-30 is as it was.
    assert_eq!(
        kept_rows(
            &engine,
            "SELECT CAST(d.date AS VARCHAR) AS day, CAST(d.revenue_cny AS DOUBLE) AS r, CAST(d.online_cny AS DOUBLE) AS o, \
             c.customers, c.orders FROM shop_days d JOIN shop_day_customers c \
             ON c.shop_id = d.shop_id AND c.date = d.date WHERE d.shop_id = 's1' AND d.date BETWEEN DATE '2022-04-30' AND DATE '2022-05-02' ORDER BY d.date"
        )
        .await,
        vec![
            vec![s("2022-04-30"), V::F(12.0), V::F(12.0), V::I(1), V::I(1)],
            vec![s("2022-05-01"), V::F(12.0), V::F(12.0), V::I(1), V::I(1)],
            vec![s("2022-05-02"), V::F(85.0), V::F(15.0), V::I(2), V::I(3)],
        ]
    );
    assert_same(&from_kept(&engine).await, &from_orders(&into).await);
}

#[tokio::test]
async fn stale_kept_tables_are_not_read_and_keep_computes_them_again() {
    let (_src, _data, into) = imported();
    // Orders changed by hand behind the kept tables' back: one more order in April.
    let (ctx, _) = catalog::open(&into, ZONE).await.unwrap();
    let extra = run_sql(
        &ctx,
        "SELECT * FROM orders UNION ALL SELECT 'o999', 's1', ordered_at, channel, amount_cny, \
         status, customer_ref FROM orders WHERE order_id = 'o4'",
    )
    .await
    .unwrap();
    let spec = yanhuo::engine::contract::table("orders").unwrap();
    yanhuo::engine::import::write_parquet(
        &into.join("orders.parquet"),
        spec,
        &extra.batches,
        &ZONE,
    )
    .unwrap();

    let library = Library::embedded().unwrap();
    assert_eq!(kept::status(&into, ZONE, &library).unwrap(), Status::Stale);
    let stale = engine(&into).await;
    assert_eq!(stale.kept, Status::Stale);
    // Computed from the orders: s1 on 04-09 sold 120 twice.
    assert_eq!(
        kept_rows(
            &stale,
            "SELECT CAST(revenue_cny AS DOUBLE) FROM shop_days WHERE shop_id = 's1' AND date = DATE '2022-04-09'"
        )
        .await,
        vec![vec![V::F(240.0)]]
    );
    assert_same(&from_kept(&stale).await, &from_orders(&into).await);

    let built = kept::build(&into, ZONE, &library, kept::Months::All)
        .await
        .unwrap();
    assert_eq!(built.months, 3);
    let fresh = engine(&into).await;
    assert_eq!(fresh.kept, Status::Current);
    assert_eq!(
        kept_rows(
            &fresh,
            "SELECT CAST(revenue_cny AS DOUBLE) FROM shop_days WHERE shop_id = 's1' AND date = DATE '2022-04-09'"
        )
        .await,
        vec![vec![V::F(240.0)]]
    );
}

/// Whether the context holds `table` in memory once read rather than reading its Parquet
/// files every time (a base table, for a planner's catalog); if so, whether it has read it.
async fn held(ctx: &datafusion::prelude::SessionContext, table: &str) -> Option<bool> {
    let provider = ctx.table_provider(table).await.unwrap();
    let memo = (provider.as_ref() as &dyn std::any::Any).downcast_ref::<MemoTable>()?;
    assert_eq!(
        provider.table_type(),
        datafusion::datasource::TableType::Base
    );
    Some(memo.is_computed())
}

/// The tables held when `dir` opens with tables of up to `hold_under` bytes held.
async fn registration_of(dir: &Path, hold_under: u64) -> Vec<&'static str> {
    catalog::open_limited(dir, ZONE, None, hold_under)
        .await
        .unwrap()
        .1
        .held
}

#[tokio::test]
async fn small_tables_held_in_memory_give_every_file_the_rows_their_parquet_gives() {
    let (_src, _data, dir) = imported();
    let (held_ctx, registration) = catalog::open(&dir, ZONE).await.unwrap();
    // Every table of the fixture is a few KB; the orders are never held.
    assert_eq!(
        registration.held,
        [
            "communities",
            "shops",
            "shop_status",
            "footfall",
            "lockdowns",
            "calendar",
            "resident_needs",
            "shop_services"
        ]
    );
    assert_eq!(
        held(&held_ctx, "shops").await,
        Some(false),
        "read only when first read"
    );
    assert_eq!(held(&held_ctx, "orders").await, None);
    let (on_disk, registration) = catalog::open_limited(&dir, ZONE, None, 0).await.unwrap();
    assert!(registration.held.is_empty());
    assert_eq!(held(&on_disk, "shops").await, None);

    // A table is held up to the size given, and not a byte over it: a byte under the
    // largest table's size holds every other table.
    let all = registration_of(&dir, u64::MAX).await;
    let size = |name: &str| {
        std::fs::metadata(dir.join(format!("{name}.parquet")))
            .unwrap()
            .len()
    };
    let largest = *all.iter().max_by_key(|n| size(n)).unwrap();
    let limit = size(largest) - 1;
    let expected: Vec<&str> = all.iter().copied().filter(|n| size(n) <= limit).collect();
    assert_eq!(expected.len(), all.len() - 1, "one largest table: {all:?}");
    let (some, registration) = catalog::open_limited(&dir, ZONE, None, limit)
        .await
        .unwrap();
    assert_eq!(registration.held, expected);
    assert_eq!(held(&some, largest).await, None);
    assert_eq!(held(&some, expected[0]).await, Some(false));

    // Every query file at its defaults, inlined, gives the same rows either way.
    let library = Library::embedded().unwrap();
    let mut from_memory = BTreeMap::new();
    let mut from_parquet = BTreeMap::new();
    for file in library.files() {
        for (ctx, out) in [(&held_ctx, &mut from_memory), (&on_disk, &mut from_parquet)] {
            let result = queries::run(ctx, &library, &file.name, &BTreeMap::new())
                .await
                .unwrap();
            out.insert(file.name.clone(), sorted(rows(&result)));
        }
    }
    assert!(from_parquet["footfall_change"].len() > 1);
    assert_same(&from_memory, &from_parquet);
    assert_eq!(held(&held_ctx, "shops").await, Some(true));

    // The server's engine holds the small kept tables too; `from_kept` (another test) reads
    // every file through one.
    let served = engine(&dir).await;
    for name in [
        "shops",
        "footfall",
        "shop_days",
        "study_dates",
        "footfall_change",
    ] {
        assert!(
            served.held.iter().any(|h| h == name),
            "{name}: {:?}",
            served.held
        );
        assert!(held(&served.ctx, name).await.is_some(), "{name}");
    }
    // A table read into memory keeps the contract's types: a date is a date, a count a count.
    let types = "SELECT arrow_typeof(date), arrow_typeof(visitors), arrow_typeof(shop_id) FROM footfall LIMIT 1";
    assert_eq!(
        rows(&run_sql(&held_ctx, types).await.unwrap()),
        rows(&run_sql(&on_disk, types).await.unwrap())
    );
}

#[tokio::test]
async fn a_hand_made_folder_has_no_kept_tables_and_computes_them_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    write_district(dir.path());
    let engine = engine(dir.path()).await;
    assert_eq!(engine.kept, Status::Absent);
    assert!(!dir.path().join("kept").exists(), "opening writes nothing");
    // `yanhuo keep` needs orders as Parquet, and says so.
    let library = Library::embedded().unwrap();
    let refused = kept::build(dir.path(), ZONE, &library, kept::Months::All)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("Parquet"), "{refused}");
}

/// A file marked `kept: memory` is computed the first time a query reads it and then read
/// from memory; a query that gives it other parameters inlines it, so the second lockdown's
/// study is its own and not the first's.
#[tokio::test]
async fn files_kept_in_memory_are_read_at_their_defaults_and_inlined_otherwise() {
    // A folder written by hand keeps nothing: its files are computed on first read.
    let by_hand = tempfile::tempdir().unwrap();
    write_district(by_hand.path());
    let hand = engine(by_hand.path()).await;
    let table = hand.ctx.table_provider("wechat_shop_dates").await.unwrap();
    let memo = (table.as_ref() as &dyn std::any::Any)
        .downcast_ref::<MemoTable>()
        .expect("wechat_shop_dates is held in memory");
    assert!(!memo.is_computed(), "nothing is computed before it is read");
    hand.run("wechat_effect", &BTreeMap::new()).await.unwrap();
    assert!(memo.is_computed());

    let (_src, _data, into) = imported();
    let engine = engine(&into).await;

    let (ctx, _) = catalog::open(&into, ZONE).await.unwrap();
    let library = Library::embedded().unwrap();
    let mut served = Vec::new();
    for lockdown in [None, Some("gongshu-2022-04"), Some("later-2022-06")] {
        let params: BTreeMap<String, String> = lockdown
            .map(|id| ("lockdown_id".to_string(), id.to_string()))
            .into_iter()
            .collect();
        for name in ["wechat_shop_dates", "wechat_effect", "wechat_event_study"] {
            let read = engine.run(name, &params).await.unwrap();
            let inlined = queries::run(&ctx, &library, name, &params).await.unwrap();
            assert_eq!(
                sorted(rows(&read)),
                sorted(rows(&inlined)),
                "{name} with {params:?}"
            );
        }
        served.push(rows(
            &engine.run("wechat_shop_dates", &params).await.unwrap(),
        ));
    }
    assert_eq!(served[0], served[1], "the earliest lockdown is the default");
    assert_ne!(served[0], served[2], "another lockdown has rows of its own");
    // Those of another lockdown are held in tables of their own, computed on first read.
    let june = BTreeMap::from([("lockdown_id".to_string(), "later-2022-06".to_string())]);
    let file = engine.library.get("wechat_effect").unwrap();
    let held = engine.library.in_memory_for(file, &june).unwrap();
    let names: Vec<&str> = held.iter().map(|h| h.file.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "lockdown",
            "study_dates",
            "baseline_shops",
            "wechat_shops",
            "wechat_shop_dates"
        ]
    );
    for h in &held {
        assert_eq!(h.values, june);
        let provider = engine.ctx.table_provider(h.table.as_str()).await.unwrap();
        let memo = (provider.as_ref() as &dyn std::any::Any)
            .downcast_ref::<MemoTable>()
            .unwrap();
        assert!(memo.is_computed(), "{}", h.table);
        assert_ne!(h.table, h.file.name);
    }
    // The second lockdown starts on 06-10: its study starts 35 days before.
    let first = &served[2][0];
    assert_eq!(
        (&first[0], &first[4], &first[5]),
        (&s("s1"), &s("2022-05-06"), &V::I(-35))
    );
}

/// The files marked `kept: memory`, each after those it uses.
const AT_DEFAULTS: [&str; 8] = [
    "lockdown",
    "study_dates",
    "baseline_shops",
    "closure_spells",
    "footfall_change",
    "shop_revenue",
    "wechat_shops",
    "wechat_shop_dates",
];

/// A file held at its defaults, asked for itself (footfall_change on the dashboard), is read
/// back from what is held rather than computed again: the same rows in the same order as its
/// body gives them, each of these ordered by a key; a kept table, which promises no order,
/// the same rows.
#[tokio::test]
async fn a_file_held_at_its_defaults_is_read_back_in_its_own_order() {
    let (_src, _data, into) = imported();
    let engine = engine(&into).await;
    let (ctx, _) = catalog::open(&into, ZONE).await.unwrap();
    let library = Library::embedded().unwrap();
    let orders = [
        ("lockdown", " ORDER BY \"starts_at\", \"lockdown_id\""),
        ("study_dates", " ORDER BY \"date\""),
        ("baseline_shops", " ORDER BY \"shop_id\""),
        ("closure_spells", " ORDER BY \"shop_id\", \"closed_at\""),
        ("footfall_change", " ORDER BY \"community_id\", \"date\""),
        ("shop_revenue", " ORDER BY \"community_id\", \"shop_id\""),
        ("wechat_shops", " ORDER BY \"shop_id\""),
        ("wechat_shop_dates", " ORDER BY \"shop_id\", \"date\""),
        ("shop_days", ""),
        ("shop_day_channels", ""),
        ("shop_day_customers", ""),
    ];
    for (name, order) in orders {
        let file = engine.library.get(name).unwrap();
        assert_eq!(
            engine.library.expand(file, &BTreeMap::new()).unwrap(),
            format!("SELECT * FROM {name}{order}")
        );
        // A figure published from it still shows how it is computed.
        let definition = engine.library.definition(file, &BTreeMap::new()).unwrap();
        assert!(
            !definition.contains(&format!("FROM {name}{order}")),
            "{definition}"
        );
        let read = rows(&engine.run(name, &BTreeMap::new()).await.unwrap());
        let computed = rows(
            &queries::run(&ctx, &library, name, &BTreeMap::new())
                .await
                .unwrap(),
        );
        assert!(!computed.is_empty(), "{name}");
        if order.is_empty() {
            assert_eq!(sorted(read), sorted(computed), "{name}");
        } else {
            assert_eq!(read, computed, "{name}");
        }
    }
    // Another lockdown is not what is held: computed from the body.
    let june = BTreeMap::from([("lockdown_id".to_string(), "later-2022-06".to_string())]);
    let file = engine.library.get("footfall_change").unwrap();
    assert!(
        engine
            .library
            .expand(file, &june)
            .unwrap()
            .starts_with("WITH ")
    );
}

/// s3's row of closure_length: (closed_at, reopened_at, closure_days, reopen_lag_hours).
async fn s3_closure(engine: &Engine) -> Vec<V> {
    let result = engine
        .run("closure_length", &BTreeMap::new())
        .await
        .unwrap();
    let row = rows(&result)
        .into_iter()
        .find(|r| r[0] == s("s3"))
        .expect("s3 closed in the lockdown");
    row[3..].to_vec()
}

/// An import writes every `kept: memory` file at its defaults, and the server reads them
/// from there. A later import of shop_status alone (s3 reopened after all) computes them
/// again; the same correction made by hand leaves them unread, so the figure still follows.
#[tokio::test]
async fn files_kept_at_their_defaults_follow_every_table() {
    let (_src, _data, into) = imported();
    let library = Library::embedded().unwrap();
    let version = |dir: &Path| yanhuo::engine::folder::content_version(dir).unwrap();
    assert_eq!(
        kept::current_defaults(&into, &library, &version(&into)).unwrap(),
        AT_DEFAULTS
    );
    for name in AT_DEFAULTS {
        assert!(
            into.join("kept")
                .join(name)
                .join("defaults.parquet")
                .is_file(),
            "{name}"
        );
    }
    let first = engine(&into).await;
    // A file computed on first read is a view; the kept rows are a table (read from their
    // Parquet, and held in memory once read).
    let provider = first.ctx.table_provider("closure_spells").await.unwrap();
    assert_eq!(
        provider.table_type(),
        datafusion::datasource::TableType::Base,
        "closure_spells is read from kept/, not computed"
    );
    // s3 never reopened (tests/integration/metrics.rs).
    assert_eq!(
        s3_closure(&first).await,
        [s("2022-04-23T02:00:00+08:00"), V::Null, V::Null, V::Null]
    );
    drop(first);

    // By hand: the folder's shop_status gains s3's reopening behind the manifest's back.
    let corrected = format!("{SHOP_STATUS}s3,2022-05-01T10:00:00+08:00,open,\n");
    let by_hand = tempfile::tempdir().unwrap();
    let copy = by_hand.path().join("data");
    std::fs::create_dir(&copy).unwrap();
    for entry in super::walk(&into) {
        let to = copy.join(entry.strip_prefix(&into).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &to).unwrap();
    }
    std::fs::remove_file(copy.join("shop_status.parquet")).unwrap();
    std::fs::write(copy.join("shop_status.csv"), &corrected).unwrap();
    assert!(
        kept::current_defaults(&copy, &library, &version(&copy))
            .unwrap()
            .is_empty()
    );
    // 04-23 02:00 to 05-01 10:00 is 8 days 8 hours; 34 hours after the end, 04-30 00:00.
    let reopened = [
        s("2022-04-23T02:00:00+08:00"),
        s("2022-05-01T10:00:00+08:00"),
        V::F(8.0 + 1.0 / 3.0),
        V::F(34.0),
    ];
    let hand = engine(&copy).await;
    assert_eq!(s3_closure(&hand).await, reopened);
    assert_same(&from_kept(&hand).await, &from_orders(&copy).await);

    // By import: only shop_status arrives, and the files at their defaults are computed again.
    let src = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("shop_status.csv"), &corrected).unwrap();
    import(src.path(), &into, ZONE).unwrap();
    assert_eq!(
        kept::current_defaults(&into, &library, &version(&into)).unwrap(),
        AT_DEFAULTS
    );
    let fresh = engine(&into).await;
    assert_eq!(fresh.kept, Status::Current);
    assert_eq!(s3_closure(&fresh).await, reopened);
    assert_same(&from_kept(&fresh).await, &from_orders(&into).await);
}
