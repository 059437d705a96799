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
//! - `x = ANY(ARRAY[…])` → `x IN (…)`; `x = ANY(array)` → `array_has(array, x)`; `x =
//!   ANY($1)` compares as text, since drivers send a list as `{a,b}` text or as an array.
//! - `SELECT … (SELECT col FROM … WHERE <correlated>)`: a scalar subquery that is not
//!   aggregated gets `max(col)`, since DataFusion decorrelates only aggregated ones; the
//!   catalog subqueries clients send find at most one row, so the answer is the same. This
//!   holds wherever the subquery sits in a select item (inside `CASE`, say).
//! - A subquery that reads a catalog table without rows (`pg_attrdef`, `pg_sequence`) is
//!   NULL, and so is every subquery in the select list of a query that itself reads such a
//!   table through an inner join: that query has no row to compute them for.
//! - `array(SELECT e FROM … ORDER BY o)` → `(SELECT array_agg(e ORDER BY o) FROM …)`; over
//!   `unnest(column)` it is NULL, since every array column of this catalog is NULL or in a
//!   table without rows.
//! - `information_schema._pg_expandarray(a)` → a struct of `x` (the element) and `n` (its
//!   place), made with `unnest`; `(e).f` → `get_field(e, 'f')`; `generate_subscripts(a, 1)`
//!   → `unnest(generate_series(1, cardinality(a)))`.
//! - `LIKE p ESCAPE '/'` → `LIKE yanhuo_like_escape(p, '/')`: DataFusion knows only `\`.
//! - `polroles = '{0}'` (an array column against an array literal) → `make_array(0)`.
//!
//! The rewrite runs on the statement a client sent after the sandbox's own checks, on the
//! sandbox's threads, and the result is checked again.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    AccessExpr, BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments,
    Ident, JoinOperator, ObjectName, ObjectNamePart, Query, Select, SelectItem, SetExpr, Statement,
    TableFactor, TableWithJoins, Value, VisitMut, VisitorMut, visit_expressions_mut,
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

/// The Postgres-only type a cast names (`regclass`, `oid`, …), if it is one, as written: a
/// type in a planner's SQL, not a column's (that is [`super::postgres::column_type`]), and
/// looked up by name in the same catalog table ([`type_oid`]).
fn cast_target(data_type: &DataType) -> Option<String> {
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

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        // Scalar subqueries in a select list: see the module's notes. Each branch of a
        // UNION is a select of its own.
        for select in selects(query.body.as_mut()) {
            unique_names(&mut select.projection);
            let no_rows = has_no_rows(select, self.catalog);
            for item in &mut select.projection {
                let e = match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => continue,
                };
                // Over no rows, an item is never computed: one with a subquery (even under
                // `unnest`) is NULL whole.
                if no_rows && contains_subquery(e) {
                    if let Some(null) = expr("NULL") {
                        *e = null;
                    }
                    continue;
                }
                let _ = visit_expressions_mut(e, |inner| {
                    aggregate_subquery(inner, self.catalog);
                    ControlFlow::<()>::Continue(())
                });
            }
            if let Some(selection) = &mut select.selection {
                let _ = visit_expressions_mut(selection, |inner| {
                    aggregate_subquery(inner, self.catalog);
                    ControlFlow::<()>::Continue(())
                });
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
                self.function(f)
            }
            Expr::CompoundFieldAccess { root, access_chain } => field_access(root, access_chain),
            Expr::Like {
                negated,
                any: false,
                expr: left,
                pattern,
                escape_char: Some(escape),
            } => {
                let escape = escape.value.to_string();
                (escape != "'\\\\'" && escape != "'\\'").then(|| Expr::Like {
                    negated: *negated,
                    any: false,
                    expr: left.clone(),
                    pattern: Box::new(
                        expr(&format!("yanhuo_like_escape({pattern}, {escape})"))
                            .unwrap_or_else(|| pattern.as_ref().clone()),
                    ),
                    escape_char: None,
                })
            }
            Expr::Collate { expr, .. } => Some(expr.as_ref().clone()),
            Expr::BinaryOp { left, op, right } => {
                if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) {
                    if self.is_array_column(left)
                        && let Some(array) = string_literal(right).and_then(array_literal)
                    {
                        **right = array;
                    } else if self.is_array_column(right)
                        && let Some(array) = string_literal(left).and_then(array_literal)
                    {
                        **left = array;
                    }
                }
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
                // A parameter (pgcli's `relkind = ANY(%s)` with a list) may arrive as
                // the text `{r,p,f}` or as an array, typed or not: read as text either way.
                Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => expr(&format!(
                    "array_has(yanhuo_text_array({right}), CAST({left} AS TEXT))"
                )),
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
    /// Whether `e` names a column that holds an array in this catalog (`pol.polroles`).
    fn is_array_column(&self, e: &Expr) -> bool {
        let name = match e {
            Expr::Identifier(ident) => &ident.value,
            Expr::CompoundIdentifier(parts) => match parts.last() {
                Some(ident) => &ident.value,
                None => return false,
            },
            _ => return false,
        };
        self.catalog.is_array_column(&name.to_ascii_lowercase())
    }

    /// Postgres functions with a DataFusion spelling: see the module's notes.
    fn function(&self, f: &datafusion::sql::sqlparser::ast::Function) -> Option<Expr> {
        let name = last_name(&f.name)?;
        if name == "array"
            && let FunctionArguments::Subquery(query) = &f.args
        {
            return array_subquery(query, self.catalog);
        }
        let args = plain_args(&f.args)?;
        match (name.as_str(), args.as_slice()) {
            ("_pg_expandarray", [array]) => expr(&format!(
                "named_struct('x', unnest({array}), 'n', \
                 unnest(generate_series(1, cardinality({array}))))"
            )),
            ("generate_subscripts", [array, _]) => {
                expr(&format!("unnest(generate_series(1, cardinality({array})))"))
            }
            _ => None,
        }
    }

    fn cast(&self, inner: &Expr, data_type: &DataType) -> Option<Expr> {
        // `proargtypes::regtype[]`: an array of OIDs stays one.
        if let DataType::Array(datafusion::sql::sqlparser::ast::ArrayElemTypeDef::SquareBracket(
            element,
            _,
        )) = data_type
            && cast_target(element).is_some_and(|t| t.starts_with("reg") || t == "oid")
        {
            return Some(inner.clone());
        }
        let target = match data_type {
            DataType::Text | DataType::Varchar(_) => "text".to_string(),
            other => cast_target(other)?,
        };
        // `x::regclass::text`, `x::regtype::text`: the object's name.
        if target == "text" || target == "varchar" || target == "name" {
            if let Expr::Cast {
                expr: oid,
                data_type: middle,
                ..
            } = inner
                && let Some(middle) = cast_target(middle)
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
            // A name known only when the query runs (`$1::regclass`) is looked up then; an
            // OID stays itself.
            "regclass" => match string_literal(inner) {
                Some(name) => expr(&self.catalog.relation_oid(name).unwrap_or(0).to_string()),
                None => expr(&format!("yanhuo_regclass({inner})")),
            },
            "regtype" => match string_literal(inner) {
                Some(name) => expr(&type_oid(name).unwrap_or(0).to_string()),
                None => expr(&format!("yanhuo_regtype({inner})")),
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

/// A function's arguments when they are plain expressions, as text.
fn plain_args(args: &FunctionArguments) -> Option<Vec<String>> {
    let FunctionArguments::List(list) = args else {
        return Some(Vec::new());
    };
    list.args
        .iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

/// `'{0}'`, `'{a,b}'` as `make_array(…)`: numbers as numbers, the rest as strings.
fn array_literal(text: &str) -> Option<Expr> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let items: Vec<String> = inner
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let item = item.trim_matches('"');
            if item.parse::<i64>().is_ok() {
                item.to_string()
            } else {
                format!("'{}'", item.replace('\'', "''"))
            }
        })
        .collect();
    expr(&format!("make_array({})", items.join(", ")))
}

/// `(e).f`: the field of a struct. `(_pg_expandarray(a)).n` and `.x` read the parts of
/// the struct the rewrite makes, without making it.
fn field_access(root: &Expr, chain: &[AccessExpr]) -> Option<Expr> {
    let [AccessExpr::Dot(Expr::Identifier(field))] = chain else {
        return None;
    };
    let mut inner = root;
    while let Expr::Nested(nested) = inner {
        inner = nested;
    }
    let field = field.value.to_ascii_lowercase();
    if let Expr::Function(f) = inner
        && last_name(&f.name).as_deref() == Some("_pg_expandarray")
        && let Some(args) = plain_args(&f.args)
        && let [array] = args.as_slice()
    {
        return match field.as_str() {
            "x" => expr(&format!("unnest({array})")),
            "n" => expr(&format!("unnest(generate_series(1, cardinality({array})))")),
            _ => None,
        };
    }
    expr(&format!("get_field({inner}, '{field}')"))
}

fn contains_subquery(e: &mut Expr) -> bool {
    let mut found = false;
    let _ = visit_expressions_mut(e, |inner| {
        found |= is_subquery(inner);
        ControlFlow::<()>::Continue(())
    });
    found
}

fn is_subquery(e: &Expr) -> bool {
    match e {
        Expr::Subquery(_) => true,
        Expr::Function(f) => matches!(f.args, FunctionArguments::Subquery(_)),
        _ => false,
    }
}

/// Whether a FROM item reads a catalog table without rows so that it has none itself:
/// its first table, or one joined to it by an inner or cross join, with no right or full
/// join that could bring rows back.
fn from_has_no_rows(from: &TableWithJoins, catalog: &Catalog) -> bool {
    let empty = |factor: &TableFactor| match factor {
        TableFactor::Table {
            name, args: None, ..
        } => last_name(name).is_some_and(|n| catalog.is_empty_table(&n)),
        _ => false,
    };
    let widening = from.joins.iter().any(|join| {
        matches!(
            join.join_operator,
            JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
        )
    });
    let inner_empty = from.joins.iter().any(|join| {
        matches!(
            join.join_operator,
            JoinOperator::Join(_) | JoinOperator::Inner(_) | JoinOperator::CrossJoin(_)
        ) && empty(&join.relation)
    });
    !widening && (empty(&from.relation) || inner_empty)
}

/// Whether `select` reads no row at all (see [`from_has_no_rows`]); a comma join with
/// such an item has none either.
fn has_no_rows(select: &Select, catalog: &Catalog) -> bool {
    select
        .from
        .iter()
        .any(|from| from_has_no_rows(from, catalog))
}

/// `array(subquery)` as DataFusion can plan it.
fn array_subquery(query: &Query, catalog: &Catalog) -> Option<Expr> {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let over_column = select.from.iter().any(|from| match &from.relation {
        TableFactor::Table {
            name,
            args: Some(args),
            ..
        } => {
            last_name(name).as_deref() == Some("unnest")
                && args.args.iter().all(|a| {
                    matches!(
                        a,
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(
                            Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                        ))
                    )
                })
        }
        TableFactor::UNNEST { array_exprs, .. } => array_exprs
            .iter()
            .all(|e| matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))),
        _ => false,
    });
    // Typed, so `array_to_string(…)` and `||` over it still plan and run.
    if over_column || has_no_rows(select, catalog) {
        return expr("CAST(NULL AS TEXT[])");
    }
    let [SelectItem::UnnamedExpr(item) | SelectItem::ExprWithAlias { expr: item, .. }] =
        select.projection.as_slice()
    else {
        return None;
    };
    // `ORDER BY 1` names the one column.
    let order = match &query.order_by {
        Some(order_by) => {
            let text = order_by.to_string();
            let keys = text.trim_start_matches("ORDER BY").trim();
            let keys = if keys == "1" || keys.starts_with("1 ") {
                keys.replacen('1', &item.to_string(), 1)
            } else {
                keys.to_string()
            };
            format!(" ORDER BY {keys}")
        }
        None => String::new(),
    };
    let mut inner = query.clone();
    inner.order_by = None;
    if let SetExpr::Select(select) = inner.body.as_mut() {
        select.projection = vec![SelectItem::UnnamedExpr(expr(&format!(
            "array_agg({item}{order})"
        ))?)];
    }
    Some(Expr::Subquery(Box::new(inner)))
}

/// Postgres lets two select items have one name (`SELECT pubname, NULL, NULL`); DataFusion
/// needs them apart, so a repeated unnamed item gets an alias (clients read such columns
/// by their place).
fn unique_names(projection: &mut [SelectItem]) {
    // DBeaver's `SELECT n.oid, n.* …`: the column named beside its table's wildcard gets
    // an alias of its own (DataFusion drops an alias that repeats the column's name);
    // the wildcard still brings `oid`, so a client reading by name finds the same value.
    let wildcards: Vec<String> = projection
        .iter()
        .filter_map(|item| match item {
            SelectItem::QualifiedWildcard(kind, _) => {
                Some(kind.to_string().trim_end_matches(".*").to_ascii_lowercase())
            }
            SelectItem::Wildcard(_) => Some(String::new()),
            _ => None,
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, item) in projection.iter_mut().enumerate() {
        if let SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) = item
            && let [table, column] = parts.as_slice()
            && wildcards
                .iter()
                .any(|w| w.is_empty() || *w == table.value.to_ascii_lowercase())
        {
            *item = SelectItem::ExprWithAlias {
                expr: Expr::CompoundIdentifier(parts.clone()),
                alias: Ident::with_quote('"', format!("?{}?{}", column.value, i + 1)),
            };
            continue;
        }
        if let SelectItem::UnnamedExpr(e) = item {
            let name = e.to_string();
            if !seen.insert(name) {
                *item = SelectItem::ExprWithAlias {
                    expr: e.clone(),
                    alias: Ident::with_quote('"', format!("?column?{}", i + 1)),
                };
            }
        }
    }
}

/// The selects of a query's body: itself, or each branch of a UNION, EXCEPT or INTERSECT.
fn selects(body: &mut SetExpr) -> Vec<&mut Select> {
    match body {
        SetExpr::Select(select) => vec![select.as_mut()],
        SetExpr::SetOperation { left, right, .. } => {
            let mut out = selects(left);
            out.extend(selects(right));
            out
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(sql: &str) -> String {
        let catalog = Catalog::new(&[], "UTC").unwrap();
        rewrite(sql, &catalog).unwrap()
    }

    #[test]
    fn array_of_a_subquery_is_an_aggregate() {
        // Over a table with rows: array_agg, ordered as `ORDER BY 1` said.
        let sql = rewritten("SELECT array(SELECT nspname FROM pg_namespace ORDER BY 1)");
        assert!(
            sql.contains(
                "(SELECT array_agg(nspname ORDER BY nspname) FROM pg_catalog.pg_namespace)"
            ),
            "{sql}"
        );
        // Over unnest of a column (every array column here is NULL or without rows), and
        // over a table without rows: NULL.
        let sql = rewritten(
            "SELECT array(SELECT 'acl ' || x FROM unnest(n.nspacl) x) FROM pg_namespace n",
        );
        assert!(sql.starts_with("SELECT CAST(NULL AS TEXT[]) FROM"), "{sql}");
    }

    #[test]
    fn a_query_over_an_empty_table_computes_no_subquery() {
        // psql's policies: pg_policy has no rows, so the item with array(...) is NULL
        // whole, and `polroles = '{0}'` compares arrays.
        let sql = rewritten(
            "SELECT pol.polname, CASE WHEN pol.polroles = '{0}' THEN NULL ELSE \
             array_to_string(array(SELECT rolname FROM pg_roles WHERE oid = ANY (pol.polroles)), ',') END \
             FROM pg_catalog.pg_policy pol",
        );
        assert!(sql.starts_with("SELECT pol.polname, NULL FROM"), "{sql}");
        let sql = rewritten("SELECT pol.polroles = '{0}' FROM pg_catalog.pg_policy pol");
        assert!(sql.contains("pol.polroles = make_array(0)"), "{sql}");
    }

    #[test]
    fn union_branches_get_distinct_names() {
        let sql = rewritten(
            "SELECT pubname, NULL, NULL FROM pg_publication UNION SELECT pubname, NULL, NULL FROM pg_publication",
        );
        assert_eq!(sql.matches("AS \"?column?3\"").count(), 2, "{sql}");
        let sql = rewritten("SELECT n.oid, n.* FROM pg_namespace n");
        assert!(
            sql.starts_with("SELECT n.oid AS \"?oid?1\", n.* FROM"),
            "{sql}"
        );
    }

    #[test]
    fn expandarray_like_escape_and_field_access() {
        let sql = rewritten(
            "SELECT (information_schema._pg_expandarray(i.indkey)).n, \
             information_schema._pg_expandarray(i.indkey) AS keys FROM pg_index i",
        );
        assert!(
            sql.contains("unnest(generate_series(1, cardinality(i.indkey))), named_struct('x', unnest(i.indkey)"),
            "{sql}"
        );
        let sql = rewritten("SELECT (r.keys).x FROM t r");
        assert!(sql.contains("get_field(r.keys, 'x')"), "{sql}");
        let sql = rewritten("SELECT 1 WHERE 'a' NOT LIKE 'pg/_' || '%' ESCAPE '/'");
        assert!(
            sql.contains("NOT LIKE yanhuo_like_escape('pg/_' || '%', '/')"),
            "{sql}"
        );
        let sql = rewritten("SELECT relname FROM pg_class WHERE relkind = ANY($1)");
        assert!(
            sql.contains("array_has(yanhuo_text_array($1), CAST(relkind AS TEXT))"),
            "{sql}"
        );
    }
}
