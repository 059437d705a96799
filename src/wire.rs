//! The Postgres wire protocol (`serve --pg-addr 127.0.0.1:5433`), so planners can point
//! psql, DBeaver, Excel, Metabase or Superset at the same read-only tables.
//!
//! Every statement runs through the same [`crate::sandbox`] as the console, with the same
//! limits; logging in asks for a user of the config file (or a token as the password) with
//! the analyst role or above. Results travel as text, which every client reads.
//!
//! Clients open sessions with chatter that changes nothing here (`SET extra_float_digits`,
//! `BEGIN`, `DISCARD ALL`): it is acknowledged and ignored, since every statement is read
//! only and no session setting reaches the sandbox.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::scalar::ScalarValue;
use futures::{Sink, SinkExt, stream};
use pgwire::api::auth::{
    DefaultServerParameterProvider, StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DataRowEncoder, DescribePortalResponse, DescribeResponse, DescribeStatementResponse,
    FieldFormat, FieldInfo, QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::PortalStore;
use pgwire::api::{
    ClientInfo, ClientPortalStore, METADATA_USER, PgWireConnectionState, PgWireServerHandlers, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::Authentication;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::net::TcpListener;

use crate::access::Role;
use crate::error::Error;
use crate::queries::QueryResult;
use crate::web::AppState;

/// Accepts connections until the process ends; each runs on its own task.
pub async fn serve(listener: TcpListener, state: Arc<AppState>) {
    let handlers = Arc::new(Handlers {
        handler: Arc::new(Handler { state }),
    });
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                let handlers = handlers.clone();
                tokio::spawn(async move {
                    if let Err(e) = pgwire::tokio::process_socket(socket, None, handlers).await {
                        tracing::debug!(%peer, error = %e, "Postgres connection ended");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "accepting a Postgres connection"),
        }
    }
}

struct Handlers {
    handler: Arc<Handler>,
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.handler.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.handler.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.handler.clone()
    }
}

struct Handler {
    state: Arc<AppState>,
}

fn user_error(severity: &str, code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        severity.to_owned(),
        code.to_owned(),
        message,
    )))
}

/// A sandbox error with the SQLSTATE a Postgres client understands.
fn sql_error(e: Error) -> PgWireError {
    let code = match &e {
        Error::Refused(_) => "42501",
        Error::Sql(_) | Error::Parameter { .. } => "42000",
        Error::TimeLimit { .. } => "57014",
        Error::MemoryLimit { .. } => "53200",
        Error::Busy { .. } => "53300",
        _ => "XX000",
    };
    let message = match &e {
        Error::Refused(_)
        | Error::Sql(_)
        | Error::Parameter { .. }
        | Error::TimeLimit { .. }
        | Error::MemoryLimit { .. }
        | Error::Busy { .. } => e.to_string(),
        other => {
            tracing::error!(error = %other, "Postgres query failed");
            "internal error; it has been logged".to_string()
        }
    };
    user_error("ERROR", code, message)
}

#[async_trait]
impl StartupHandler for Handler {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let access = self.state.access();
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                if access.is_open() {
                    finish_authentication(client, &DefaultServerParameterProvider::default())
                        .await?;
                } else {
                    client.set_state(PgWireConnectionState::AuthenticationInProgress);
                    client
                        .send(PgWireBackendMessage::Authentication(
                            Authentication::CleartextPassword,
                        ))
                        .await?;
                }
            }
            PgWireFrontendMessage::PasswordMessageFamily(password) => {
                let password = password.into_password()?.password;
                let user = client
                    .metadata()
                    .get(METADATA_USER)
                    .cloned()
                    .unwrap_or_default();
                let (access, name) = (access.clone(), user.clone());
                // argon2 is slow on purpose: keep it off the threads that serve.
                let who = tokio::task::spawn_blocking(move || access.login(&name, &password))
                    .await
                    .ok()
                    .flatten();
                match who {
                    None => return Err(PgWireError::InvalidPassword(user)),
                    Some(who) if who.role < Role::Analyst => {
                        return Err(user_error(
                            "FATAL",
                            "28000",
                            format!(
                                "{} has the role {}; the Postgres wire needs analyst",
                                who.name,
                                who.role.name()
                            ),
                        ));
                    }
                    Some(_) => {
                        finish_authentication(client, &DefaultServerParameterProvider::default())
                            .await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Session chatter of clients and drivers, acknowledged with its command tag.
fn chatter(sql: &str) -> Option<&'static str> {
    let first = sql
        .trim_start()
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()?
        .to_ascii_uppercase();
    Some(match first.as_str() {
        "SET" => "SET",
        "BEGIN" | "START" => "BEGIN",
        "COMMIT" | "END" => "COMMIT",
        "ROLLBACK" | "ABORT" => "ROLLBACK",
        "DISCARD" => "DISCARD ALL",
        "DEALLOCATE" => "DEALLOCATE",
        _ => return None,
    })
}

impl Handler {
    async fn run(
        &self,
        sql: &str,
        params: &BTreeMap<String, ScalarValue>,
    ) -> PgWireResult<QueryResponse> {
        let loaded = self.state.current().await.map_err(sql_error)?;
        let sandbox = &self.state.sandbox;
        let answer = sandbox
            .run(&loaded.tables, sql, params, sandbox.limits.export_rows)
            .await
            .map_err(sql_error)?;
        if answer.truncated {
            tracing::info!(
                rows = answer.result.num_rows(),
                "a Postgres result was cut at the export row cap"
            );
        }
        encode(&answer.result)
    }

    async fn describe(&self, sql: &str) -> PgWireResult<(Vec<FieldInfo>, Vec<Type>)> {
        let loaded = self.state.current().await.map_err(sql_error)?;
        let (schema, params) = self
            .state
            .sandbox
            .describe(&loaded.tables, sql)
            .await
            .map_err(sql_error)?;
        let params = params
            .iter()
            .map(|t| t.as_ref().map_or(Type::UNKNOWN, pg_type))
            .collect();
        Ok((fields(&schema), params))
    }
}

#[async_trait]
impl SimpleQueryHandler for Handler {
    async fn do_query<C>(&self, _client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Some(tag) = chatter(query) {
            return Ok(vec![Response::Execution(Tag::new(tag))]);
        }
        Ok(vec![Response::Query(
            self.run(query, &BTreeMap::new()).await?,
        )])
    }
}

/// Statements are kept as their SQL; the sandbox parses them when they run.
struct Parser;

#[async_trait]
impl QueryParser for Parser {
    type Statement = String;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<String>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Ok(Some(sql.to_string()))
    }

    fn get_parameter_types(&self, _stmt: &String) -> PgWireResult<Vec<Type>> {
        Ok(Vec::new())
    }

    fn get_result_schema(
        &self,
        _stmt: &String,
        _column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl ExtendedQueryHandler for Handler {
    type Statement = String;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        Arc::new(Parser)
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<String>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if chatter(&target.statement).is_some() {
            return Ok(DescribeStatementResponse::no_data());
        }
        let (fields, mut params) = self.describe(&target.statement).await?;
        for (i, given) in target.parameter_types.iter().enumerate() {
            if let (Some(given), Some(slot)) = (given, params.get_mut(i)) {
                *slot = given.clone();
            }
        }
        Ok(DescribeStatementResponse::new(params, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        portal: &Portal<String>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if chatter(&portal.statement.statement).is_some() {
            return Ok(DescribePortalResponse::no_data());
        }
        let (fields, _) = self.describe(&portal.statement.statement).await?;
        Ok(DescribePortalResponse::new(fields))
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        portal: &Portal<String>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = &portal.statement.statement;
        if let Some(tag) = chatter(sql) {
            return Ok(Response::Execution(Tag::new(tag)));
        }
        let params = parameters(portal)?;
        Ok(Response::Query(self.run(sql, &params).await?))
    }
}

/// `$1`, `$2`, … as typed values, from text: the type the client declared, text otherwise.
fn parameters(portal: &Portal<String>) -> PgWireResult<BTreeMap<String, ScalarValue>> {
    let mut out = BTreeMap::new();
    for (i, value) in portal.parameters.iter().enumerate() {
        if portal.parameter_format.is_binary(i) {
            return Err(user_error(
                "ERROR",
                "0A000",
                "binary parameters are not supported; send them as text".into(),
            ));
        }
        let declared = portal
            .statement
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or(Type::UNKNOWN);
        let text = match value {
            None => None,
            Some(bytes) => Some(
                std::str::from_utf8(bytes)
                    .map_err(|_| user_error("ERROR", "22021", format!("${} is not UTF-8", i + 1)))?
                    .to_string(),
            ),
        };
        let bad = |what: &str| user_error("ERROR", "22P02", format!("${}: not {what}", i + 1));
        let scalar = match (&declared, text) {
            (t, Some(v)) if [Type::INT2, Type::INT4, Type::INT8].contains(t) => {
                ScalarValue::Int64(Some(v.trim().parse().map_err(|_| bad("an integer"))?))
            }
            (t, Some(v)) if [Type::FLOAT4, Type::FLOAT8, Type::NUMERIC].contains(t) => {
                ScalarValue::Float64(Some(v.trim().parse().map_err(|_| bad("a number"))?))
            }
            (t, Some(v)) if *t == Type::BOOL => ScalarValue::Boolean(Some(matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "t" | "true" | "1" | "yes" | "on"
            ))),
            (_, v) => ScalarValue::Utf8(v),
        };
        out.insert((i + 1).to_string(), scalar);
    }
    Ok(out)
}

/// The Postgres type a column travels as.
fn pg_type(data_type: &DataType) -> Type {
    match data_type {
        DataType::Boolean => Type::BOOL,
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => Type::INT2,
        DataType::Int32 | DataType::UInt16 => Type::INT4,
        DataType::Int64 | DataType::UInt32 => Type::INT8,
        DataType::UInt64 | DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => Type::NUMERIC,
        DataType::Float16 | DataType::Float32 => Type::FLOAT4,
        DataType::Float64 => Type::FLOAT8,
        DataType::Date32 | DataType::Date64 => Type::DATE,
        DataType::Timestamp(_, Some(_)) => Type::TIMESTAMPTZ,
        DataType::Timestamp(_, None) => Type::TIMESTAMP,
        _ => Type::TEXT,
    }
}

fn fields(schema: &SchemaRef) -> Vec<FieldInfo> {
    schema
        .fields()
        .iter()
        .map(|f| {
            FieldInfo::new(
                f.name().clone(),
                None,
                None,
                pg_type(f.data_type()),
                FieldFormat::Text,
            )
        })
        .collect()
}

/// Rows as Postgres text: ISO dates, timestamps with their offset, `t`/`f`, NULL as NULL.
fn encode(result: &QueryResult) -> PgWireResult<QueryResponse> {
    let schema = Arc::new(fields(&result.schema));
    let options = FormatOptions::default()
        .with_date_format(Some("%Y-%m-%d"))
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.f%:z"))
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"));
    let mut rows = Vec::with_capacity(result.num_rows());
    for batch in &result.batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| user_error("ERROR", "XX000", e.to_string()))?;
        for row in 0..batch.num_rows() {
            let mut encoder = DataRowEncoder::new(schema.clone());
            for (column, formatter) in batch.columns().iter().zip(&formatters) {
                let text = if column.is_null(row) {
                    None
                } else if column.data_type() == &DataType::Boolean {
                    Some(if formatter.value(row).to_string() == "true" {
                        "t".to_string()
                    } else {
                        "f".to_string()
                    })
                } else {
                    Some(formatter.value(row).to_string())
                };
                encoder.encode_field(&text)?;
            }
            rows.push(Ok(encoder.take_row()));
        }
    }
    Ok(QueryResponse::new(schema, stream::iter(rows)))
}
