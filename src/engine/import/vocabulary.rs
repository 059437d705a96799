//! The names a street office's sheets use for the contract's tables, columns and codes: the
//! built-in vocabulary (listed for users in docs/DATA.md, "Sheets as they come"), and the
//! rules for what a title row, a total row and a header look like.
//!
//! A header is compared after [`normalize`]: no spaces, no unit in brackets (`金额（元）` is
//! `金额`), ASCII lower case, full-width characters as ASCII. A contract name always matches
//! its own column.

use super::validate::half_width;

/// Other names of a column: (table, column, names). `*` is every table with that column.
pub const HEADERS: &[(&str, &str, &[&str])] = &[
    (
        "*",
        "shop_id",
        &[
            "店铺编号",
            "店铺id",
            "店铺代码",
            "商户编号",
            "商户号",
            "门店编号",
            "门店id",
        ],
    ),
    (
        "*",
        "community_id",
        &["社区编号", "社区代码", "社区id", "所属社区编号"],
    ),
    ("communities", "name_zh", &["社区名称", "社区", "中文名"]),
    ("communities", "name_en", &["英文名", "英文名称", "拼音"]),
    ("communities", "street", &["街道", "所属街道"]),
    ("communities", "households", &["户数", "总户数", "住户数"]),
    (
        "communities",
        "elderly_share",
        &["老年人占比", "老年人比例", "60岁以上占比", "老龄化率"],
    ),
    (
        "communities",
        "renter_share",
        &["租户占比", "租户比例", "租住比例"],
    ),
    (
        "shops",
        "name",
        &["店名", "店铺名称", "商户名称", "门店名称", "名称"],
    ),
    (
        "shops",
        "category",
        &["类别", "类型", "业态", "行业", "经营类别"],
    ),
    (
        "shops",
        "area_m2",
        &["面积", "营业面积", "面积㎡", "面积m2"],
    ),
    ("shops", "annual_rent_cny", &["年租金", "租金", "每年租金"]),
    ("shops", "opened_on", &["开业日期", "开业时间", "开店日期"]),
    (
        "shop_status",
        "changed_at",
        &["变更时间", "时间", "日期时间", "起始时间"],
    ),
    ("shop_status", "status", &["营业状态", "状态"]),
    ("shop_status", "reason", &["原因", "关停原因", "备注"]),
    (
        "orders",
        "order_id",
        &["单号", "订单号", "订单编号", "订单id", "流水号", "小票号"],
    ),
    (
        "orders",
        "ordered_at",
        &[
            "下单时间",
            "订单时间",
            "交易时间",
            "时间",
            "日期时间",
            "下单日期",
        ],
    ),
    (
        "orders",
        "channel",
        &["渠道", "下单渠道", "销售渠道", "订单来源", "来源", "方式"],
    ),
    (
        "orders",
        "amount_cny",
        &[
            "实收金额",
            "实收",
            "金额",
            "订单金额",
            "实付金额",
            "收款金额",
            "收款",
        ],
    ),
    ("orders", "status", &["状态", "订单状态", "交易状态"]),
    (
        "orders",
        "customer_ref",
        &["顾客", "顾客编号", "顾客代号", "客户", "客户编号", "会员号"],
    ),
    ("footfall", "date", &["日期"]),
    (
        "footfall",
        "visitors",
        &["客流", "客流量", "人数", "到店人数", "进店人数"],
    ),
    ("footfall", "source", &["来源", "数据来源", "统计方式"]),
    ("lockdowns", "lockdown_id", &["编号", "管控编号"]),
    ("lockdowns", "area", &["区域", "地区", "范围"]),
    ("lockdowns", "level", &["级别", "等级", "响应级别"]),
    ("lockdowns", "starts_at", &["开始时间", "起始时间"]),
    ("lockdowns", "ends_at", &["结束时间", "解除时间"]),
    ("lockdowns", "note", &["备注", "说明"]),
    ("calendar", "date", &["日期"]),
    ("calendar", "kind", &["类型", "种类"]),
    ("calendar", "name", &["名称", "节日", "节假日名称"]),
    ("resident_needs", "need", &["需求", "需求类型"]),
    ("resident_needs", "households", &["户数", "需求户数"]),
    (
        "resident_needs",
        "elderly_households",
        &["老年户数", "老人户数", "老年人户数"],
    ),
    (
        "shop_services",
        "service",
        &["服务", "服务类型", "服务项目"],
    ),
    ("shop_services", "mode", &["方式", "服务方式"]),
    (
        "shop_services",
        "since",
        &["开始日期", "起始日期", "开始时间"],
    ),
];

const NEED_WORDS: &[(&str, &[&str])] = &[
    ("groceries", &["买菜", "生鲜", "蔬菜", "粮油"]),
    ("meals", &["送餐", "餐食", "吃饭", "助餐"]),
    ("medicine", &["配药", "买药", "药品"]),
    ("haircut", &["理发"]),
    ("repairs", &["维修", "修理"]),
    ("errands", &["跑腿", "代办", "代购"]),
];

/// Other names of a code: (table, column, code, names).
pub const VALUES: &[(&str, &str, &str, &[&str])] = &[
    (
        "orders",
        "channel",
        "in_store",
        &["到店", "堂食", "门店", "店内", "线下", "现场"],
    ),
    (
        "orders",
        "channel",
        "wechat_group",
        &["微信群", "微信", "群接龙", "接龙", "微信接龙", "社区团购"],
    ),
    (
        "orders",
        "channel",
        "phone",
        &["电话", "电话订购", "电话订单", "电话下单"],
    ),
    (
        "orders",
        "channel",
        "delivery_platform",
        &["美团", "饿了么", "外卖", "外卖平台", "美团外卖", "京东到家"],
    ),
    (
        "orders",
        "channel",
        "livestream",
        &["直播", "抖音", "抖音直播", "快手", "视频号"],
    ),
    (
        "orders",
        "channel",
        "errand",
        &["跑腿", "代购", "志愿者代购", "跑腿代购"],
    ),
    (
        "orders",
        "status",
        "completed",
        &["已完成", "完成", "已支付", "已付款", "交易成功", "成功"],
    ),
    ("orders", "status", "refunded", &["已退款", "退款", "退单"]),
    (
        "orders",
        "status",
        "cancelled",
        &["已取消", "取消", "已关闭", "关闭"],
    ),
    (
        "shop_status",
        "status",
        "open",
        &["营业", "开业", "正常营业", "营业中", "开门", "复工"],
    ),
    (
        "shop_status",
        "status",
        "closed",
        &["停业", "歇业", "关闭", "关门", "暂停营业", "闭店"],
    ),
    (
        "shops",
        "category",
        "dining",
        &["餐饮", "饭店", "小吃", "餐馆", "早餐"],
    ),
    (
        "shops",
        "category",
        "fresh_produce",
        &["生鲜", "果蔬", "蔬菜", "水果", "肉菜"],
    ),
    ("shops", "category", "hardware", &["五金", "建材"]),
    ("shops", "category", "barber", &["理发", "美发", "理发店"]),
    ("shops", "category", "clinic", &["诊所", "药店", "卫生室"]),
    (
        "shops",
        "category",
        "convenience",
        &["便利店", "超市", "小卖部"],
    ),
    ("shops", "category", "other", &["其他", "其它"]),
    (
        "footfall",
        "source",
        "door_counter",
        &["计数器", "门口计数器", "客流计数器"],
    ),
    ("footfall", "source", "wifi_probe", &["wifi探针", "探针"]),
    (
        "footfall",
        "source",
        "manual",
        &["手工", "人工", "手工记录"],
    ),
    (
        "calendar",
        "kind",
        "holiday",
        &["节假日", "假日", "法定节假日", "放假"],
    ),
    (
        "calendar",
        "kind",
        "adjusted_workday",
        &["调休", "调休上班", "补班"],
    ),
    (
        "shop_services",
        "mode",
        "wechat_order",
        &["微信下单", "微信", "微信群"],
    ),
    (
        "shop_services",
        "mode",
        "phone_order",
        &["电话下单", "电话"],
    ),
    (
        "shop_services",
        "mode",
        "delivery",
        &["配送", "送货上门", "送货"],
    ),
    ("shop_services", "mode", "home_visit", &["上门", "上门服务"]),
    ("shop_services", "mode", "livestream", &["直播"]),
    ("shop_services", "mode", "errand", &["跑腿"]),
];

/// Chinese names a file or sheet may carry for a table (`订单-4月.xlsx` is orders).
pub const TABLE_NAMES: &[(&str, &[&str])] = &[
    ("communities", &["社区"]),
    ("shops", &["店铺", "商户", "门店"]),
    ("shop_status", &["营业状态", "停业记录"]),
    ("orders", &["订单", "订单明细", "销售记录", "流水"]),
    ("footfall", &["客流"]),
    ("lockdowns", &["管控", "封控"]),
    ("calendar", &["日历", "节假日"]),
    ("resident_needs", &["居民需求", "需求清单"]),
    ("shop_services", &["店铺服务", "服务清单"]),
];

/// Words that mark a row as a sum of the rows above, not a row of its own.
const TOTAL_WORDS: &[&str] = &["合计", "小计", "总计", "共计", "总和", "total", "subtotal"];

/// A header or a value as the vocabulary compares it.
pub fn normalize(text: &str) -> String {
    let text = half_width(text.trim_start_matches('\u{feff}'));
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '*' || c == ':' || c == '：' => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// The contract column a header names in `table`, by the built-in vocabulary.
pub fn column_for_header(
    table: &str,
    columns: &[&'static str],
    header: &str,
) -> Option<&'static str> {
    let header = normalize(header);
    if header.is_empty() {
        return None;
    }
    if let Some(c) = columns.iter().find(|c| **c == header) {
        return Some(c);
    }
    HEADERS
        .iter()
        .filter(|(t, c, _)| (*t == "*" || *t == table) && columns.contains(c))
        .find(|(_, _, names)| names.contains(&header.as_str()))
        .and_then(|(_, c, _)| columns.iter().find(|x| *x == c).copied())
}

/// The contract code a value stands for in `table.column`, by the built-in vocabulary.
pub fn code_for_value(table: &str, column: &str, value: &str) -> Option<&'static str> {
    let value = normalize(value);
    if matches!(column, "need" | "service") {
        return NEED_WORDS
            .iter()
            .find(|(_, names)| names.contains(&value.as_str()))
            .map(|(code, _)| *code);
    }
    VALUES
        .iter()
        .find(|(t, c, _, names)| *t == table && *c == column && names.contains(&value.as_str()))
        .map(|(_, _, code, _)| *code)
}

/// The table a Chinese file or sheet name stands for: a name of [`TABLE_NAMES`] at its start.
pub fn table_for_chinese_name(stem: &str) -> Option<&'static str> {
    let stem = normalize(stem);
    TABLE_NAMES
        .iter()
        .flat_map(|(table, names)| names.iter().map(move |n| (*table, *n)))
        .filter(|(_, name)| stem.starts_with(name))
        .max_by_key(|(_, name)| name.len())
        .map(|(table, _)| table)
}

/// Whether a row is a total (合计, 小计, 总计 ... in a cell of its own, `本月合计：`, `4月小计`).
pub fn is_total_row(cells: &[String]) -> bool {
    cells.iter().any(|cell| {
        let cell = normalize(cell);
        TOTAL_WORDS
            .iter()
            .any(|w| cell == *w || (cell.chars().count() <= 8 && cell.ends_with(w)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_with_units_spaces_and_full_width_letters_match() {
        let orders = ["order_id", "shop_id", "amount_cny", "customer_ref"];
        assert_eq!(
            column_for_header("orders", &orders, "实收金额（元）"),
            Some("amount_cny")
        );
        assert_eq!(
            column_for_header("orders", &orders, " 单 号 "),
            Some("order_id")
        );
        assert_eq!(
            column_for_header("orders", &orders, "店铺ＩＤ"),
            Some("shop_id")
        );
        assert_eq!(
            column_for_header("orders", &orders, "Amount_CNY"),
            Some("amount_cny")
        );
        assert_eq!(column_for_header("orders", &orders, "备注"), None);
        assert_eq!(column_for_header("orders", &orders, "（元）"), None);
    }

    #[test]
    fn codes_depend_on_the_table() {
        assert_eq!(
            code_for_value("orders", "channel", "饿了么"),
            Some("delivery_platform")
        );
        assert_eq!(
            code_for_value("orders", "status", "关闭"),
            Some("cancelled")
        );
        assert_eq!(
            code_for_value("shop_status", "status", "关闭"),
            Some("closed")
        );
        assert_eq!(code_for_value("orders", "channel", "WiFi探针"), None);
        assert_eq!(
            code_for_value("footfall", "source", "WiFi探针"),
            Some("wifi_probe")
        );
        assert_eq!(
            code_for_value("resident_needs", "need", "配药"),
            Some("medicine")
        );
    }

    #[test]
    fn total_rows_are_told_from_orders() {
        let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(is_total_row(&row(&["合计", "", "", "1,234.00"])));
        assert!(is_total_row(&row(&["", "本月合计：", "88"])));
        assert!(is_total_row(&row(&["4月小计"])));
        assert!(is_total_row(&row(&["Total", "12"])));
        assert!(!is_total_row(&row(&["o1", "张三", "12.50"])));
        assert!(!is_total_row(&row(&["合计金额超过一百元的订单都要记下来"])));
    }

    #[test]
    fn docs_list_the_whole_vocabulary() {
        let docs = include_str!("../../../docs/DATA.md");
        let names = HEADERS
            .iter()
            .flat_map(|(_, _, n)| n.iter())
            .chain(VALUES.iter().flat_map(|(_, _, _, n)| n.iter()))
            .chain(NEED_WORDS.iter().flat_map(|(_, n)| n.iter()))
            .chain(TABLE_NAMES.iter().flat_map(|(_, n)| n.iter()));
        for name in names {
            assert!(docs.contains(name), "docs/DATA.md does not list {name}");
        }
    }

    #[test]
    fn chinese_file_names_name_tables() {
        assert_eq!(table_for_chinese_name("订单-2022年4月"), Some("orders"));
        assert_eq!(table_for_chinese_name("营业状态"), Some("shop_status"));
        assert_eq!(
            table_for_chinese_name("店铺服务清单"),
            Some("shop_services")
        );
        assert_eq!(table_for_chinese_name("店铺"), Some("shops"));
        assert_eq!(table_for_chinese_name("信德生鲜"), None);
    }
}
