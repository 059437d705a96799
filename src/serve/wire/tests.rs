//! The wire's parsing of statements and settings, without a client.

use super::*;

#[test]
fn statements_are_counted_by_their_tokens() {
    assert_eq!(statements("SELECT 1"), Some(1));
    assert_eq!(statements("SELECT 1;"), Some(1));
    assert_eq!(statements(" ; SELECT 1 ;; "), Some(1));
    assert_eq!(statements("SELECT ';' -- ; SELECT 2\n"), Some(1));
    assert_eq!(statements("SELECT 1 /* ; */ ; "), Some(1));
    assert_eq!(statements("SET x = 1; SELECT 1"), Some(2));
    assert_eq!(statements("BEGIN;COMMIT;ROLLBACK"), Some(3));
    assert_eq!(statements(""), Some(0));
    assert_eq!(statements("SELECT 'unterminated; SELECT 2"), None);
}

#[test]
fn chatter_is_one_statement_known_by_its_first_word() {
    assert_eq!(chatter("SET extra_float_digits = 3"), Some("SET"));
    assert_eq!(chatter("  begin;"), Some("BEGIN"));
    assert_eq!(chatter("DISCARD ALL"), Some("DISCARD ALL"));
    assert_eq!(chatter("SET x = 1; SELECT 1"), None);
    assert_eq!(chatter("SET x = 'unterminated"), None);
    assert_eq!(chatter("SELECT 1"), None);
    assert!(one_statement("SET x = 1; SELECT 1").is_err());
    assert!(one_statement("SELECT 1;").is_ok());
}

#[test]
fn set_is_read_as_postgres_reads_it() {
    let set = |sql: &str| parse_set(sql).map(|(n, v)| format!("{n}={v}"));
    assert_eq!(
        set("SET extra_float_digits = 3").as_deref(),
        Some("extra_float_digits=3")
    );
    assert_eq!(
        set("set TimeZone TO 'UTC';").as_deref(),
        Some("timezone=UTC")
    );
    assert_eq!(
        set("SET TIME ZONE 'Asia/Shanghai'").as_deref(),
        Some("timezone=Asia/Shanghai")
    );
    assert_eq!(
        set("SET SESSION search_path TO \"$user\", public").as_deref(),
        Some("search_path=\"$user\", public")
    );
    assert_eq!(
        set("SET application_name='it''s'").as_deref(),
        Some("application_name=it's")
    );
    assert_eq!(
        set("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"),
        None
    );
    assert_eq!(setting_key("TimeZone"), "timezone");
}

#[test]
fn a_long_value_is_not_formatted_past_the_budget() {
    let mut text = Bounded {
        text: String::new(),
        left: 4,
        over: false,
    };
    assert!(write!(text, "abcdefgh").is_err());
    assert!(text.over);
    assert_eq!(text.text, "");
}
