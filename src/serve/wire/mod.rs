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

/// The setting a `SHOW` asks for, if `sql` is one.
fn show(sql: &str) -> Option<String> {
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
struct SessionSettings(std::sync::Mutex<BTreeMap<String, String>>);

/// A setting's name as `SET` and `SHOW` match it: `TimeZone`, `time zone` → `timezone`.
fn setting_key(name: &str) -> String {
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
fn parse_set(sql: &str) -> Option<(String, String)> {
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
fn remember(client: &impl ClientInfo, sql: &str) {
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
fn session_setting(client: &impl ClientInfo, name: &str) -> Option<String> {
    let settings = client.session_extensions().get::<SessionSettings>()?;
    let map = settings.0.lock().ok()?;
    map.get(&setting_key(name)).cloned()
}

/// `SHOW name`'s one row, with the column named as Postgres names it: the session's
/// value if it set one, else the server's.
fn show_result(name: &str, zone: &str, session: Option<String>) -> PgWireResult<QueryResult> {
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

/// The Postgres type a column travels as.
/// The Postgres type a column travels as, as the catalog lists it.
fn pg_type(data_type: &DataType) -> Type {
    let (oid, _) = postgres::type_of(data_type);
    u32::try_from(oid)
        .ok()
        .and_then(Type::from_oid)
        .unwrap_or(Type::TEXT)
}

/// The columns of `schema`, each in the format the client asked for; a value that has no
/// binary form here (a list, say) travels as text, typed text.
fn fields(schema: &SchemaRef, formats: &Format) -> Vec<FieldInfo> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            FieldInfo::new(
                f.name().clone(),
                None,
                None,
                pg_type(f.data_type()),
                formats.format_for(i),
            )
        })
        .collect()
}

/// Rows of encoded text held at once: the client reads a chunk before the next is made.
const CHUNK_BYTES: usize = 1 << 20;

/// Rows as Postgres text (ISO dates, timestamps with their offset, `t`/`f`, NULL as NULL),
/// made as the client reads them: pgwire pulls the stream and writes to the socket as its
/// buffer fills, so the text of a large result is never whole in memory. The text is
/// counted against the query's memory limit, `budget` bytes: past it the client gets an
/// error instead of the rest.
fn encode(result: QueryResult, budget: usize, formats: &Format) -> QueryResponse {
    let schema = Arc::new(fields(&result.schema, formats));
    let mut rows = Rows {
        batches: result.batches.into_iter(),
        batch: None,
        row: 0,
        schema: schema.clone(),
        budget,
        left: budget,
        failed: false,
    };
    let chunks = stream::iter(std::iter::from_fn(move || rows.next_chunk()));
    let rows = chunks
        .map_ok(|chunk| stream::iter(chunk.into_iter().map(Ok)))
        .try_flatten();
    QueryResponse::new(schema, rows)
}

struct Rows {
    batches: std::vec::IntoIter<RecordBatch>,
    /// The batch being encoded, and its next row.
    batch: Option<RecordBatch>,
    row: usize,
    schema: Arc<Vec<FieldInfo>>,
    budget: usize,
    /// Bytes of text the rest of the result may take.
    left: usize,
    /// An error ends the stream: pgwire sends it in place of the command's completion.
    failed: bool,
}

impl Rows {
    fn next_chunk(&mut self) -> Option<PgWireResult<Vec<DataRow>>> {
        if self.failed {
            return None;
        }
        while self.batch.as_ref().is_none_or(|b| self.row >= b.num_rows()) {
            self.batch = Some(self.batches.next()?);
            self.row = 0;
        }
        // Cheap: a batch's columns are shared, not copied.
        let batch = self.batch.clone()?;
        let chunk = self.encode_rows(&batch);
        self.failed = chunk.is_err();
        Some(chunk)
    }

    fn encode_rows(&mut self, batch: &RecordBatch) -> PgWireResult<Vec<DataRow>> {
        let options = FormatOptions::default()
            .with_date_format(Some("%Y-%m-%d"))
            .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.f%:z"))
            .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.f"));
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| user_error("ERROR", "XX000", e.to_string()))?;
        let mut chunk = Vec::new();
        let mut bytes = 0;
        while self.row < batch.num_rows() && bytes < CHUNK_BYTES {
            let row = self.row;
            let before = self.left;
            let mut data = bytes::BytesMut::new();
            for (i, (column, formatter)) in batch.columns().iter().zip(&formatters).enumerate() {
                // A column of the Null type (`SELECT NULL`) keeps no validity bits: its
                // `is_null` says false, yet every value is NULL.
                if column.is_null(row) || column.data_type() == &DataType::Null {
                    data.extend_from_slice(&(-1i32).to_be_bytes());
                    continue;
                }
                let binary = self.schema[i].format() == FieldFormat::Binary;
                let value = match binary
                    .then(|| binary::value(column.as_ref(), row))
                    .flatten()
                {
                    Some(value) => self.take_bytes(value)?,
                    None => self.text(column.as_ref(), formatter, row)?.into_bytes(),
                };
                let len = i32::try_from(value.len()).map_err(|_| self.too_large())?;
                data.extend_from_slice(&len.to_be_bytes());
                data.extend_from_slice(&value);
            }
            chunk.push(DataRow::new(data, batch.num_columns() as i16));
            bytes += before - self.left;
            self.row += 1;
        }
        Ok(chunk)
    }

    /// One value as text, refused before it is written out when it would pass the budget.
    fn text(
        &mut self,
        column: &dyn Array,
        formatter: &ArrayFormatter,
        row: usize,
    ) -> PgWireResult<String> {
        if column.data_type() == &DataType::Boolean {
            let value = column.as_boolean().value(row);
            return self.take(if value { "t" } else { "f" }.to_string());
        }
        // A long string is measured where it lies, not copied first.
        let known = match column.data_type() {
            DataType::Utf8 => Some(column.as_string::<i32>().value(row).len()),
            DataType::LargeUtf8 => Some(column.as_string::<i64>().value(row).len()),
            DataType::Utf8View => Some(column.as_string_view().value(row).len()),
            _ => None,
        };
        if known.is_some_and(|len| len > self.left) {
            return Err(self.too_large());
        }
        let mut text = Bounded {
            text: String::new(),
            left: self.left,
            over: false,
        };
        match write!(text, "{}", formatter.value(row)) {
            Ok(()) => self.take(text.text),
            Err(_) if text.over => Err(self.too_large()),
            Err(_) => Err(user_error(
                "ERROR",
                "XX000",
                "a value could not be written as text".into(),
            )),
        }
    }

    fn take_bytes(&mut self, value: Vec<u8>) -> PgWireResult<Vec<u8>> {
        match self.left.checked_sub(value.len()) {
            Some(left) => {
                self.left = left;
                Ok(value)
            }
            None => Err(self.too_large()),
        }
    }

    fn take(&mut self, text: String) -> PgWireResult<String> {
        match self.left.checked_sub(text.len()) {
            Some(left) => {
                self.left = left;
                Ok(text)
            }
            None => Err(self.too_large()),
        }
    }

    fn too_large(&self) -> PgWireError {
        sql_error(Error::MemoryLimit {
            limit_mib: self.budget >> 20,
            message: "the result, as text for the Postgres wire, is larger than that; \
                      select fewer rows or columns, or shorter values"
                .into(),
        })
    }
}

/// A `fmt::Write` that stops once the text would pass `left` bytes, so a huge value is
/// never formatted whole.
struct Bounded {
    text: String,
    left: usize,
    /// Why writing stopped: the budget, not the formatter.
    over: bool,
}

impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s.len() > self.left {
            self.over = true;
            return Err(std::fmt::Error);
        }
        self.left -= s.len();
        self.text.push_str(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
