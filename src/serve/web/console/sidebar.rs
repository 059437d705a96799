//! The console's sidebar: every table a planner's SQL sees with its columns and their
//! types, the same names as JSON for the editor's completion, and the canned queries of
//! `queries/` with their parameters.

use super::Console;
use crate::engine::contract;
use crate::labels::Lang;
use crate::serve::sandbox;
use crate::serve::sandbox::postgres::column_type;
use crate::serve::web::Loaded;

pub(super) struct TableInfo {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) columns: Vec<(String, String)>,
}

pub(super) struct CannedInfo {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) description: String,
    /// Name, type, default, what it means.
    pub(super) params: Vec<(String, String, String, String)>,
    pub(super) open: String,
}

/// The sidebar's tables as `{"table": ["column", …]}`, what the editor's completion reads.
pub(super) fn schema_json(tables: &[TableInfo]) -> String {
    let map: serde_json::Map<String, serde_json::Value> = tables
        .iter()
        .map(|t| {
            let columns = t.columns.iter().map(|(name, _)| name.clone().into());
            (t.name.clone(), serde_json::Value::Array(columns.collect()))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// The console's sidebar: every table a planner's SQL sees, with its columns and types.
pub(super) fn tables(loaded: &Loaded) -> Vec<TableInfo> {
    let mut out = Vec::new();
    for spec in contract::TABLES {
        let Some(schema) = loaded.tables.schema(spec.name) else {
            continue;
        };
        let mut description = spec.description.to_string();
        if spec.name == sandbox::HIDDEN_COLUMN.0 {
            description.push_str(&format!(
                " ({} is not shown here: see {}.)",
                sandbox::HIDDEN_COLUMN.1,
                sandbox::CUSTOMERS_VIEW
            ));
        }
        out.push(TableInfo {
            name: spec.name.to_string(),
            description,
            columns: schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), column_type(f.data_type()).word))
                .collect(),
        });
    }
    if let Some(schema) = loaded.tables.schema(sandbox::CUSTOMERS_VIEW) {
        out.push(TableInfo {
            name: sandbox::CUSTOMERS_VIEW.to_string(),
            description: "Completed orders and distinct customers (customer_ref) per shop and local date: the only way customers can be counted here.".into(),
            columns: schema
                .fields()
                .iter()
                .map(|f| (f.name().clone(), column_type(f.data_type()).word))
                .collect(),
        });
    }
    out
}

pub(super) fn canned_list(loaded: &Loaded, lang: Lang) -> Vec<CannedInfo> {
    let library = &loaded.engine.library;
    library
        .files()
        .map(|file| {
            let params = library.params_of(file).unwrap_or_default();
            let example = Console {
                lang,
                sql: format!("SELECT * FROM {} LIMIT 100", file.name),
                ..Console::default()
            };
            CannedInfo {
                name: file.name.clone(),
                title: file.title_in(lang.is_en()).to_string(),
                description: file.description.clone(),
                params: params
                    .into_iter()
                    .map(|p| {
                        (
                            p.name,
                            format!("{:?}", p.ty).to_lowercase(),
                            p.default.unwrap_or_default(),
                            p.doc,
                        )
                    })
                    .collect(),
                open: example.href("/sql", None, false),
            }
        })
        .collect()
}
