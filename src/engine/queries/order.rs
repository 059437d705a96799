//! The order a query file promises, as names of its own output columns, so that rows held
//! for it (a kept table, `kept/NAME/defaults.parquet`, a table in memory) can be read back in
//! the order its body would give them.
//!
//! A table scan promises no order: DataFusion may split a file between partitions. A held
//! file asked for itself is therefore read as `SELECT * FROM name ORDER BY …`, with the
//! body's own `ORDER BY` said over the output columns. Where an item is not an output
//! column by name (an expression, or a column the body does not select), the order cannot
//! be said that way and the file is computed from its body, as before.

use datafusion::sql::sqlparser::ast::{
    Expr, OrderByExpr, OrderByKind, SelectItem, SetExpr, Statement, Value,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// The `ORDER BY` of `sql`'s outermost query, each item an output column: empty when it
/// has none, `None` when an item is not an output column by name or the text is not one
/// plain `SELECT` (a set operation, say).
pub fn output_order(sql: &str) -> Option<Vec<String>> {
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql).ok()?;
    let Some(Statement::Query(query)) = statements.pop().filter(|_| statements.is_empty()) else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let Some(order_by) = &query.order_by else {
        return Some(Vec::new());
    };
    let OrderByKind::Expressions(items) = &order_by.kind else {
        return None;
    };
    items
        .iter()
        .map(|item| {
            let name = output_name(&select.projection, &item.expr)?;
            Some(format!("{}{}", identifier(&name), options(item)))
        })
        .collect()
}

/// The output column `expr` names in a select list: the same expression selected (under
/// its alias, if it has one), an alias, a position (`ORDER BY 2`), or a bare name under an unqualified `*`.
fn output_name(projection: &[SelectItem], expr: &Expr) -> Option<String> {
    if let Expr::Value(v) = expr
        && let Value::Number(n, _) = &v.value
    {
        let position: usize = n.to_string().parse().ok()?;
        return match projection.get(position.checked_sub(1)?)? {
            SelectItem::UnnamedExpr(selected) => column_name(selected),
            SelectItem::ExprWithAlias { alias, .. } => Some(normalized(alias)),
            _ => None,
        };
    }
    for item in projection {
        match item {
            SelectItem::UnnamedExpr(selected) if selected == expr => return column_name(selected),
            SelectItem::ExprWithAlias {
                expr: selected,
                alias,
            } if selected == expr => return Some(normalized(alias)),
            SelectItem::ExprWithAlias { alias, .. } if matches!(expr, Expr::Identifier(name) if normalized(name) == normalized(alias)) =>
            {
                return Some(normalized(alias));
            }
            _ => {}
        }
    }
    let star = projection
        .iter()
        .any(|item| matches!(item, SelectItem::Wildcard(_)));
    match expr {
        Expr::Identifier(name) if star => Some(normalized(name)),
        _ => None,
    }
}

/// The name DataFusion gives a selected column: its last part.
fn column_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(name) => Some(normalized(name)),
        Expr::CompoundIdentifier(parts) => parts.last().map(normalized),
        _ => None,
    }
}

/// DataFusion folds an unquoted name to lower case and keeps a quoted one as written.
fn normalized(name: &datafusion::sql::sqlparser::ast::Ident) -> String {
    match name.quote_style {
        Some(_) => name.value.clone(),
        None => name.value.to_lowercase(),
    }
}

fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The item's own direction and place of nulls, left to the engine's default where unsaid.
fn options(item: &OrderByExpr) -> String {
    let direction = match item.options.asc {
        Some(true) => " ASC",
        Some(false) => " DESC",
        None => "",
    };
    let nulls = match item.options.nulls_first {
        Some(true) => " NULLS FIRST",
        Some(false) => " NULLS LAST",
        None => "",
    };
    format!("{direction}{nulls}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(sql: &str) -> Option<String> {
        output_order(sql).map(|items| items.join(", "))
    }

    #[test]
    fn the_order_is_said_over_the_output_columns() {
        let body = "WITH x AS (SELECT 1 AS a) \
                    SELECT r.community_id, r.date, r.v * 2 AS doubled FROM x r \
                    ORDER BY r.community_id, r.date";
        assert_eq!(order(body).as_deref(), Some("\"community_id\", \"date\""));
        assert_eq!(
            order("SELECT a, b + 1 AS Total FROM t ORDER BY total DESC NULLS FIRST, 1 ASC")
                .as_deref(),
            Some("\"total\" DESC NULLS FIRST, \"a\" ASC")
        );
        assert_eq!(
            order("SELECT s.shop_id AS id FROM s ORDER BY s.shop_id").as_deref(),
            Some("\"id\"")
        );
        assert_eq!(
            order("SELECT * FROM lockdown_dates ORDER BY starts_at, lockdown_id LIMIT 1")
                .as_deref(),
            Some("\"starts_at\", \"lockdown_id\"")
        );
        assert_eq!(
            order("SELECT \"Odd\"\"name\" FROM t ORDER BY \"Odd\"\"name\"").as_deref(),
            Some("\"Odd\"\"name\"")
        );
        assert_eq!(order("SELECT a FROM t").as_deref(), Some(""));
        // A file's own text, its parameters not bound yet.
        assert_eq!(
            order("SELECT a FROM t WHERE $x IS NULL OR a = $x ORDER BY a").as_deref(),
            Some("\"a\"")
        );
    }

    #[test]
    fn an_order_that_is_not_an_output_column_cannot_be_said() {
        // d.date is selected, c.date is another column of the same name.
        assert_eq!(
            order("SELECT d.date FROM d JOIN c ON true ORDER BY c.date"),
            None
        );
        assert_eq!(order("SELECT a, b FROM t ORDER BY a + b"), None);
        assert_eq!(order("SELECT a FROM t ORDER BY b"), None);
        assert_eq!(order("SELECT t.* FROM t ORDER BY b"), None);
        assert_eq!(order("SELECT a FROM t ORDER BY 2"), None);
        assert_eq!(
            order("SELECT a FROM t UNION SELECT a FROM u ORDER BY a"),
            None
        );
        assert_eq!(order("SELECT a FROM t; SELECT b FROM u"), None);
        assert_eq!(order("not sql"), None);
    }
}
