//! API tokens of `journey serve`: who may call the HTTP API, with which
//! scope.
//!
//! A token is 32 bytes from the operating system's random source, shown
//! once as `jt_` and 64 hex digits when it is created. The store keeps only
//! its SHA-256 hash. A slow password hash (bcrypt, Argon2) protects secrets
//! that people choose and that an attacker can guess; a random 256-bit
//! token cannot be guessed, so the hash needs only to be one-way, and a
//! fast one lets every request be checked in microseconds. A request's
//! token is looked up by its hash, so no comparison of secrets happens in
//! the program at all.
//!
//! Scopes nest: `read` reads, `write` also changes contacts and records
//! events and enrolments, `admin` also deploys.

use super::contacts::write_audit;
use super::*;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// What a token allows. `Read < Write < Admin`: each allows what the
/// scopes before it allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    /// Whether a token of this scope may do what `needed` guards.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }
}

/// A token as the store keeps it: never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scope: Scope,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// The prefix of every token, so a leaked one can be recognised (by a
/// secret scanner, say) for what it is.
pub const TOKEN_PREFIX: &str = "jt_";

/// The hash a token is stored and looked up under.
pub fn token_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new random token's secret.
fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no random source for a token: {e}")))?;
    let mut secret = String::with_capacity(TOKEN_PREFIX.len() + 64);
    secret.push_str(TOKEN_PREFIX);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(secret, "{byte:02x}");
    }
    Ok(secret)
}

fn token_row(r: &rusqlite::Row) -> rusqlite::Result<ApiToken> {
    let scope: String = r.get(2)?;
    let scope = Scope::parse(&scope).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Text,
            format!("unknown token scope `{scope}`").into(),
        )
    })?;
    Ok(ApiToken {
        id: r.get(0)?,
        name: r.get(1)?,
        scope,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

impl SqliteStore {
    /// Creates a token and returns it with its secret, which is not kept:
    /// the caller shows it once. The creation is audited.
    pub fn create_token(
        &mut self,
        name: &str,
        scope: Scope,
        actor: &str,
        now: i64,
    ) -> Result<(ApiToken, String)> {
        let secret = new_secret()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO api_tokens (name, scope, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, scope.as_str(), &token_hash(&secret)[..], now],
        )?;
        let id = tx.last_insert_rowid();
        let detail = format!("token {id} `{name}` with scope {}", scope.as_str());
        write_audit(&tx, now, actor, "token_create", None, &detail)?;
        tx.commit()?;
        let token = ApiToken {
            id,
            name: name.to_string(),
            scope,
            created_at: now,
            revoked_at: None,
        };
        Ok((token, secret))
    }

    /// Revokes a token; `false` when there is no such token or it was
    /// already revoked. The revocation is audited.
    pub fn revoke_token(&mut self, id: i64, actor: &str, now: i64) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )?;
        if changed == 1 {
            write_audit(
                &tx,
                now,
                actor,
                "token_revoke",
                None,
                &format!("token {id}"),
            )?;
        }
        tx.commit()?;
        Ok(changed == 1)
    }

    /// Every token, revoked ones too, oldest first.
    pub fn tokens(&self) -> Result<Vec<ApiToken>> {
        let mut query = self.conn.prepare_cached(
            "SELECT id, name, scope, created_at, revoked_at FROM api_tokens ORDER BY id",
        )?;
        let rows = query.query_map([], token_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The live (not revoked) token whose secret is `secret`.
    pub fn token_by_secret(&self, secret: &str) -> Result<Option<ApiToken>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, name, scope, created_at, revoked_at FROM api_tokens \
                 WHERE hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([&token_hash(secret)[..]], token_row)
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_found_by_its_secret_until_it_is_revoked() {
        let mut store = SqliteStore::in_memory().unwrap();
        let (token, secret) = store.create_token("crm", Scope::Write, "cli", 10).unwrap();
        assert!(secret.starts_with(TOKEN_PREFIX));
        assert_eq!(secret.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(store.token_by_secret(&secret).unwrap(), Some(token.clone()));

        let mut forged = secret.clone();
        forged.pop();
        forged.push(if secret.ends_with('0') { '1' } else { '0' });
        assert_eq!(store.token_by_secret(&forged).unwrap(), None);

        let stored: Vec<Vec<u8>> = store
            .connection()
            .prepare("SELECT hash FROM api_tokens")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored, vec![token_hash(&secret).to_vec()]);

        assert!(store.revoke_token(token.id, "cli", 20).unwrap());
        assert!(!store.revoke_token(token.id, "cli", 30).unwrap());
        assert_eq!(store.token_by_secret(&secret).unwrap(), None);
        assert_eq!(store.tokens().unwrap()[0].revoked_at, Some(20));
    }

    #[test]
    fn two_tokens_never_share_a_secret_and_scopes_nest() {
        let mut store = SqliteStore::in_memory().unwrap();
        let (_, one) = store.create_token("a", Scope::Read, "cli", 1).unwrap();
        let (_, two) = store.create_token("a", Scope::Read, "cli", 1).unwrap();
        assert_ne!(one, two);
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Write.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Write));
        assert!(!Scope::Write.allows(Scope::Admin));
    }
}
