//! Postgres clients' SQL, rewritten into SQL DataFusion plans: what psql, pgjdbc,
//! SQLAlchemy and pgcli send to read the catalog uses Postgres spellings DataFusion does not
//! know, and each has an equivalent here.
//!
//! - `pg_catalog.f(…)` → `f(…)`: DataFusion's functions have no schema.
//! - `OPERATOR(pg_catalog.~)` → `~`, and `x COLLATE c` → `x`.
//! - `'orders'::regclass` and `'int8'::regtype` → the OID, from the catalog; `x::regclass`
//!   → `x`, and `x::regclass::text` → its name; `::oid`, `::name`, `::"char"` → int8 or
//!   text.
//! - `pg_class` without a schema → `pg_catalog.pg_class`, as Postgres's search path finds it.
//! - `x = ANY(ARRAY[…])` → `x IN (…)`; `x = ANY(array)` → `array_has(array, x)`.
//! - `SELECT … (SELECT col FROM … WHERE <correlated>)`: a scalar subquery that is not
//!   aggregated gets `max(col)`, since DataFusion decorrelates only aggregated ones; the
//!   catalog subqueries clients send find at most one row, so the answer is the same.
//!
//! The rewrite runs on the statement a client sent after the sandbox's own checks, on the
//! sandbox's threads, and the result is checked again.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, DataType, Expr, Ident, ObjectName, ObjectNamePart, SelectItem, SetExpr,
    Statement, TableFactor, Value, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use super::postgres::{Catalog, type_oid};

/// `sql` as DataFusion can plan it, or None when it does not parse as Postgres (the sandbox
/// then reports DataFusion's own error on the original).
pub fn rewrite(sql: &str, catalog: &Catalog) -> Option<String> {
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    let mut rewriter = Rewriter { catalog };
    for statement in &mut statements {
        let _ = statement.visit(&mut rewriter);
    }
    Some(
        statements
            .iter()
            .map(Statement::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

struct Rewriter<'a> {
    catalog: &'a Catalog,
}

fn expr(sql: &str) -> Option<Expr> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .ok()?
        .parse_expr()
        .ok()
}

/// The last part of a type or function name, in lower case.
fn last_name(name: &ObjectName) -> Option<String> {
    match name.0.last()? {
        ObjectNamePart::Identifier(ident) => Some(ident.value.to_ascii_lowercase()),
        _ => None,
    }
}

/// The Postgres-only type a cast names, if it is one.
fn pg_type(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Regclass => Some("regclass".into()),
        DataType::Custom(name, _) => last_name(name),
        _ => None,
    }
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.as_str()),
            _ => None,
        },
        _ => None,
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        if relation.0.len() == 1
            && let Some(name) = last_name(relation)
            && self.catalog.has_table(&name)
        {
            relation
                .0
                .insert(0, ObjectNamePart::Identifier(Ident::new("pg_catalog")));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(
        &mut self,
        query: &mut datafusion::sql::sqlparser::ast::Query,
    ) -> ControlFlow<()> {
        // Scalar subqueries in a select list: see the module's notes.
        if let SetExpr::Select(select) = query.body.as_mut() {
            for item in &mut select.projection {
                let e = match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => continue,
                };
                aggregate_subquery(e, self.catalog);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        let replacement = match e {
            Expr::Function(f) => {
                if f.name.0.len() > 1
                    && let Some(last) = f.name.0.pop()
                {
                    f.name.0 = vec![last];
                }
                None
            }
            Expr::Collate { expr, .. } => Some(expr.as_ref().clone()),
            Expr::BinaryOp { op, .. } => {
                if let BinaryOperator::PGCustomBinaryOperator(parts) = op {
                    let plain = match parts.last().map(String::as_str) {
                        Some("~") => Some(BinaryOperator::PGRegexMatch),
                        Some("~*") => Some(BinaryOperator::PGRegexIMatch),
                        Some("!~") => Some(BinaryOperator::PGRegexNotMatch),
                        Some("!~*") => Some(BinaryOperator::PGRegexNotIMatch),
                        Some("=") => Some(BinaryOperator::Eq),
                        Some("<>") => Some(BinaryOperator::NotEq),
                        Some("<") => Some(BinaryOperator::Lt),
                        Some(">") => Some(BinaryOperator::Gt),
                        Some("<=") => Some(BinaryOperator::LtEq),
                        Some(">=") => Some(BinaryOperator::GtEq),
                        Some("~~") => Some(BinaryOperator::PGLikeMatch),
                        _ => None,
                    };
                    if let Some(plain) = plain {
                        *op = plain;
                    }
                }
                None
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => match right.as_ref() {
                Expr::Array(array) => Some(Expr::InList {
                    expr: left.clone(),
                    list: array.elem.clone(),
                    negated: false,
                }),
                Expr::Nested(inner) if matches!(inner.as_ref(), Expr::Array(_)) => {
                    match inner.as_ref() {
                        Expr::Array(array) => Some(Expr::InList {
                            expr: left.clone(),
                            list: array.elem.clone(),
                            negated: false,
                        }),
                        _ => None,
                    }
                }
                _ => expr(&format!("array_has({right}, {left})")),
            },
            Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => self.cast(inner, data_type),
            _ => None,
        };
        if let Some(replacement) = replacement {
            *e = replacement;
            // The replacement's own parts are visited next, as the original's would be.
            let _ = self.pre_visit_expr(e);
        }
        ControlFlow::Continue(())
    }
}

impl Rewriter<'_> {
    fn cast(&self, inner: &Expr, data_type: &DataType) -> Option<Expr> {
        let target = match data_type {
            DataType::Text | DataType::Varchar(_) => "text".to_string(),
            other => pg_type(other)?,
        };
        // `x::regclass::text`, `x::regtype::text`: the object's name.
        if target == "text" || target == "varchar" || target == "name" {
            if let Expr::Cast {
                expr: oid,
                data_type: middle,
                ..
            } = inner
                && let Some(middle) = pg_type(middle)
            {
                let function = match middle.as_str() {
                    "regclass" => "yanhuo_regclass_name",
                    "regtype" => "yanhuo_regtype_name",
                    "regproc" | "regprocedure" | "regnamespace" | "regrole" => {
                        return expr(&format!("CAST({oid} AS TEXT)"));
                    }
                    _ => return None,
                };
                return expr(&format!("{function}({oid})"));
            }
            if target == "text" {
                return None;
            }
        }
        match target.as_str() {
            "regclass" => match string_literal(inner) {
                Some(name) => expr(&self.catalog.relation_oid(name).unwrap_or(0).to_string()),
                None => Some(inner.clone()),
            },
            "regtype" => match string_literal(inner) {
                Some(name) => expr(&type_oid(name).unwrap_or(0).to_string()),
                None => Some(inner.clone()),
            },
            "regnamespace" => match string_literal(inner) {
                Some("pg_catalog") => expr("11"),
                Some("public") => expr("2200"),
                Some(_) => expr("0"),
                None => Some(inner.clone()),
            },
            "oid" | "regproc" | "regprocedure" | "regrole" | "xid" | "cid" | "tid" => {
                match string_literal(inner) {
                    Some(s) if s.trim().parse::<i64>().is_err() => expr("0"),
                    _ => expr(&format!("CAST({inner} AS BIGINT)")),
                }
            }
            "name" | "char" | "bpchar" | "text" | "varchar" | "pg_node_tree" => {
                expr(&format!("CAST({inner} AS TEXT)"))
            }
            "int2vector" | "oidvector" => Some(inner.clone()),
            _ => None,
        }
    }
}

/// `(SELECT x FROM …)` → `(SELECT max(x) FROM …)` for a subquery of one plain column
/// without aggregates, grouping or a limit.
fn aggregate_subquery(e: &mut Expr, catalog: &Catalog) {
    let Expr::Subquery(query) = e else {
        return;
    };
    // A subquery that reads an empty catalog table (`pg_attrdef`, `pg_collation`) is
    // NULL, as Postgres would answer; DataFusion could not decorrelate all of them.
    // A comma join (or a join's left side) with an empty table has no row either.
    if let SetExpr::Select(select) = query.body.as_ref() {
        let all_empty = select.from.iter().any(|from| match &from.relation {
            TableFactor::Table { name, .. } => {
                last_name(name).is_some_and(|n| catalog.is_empty_table(&n))
            }
            _ => false,
        });
        if all_empty && let Some(null) = expr("NULL") {
            *e = null;
            return;
        }
    }
    if query.limit_clause.is_some() || query.order_by.is_some() {
        return;
    }
    let SetExpr::Select(select) = query.body.as_mut() else {
        return;
    };
    let plain_group = matches!(
        &select.group_by,
        datafusion::sql::sqlparser::ast::GroupByExpr::Expressions(list, _) if list.is_empty()
    );
    if !plain_group || select.projection.len() != 1 || select.having.is_some() {
        return;
    }
    let (column, alias) = match &select.projection[0] {
        SelectItem::UnnamedExpr(c) => (c.clone(), None),
        SelectItem::ExprWithAlias { expr, alias } => (expr.clone(), Some(alias.clone())),
        _ => return,
    };
    if contains_aggregate(&column) {
        return;
    }
    let Some(wrapped) = expr(&format!("max({column})")) else {
        return;
    };
    select.projection[0] = match alias {
        Some(alias) => SelectItem::ExprWithAlias {
            expr: wrapped,
            alias,
        },
        None => SelectItem::UnnamedExpr(wrapped),
    };
}

fn contains_aggregate(e: &Expr) -> bool {
    let text = e.to_string().to_ascii_lowercase();
    [
        "count(",
        "max(",
        "min(",
        "sum(",
        "avg(",
        "array_agg(",
        "string_agg(",
        "bool_and(",
        "bool_or(",
    ]
    .iter()
    .any(|f| text.contains(f))
}
