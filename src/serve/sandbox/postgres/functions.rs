//! The functions Postgres clients call on the catalog (`format_type`, `col_description`,
//! `pg_get_userbyid`, `has_*_privilege`, `current_setting`, …), each computed value by value
//! from the catalog built for the data version.

use super::*;

type Body = fn(&Shared, &str, &[ScalarValue]) -> ScalarValue;

/// A catalog function computed value by value.
struct Function {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    body: Body,
    shared: Arc<Shared>,
    zone: String,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("name", &self.name)
            .finish()
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Function {}

impl std::hash::Hash for Function {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for Function {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(self.returns.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let cast = |v: ScalarValue| -> DfResult<ScalarValue> {
            if v.is_null() {
                ScalarValue::try_from(&self.returns)
            } else {
                v.cast_to(&self.returns)
            }
        };
        if scalar {
            let values: Vec<ScalarValue> = args
                .args
                .iter()
                .map(|a| match a {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(_) => ScalarValue::Null,
                })
                .collect();
            return Ok(ColumnarValue::Scalar(cast((self.body)(
                &self.shared,
                &self.zone,
                &values,
            ))?));
        }
        if args.number_rows == 0 {
            return Ok(ColumnarValue::Array(
                datafusion::arrow::array::new_empty_array(&self.returns),
            ));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let mut out = Vec::with_capacity(args.number_rows);
        for row in 0..args.number_rows {
            let values = arrays
                .iter()
                .map(|a| ScalarValue::try_from_array(a, row))
                .collect::<DfResult<Vec<_>>>()?;
            out.push(cast((self.body)(&self.shared, &self.zone, &values))?);
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
    }
}

fn int(v: Option<&ScalarValue>) -> Option<i64> {
    let v = v?;
    if v.is_null() {
        return None;
    }
    match v.cast_to(&DataType::Int64).ok()? {
        ScalarValue::Int64(i) => i,
        _ => None,
    }
}

fn text(v: Option<&ScalarValue>) -> Option<String> {
    let v = v?;
    if v.is_null() {
        return None;
    }
    match v.cast_to(&DataType::Utf8).ok()? {
        ScalarValue::Utf8(s) => s,
        _ => None,
    }
}

fn utf8(s: impl Into<String>) -> ScalarValue {
    ScalarValue::Utf8(Some(s.into()))
}

pub(super) fn functions(shared: &Arc<Shared>, zone: &str) -> Vec<ScalarUDF> {
    let any = |volatility| {
        Signature::one_of(
            vec![TypeSignature::Nullary, TypeSignature::VariadicAny],
            volatility,
        )
    };
    let defs: Vec<(&'static str, DataType, Body)> = vec![
        ("version", DataType::Utf8, |_, _, _| utf8(VERSION)),
        ("current_schema", DataType::Utf8, |_, _, _| utf8("public")),
        ("current_database", DataType::Utf8, |_, _, _| utf8(DATABASE)),
        ("current_catalog", DataType::Utf8, |_, _, _| utf8(DATABASE)),
        ("current_user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("session_user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("current_role", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("user", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("pg_get_userbyid", DataType::Utf8, |_, _, _| utf8(OWNER)),
        ("pg_table_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_type_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_function_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_is_in_recovery", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(false))
        }),
        ("pg_backend_pid", DataType::Int32, |_, _, _| {
            ScalarValue::Int32(Some(std::process::id() as i32))
        }),
        ("pg_encoding_to_char", DataType::Utf8, |_, _, _| {
            utf8("UTF8")
        }),
        ("format_type", DataType::Utf8, |_, _, a| {
            match int(a.first()) {
                Some(oid) => ScalarValue::Utf8(format_type(oid, int(a.get(1)))),
                None => ScalarValue::Utf8(None),
            }
        }),
        ("to_regtype", DataType::Int64, |_, _, a| {
            ScalarValue::Int64(text(a.first()).and_then(|n| type_oid(&n)))
        }),
        ("to_regclass", DataType::Int64, |s, _, a| {
            ScalarValue::Int64(
                text(a.first()).and_then(|n| s.relations.get(&unqualified(&n)).copied()),
            )
        }),
        // `x::regclass::text` and `x::regtype::text`, as the rewrite of the SQL writes them.
        // `x::regclass` of a value known when the query runs: an OID, or a name.
        ("yanhuo_regclass", DataType::Int64, |s, _, a| {
            ScalarValue::Int64(match a.first() {
                Some(
                    ScalarValue::Utf8(Some(n))
                    | ScalarValue::LargeUtf8(Some(n))
                    | ScalarValue::Utf8View(Some(n)),
                ) => n
                    .trim()
                    .parse()
                    .ok()
                    .or_else(|| s.relations.get(&unqualified(n)).copied().or(Some(0))),
                other => int(other),
            })
        }),
        ("yanhuo_regtype", DataType::Int64, |_, _, a| {
            ScalarValue::Int64(match a.first() {
                Some(
                    ScalarValue::Utf8(Some(n))
                    | ScalarValue::LargeUtf8(Some(n))
                    | ScalarValue::Utf8View(Some(n)),
                ) => n.trim().parse().ok().or_else(|| type_oid(n).or(Some(0))),
                other => int(other),
            })
        }),
        ("yanhuo_regclass_name", DataType::Utf8, |s, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|oid| {
                s.names
                    .get(&oid)
                    .cloned()
                    .unwrap_or_else(|| oid.to_string())
            }))
        }),
        ("yanhuo_regtype_name", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|oid| {
                TYPES
                    .iter()
                    .find(|t| t.0 == oid)
                    .map_or_else(|| oid.to_string(), |t| t.6.to_string())
            }))
        }),
        ("col_description", DataType::Utf8, |s, _, a| {
            match (int(a.first()), int(a.get(1))) {
                (Some(oid), Some(n)) => ScalarValue::Utf8(s.descriptions.get(&(oid, n)).cloned()),
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("obj_description", DataType::Utf8, |s, _, a| {
            let class = text(a.get(1));
            match int(a.first()) {
                Some(oid) if class.as_deref().is_none_or(|c| c == "pg_class") => {
                    ScalarValue::Utf8(s.descriptions.get(&(oid, 0)).cloned())
                }
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("shobj_description", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("current_setting", DataType::Utf8, |_, zone, a| {
            ScalarValue::Utf8(text(a.first()).and_then(|n| setting(&n, zone)))
        }),
        ("pg_get_expr", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_constraintdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_indexdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_viewdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_triggerdef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_serial_sequence", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        // pg_proc has no rows: a function of this catalog is never asked about.
        ("pg_get_function_result", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_function_arguments", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        (
            "pg_get_function_identity_arguments",
            DataType::Utf8,
            |_, _, _| ScalarValue::Utf8(None),
        ),
        ("pg_get_functiondef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_get_ruledef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        ("pg_tablespace_location", DataType::Utf8, |_, _, _| utf8("")),
        // Sizes on disk are not a catalog fact here (Parquet files, maybe remote): unknown.
        ("pg_database_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_tablespace_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        // Nothing here is published for logical replication.
        (
            "pg_relation_is_publishable",
            DataType::Boolean,
            |_, _, _| ScalarValue::Boolean(Some(false)),
        ),
        ("pg_collation_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_conversion_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("pg_opclass_is_visible", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        // `LIKE p ESCAPE 'c'`, as the rewrite writes it: p with `\\` as its escape.
        ("yanhuo_like_escape", DataType::Utf8, |_, _, a| {
            match (text(a.first()), text(a.get(1))) {
                (Some(pattern), Some(escape)) => {
                    ScalarValue::Utf8(Some(backslash_escapes(&pattern, &escape)))
                }
                _ => ScalarValue::Utf8(None),
            }
        }),
        ("pg_get_partkeydef", DataType::Utf8, |_, _, _| {
            ScalarValue::Utf8(None)
        }),
        (
            "pg_get_statisticsobjdef_columns",
            DataType::Utf8,
            |_, _, _| ScalarValue::Utf8(None),
        ),
        ("pg_relation_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_total_relation_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_table_size", DataType::Int64, |_, _, _| {
            ScalarValue::Int64(None)
        }),
        ("pg_size_pretty", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(int(a.first()).map(|n| format!("{n} bytes")))
        }),
        ("quote_ident", DataType::Utf8, |_, _, a| {
            ScalarValue::Utf8(text(a.first()).map(|s| {
                let plain = s
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && !s.starts_with(|c: char| c.is_ascii_digit());
                if plain && !s.is_empty() {
                    s
                } else {
                    format!("\"{}\"", s.replace('"', "\"\""))
                }
            }))
        }),
        // Read only: SELECT, USAGE and CONNECT are granted, nothing else.
        ("has_table_privilege", DataType::Boolean, privilege),
        ("has_schema_privilege", DataType::Boolean, privilege),
        ("has_database_privilege", DataType::Boolean, privilege),
        ("has_column_privilege", DataType::Boolean, privilege),
        ("has_any_column_privilege", DataType::Boolean, privilege),
        ("has_function_privilege", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
        ("has_type_privilege", DataType::Boolean, |_, _, _| {
            ScalarValue::Boolean(Some(true))
        }),
    ];
    let mut udfs: Vec<ScalarUDF> = defs
        .into_iter()
        .map(|(name, returns, body)| {
            ScalarUDF::from(Function {
                name,
                signature: any(Volatility::Stable),
                returns,
                body,
                shared: shared.clone(),
                zone: zone.to_string(),
            })
        })
        .collect();
    udfs.push(ScalarUDF::from(Function {
        name: "yanhuo_text_array",
        signature: any(Volatility::Immutable),
        returns: list(DataType::Utf8),
        body: |_, _, a| {
            let items: Option<Vec<ScalarValue>> = match a.first() {
                Some(ScalarValue::List(list)) => {
                    let values = list.value(0);
                    (0..values.len())
                        .map(|i| ScalarValue::try_from_array(&values, i).ok())
                        .map(|v| Some(ScalarValue::Utf8(text(v.as_ref()))))
                        .collect()
                }
                other => text(other).map(|t| {
                    text_array(&t)
                        .into_iter()
                        .map(|item| ScalarValue::Utf8(Some(item)))
                        .collect()
                }),
            };
            match items {
                Some(items) => {
                    ScalarValue::List(ScalarValue::new_list_nullable(&items, &DataType::Utf8))
                }
                None => ScalarValue::Null,
            }
        },
        shared: shared.clone(),
        zone: zone.to_string(),
    }));
    udfs.push(ScalarUDF::from(Function {
        name: "current_schemas",
        signature: any(Volatility::Stable),
        returns: list(DataType::Utf8),
        body: |_, _, a| {
            let implicit = matches!(a.first(), Some(ScalarValue::Boolean(Some(true))));
            let mut names = Vec::new();
            if implicit {
                names.push(utf8("pg_catalog"));
            }
            names.push(utf8("public"));
            ScalarValue::List(ScalarValue::new_list_nullable(&names, &DataType::Utf8))
        },
        shared: shared.clone(),
        zone: zone.to_string(),
    }));
    udfs
}

/// A LIKE pattern whose escape character is `escape`, written with `\\` instead: `pg/_%`
/// with `/` → `pg\\_%`. A `\\` that escaped nothing is escaped itself.
pub(super) fn backslash_escapes(pattern: &str, escape: &str) -> String {
    let Some(escape) = escape.chars().next() else {
        // `ESCAPE ''`: nothing escapes, so every backslash is a plain one.
        return pattern.replace('\\', "\\\\");
    };
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == escape {
            out.push('\\');
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    out
}

/// The items of a Postgres array written as text: `{r,p,"a b"}` → r, p, a b.
pub(super) fn text_array(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(inner);
    let mut items = Vec::new();
    let mut item = String::new();
    let (mut quoted, mut escaped, mut any) = (false, false, false);
    for c in inner.chars() {
        match c {
            _ if escaped => {
                item.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ',' if !quoted => {
                items.push(std::mem::take(&mut item));
                any = false;
            }
            _ => {
                item.push(c);
                any = true;
            }
        }
    }
    if any || !item.is_empty() || !items.is_empty() {
        items.push(item);
    }
    items
}

fn privilege(_: &Shared, _: &str, args: &[ScalarValue]) -> ScalarValue {
    let wanted = text(args.last()).unwrap_or_default().to_ascii_uppercase();
    let granted = wanted
        .split(',')
        .map(|p| p.trim().trim_end_matches(" WITH GRANT OPTION"))
        .all(|p| matches!(p, "SELECT" | "USAGE" | "CONNECT" | "TEMPORARY" | "TEMP"));
    ScalarValue::Boolean(Some(granted))
}
