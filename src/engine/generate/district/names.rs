//! Shop names: a person or a place and what the shop sells (老王面馆, 运河五金), never the
//! same name twice in one district.

use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::Category;

const PEOPLE: &[&str] = &[
    "老王",
    "老张",
    "阿芳",
    "小李",
    "阿强",
    "老陈",
    "刘记",
    "周记",
    "胖哥",
    "阿婆",
    "三毛",
    "小林",
    "吴妈",
    "老杭州",
    "金华",
    "兰溪",
    "绍兴",
    "温州",
    "安吉",
    "东北",
    "阿毛",
    "老钱",
    "小沈",
    "徐记",
    "阿华",
    "红梅",
    "建国",
    "阿忠",
    "老孙",
    "小蒋",
];
const PLACES: &[&str] = &[
    "朝晖", "运河", "黎园", "梅园", "香积", "和睦", "上塘", "湖墅", "潮王", "稻香", "德胜", "新村",
];

fn name_parts(category: Category) -> &'static [&'static str] {
    match category {
        Category::Dining => &[
            "面馆",
            "片儿川",
            "馄饨",
            "小笼包",
            "快餐",
            "烧烤&啤酒",
            "饺子馆",
            "小吃",
            "酱鸭",
            "大排档",
            "煲仔饭",
            "麻辣烫",
            "早餐店",
            "米线",
            "私房菜",
        ],
        Category::FreshProduce => &[
            "鲜果",
            "果蔬",
            "生鲜",
            "肉铺",
            "菜店",
            "水产",
            "豆腐坊",
            "鲜肉店",
            "蔬菜摊",
        ],
        Category::Convenience => &["便利店", "小卖部", "超市", "烟酒店", "日杂店"],
        Category::Barber => &["理发", "发艺", "美发", "剪艺", "理发店"],
        Category::Hardware => &["五金", "水电五金", "锁具五金", "五金建材", "家电维修"],
        Category::Clinic => &["诊所", "口腔门诊", "中医诊所", "大药房", "推拿馆"],
        Category::Other => &[
            "裁缝铺",
            "干洗店",
            "花店",
            "打印店",
            "修鞋铺",
            "彩票站",
            "眼镜店",
        ],
    }
}

pub(super) fn shop_name(
    rng: &mut ChaCha8Rng,
    category: Category,
    used: &mut HashSet<String>,
) -> String {
    let parts = name_parts(category);
    for _ in 0..6 {
        let prefix = if rng.random_bool(0.6) {
            PEOPLE[rng.random_range(0..PEOPLE.len())]
        } else {
            PLACES[rng.random_range(0..PLACES.len())]
        };
        let name = format!("{prefix}{}", parts[rng.random_range(0..parts.len())]);
        if used.insert(name.clone()) {
            return name;
        }
    }
    // A street this size has branches: 二店, 三店, ...
    let base = format!(
        "{}{}",
        PLACES[rng.random_range(0..PLACES.len())],
        parts[rng.random_range(0..parts.len())]
    );
    let mut n = 2;
    loop {
        let name = format!("{base}({n}号店)");
        if used.insert(name.clone()) {
            return name;
        }
        n += 1;
    }
}
