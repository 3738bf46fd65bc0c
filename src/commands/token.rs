//! `journey token`: the API tokens of `journey serve`.
//!
//! `create` prints a new token once; the store keeps only its hash, so a
//! lost token cannot be shown again, only revoked and replaced. `list`
//! shows every token without its secret, `revoke` ends one at once (the
//! server looks tokens up on every request). Each creation and revocation
//! is written to the audit log.

use crate::store_path::{At, Db};
use crate::Outcome;
use journey_runtime::simulate::report::instant;
use journey_runtime::store::sqlite::Scope;
use miette::{miette, Result};

#[derive(clap::Args)]
#[command(about = "Create, list and revoke the API tokens of `journey serve`")]
#[command(
    long_about = "Create, list and revoke the API tokens of `journey serve`.\n\n\
    journey token create --name crm --scope write   prints a new token, once\n\
    journey token list                               every token, without secrets\n\
    journey token revoke ID                          refuses the token from now on\n\n\
    Scopes: read (read contacts and reports), write (also change contacts, record events, \
    enrol), admin (also deploy). The store keeps a SHA-256 hash of each token, never the \
    token itself.\n\n\
    Exit codes: 0 done; 1 no such token; 2 a usage or I/O error."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Make a new token and print it (once)
    Create {
        /// What the token is for: a system's or a person's name
        #[arg(long)]
        name: String,

        /// What it allows
        #[arg(long, value_enum)]
        scope: ScopeArg,

        #[command(flatten)]
        db: Db,

        #[command(flatten)]
        at: At,
    },
    /// List every token, revoked ones too, without secrets
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a token by its id (see `journey token list`)
    Revoke {
        id: i64,

        #[command(flatten)]
        db: Db,

        #[command(flatten)]
        at: At,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ScopeArg {
    Read,
    Write,
    Admin,
}

impl From<ScopeArg> for Scope {
    fn from(scope: ScopeArg) -> Scope {
        match scope {
            ScopeArg::Read => Scope::Read,
            ScopeArg::Write => Scope::Write,
            ScopeArg::Admin => Scope::Admin,
        }
    }
}

/// How the audit log names the command line's user.
const ACTOR: &str = "cli";

pub fn run(args: Args) -> Result<Outcome> {
    match args.command {
        TokenCommand::Create {
            name,
            scope,
            db,
            at,
        } => {
            if name.trim().is_empty() || name.len() > 100 {
                return Err(miette!("--name must be 1 to 100 characters"));
            }
            let mut store = db.open()?;
            let (token, secret) = store
                .create_token(name.trim(), scope.into(), ACTOR, at.now())
                .map_err(|e| miette!("could not create the token: {e}"))?;
            eprintln!(
                "token {} `{}` with scope {}; it is shown this once, keep it secret:",
                token.id,
                token.name,
                token.scope.as_str()
            );
            println!("{secret}");
            Ok(Outcome::Success)
        }
        TokenCommand::List { db } => {
            let store = db.open()?;
            let tokens = store.tokens().map_err(|e| miette!("{e}"))?;
            println!(
                "{:>4}  {:<6}  {:<20}  {:<24}  name",
                "id", "scope", "created", "revoked"
            );
            for token in tokens {
                let revoked = token.revoked_at.map_or_else(|| "-".to_string(), instant);
                println!(
                    "{:>4}  {:<6}  {:<20}  {:<24}  {}",
                    token.id,
                    token.scope.as_str(),
                    instant(token.created_at),
                    revoked,
                    token.name
                );
            }
            Ok(Outcome::Success)
        }
        TokenCommand::Revoke { id, db, at } => {
            let mut store = db.open()?;
            let revoked = store
                .revoke_token(id, ACTOR, at.now())
                .map_err(|e| miette!("could not revoke the token: {e}"))?;
            if !revoked {
                eprintln!("error: no live token has the id {id} (see `journey token list`)");
                return Ok(Outcome::Problems);
            }
            println!("token {id} revoked");
            Ok(Outcome::Success)
        }
    }
}
