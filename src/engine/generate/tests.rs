//! The generator's tests: the district it writes keeps the contract and the facts
//! sample-data/README.md states, imports whole, and a seed gives the same rows.

use std::collections::{HashMap, HashSet};

use chrono::DateTime;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{
    Date32Type, Decimal128Type, Float64Type, Int64Type, TimestampMicrosecondType,
};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::*;

fn tiny(dir: &Path, shops: usize, seed: u64, from: NaiveDate, to: NaiveDate) -> GenerateSummary {
    let mut opts = GenerateOptions::new(shops, seed, dir);
    opts.from = from;
    opts.to = to;
    generate(&opts).expect("generate")
}

/// Every batch of a table, read back from its file or its folder of parts.
fn read(dir: &Path, table: &str) -> Vec<RecordBatch> {
    let mut files = vec![];
    let single = dir.join(format!("{table}.parquet"));
    if single.exists() {
        files.push(single);
    } else {
        let mut parts: Vec<PathBuf> = fs::read_dir(dir.join(table))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        parts.sort();
        files.extend(parts);
    }
    let zone = chrono_tz::Asia::Shanghai;
    let mut out = vec![];
    for f in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&f).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for b in reader {
            let b = b.unwrap();
            assert_eq!(
                b.schema(),
                spec(table).schema(&zone),
                "{} has the contract's schema",
                f.display()
            );
            out.push(b);
        }
    }
    out
}

fn strings(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name(column).unwrap().as_string::<i32>().clone();
            (0..a.len())
                .map(move |i| a.is_valid(i).then(|| a.value(i).to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn values<T: datafusion::arrow::datatypes::ArrowPrimitiveType>(
    batches: &[RecordBatch],
    column: &str,
) -> Vec<Option<T::Native>> {
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(column)
                .unwrap()
                .as_primitive::<T>()
                .iter()
                .collect::<Vec<_>>()
        })
        .collect()
}

fn instant(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_micros()
}

const TABLES: [&str; 9] = [
    "communities",
    "shops",
    "shop_status",
    "orders",
    "footfall",
    "lockdowns",
    "calendar",
    "resident_needs",
    "shop_services",
];

#[test]
fn same_seed_gives_same_rows() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (from, to) = (district::date(2022, 4, 20), district::date(2022, 5, 3));
    tiny(&a.path().join("d"), 25, 7, from, to);
    tiny(&b.path().join("d"), 25, 7, from, to);
    tiny(&c.path().join("d"), 25, 8, from, to);
    for table in TABLES {
        assert_eq!(
            read(&a.path().join("d"), table),
            read(&b.path().join("d"), table),
            "{table}"
        );
    }
    assert_ne!(
        read(&a.path().join("d"), "orders"),
        read(&c.path().join("d"), "orders")
    );
}

#[test]
fn every_row_keeps_the_data_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let (from, to) = (district::date(2022, 3, 20), district::date(2022, 5, 10));
    let summary = tiny(&dir, 60, 1, from, to);
    assert!(summary.rows("orders") > 10_000, "{summary}");

    let communities: HashSet<_> = strings(&read(&dir, "communities"), "community_id")
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(communities.len(), 12);
    let shops = read(&dir, "shops");
    let shop_ids: Vec<_> = strings(&shops, "shop_id").into_iter().flatten().collect();
    let shop_set: HashSet<_> = shop_ids.iter().cloned().collect();
    assert_eq!(shop_set.len(), 60, "shop ids are unique");
    assert!(
        strings(&shops, "category")
            .iter()
            .all(|c| contract::CATEGORIES.contains(&c.as_deref().unwrap()))
    );
    assert!(
        strings(&shops, "community_id")
            .iter()
            .all(|c| communities.contains(c.as_ref().unwrap()))
    );
    assert!(
        values::<Float64Type>(&shops, "area_m2")
            .iter()
            .flatten()
            .all(|a| *a > 0.0)
    );
    assert!(
        values::<Float64Type>(&shops, "annual_rent_cny")
            .iter()
            .flatten()
            .all(|a| *a >= 0.0)
    );

    let orders = read(&dir, "orders");
    let ids = strings(&orders, "order_id");
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "order ids are unique"
    );
    assert!(
        strings(&orders, "shop_id")
            .iter()
            .all(|s| shop_set.contains(s.as_ref().unwrap()))
    );
    assert!(
        strings(&orders, "channel")
            .iter()
            .all(|c| contract::CHANNELS.contains(&c.as_deref().unwrap()))
    );
    assert!(
        strings(&orders, "status")
            .iter()
            .all(|c| contract::ORDER_STATUSES.contains(&c.as_deref().unwrap()))
    );
    for b in &orders {
        let amounts = b
            .column_by_name("amount_cny")
            .unwrap()
            .as_primitive::<Decimal128Type>();
        assert_eq!((amounts.precision(), amounts.scale()), (12, 2));
        assert!(amounts.iter().all(|a| a.is_some_and(|a| a >= 0)));
    }
    let (start, end) = (
        instant("2022-03-20T00:00:00+08:00"),
        instant("2022-05-11T00:00:00+08:00"),
    );
    assert!(
        values::<TimestampMicrosecondType>(&orders, "ordered_at")
            .iter()
            .all(|t| (start..end).contains(&t.unwrap()))
    );
    let customers = strings(&orders, "customer_ref");
    assert!(customers.iter().any(|c| c.is_none()));
    for c in customers.iter().flatten() {
        let mut parts = c.splitn(3, '-');
        assert_eq!(parts.next(), Some("c"));
        assert!(communities.contains(parts.next().unwrap()), "{c}");
        assert!(parts.next().unwrap().parse::<u32>().is_ok(), "{c}");
    }

    let footfall = read(&dir, "footfall");
    assert!(
        strings(&footfall, "shop_id")
            .iter()
            .all(|s| shop_set.contains(s.as_ref().unwrap()))
    );
    assert!(
        strings(&footfall, "source")
            .iter()
            .all(|c| contract::FOOTFALL_SOURCES.contains(&c.as_deref().unwrap()))
    );
    assert!(
        values::<Int64Type>(&footfall, "visitors")
            .iter()
            .all(|v| v.unwrap() >= 0)
    );
    let keys: Vec<_> = strings(&footfall, "shop_id")
        .into_iter()
        .zip(values::<Date32Type>(&footfall, "date"))
        .collect();
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        keys.len(),
        "one footfall row per shop and date"
    );

    let status = read(&dir, "shop_status");
    assert!(
        strings(&status, "shop_id")
            .iter()
            .all(|s| shop_set.contains(s.as_ref().unwrap()))
    );
    assert!(
        strings(&status, "status")
            .iter()
            .all(|c| contract::SHOP_STATUSES.contains(&c.as_deref().unwrap()))
    );

    let needs = read(&dir, "resident_needs");
    assert_eq!(needs.iter().map(|b| b.num_rows()).sum::<usize>(), 12 * 6);
    assert!(
        strings(&needs, "need")
            .iter()
            .all(|c| contract::NEEDS.contains(&c.as_deref().unwrap()))
    );
    let hh = values::<Int64Type>(&needs, "households");
    let elderly = values::<Int64Type>(&needs, "elderly_households");
    assert!(
        hh.iter()
            .zip(&elderly)
            .all(|(h, e)| e.unwrap() >= 0 && e.unwrap() <= h.unwrap())
    );

    let services = read(&dir, "shop_services");
    assert!(
        strings(&services, "shop_id")
            .iter()
            .all(|s| shop_set.contains(s.as_ref().unwrap()))
    );
    assert!(
        strings(&services, "service")
            .iter()
            .all(|c| contract::NEEDS.contains(&c.as_deref().unwrap()))
    );
    assert!(
        strings(&services, "mode")
            .iter()
            .all(|c| contract::SERVICE_MODES.contains(&c.as_deref().unwrap()))
    );

    assert!(
        fs::read_to_string(dir.join("README.md"))
            .unwrap()
            .contains("合成数据")
    );
}

#[test]
fn import_takes_every_generated_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("generated");
    let summary = tiny(
        &dir,
        15,
        3,
        district::date(2022, 4, 16),
        district::date(2022, 5, 6),
    );
    let report = crate::engine::import::import(
        &dir,
        &tmp.path().join("imported"),
        chrono_tz::Asia::Shanghai,
    )
    .unwrap();
    assert_eq!(report.rejected(), 0, "{report}");
    for t in &report.tables {
        assert_eq!(t.duplicates, 0, "{report}");
        assert_eq!(t.loaded, summary.rows(t.table), "{report}");
    }
}

#[test]
fn lockdown_and_calendar_rows_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    tiny(
        &dir,
        3,
        1,
        district::date(2022, 4, 1),
        district::date(2022, 5, 5),
    );
    let lockdowns = read(&dir, "lockdowns");
    assert_eq!(
        strings(&lockdowns, "lockdown_id"),
        [Some("gongshu-2022-04".to_string())]
    );
    assert_eq!(strings(&lockdowns, "area"), [Some("拱墅区".to_string())]);
    assert_eq!(
        strings(&lockdowns, "level"),
        [Some("level2_response".to_string())]
    );
    assert_eq!(
        values::<TimestampMicrosecondType>(&lockdowns, "starts_at"),
        [Some(instant("2022-04-23T02:00:00+08:00"))]
    );
    assert_eq!(
        values::<TimestampMicrosecondType>(&lockdowns, "ends_at"),
        [Some(instant("2022-04-30T00:00:00+08:00"))]
    );

    let calendar = read(&dir, "calendar");
    let rows: Vec<(String, String, String)> = values::<Date32Type>(&calendar, "date")
        .into_iter()
        .zip(strings(&calendar, "kind"))
        .zip(strings(&calendar, "name"))
        .map(|((d, k), n)| {
            let d = district::date(1970, 1, 1) + chrono::Duration::days(d.unwrap() as i64);
            (d.to_string(), k.unwrap(), n.unwrap())
        })
        .collect();
    let expected = [
        ("2022-04-02", "adjusted_workday", "清明节"),
        ("2022-04-03", "holiday", "清明节"),
        ("2022-04-04", "holiday", "清明节"),
        ("2022-04-05", "holiday", "清明节"),
        ("2022-04-24", "adjusted_workday", "劳动节"),
        ("2022-04-30", "holiday", "劳动节"),
        ("2022-05-01", "holiday", "劳动节"),
        ("2022-05-02", "holiday", "劳动节"),
        ("2022-05-03", "holiday", "劳动节"),
        ("2022-05-04", "holiday", "劳动节"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(
        district::calendar(district::date(2022, 3, 1), district::date(2022, 6, 30)).len(),
        14
    );
    // The whole year: 元旦, 春节 (with 1-29 and 1-30 worked), ..., 国庆节 (with 10-08 and 10-09).
    assert_eq!(
        district::calendar(district::date(2022, 1, 1), district::date(2022, 12, 31)).len(),
        38
    );
}

#[test]
fn every_shop_closes_at_the_lockdown_and_most_reopen_the_next_morning() {
    let zone = chrono_tz::Asia::Shanghai;
    let mut rng = random::stream(2022, Stream::District, 0, 0);
    let d = district::build(
        &mut rng,
        1000,
        district::date(2022, 3, 1),
        district::date(2022, 6, 30),
        &zone,
    );
    let (start, end) = (
        instant("2022-04-23T02:00:00+08:00"),
        instant("2022-04-30T00:00:00+08:00"),
    );
    assert_eq!(d.lockdown, (start, end));
    let spells: Vec<_> = d
        .shops
        .iter()
        .filter_map(|s| s.lockdown_closure())
        .collect();
    let opened_later = d
        .shops
        .iter()
        .filter(|s| s.opened_on.is_some_and(|o| o > district::date(2022, 4, 23)))
        .count();
    assert_eq!(spells.len() + opened_later, 1000);
    assert!(spells.iter().all(|c| c.start == start));
    let within_day = spells
        .iter()
        .filter(|c| c.end.is_some_and(|e| e - end <= 24 * 3_600_000_000))
        .count();
    let share = within_day as f64 / spells.len() as f64;
    assert!((0.8..0.95).contains(&share), "{share}");
    let never = spells.iter().filter(|c| c.end.is_none()).count();
    assert!((3..=25).contains(&never), "{never}");
    assert!(spells.iter().any(|c| c.repeated_after_min.is_some()));
    assert!(
        d.shops
            .iter()
            .any(|s| s.closures.iter().any(|c| c.reason == "renovation"))
    );
}

#[test]
fn liyuan_has_64_of_1000_shops_mostly_dining() {
    let zone = chrono_tz::Asia::Shanghai;
    let mut rng = random::stream(2022, Stream::District, 0, 0);
    let d = district::build(
        &mut rng,
        1000,
        district::date(2022, 3, 1),
        district::date(2022, 6, 30),
        &zone,
    );
    let liyuan: Vec<_> = d
        .shops
        .iter()
        .filter(|s| COMMUNITIES[s.community].id == "liyuan")
        .collect();
    assert_eq!(liyuan.len(), 64);
    let dining = liyuan
        .iter()
        .filter(|s| s.category == district::Category::Dining)
        .count();
    assert!(dining * 2 > liyuan.len(), "{dining} of {}", liyuan.len());
    let mut by_category: HashMap<&str, usize> = HashMap::new();
    for s in &d.shops {
        *by_category.entry(s.category.as_str()).or_default() += 1;
    }
    assert!(by_category["dining"] > by_category["fresh_produce"]);
    assert!(by_category["fresh_produce"] > by_category["barber"]);
    assert!(by_category["clinic"] > 0 && by_category["other"] > 0);
}

#[test]
fn orders_are_written_by_month() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    tiny(
        &dir,
        2,
        1,
        district::date(2022, 4, 29),
        district::date(2022, 6, 2),
    );
    let mut parts: Vec<_> = fs::read_dir(dir.join("orders"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    parts.sort();
    assert_eq!(
        parts,
        [
            "part-2022-04.parquet",
            "part-2022-05.parquet",
            "part-2022-06.parquet"
        ]
    );
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let err = generate(&GenerateOptions::new(2, 1, tmp.path())).unwrap_err();
    assert!(err.to_string().contains("did not write"), "{err}");
    assert!(tmp.path().join("notes.txt").exists());
}

#[test]
fn regenerating_replaces_an_earlier_district() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    tiny(
        &dir,
        2,
        1,
        district::date(2022, 3, 1),
        district::date(2022, 4, 2),
    );
    tiny(
        &dir,
        2,
        1,
        district::date(2022, 5, 1),
        district::date(2022, 5, 2),
    );
    let parts: Vec<_> = fs::read_dir(dir.join("orders")).unwrap().collect();
    assert_eq!(parts.len(), 1, "old months are gone");
}

#[test]
fn without_the_plant_the_same_seed_loses_only_the_members_group_orders() {
    let (with, without) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (from, to) = (district::date(2022, 4, 16), district::date(2022, 5, 6));
    tiny(&with.path().join("d"), 60, 3, from, to);
    let mut opts = GenerateOptions::new(60, 3, without.path().join("d"));
    (opts.from, opts.to, opts.plant) = (from, to, 0.0);
    generate(&opts).expect("generate");
    for table in TABLES.iter().filter(|t| **t != "orders") {
        assert_eq!(
            read(&with.path().join("d"), table),
            read(&without.path().join("d"), table),
            "{table}"
        );
    }
    // Every order of the unplanted district is in the planted one (same shop, instant,
    // channel and amount); what the plant adds is WeChat-group orders alone.
    let orders = |dir: &Path| -> Vec<(String, String)> {
        let batches = read(dir, "orders");
        let shops = strings(&batches, "shop_id");
        let channels = strings(&batches, "channel");
        let at = values::<TimestampMicrosecondType>(&batches, "ordered_at");
        let amounts = values::<Decimal128Type>(&batches, "amount_cny");
        (0..shops.len())
            .map(|i| {
                (
                    format!("{:?} {:?} {:?}", shops[i], at[i], amounts[i]),
                    channels[i].clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    let planted = orders(&with.path().join("d"));
    let plain = orders(&without.path().join("d"));
    let mut left: HashMap<(String, String), usize> = HashMap::new();
    for order in &planted {
        *left.entry(order.clone()).or_default() += 1;
    }
    for order in &plain {
        let n = left
            .get_mut(order)
            .expect("an unplanted order is in the planted district");
        *n -= 1;
    }
    let extra: Vec<&String> = left
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|((_, channel), _)| channel)
        .collect();
    assert!(planted.len() > plain.len(), "the plant adds orders");
    assert!(extra.iter().all(|c| *c == "wechat_group"), "{extra:?}");
}

#[test]
fn a_plant_out_of_range_is_refused_by_name_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    for (plant, shown) in [(-1.0, "-1"), (10.5, "10.5"), (f64::NAN, "NaN")] {
        let mut opts = GenerateOptions::new(5, 1, tmp.path().join("d"));
        opts.plant = plant;
        let message = generate(&opts).unwrap_err().to_string();
        assert_eq!(
            message,
            format!("parameter plant: {shown}: give a scale from 0 (nothing planted) to 10")
        );
        assert!(!tmp.path().join("d").exists());
    }
}
