//! The front door: how big and how deeply nested a planner's statement may be, checked on
//! its tokens before anything parses it.
//!
//! Parsing, planning, optimising, printing and dropping a statement all walk its tree by
//! recursion, and not every walk is guarded (derived `Clone`, `Drop` and `Display` are not):
//! `SELECT 1+1+…+1` with 2,000 terms overflowed a 2 MiB stack and aborted the server. So the
//! sandbox bounds the tree before it exists, and plans on threads with a big stack
//! ([`super::STACK_BYTES`]). Every node of a tree needs at least one token, so no tree is
//! deeper than [`MAX_TOKENS`]; the stack is sized to hold a tree of that depth several times
//! over (measured: README, "The sandbox"). Brackets nest the parser's own recursion, which
//! DataFusion caps at 50; [`MAX_DEPTH`] refuses sooner and says why.

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

use crate::error::{Error, Result};

/// Bytes of SQL one statement may have: twenty times the longest query file.
pub const MAX_BYTES: usize = 64 << 10;

/// Tokens (words, numbers, strings, operators; not spaces or comments) one statement may
/// have: the longest query file has about 300. Planning a chain is quadratic in its length
/// and cannot be interrupted (one call, no batch to stop at): in a debug build 2,000 terms
/// took 6.7 s and 5,000 about 40 s, holding a sandbox thread past the time limit. 1,000
/// terms, the most these tokens allow, take under 2 s.
pub const MAX_TOKENS: usize = 2_000;

/// How deeply `(`, `[` and `{` may nest: the query files nest 4 deep.
pub const MAX_DEPTH: usize = 32;

/// Refuses a statement too long or too deeply nested to be parsed safely, naming the limit.
/// Linear in the length, with no recursion: safe on any thread.
pub fn bound(sql: &str) -> Result<()> {
    if sql.len() > MAX_BYTES {
        return Err(Error::Refused(format!(
            "the statement is {} bytes long; at most {MAX_BYTES} bytes ({} KiB) may be sent",
            sql.len(),
            MAX_BYTES >> 10
        )));
    }
    // The tokenizer DataFusion's parser uses, with its dialect, so strings, quoted names and
    // comments are read exactly as the parser will read them.
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .map_err(|e| Error::Sql(format!("SQL error: {e}")))?;
    let mut count = 0usize;
    let mut depth = 0usize;
    for token in &tokens {
        match token {
            Token::Whitespace(_) | Token::EOF => continue,
            Token::LParen | Token::LBracket | Token::LBrace => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Error::Refused(format!(
                        "brackets nest more than {MAX_DEPTH} deep; at most {MAX_DEPTH} levels of ( ) or [ ] may be used"
                    )));
                }
            }
            Token::RParen | Token::RBracket | Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        count += 1;
    }
    if count > MAX_TOKENS {
        return Err(Error::Refused(format!(
            "the statement has {count} tokens (words, numbers, operators); at most {MAX_TOKENS} may be sent: a long chain such as 1+1+…+1 cannot be planned safely"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(sql: &str) -> String {
        match bound(sql) {
            Err(Error::Refused(message)) => message,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn every_query_file_passes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let sql = std::fs::read_to_string(&path).unwrap();
            bound(&sql).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }

    #[test]
    fn a_chain_is_counted_by_its_tokens() {
        // 1 + 1 + … : n terms are 2n - 1 tokens, with SELECT.
        let chain = |n: usize| format!("SELECT {}", vec!["1"; n].join("+"));
        bound(&chain(1_000)).unwrap();
        assert_eq!(
            refusal(&chain(1_001)),
            "the statement has 2002 tokens (words, numbers, operators); at most 2000 may be sent: a long chain such as 1+1+…+1 cannot be planned safely"
        );
    }

    #[test]
    fn brackets_are_counted_by_depth_and_strings_are_not_brackets() {
        let nested = |n: usize| format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n));
        bound(&nested(32)).unwrap();
        assert_eq!(
            refusal(&nested(33)),
            "brackets nest more than 32 deep; at most 32 levels of ( ) or [ ] may be used"
        );
        bound(&format!("SELECT '{}'", "(".repeat(1000))).unwrap();
        bound(&format!("SELECT 1 -- {}", "(".repeat(1000))).unwrap();
    }

    #[test]
    fn length_is_bounded_before_tokenizing() {
        let long = format!("SELECT '{}'", "x".repeat(MAX_BYTES));
        assert_eq!(
            refusal(&long),
            format!(
                "the statement is {} bytes long; at most 65536 bytes (64 KiB) may be sent",
                MAX_BYTES + 9
            )
        );
    }
}
