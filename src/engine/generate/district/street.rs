//! The street's fixed facts: its communities (households, elderly and renting shares, how
//! fast each came back to the shops) and the kinds of shop, with what each kind is like.

/// A residential community (社区) of the street. Names are made up except 黎园社区.
pub struct Community {
    pub id: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub households: i64,
    pub elderly_share: f64,
    pub renter_share: f64,
    /// Days for in-store trade to make up two thirds of what it lost by reopening: older,
    /// more-renting communities came back to the shops more slowly.
    pub recovery_tau_days: f64,
}

pub const STREET: &str = "朝晖街道";

pub const COMMUNITIES: &[Community] = &[
    Community {
        id: "liyuan",
        name_zh: "黎园社区",
        name_en: "Liyuan",
        households: 2000,
        elderly_share: 0.33,
        renter_share: 0.33,
        recovery_tau_days: 6.0,
    },
    Community {
        id: "meiyuan",
        name_zh: "梅园社区",
        name_en: "Meiyuan",
        households: 2650,
        elderly_share: 0.29,
        renter_share: 0.21,
        recovery_tau_days: 4.5,
    },
    Community {
        id: "xiangzhang",
        name_zh: "香樟社区",
        name_en: "Xiangzhang",
        households: 3120,
        elderly_share: 0.24,
        renter_share: 0.27,
        recovery_tau_days: 4.0,
    },
    Community {
        id: "qiaoxi",
        name_zh: "桥西社区",
        name_en: "Qiaoxi",
        households: 2380,
        elderly_share: 0.36,
        renter_share: 0.18,
        recovery_tau_days: 8.0,
    },
    Community {
        id: "wenhuiyuan",
        name_zh: "文晖苑社区",
        name_en: "Wenhuiyuan",
        households: 3460,
        elderly_share: 0.21,
        renter_share: 0.38,
        recovery_tau_days: 4.0,
    },
    Community {
        id: "jinghe",
        name_zh: "景和社区",
        name_en: "Jinghe",
        households: 1870,
        elderly_share: 0.31,
        renter_share: 0.25,
        recovery_tau_days: 5.5,
    },
    Community {
        id: "chaoyang",
        name_zh: "朝阳新村社区",
        name_en: "Chaoyang Xincun",
        households: 2940,
        elderly_share: 0.38,
        renter_share: 0.16,
        recovery_tau_days: 9.5,
    },
    Community {
        id: "hemuli",
        name_zh: "和睦里社区",
        name_en: "Hemuli",
        households: 2210,
        elderly_share: 0.27,
        renter_share: 0.42,
        recovery_tau_days: 5.0,
    },
    Community {
        id: "anqing",
        name_zh: "安庆社区",
        name_en: "Anqing",
        households: 2560,
        elderly_share: 0.34,
        renter_share: 0.22,
        recovery_tau_days: 7.0,
    },
    Community {
        id: "shangtanghe",
        name_zh: "上塘河社区",
        name_en: "Shangtanghe",
        households: 3280,
        elderly_share: 0.19,
        renter_share: 0.35,
        recovery_tau_days: 4.5,
    },
    Community {
        id: "yuhua",
        name_zh: "毓华社区",
        name_en: "Yuhua",
        households: 1740,
        elderly_share: 0.37,
        renter_share: 0.14,
        recovery_tau_days: 10.0,
    },
    Community {
        id: "xinfeng",
        name_zh: "新丰社区",
        name_en: "Xinfeng",
        households: 2990,
        elderly_share: 0.26,
        renter_share: 0.31,
        recovery_tau_days: 4.5,
    },
];

/// The one community the project was first asked about gets a fixed share of the shops:
/// 64 of 1,000, mostly places to eat.
pub const LIYUAN_SHOP_SHARE: f64 = 0.064;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Dining,
    FreshProduce,
    Convenience,
    Barber,
    Hardware,
    Clinic,
    Other,
}

pub const ALL_CATEGORIES: [Category; 7] = [
    Category::Dining,
    Category::FreshProduce,
    Category::Convenience,
    Category::Barber,
    Category::Hardware,
    Category::Clinic,
    Category::Other,
];

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Dining => "dining",
            Category::FreshProduce => "fresh_produce",
            Category::Convenience => "convenience",
            Category::Barber => "barber",
            Category::Hardware => "hardware",
            Category::Clinic => "clinic",
            Category::Other => "other",
        }
    }

    /// Share of the street's shops, in the order of `ALL_CATEGORIES`.
    pub(super) fn weight(self, liyuan: bool) -> f64 {
        match (self, liyuan) {
            (Category::Dining, false) => 0.34,
            (Category::FreshProduce, false) => 0.20,
            (Category::Convenience, false) => 0.15,
            (Category::Barber, false) => 0.11,
            (Category::Hardware, false) => 0.09,
            (Category::Clinic, false) => 0.06,
            (Category::Other, false) => 0.05,
            (Category::Dining, true) => 0.56,
            (Category::FreshProduce, true) => 0.12,
            (Category::Convenience, true) => 0.10,
            (Category::Barber, true) => 0.08,
            (Category::Hardware, true) => 0.05,
            (Category::Clinic, true) => 0.05,
            (Category::Other, true) => 0.04,
        }
    }

    /// Floor area range in m².
    pub(super) fn area(self) -> (f64, f64) {
        match self {
            Category::Dining => (18.0, 90.0),
            Category::FreshProduce => (8.0, 45.0),
            Category::Convenience => (15.0, 70.0),
            Category::Barber => (12.0, 45.0),
            Category::Hardware => (15.0, 60.0),
            Category::Clinic => (30.0, 140.0),
            Category::Other => (8.0, 50.0),
        }
    }

    /// Orders on an ordinary weekday, all channels, for a typical shop.
    pub fn base_orders(self) -> f64 {
        match self {
            Category::Dining => 45.0,
            Category::FreshProduce => 55.0,
            Category::Convenience => 70.0,
            Category::Barber => 12.0,
            Category::Hardware => 8.0,
            Category::Clinic => 15.0,
            Category::Other => 14.0,
        }
    }

    /// Share of orders placed online before the lockdown.
    pub fn online_share(self) -> (f64, f64) {
        match self {
            Category::Dining => (0.08, 0.25),
            Category::FreshProduce => (0.04, 0.14),
            Category::Convenience => (0.02, 0.08),
            Category::Barber => (0.0, 0.04),
            Category::Hardware => (0.03, 0.10),
            Category::Clinic => (0.01, 0.06),
            Category::Other => (0.02, 0.08),
        }
    }

    /// Revenue sold online while closed, as a fraction of a normal day's revenue.
    pub fn lockdown_revenue(self) -> (f64, f64) {
        match self {
            Category::Dining => (0.30, 0.50),
            Category::FreshProduce => (0.60, 1.20),
            Category::Convenience => (0.45, 0.90),
            Category::Barber => (0.0, 0.03),
            Category::Hardware => (0.05, 0.25),
            Category::Clinic => (0.05, 0.20),
            Category::Other => (0.05, 0.30),
        }
    }

    /// Probability that a shop of this kind reopened days after the lockdown ended, not
    /// the morning it did: barbers and clinics waited for staff and inspections.
    pub(super) fn late_reopen(self) -> f64 {
        match self {
            Category::Barber | Category::Clinic => 0.18,
            Category::Other | Category::Hardware => 0.12,
            _ => 0.08,
        }
    }
}
