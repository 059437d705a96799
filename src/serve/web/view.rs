//! The reader's choices from a page's query string (language, filters, PNG scale, CSV
//! encoding), shared by the pages and the downloads so both read them one way.

use std::collections::BTreeMap;

use super::{Loaded, WebError};
use crate::engine::format::CsvEncoding;
use crate::figures::dashboards::Filter;
use crate::figures::panels::Filters;
use crate::labels::Lang;

/// The reader's choices from the query string: language and filters. Anything else is a
/// mistake worth saying so.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub lang: Lang,
    pub filters: Filters,
    /// PNG scale for downloads (1 to 3).
    pub scale: u32,
    /// CSV downloads: UTF-8 with a byte-order mark unless `bom=0` or `encoding=gb18030`.
    pub csv: CsvEncoding,
}

impl View {
    pub fn from_query(query: &BTreeMap<String, String>, loaded: &Loaded) -> Result<View, WebError> {
        let mut view = View {
            lang: Lang::parse(query.get("lang").map(String::as_str)),
            filters: Filters::new(),
            scale: 2,
            csv: CsvEncoding::from_options(
                query.get("encoding").map(String::as_str),
                query.get("bom").map(String::as_str),
            )
            .map_err(WebError::BadRequest)?,
        };
        for (key, value) in query {
            match key.as_str() {
                "lang" | "bom" | "encoding" => {}
                "scale" => {
                    view.scale = value
                        .parse()
                        .ok()
                        .filter(|s| (1..=3).contains(s))
                        .ok_or_else(|| {
                            WebError::BadRequest(format!("scale={value}: use 1, 2 or 3"))
                        })?;
                }
                "lockdown" | "community" | "category" => {
                    if value.is_empty() {
                        continue;
                    }
                    let filter = match key.as_str() {
                        "lockdown" => Filter::Lockdown,
                        "community" => Filter::Community,
                        _ => Filter::Category,
                    };
                    check_filter(filter, value, loaded)?;
                    view.filters.insert(filter, value.clone());
                }
                other => {
                    return Err(WebError::BadRequest(format!(
                        "未知参数 {other} / unknown parameter {other}: use lang, lockdown, community, category (downloads: scale, bom, encoding)"
                    )));
                }
            }
        }
        Ok(view)
    }

    /// The query string that reproduces this view, with `change` applied.
    pub fn href(&self, path: &str, lang: Lang, change: Option<(Filter, &str)>) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if lang == Lang::En {
            pairs.push(("lang".into(), "en".into()));
        }
        let mut filters = self.filters.clone();
        if let Some((filter, value)) = change {
            filters.insert(filter, value.to_string());
        }
        for (filter, value) in &filters {
            if !value.is_empty() {
                pairs.push((filter_key(*filter).into(), value.clone()));
            }
        }
        if pairs.is_empty() {
            return path.to_string();
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }
}

pub fn filter_key(filter: Filter) -> &'static str {
    match filter {
        Filter::Lockdown => "lockdown",
        Filter::Community => "community",
        Filter::Category => "category",
    }
}

fn check_filter(filter: Filter, value: &str, loaded: &Loaded) -> Result<(), WebError> {
    let known = match filter {
        Filter::Lockdown => loaded.study.lockdowns.iter().any(|(id, _, _)| id == value),
        Filter::Community => loaded
            .study
            .communities
            .iter()
            .any(|(id, _, _)| id == value),
        Filter::Category => crate::engine::contract::CATEGORIES.contains(&value),
    };
    if known {
        Ok(())
    } else {
        Err(WebError::BadRequest(format!(
            "没有这个{}：{value} / no such {}: {value}",
            match filter {
                Filter::Lockdown => "封控",
                Filter::Community => "社区",
                Filter::Category => "类别",
            },
            filter_key(filter)
        )))
    }
}

pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A link on a page: its words and where it goes (already a query string for the view).
pub struct Link {
    pub text: String,
    pub href: String,
}
