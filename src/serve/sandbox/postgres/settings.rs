//! The server settings `SHOW`, `current_setting()` and `pg_settings` answer.

use super::SERVER_VERSION;

/// The settings `SHOW`, `current_setting` and `pg_settings` answer.
pub const SETTINGS: &[(&str, &str)] = &[
    ("server_version", SERVER_VERSION),
    ("server_version_num", "160004"),
    ("server_encoding", "UTF8"),
    ("client_encoding", "UTF8"),
    ("standard_conforming_strings", "on"),
    ("transaction_isolation", "read committed"),
    ("default_transaction_isolation", "read committed"),
    ("transaction_read_only", "on"),
    ("default_transaction_read_only", "on"),
    ("search_path", "\"$user\", public"),
    ("datestyle", "ISO, MDY"),
    ("intervalstyle", "postgres"),
    ("integer_datetimes", "on"),
    ("extra_float_digits", "1"),
    ("max_identifier_length", "63"),
    ("max_index_keys", "32"),
    ("lc_collate", "C.UTF-8"),
    ("lc_ctype", "C.UTF-8"),
    ("is_superuser", "off"),
    ("application_name", ""),
    ("bytea_output", "hex"),
];

/// The value of `name` (case-insensitive, `transaction isolation level` as Postgres names
/// it too); `zone` answers `TimeZone`.
pub fn setting(name: &str, zone: &str) -> Option<String> {
    let name = name.trim().to_ascii_lowercase().replace(' ', "_");
    let name = match name.as_str() {
        "transaction_isolation_level" => "transaction_isolation",
        "timezone" | "time_zone" => return Some(zone.to_string()),
        other => other,
    };
    SETTINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}
