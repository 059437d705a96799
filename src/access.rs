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
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
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
}

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
        Ok(Access {
            users: file.users,
            tokens: file.tokens,
            verified: Arc::default(),
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
        let user = self.users.iter().find(|u| u.name == name)?;
        let mut key = Sha256::new();
        key.update(name.as_bytes());
        key.update([0]);
        key.update(password.as_bytes());
        key.update([0]);
        key.update(user.password_hash.as_bytes());
        let key: [u8; 32] = key.finalize().into();
        let known = self.verified.lock().ok().and_then(|v| v.get(&key).copied());
        let role = match known {
            Some(role) => role,
            None => {
                let hash = PasswordHash::new(&user.password_hash).ok()?;
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .ok()?;
                if let Ok(mut verified) = self.verified.lock() {
                    verified.insert(key, user.role);
                }
                user.role
            }
        };
        Some(Identity {
            name: user.name.clone(),
            role,
        })
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
    /// ask for a password, like psql).
    pub fn login(&self, name: &str, secret: &str) -> Option<Identity> {
        self.password(name, secret).or_else(|| self.token(secret))
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
