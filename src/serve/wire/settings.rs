//! `SET` and `SHOW` on the wire: what drivers ask the server, and the settings a connection
//! set for itself (remembered for that connection only, read by `SHOW` alone).

use super::*;

/// The setting a `SHOW` asks for, if `sql` is one.
pub(super) fn show(sql: &str) -> Option<String> {
    if statements(sql) != Some(1) {
        return None;
    }
    let sql = sql.trim().trim_end_matches(';').trim();
    let (first, rest) = sql.split_once(char::is_whitespace)?;
    first
        .eq_ignore_ascii_case("SHOW")
        .then(|| rest.trim().trim_matches('"').to_string())
}

/// What this connection's `SET`s said, by [`setting_key`]; `SHOW` answers from it first.
/// Nothing else reads it: the sandbox's zone, search path and number format stay.
#[derive(Default)]
pub(super) struct SessionSettings(pub(super) std::sync::Mutex<BTreeMap<String, String>>);

/// A setting's name as `SET` and `SHOW` match it: `TimeZone`, `time zone` → `timezone`.
pub(super) fn setting_key(name: &str) -> String {
    let key = name
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase()
        .replace(' ', "_");
    match key.as_str() {
        "time_zone" => "timezone".into(),
        "transaction_isolation_level" => "transaction_isolation".into(),
        _ => key,
    }
}

/// `SET [SESSION | LOCAL] name { TO | = } value` as (name, value), the value as `SHOW`
/// writes it (`'UTC'` → `UTC`, `"$user", public` kept); None for other `SET`s
/// (`SET SESSION CHARACTERISTICS …`, `SET TRANSACTION …`), which change nothing.
pub(super) fn parse_set(sql: &str) -> Option<(String, String)> {
    let sql = sql.trim().trim_end_matches(';').trim();
    let rest = sql
        .get(..3)
        .filter(|w| w.eq_ignore_ascii_case("SET"))
        .map(|_| &sql[3..])?;
    let mut rest = rest.trim_start();
    for scope in ["SESSION ", "LOCAL "] {
        if rest.len() > scope.len() && rest[..scope.len()].eq_ignore_ascii_case(scope) {
            rest = rest[scope.len()..].trim_start();
        }
    }
    let lower = rest.to_ascii_lowercase();
    let (name, value) = if lower.starts_with("time zone ") {
        ("timezone".to_string(), &rest["time zone ".len()..])
    } else {
        let end = rest.find(|c: char| c.is_whitespace() || c == '=')?;
        let (name, after) = rest.split_at(end);
        let after = after.trim_start();
        let value = if let Some(v) = after.strip_prefix('=') {
            v
        } else if after.len() > 3 && after[..3].eq_ignore_ascii_case("TO ") {
            &after[3..]
        } else {
            return None;
        };
        (setting_key(name), value)
    };
    let value = value
        .split(',')
        .map(|part| {
            let part = part.trim();
            part.strip_prefix('\'')
                .and_then(|p| p.strip_suffix('\''))
                .map_or_else(|| part.to_string(), |p| p.replace("''", "'"))
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some((name, value))
}

/// Remembers a `SET`, forgets on `RESET` and `DISCARD ALL`.
pub(super) fn remember(client: &impl ClientInfo, sql: &str) {
    let settings = client
        .session_extensions()
        .get_or_insert_with(SessionSettings::default);
    let Ok(mut map) = settings.0.lock() else {
        return;
    };
    let words: Vec<String> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["discard", ..] | ["reset", "all"] => map.clear(),
        ["reset", name @ ..] => {
            map.remove(&setting_key(&name.join(" ")));
        }
        _ => {
            if let Some((name, value)) = parse_set(sql) {
                map.insert(name, value);
            }
        }
    }
}

/// The session's own value of `name`, if a `SET` gave it one.
pub(super) fn session_setting(client: &impl ClientInfo, name: &str) -> Option<String> {
    let settings = client.session_extensions().get::<SessionSettings>()?;
    let map = settings.0.lock().ok()?;
    map.get(&setting_key(name)).cloned()
}

/// `SHOW name`'s one row, with the column named as Postgres names it: the session's
/// value if it set one, else the server's.
pub(super) fn show_result(
    name: &str,
    zone: &str,
    session: Option<String>,
) -> PgWireResult<QueryResult> {
    let value = session
        .or_else(|| postgres::setting(name, zone))
        .ok_or_else(|| {
            user_error(
                "ERROR",
                "42704",
                format!("unrecognized configuration parameter \"{name}\""),
            )
        })?;
    let mut column = name.trim().to_ascii_lowercase().replace(' ', "_");
    if column == "transaction_isolation_level" {
        column = "transaction_isolation".into();
    }
    let schema = Arc::new(Schema::new(vec![Field::new(column, DataType::Utf8, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(vec![value])) as ArrayRef],
    )
    .map_err(|e| user_error("ERROR", "XX000", e.to_string()))?;
    Ok(QueryResult {
        schema,
        batches: vec![batch],
    })
}
