//! Who may do what: the roles, the users and tokens of the config file, and checking a
//! password or a token. The web layer and the Postgres wire ask here; neither keeps its own
//! list.
//!
//! ```toml
//! [[users]]
//! name = "wang"
//! role = "analyst"                    # viewer, analyst or admin
//! password_hash = "$argon2id$v=19$…"  # yanhuo hash-password
//!
//! [[tokens]]
//! name = "metabase"
//! role = "analyst"
//! token_sha256 = "9f86d0…"            # yanhuo hash-password --token
//! ```
//!
//! With no config file the server is open (everyone is admin), which `serve` allows on a
//! loopback address only.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Condvar, LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::SaltString;
use argon2::{Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a person may use, each role including the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The dashboards, their tables and downloads.
    Viewer,
    /// Also ad-hoc SQL: the console, the API, the canned queries and the Postgres wire.
    Analyst,
    /// Everything, including importing data when that is offered over the network.
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    role: Role,
    /// An argon2 PHC string.
    password_hash: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    name: String,
    role: Role,
    /// Hex SHA-256 of the token: tokens are long and random, so a fast hash suffices and
    /// the file never holds one a thief could replay.
    token_sha256: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    users: Vec<UserEntry>,
    #[serde(default)]
    tokens: Vec<TokenEntry>,
}

/// The users and tokens, or none (open).
#[derive(Debug, Clone, Default)]
pub struct Access {
    users: Vec<UserEntry>,
    tokens: Vec<TokenEntry>,
    /// Passwords already verified, by a SHA-256 of name and password: argon2 is slow on
    /// purpose, and a dashboard's page asks for a dozen charts, each with the password.
    verified: Arc<Mutex<HashMap<[u8; 32], Role>>>,
    /// What an unknown name is checked against, hashed with the users' own parameters, so
    /// a wrong name costs what a wrong password costs and the time tells no names apart.
    dummy: Option<String>,
    /// At most [`HASHING_AT_ONCE`] argon2 checks run; the rest wait their turn.
    gate: Arc<Gate>,
    /// Failures by user name and by client address, and how long each must wait.
    throttle: Arc<Throttle>,
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No such user, or the wrong password (the caller is not told which).
    Wrong,
    /// Too many recent failures for this name or this address: nothing was checked; ask
    /// again after this long.
    Wait(Duration),
}

/// Argon2 checks at once. Each takes 19 MiB and a core for tens of milliseconds: run in
/// parallel they only share the same cores while multiplying the memory (128 at once took
/// 7.5 GB), and a real login queued behind them waited seconds.
pub const HASHING_AT_ONCE: usize = 2;

/// Failures allowed before each further attempt must wait: a person mistyping gets a few
/// goes without noticing.
pub const FREE_FAILURES: u32 = 5;

/// The longest wait: a name an attacker hammers is locked for at most this long after they
/// stop, and each of their guesses costs them this long.
pub const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// A counter is forgotten this long after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Counters kept at most, so names and addresses an attacker makes up cannot grow memory;
/// past it the oldest go first.
const COUNTERS: usize = 4096;

/// How many argon2 checks run and ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashChecks {
    pub running: usize,
    /// The most that ever ran at once.
    pub peak: usize,
    /// Checks done since the start.
    pub total: u64,
}

#[derive(Debug, Default)]
struct Gate {
    checks: Mutex<HashChecks>,
    freed: Condvar,
}

/// A turn at hashing, given back when dropped.
struct Turn<'a>(&'a Gate);

impl Gate {
    /// Blocks until fewer than [`HASHING_AT_ONCE`] checks run. Called on a blocking thread
    /// (the callers use `spawn_blocking`), so the wait holds no async worker.
    fn turn(&self) -> Turn<'_> {
        let mut checks = self.checks.lock().unwrap_or_else(|e| e.into_inner());
        while checks.running >= HASHING_AT_ONCE {
            checks = self.freed.wait(checks).unwrap_or_else(|e| e.into_inner());
        }
        checks.running += 1;
        checks.peak = checks.peak.max(checks.running);
        Turn(self)
    }
}

impl Turn<'_> {
    /// Counts a check that is run: a turn may end in a refusal without one.
    fn hashing(&self) {
        let mut checks = self.0.checks.lock().unwrap_or_else(|e| e.into_inner());
        checks.total += 1;
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut checks = self.0.checks.lock().unwrap_or_else(|e| e.into_inner());
        checks.running -= 1;
        drop(checks);
        self.0.freed.notify_one();
    }
}

/// Who a failure counts against: the name tried (guessing one person's password from many
/// addresses) and the address trying (many names from one place).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Client(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    last: Instant,
}

impl Counter {
    /// Past the free failures, each one doubles the wait: 1 s, 2 s, 4 s … up to the longest.
    fn until(&self) -> Option<Instant> {
        let over = self.failures.checked_sub(FREE_FAILURES)?;
        let wait = Duration::from_secs(1u64 << over.min(16)).min(LONGEST_WAIT);
        Some(self.last + wait)
    }
}

#[derive(Debug, Default)]
struct Throttle {
    counters: Mutex<HashMap<Key, Counter>>,
}

impl Throttle {
    /// How long the longest-locked of `keys` must still wait, if any is locked at `now`.
    fn wait(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|k| counters.get(k)?.until())
            .filter(|until| *until > now)
            .max()
            .map(|until| until - now)
    }

    fn failed(&self, keys: &[Key], now: Instant) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if !counters.contains_key(key) && counters.len() >= COUNTERS {
                counters.retain(|_, c| now.saturating_duration_since(c.last) < FORGET_AFTER);
                if counters.len() >= COUNTERS {
                    let oldest = counters
                        .iter()
                        .min_by_key(|(_, c)| c.last)
                        .map(|(k, _)| k.clone());
                    if let Some(oldest) = oldest {
                        counters.remove(&oldest);
                    }
                }
            }
            let counter = counters.entry(key.clone()).or_insert(Counter {
                failures: 0,
                last: now,
            });
            if now.saturating_duration_since(counter.last) >= FORGET_AFTER {
                counter.failures = 0;
            }
            counter.failures = counter.failures.saturating_add(1);
            counter.last = now;
        }
    }

    /// A right password clears its name's failures. The address keeps its count: one
    /// account of their own must not let someone reset the count for guessing others.
    fn succeeded(&self, name: &str) {
        let mut counters = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        counters.remove(&Key::User(name.to_string()));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.counters.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// The password behind the dummy hash; never a user's (the check's result is ignored).
const DUMMY_PASSWORD: &[u8] = b"yanhuo: no such user";

/// A PHC string of the dummy password with the parameters of `like` (a user's hash), so
/// checking it costs the same memory and time.
fn dummy_hash(like: &str) -> Option<String> {
    let like = PasswordHash::new(like).ok()?;
    let params = Params::try_from(&like).ok()?;
    let algorithm = argon2::Algorithm::try_from(like.algorithm).ok()?;
    let version = like
        .version
        .and_then(|v| argon2::Version::try_from(v).ok())
        .unwrap_or_default();
    let salt = SaltString::encode_b64(b"yanhuo-dummy-salt").ok()?;
    Argon2::new(algorithm, version, params)
        .hash_password(DUMMY_PASSWORD, &salt)
        .ok()
        .map(|h| h.to_string())
}

/// For users whose hash cannot give its parameters (it was checked at load, so never in
/// practice): argon2's defaults, which `yanhuo hash-password` uses.
static DEFAULT_DUMMY: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(b"yanhuo-dummy-salt").expect("a constant salt encodes");
    Argon2::default()
        .hash_password(DUMMY_PASSWORD, &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Who is asking: a user or token name and their role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub role: Role,
}

impl Access {
    /// Everyone is admin: no config file.
    pub fn open() -> Access {
        Access::default()
    }

    /// Reads the config file.
    pub fn load(path: &Path) -> Result<Access> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: ConfigFile =
            toml::from_str(&text).map_err(|e| Error::unreadable(path, e.message()))?;
        for user in &file.users {
            PasswordHash::new(&user.password_hash).map_err(|e| {
                Error::unreadable(
                    path,
                    format!(
                        "user {}: password_hash is not an argon2 PHC string ({e}); make one with `yanhuo hash-password`",
                        user.name
                    ),
                )
            })?;
        }
        for token in &file.tokens {
            if token.token_sha256.len() != 64
                || !token.token_sha256.chars().all(|c| c.is_ascii_hexdigit())
            {
                return Err(Error::unreadable(
                    path,
                    format!(
                        "token {}: token_sha256 is not 64 hex digits; make one with `yanhuo hash-password --token`",
                        token.name
                    ),
                ));
            }
        }
        let dummy = file
            .users
            .first()
            .map(|u| dummy_hash(&u.password_hash).unwrap_or_else(|| DEFAULT_DUMMY.clone()));
        Ok(Access {
            users: file.users,
            tokens: file.tokens,
            dummy,
            ..Access::default()
        })
    }

    /// No users and no tokens: everyone is admin.
    pub fn is_open(&self) -> bool {
        self.users.is_empty() && self.tokens.is_empty()
    }

    /// An open server may listen on loopback only: anyone who can reach it is trusted.
    pub fn check_listen(&self, addr: &SocketAddr, setting: &str) -> Result<()> {
        if self.is_open() && !addr.ip().is_loopback() {
            return Err(Error::Setting {
                name: setting.into(),
                message: format!(
                    "{addr} is reachable from other machines, and no users are configured: give a config file with users and their roles (--config or YANHUO_CONFIG; see README, \"Access\"), or listen on 127.0.0.1"
                ),
            });
        }
        Ok(())
    }

    /// The role of `name` if `password` is theirs.
    pub fn password(&self, name: &str, password: &str) -> Option<Identity> {
        self.check_password(name, password, None).ok()
    }

    /// Checks a user's password, at most [`HASHING_AT_ONCE`] at a time, refusing without
    /// a check while the name or the client address has failed too often lately. An unknown
    /// name is checked against a dummy hash, so it takes as long as a wrong password.
    /// Blocks: call it on a blocking thread.
    pub fn check_password(
        &self,
        name: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> std::result::Result<Identity, Refused> {
        let user = self.users.iter().find(|u| u.name == name);
        let key = user.map(|user| -> [u8; 32] {
            let mut key = Sha256::new();
            key.update(name.as_bytes());
            key.update([0]);
            key.update(password.as_bytes());
            key.update([0]);
            key.update(user.password_hash.as_bytes());
            key.finalize().into()
        });
        // A password verified before costs no hashing, so it is let in even while the name
        // is locked: the person already signed in keeps working while someone guesses.
        if let (Some(user), Some(key)) = (user, key) {
            let known = self.verified.lock().ok().and_then(|v| v.get(&key).copied());
            if let Some(role) = known {
                return Ok(Identity {
                    name: user.name.clone(),
                    role,
                });
            }
        }
        let mut keys = vec![Key::User(name.to_string())];
        keys.extend(client.map(Key::Client));
        if let Some(wait) = self.throttle.wait(&keys, Instant::now()) {
            return Err(Refused::Wait(wait));
        }
        let turn = self.gate.turn();
        // Failures while this one queued may have locked the name since.
        if let Some(wait) = self.throttle.wait(&keys, Instant::now()) {
            return Err(Refused::Wait(wait));
        }
        let (hash, candidate) = match user {
            Some(user) => (user.password_hash.as_str(), password.as_bytes()),
            None => (
                self.dummy.as_deref().unwrap_or(DEFAULT_DUMMY.as_str()),
                DUMMY_PASSWORD,
            ),
        };
        turn.hashing();
        let verified = PasswordHash::new(hash)
            .ok()
            .is_some_and(|hash| Argon2::default().verify_password(candidate, &hash).is_ok());
        // The outcome is counted before the turn is given up: the next in the queue must
        // see this failure when it checks the lock again.
        let outcome = match (user, key) {
            (Some(user), Some(key)) if verified => {
                if let Ok(mut cache) = self.verified.lock() {
                    cache.insert(key, user.role);
                }
                self.throttle.succeeded(name);
                Ok(Identity {
                    name: user.name.clone(),
                    role: user.role,
                })
            }
            _ => {
                self.throttle.failed(&keys, Instant::now());
                Err(Refused::Wrong)
            }
        };
        drop(turn);
        outcome
    }

    /// The role of a bearer token.
    pub fn token(&self, token: &str) -> Option<Identity> {
        let digest = hex(&Sha256::digest(token.as_bytes()));
        self.tokens
            .iter()
            .find(|t| t.token_sha256.eq_ignore_ascii_case(&digest))
            .map(|t| Identity {
                name: t.name.clone(),
                role: t.role,
            })
    }

    /// A user's name and password, or a token given as the password (for tools that only
    /// ask for a password, like psql). Blocks: call it on a blocking thread.
    pub fn login(&self, name: &str, secret: &str) -> Option<Identity> {
        self.login_from(name, secret, None).ok()
    }

    /// [`Access::login`], counting failures against the client's address as well.
    pub fn login_from(
        &self,
        name: &str,
        secret: &str,
        client: Option<IpAddr>,
    ) -> std::result::Result<Identity, Refused> {
        // The token first: a fast hash that needs no turn at argon2, and a tool logging in
        // with its token under any name must not count as failing that name's password.
        match self.token(secret) {
            Some(who) => Ok(who),
            None => self.check_password(name, secret, client),
        }
    }

    /// The argon2 checks so far, for tests and for watching a server under guessing.
    pub fn hash_checks(&self) -> HashChecks {
        self.gate.checks.lock().map(|c| *c).unwrap_or_default()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An argon2id PHC string for the config file.
pub fn hash_password(password: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| Error::Other(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Other(format!("hashing the password: {e}")))
}

/// A new random token and the SHA-256 the config file keeps.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("yh_{}", hex(&bytes));
    let digest = hex(&Sha256::digest(token.as_bytes()));
    (token, digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Access {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yanhuo.toml");
        std::fs::write(&path, text).unwrap();
        Access::load(&path).unwrap()
    }

    #[test]
    fn passwords_and_tokens_give_roles() {
        let hash = hash_password("s3cret").unwrap();
        let (token, digest) = new_token();
        let access = config(&format!(
            "[[users]]\nname = \"wang\"\nrole = \"analyst\"\npassword_hash = \"{hash}\"\n\n[[tokens]]\nname = \"bi\"\nrole = \"viewer\"\ntoken_sha256 = \"{digest}\"\n"
        ));
        assert!(!access.is_open());
        assert_eq!(
            access.password("wang", "s3cret").unwrap().role,
            Role::Analyst
        );
        // The second check answers from the verified cache, the same way.
        assert_eq!(
            access.password("wang", "s3cret").unwrap().role,
            Role::Analyst
        );
        assert_eq!(access.password("wang", "wrong"), None);
        assert_eq!(access.password("li", "s3cret"), None);
        assert_eq!(access.token(&token).unwrap().role, Role::Viewer);
        assert_eq!(access.token("yh_nope"), None);
        assert_eq!(access.login("anyone", &token).unwrap().name, "bi");
        assert!(Role::Admin > Role::Analyst && Role::Analyst > Role::Viewer);
    }

    fn one_user() -> Access {
        let hash = hash_password("s3cret").unwrap();
        config(&format!(
            "[[users]]\nname = \"wang\"\nrole = \"analyst\"\npassword_hash = \"{hash}\"\n"
        ))
    }

    #[test]
    fn an_unknown_name_costs_one_argon2_check_like_a_wrong_password() {
        let access = one_user();
        assert_eq!(access.hash_checks().total, 0);
        assert_eq!(
            access.check_password("li", "s3cret", None),
            Err(Refused::Wrong)
        );
        assert_eq!(access.hash_checks().total, 1);
        assert_eq!(
            access.check_password("wang", "nope", None),
            Err(Refused::Wrong)
        );
        assert_eq!(access.hash_checks().total, 2);
        // The dummy has the user's own parameters, so it costs the same.
        let user = PasswordHash::new(&access.users[0].password_hash).unwrap();
        let dummy_text = access.dummy.clone().unwrap();
        let dummy = PasswordHash::new(&dummy_text).unwrap();
        assert_eq!(
            Params::try_from(&dummy).unwrap(),
            Params::try_from(&user).unwrap()
        );
        assert_eq!(dummy.algorithm, user.algorithm);
        // A right password is checked once, then answered from the cache.
        assert_eq!(
            access.check_password("wang", "s3cret", None).unwrap().role,
            Role::Analyst
        );
        assert_eq!(
            access.check_password("wang", "s3cret", None).unwrap().role,
            Role::Analyst
        );
        assert_eq!(access.hash_checks().total, 3);
    }

    #[test]
    fn failures_past_the_free_ones_double_the_wait_up_to_a_minute() {
        let throttle = Throttle::default();
        let keys = [Key::User("wang".into())];
        let start = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            throttle.failed(&keys, start);
        }
        assert_eq!(throttle.wait(&keys, start), None);
        throttle.failed(&keys, start);
        assert_eq!(throttle.wait(&keys, start), Some(Duration::from_secs(1)));
        throttle.failed(&keys, start);
        assert_eq!(throttle.wait(&keys, start), Some(Duration::from_secs(2)));
        for _ in 0..20 {
            throttle.failed(&keys, start);
        }
        assert_eq!(throttle.wait(&keys, start), Some(LONGEST_WAIT));
        assert_eq!(throttle.wait(&keys, start + LONGEST_WAIT), None);
        // Another name is not locked by wang's failures; the address key is separate too.
        assert_eq!(throttle.wait(&[Key::User("li".into())], start), None);
        // Long after the last failure, the count starts again.
        throttle.failed(&keys, start + FORGET_AFTER);
        assert_eq!(throttle.wait(&keys, start + FORGET_AFTER), None);
        throttle.succeeded("wang");
        assert_eq!(throttle.len(), 0);
    }

    #[test]
    fn made_up_names_cannot_grow_the_counters_past_their_bound() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for i in 0..COUNTERS + 500 {
            let now = start + Duration::from_millis(i as u64);
            throttle.failed(&[Key::User(format!("user{i}"))], now);
        }
        assert_eq!(throttle.len(), COUNTERS);
        // The newest are kept, the oldest went.
        let newest = Key::User(format!("user{}", COUNTERS + 499));
        assert!(throttle.counters.lock().unwrap().contains_key(&newest));
        assert!(
            !throttle
                .counters
                .lock()
                .unwrap()
                .contains_key(&Key::User("user0".into()))
        );
    }

    #[test]
    fn no_more_than_two_argon2_checks_run_at_once() {
        let access = one_user();
        std::thread::scope(|scope| {
            for i in 0..16 {
                let access = &access;
                scope.spawn(move || access.check_password(&format!("guess{i}"), "x", None));
            }
        });
        let checks = access.hash_checks();
        assert_eq!(checks.total, 16);
        assert_eq!(checks.running, 0);
        assert!(checks.peak <= HASHING_AT_ONCE, "{checks:?}");
    }

    #[test]
    fn a_token_given_as_a_password_needs_no_argon2_and_counts_no_failure() {
        let (token, digest) = new_token();
        let hash = hash_password("s3cret").unwrap();
        let access = config(&format!(
            "[[users]]\nname = \"wang\"\nrole = \"analyst\"\npassword_hash = \"{hash}\"\n\n[[tokens]]\nname = \"bi\"\nrole = \"viewer\"\ntoken_sha256 = \"{digest}\"\n"
        ));
        for _ in 0..FREE_FAILURES + 2 {
            assert_eq!(access.login("wang", &token).unwrap().name, "bi");
        }
        assert_eq!(access.hash_checks().total, 0);
        assert_eq!(access.throttle.len(), 0);
    }

    #[test]
    fn an_open_server_listens_on_loopback_only() {
        let open = Access::open();
        open.check_listen(&"127.0.0.1:8080".parse().unwrap(), "addr")
            .unwrap();
        open.check_listen(&"[::1]:8080".parse().unwrap(), "addr")
            .unwrap();
        let refused = open
            .check_listen(&"0.0.0.0:8080".parse().unwrap(), "addr")
            .unwrap_err()
            .to_string();
        assert!(refused.contains("YANHUO_CONFIG"), "{refused}");
    }
}
