//! The Postgres wire protocol (`serve --pg-addr 127.0.0.1:5433`), so planners can point
//! psql, DBeaver, Excel, Metabase or Superset at the same read-only tables.
//!
//! Every statement runs through the same [`crate::serve::sandbox`] as the console, with the same
//! limits; logging in asks for a user of the config file (or a token as the password) with
//! the analyst role or above. The sandbox gives the wire's queries a Postgres catalog
//! (`pg_catalog`, `version()`, …) and reads Postgres's spellings of SQL, so psql's `\d`,
//! pgjdbc's metadata and SQLAlchemy's inspector work. Results travel as text, or in
//! Postgres's binary format to a client that asks for it ([`binary`]).
//!
//! The connection loop is yanhuo's own, not `pgwire::tokio::process_socket`: after a FATAL
//! error that loop sends ReadyForQuery, shuts only its sending side and goes on running what
//! the client sends, so a failed login could still query. Here nothing but the login steps
//! is read before a login succeeds, and a FATAL ends the connection.
//!
//! Clients open sessions with chatter that changes nothing here (`SET extra_float_digits`,
//! `BEGIN`, `DISCARD ALL`): it is acknowledged, since every statement is read only and no
//! session setting reaches the sandbox. A `SET name = value` is remembered for the
//! connection, so a later `SHOW name` answers what was set (`RESET` and `DISCARD ALL`
//! forget); other settings come from [`postgres::SETTINGS`]. Nothing else reads a `SET`:
//! values keep the district's zone (each timestamp carries its offset), names resolve in
//! `public`. A query string holds one statement: a second one would otherwise hide behind
//! a `SET` that is acknowledged unread.

mod binary;
mod rows;
mod settings;

use rows::*;
use settings::*;

use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::scalar::ScalarValue;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use futures::{Sink, SinkExt, StreamExt, TryStreamExt, stream};
use pgwire::api::auth::{
    DefaultServerParameterProvider, StartupHandler, finish_authentication, protocol_negotiation,
    save_startup_parameters_to_metadata,
};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeResponse, DescribeStatementResponse, FieldFormat, FieldInfo,
    QueryResponse, Response, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::PortalStore;
use pgwire::api::{
    ClientInfo, ClientPortalStore, METADATA_USER, NoopHandler, PgWireConnectionState, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use pgwire::messages::startup::Authentication;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use tokio::net::{TcpListener, TcpStream};

use crate::engine::queries::QueryResult;
use crate::error::Error;
use crate::serve::access::{Refused, Role};
use crate::serve::sandbox::{Client, postgres};
use crate::serve::web::AppState;

/// How long a client may take from connecting to a successful login, as pgwire allows.
const LOGIN_TIME: Duration = Duration::from_secs(60);

/// What a client that has not logged in is told, whatever it sent.
const LOG_IN_FIRST: &str = "log in first: nothing but the startup message and a password is answered before a login succeeds";

/// Accepts connections until the process ends; each runs on its own task.
pub async fn serve(listener: TcpListener, state: Arc<AppState>) {
    let handler = Arc::new(Handler { state });
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                let handler = handler.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(socket, handler).await {
                        tracing::debug!(%peer, error = %e, "Postgres connection ended");
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "accepting a Postgres connection"),
        }
    }
}

/// Marks a connection whose login succeeded; only [`Handler::on_startup`] sets it. Kept in
/// the session's typed extensions, which a client cannot write (startup parameters land in
/// the metadata map instead), because pgwire's own state reads "ready for query" after a
/// failed login too.
struct SignedIn;

fn signed_in(client: &impl ClientInfo) -> bool {
    client.session_extensions().get::<SignedIn>().is_some()
}

/// The handlers' own check, for a message that reached them without the connection loop's.
fn require_login(client: &impl ClientInfo) -> PgWireResult<()> {
    if signed_in(client) {
        Ok(())
    } else {
        Err(user_error("FATAL", "28000", LOG_IN_FIRST.into()))
    }
}

/// pgwire's message loop (`process_socket`), except: before a login succeeds only the
/// startup message and a password are read, any error then ends the connection, and a
/// FATAL error is the last thing sent before the socket is closed.
async fn connection(tcp: TcpStream, handler: Arc<Handler>) -> std::io::Result<()> {
    let deadline = tokio::time::sleep(LOGIN_TIME);
    tokio::pin!(deadline);
    // Answers an SSL request with "no" (there is no TLS here) and sets up the framing.
    let negotiated = tokio::select! {
        _ = &mut deadline => return Ok(()),
        negotiated = negotiate_tls::<String>(tcp, None) => negotiated?,
    };
    let Some(mut socket) = negotiated else {
        return Ok(());
    };
    let (copy, cancel) = (Arc::new(NoopHandler), Arc::new(NoopHandler));
    loop {
        let before_login = !signed_in(&socket);
        let message = if before_login {
            tokio::select! {
                _ = &mut deadline => None,
                message = socket.next() => message,
            }
        } else {
            socket.next().await
        };
        let message = match message {
            Some(Ok(message)) => message,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "an unreadable Postgres message");
                return Ok(());
            }
            None => return Ok(()),
        };
        match message {
            PgWireFrontendMessage::Terminate(_) => return Ok(()),
            // Nothing here can be cancelled from outside: the time limit stops queries.
            PgWireFrontendMessage::CancelRequest(_) => return Ok(()),
            _ => {}
        }
        if before_login && !is_login_step(socket.state(), &message) {
            return end(
                &mut socket,
                ErrorInfo::new("FATAL".into(), "28000".into(), LOG_IN_FIRST.into()),
            )
            .await;
        }
        let extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => message.is_extended_query(),
        };
        let handled = process_message(
            message,
            &mut socket,
            handler.clone(),
            handler.clone(),
            handler.clone(),
            copy.clone(),
            cancel.clone(),
        )
        .await;
        if let Err(error) = handled {
            let info = ErrorInfo::from(error);
            if info.is_fatal() || !signed_in(&socket) {
                return end(&mut socket, info).await;
            }
            process_error(
                &mut socket,
                PgWireError::UserError(Box::new(info)),
                extended,
            )
            .await?;
        }
    }
}

/// The messages a client sends to log in, each in its turn.
fn is_login_step(state: PgWireConnectionState, message: &PgWireFrontendMessage) -> bool {
    matches!(
        (state, message),
        (
            PgWireConnectionState::AwaitingStartup,
            PgWireFrontendMessage::Startup(_)
        ) | (
            PgWireConnectionState::AuthenticationInProgress,
            PgWireFrontendMessage::PasswordMessageFamily(_)
        )
    )
}

/// Sends `info` as a FATAL error and closes: the caller returns, dropping the socket, so
/// nothing the client sends afterwards is read.
async fn end<S>(socket: &mut S, mut info: ErrorInfo) -> std::io::Result<()>
where
    S: Sink<PgWireBackendMessage, Error = std::io::Error> + Unpin,
{
    info.severity = "FATAL".into();
    socket
        .send(PgWireBackendMessage::ErrorResponse(info.into()))
        .await?;
    socket.close().await
}

struct Handler {
    state: Arc<AppState>,
}

/// What a client is told about the server at login: a version drivers parse as Postgres
/// 16, and the district's zone.
fn server_parameters() -> DefaultServerParameterProvider {
    let mut parameters = DefaultServerParameterProvider::default();
    parameters.server_version = postgres::SERVER_VERSION.to_string();
    parameters.default_transaction_read_only = true;
    parameters.is_superuser = false;
    parameters
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
                    finish_authentication(client, &server_parameters()).await?;
                    client.session_extensions().insert(SignedIn);
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
                // Failures count against the client's address too, as over HTTP.
                let peer = client.socket_addr().ip();
                let who = tokio::task::spawn_blocking(move || {
                    access.login_from(&name, &password, Some(peer))
                })
                .await
                .unwrap_or(Err(Refused::Wrong));
                match who {
                    Err(Refused::Wrong) => return Err(PgWireError::InvalidPassword(user)),
                    Err(Refused::Wait(wait)) => {
                        return Err(user_error(
                            "FATAL",
                            "28000",
                            format!(
                                "too many failed logins for {user} or from this address: try again in {} s",
                                wait.as_secs().max(1)
                            ),
                        ));
                    }
                    Ok(who) if who.role < Role::Analyst => {
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
                    Ok(_) => {
                        finish_authentication(client, &server_parameters()).await?;
                        client.session_extensions().insert(SignedIn);
                    }
                }
            }
            _ => return Err(user_error("FATAL", "28000", LOG_IN_FIRST.into())),
        }
        Ok(())
    }
}

/// How many statements `sql` holds, by its tokens, so a `;` inside quotes or a comment
/// does not count; None when it does not tokenize (the sandbox then says why).
fn statements(sql: &str) -> Option<usize> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let mut count = 0;
    let mut inside = false;
    for token in tokens {
        match token {
            Token::Whitespace(_) | Token::EOF => {}
            Token::SemiColon => inside = false,
            _ if !inside => {
                count += 1;
                inside = true;
            }
            _ => {}
        }
    }
    Some(count)
}

/// Refuses a query string of several statements. pgwire hands the whole string over, and
/// the chatter below is known by its first word: `SET x = 1; SELECT …` would be
/// acknowledged and its SELECT dropped unread.
fn one_statement(sql: &str) -> PgWireResult<()> {
    match statements(sql) {
        Some(n) if n > 1 => Err(sql_error(Error::Refused(format!(
            "{n} statements in one query string: the Postgres wire runs one statement at a time, \
             SET and BEGIN included; send them one by one"
        )))),
        _ => Ok(()),
    }
}

/// Session chatter of clients and drivers, acknowledged with its command tag; only ever a
/// single statement.
fn chatter(sql: &str) -> Option<&'static str> {
    if statements(sql) != Some(1) {
        return None;
    }
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
        "RESET" => "RESET",
        _ => return None,
    })
}

impl Handler {
    async fn run(
        &self,
        client: &(impl ClientInfo + Sync),
        sql: &str,
        params: &BTreeMap<String, ScalarValue>,
        formats: &Format,
    ) -> PgWireResult<QueryResponse> {
        let loaded = self.state.current().await.map_err(sql_error)?;
        let sandbox = &self.state.sandbox;
        if let Some(name) = show(sql) {
            let zone = loaded.engine.settings.zone.name();
            return Ok(encode(
                show_result(&name, zone, session_setting(client, &name))?,
                sandbox.limits.memory,
                formats,
            ));
        }
        let answer = sandbox
            .run_for(
                Client::Postgres,
                &loaded.tables,
                sql,
                params,
                sandbox.limits.export_rows,
            )
            .await
            .map_err(sql_error)?;
        if answer.truncated {
            tracing::info!(
                rows = answer.result.num_rows(),
                "a Postgres result was cut at the export row cap"
            );
        }
        Ok(encode(answer.result, sandbox.limits.memory, formats))
    }

    async fn describe(
        &self,
        sql: &str,
        formats: &Format,
    ) -> PgWireResult<(Vec<FieldInfo>, Vec<Type>)> {
        let loaded = self.state.current().await.map_err(sql_error)?;
        if let Some(name) = show(sql) {
            let zone = loaded.engine.settings.zone.name();
            return Ok((
                fields(&show_result(&name, zone, None)?.schema, formats),
                Vec::new(),
            ));
        }
        let (schema, params) = self
            .state
            .sandbox
            .describe_for(Client::Postgres, &loaded.tables, sql)
            .await
            .map_err(sql_error)?;
        let params = params
            .iter()
            .map(|t| t.as_ref().map_or(Type::UNKNOWN, pg_type))
            .collect();
        Ok((fields(&schema, formats), params))
    }
}

#[async_trait]
impl SimpleQueryHandler for Handler {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        require_login(client)?;
        one_statement(query)?;
        if let Some(tag) = chatter(query) {
            remember(client, query);
            return Ok(vec![Response::Execution(Tag::new(tag))]);
        }
        Ok(vec![Response::Query(
            self.run(client, query, &BTreeMap::new(), &Format::UnifiedText)
                .await?,
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
        client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<String>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        require_login(client)?;
        one_statement(sql)?;
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
        client: &mut C,
        target: &StoredStatement<String>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        require_login(client)?;
        if chatter(&target.statement).is_some() {
            return Ok(DescribeStatementResponse::no_data());
        }
        // Results are described as text here; the portal's Bind says the format later.
        let (fields, mut params) = self
            .describe(&target.statement, &Format::UnifiedText)
            .await?;
        for (i, given) in target.parameter_types.iter().enumerate() {
            if let (Some(given), Some(slot)) = (given, params.get_mut(i)) {
                *slot = given.clone();
            }
        }
        Ok(DescribeStatementResponse::new(params, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        client: &mut C,
        portal: &Portal<String>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        require_login(client)?;
        if chatter(&portal.statement.statement).is_some() {
            return Ok(DescribePortalResponse::no_data());
        }
        let (fields, _) = self
            .describe(&portal.statement.statement, &portal.result_column_format)
            .await?;
        Ok(DescribePortalResponse::new(fields))
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<String>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        require_login(client)?;
        let sql = &portal.statement.statement;
        one_statement(sql)?;
        if let Some(tag) = chatter(sql) {
            remember(client, sql);
            return Ok(Response::Execution(Tag::new(tag)));
        }
        // A binary parameter is read by its type: the one the client declared, else the
        // one the statement's description gave it (asyncpg declares none).
        let undeclared_binary = (0..portal.parameter_len()).any(|i| {
            portal.parameter_format.is_binary(i)
                && portal
                    .statement
                    .parameter_types
                    .get(i)
                    .cloned()
                    .flatten()
                    .is_none_or(|t| t == Type::UNKNOWN)
        });
        let described = if undeclared_binary {
            self.describe(sql, &Format::UnifiedText).await?.1
        } else {
            Vec::new()
        };
        let params = parameters(portal, &described)?;
        Ok(Response::Query(
            self.run(client, sql, &params, &portal.result_column_format)
                .await?,
        ))
    }
}

/// `$1`, `$2`, … as typed values: by the type the client declared, else the one
/// `described` gives, else as text.
fn parameters(
    portal: &Portal<String>,
    described: &[Type],
) -> PgWireResult<BTreeMap<String, ScalarValue>> {
    let mut out = BTreeMap::new();
    for (i, value) in portal.parameters.iter().enumerate() {
        let declared = portal
            .statement
            .parameter_types
            .get(i)
            .cloned()
            .flatten()
            .filter(|t| *t != Type::UNKNOWN)
            .or_else(|| described.get(i).cloned())
            .unwrap_or(Type::UNKNOWN);
        if portal.parameter_format.is_binary(i) {
            let scalar = match value {
                None => ScalarValue::Utf8(None),
                Some(bytes) => binary::parameter(&declared, bytes).ok_or_else(|| {
                    user_error(
                        "ERROR",
                        "22P03",
                        format!("${}: not a binary {}", i + 1, declared.name()),
                    )
                })?,
            };
            out.insert((i + 1).to_string(), scalar);
            continue;
        }
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

#[cfg(test)]
mod tests;
