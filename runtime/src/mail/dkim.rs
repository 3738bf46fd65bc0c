//! DKIM signatures on outgoing mail (RFC 6376), made by lettre.
//!
//! Canonicalization is `relaxed/relaxed`: lettre's default,
//! `simple/relaxed`, produced signatures that independent verifiers
//! rejected, and relaxed header canonicalization survives the header
//! folding that relays do. The signature covers [`SIGNED_HEADERS`]; a
//! listed header a message lacks is signed as absent, so nobody can add a
//! `List-Unsubscribe` or a `Reply-To` to a signed message later.
//! `Content-Type` and `Content-Transfer-Encoding` are not signed: lettre
//! writes them with the body part, after the signature is made, and a
//! signature that named them would be made over their absence and fail.
//! The body hash covers what they describe.
//!
//! Keys come from `[dkim]` in `journey.toml` (see
//! `journey_compiler::check::config::DkimSettings`): a file (RSA in PKCS#1
//! PEM, or an Ed25519 seed in base64), or an environment variable holding
//! the same text. The key is read once, when the signer is made; errors
//! name the file or the variable, never the key.

use journey_compiler::check::config::{DkimAlgorithm, DkimKey, DkimSettings};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use lettre::Message;
use std::fmt;
use std::path::Path;

/// The headers every signature covers.
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "MIME-Version",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// Signs messages for one domain with one key.
pub struct DkimSigner {
    config: DkimConfig,
}

/// The key cannot be read or used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimError(pub String);

impl fmt::Display for DkimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DkimError {}

impl DkimSigner {
    /// A signer for `domain` whose public key is published at
    /// `{selector}._domainkey.{domain}`. `key` is the private key's text;
    /// `source` names where it came from, for errors.
    pub fn new(
        domain: &str,
        selector: &str,
        key: &str,
        algorithm: DkimAlgorithm,
        source: &str,
    ) -> Result<DkimSigner, DkimError> {
        let lettre_algorithm = match algorithm {
            DkimAlgorithm::Rsa => DkimSigningAlgorithm::Rsa,
            DkimAlgorithm::Ed25519 => DkimSigningAlgorithm::Ed25519,
        };
        let key_text = match algorithm {
            DkimAlgorithm::Rsa => key.to_string(),
            DkimAlgorithm::Ed25519 => key.trim().to_string(),
        };
        let signing_key = DkimSigningKey::new(&key_text, lettre_algorithm).map_err(|_| {
            DkimError(match algorithm {
                DkimAlgorithm::Rsa if key.contains("BEGIN PRIVATE KEY") => format!(
                    "the DKIM key in {source} is PKCS#8; journey reads RSA keys in PKCS#1 \
                     PEM: convert it with `openssl pkey -in KEY -traditional -out KEY.rsa`"
                ),
                DkimAlgorithm::Rsa => format!(
                    "the DKIM key in {source} is not an RSA private key in PKCS#1 PEM \
                     (-----BEGIN RSA PRIVATE KEY-----)"
                ),
                DkimAlgorithm::Ed25519 => format!(
                    "the DKIM key in {source} is not an Ed25519 private key (its 32-byte \
                     seed in base64)"
                ),
            })
        })?;
        let headers = SIGNED_HEADERS
            .iter()
            .map(|name| HeaderName::new_from_ascii_str(name))
            .collect();
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        let config = DkimConfig::new(
            selector.to_string(),
            domain.to_string(),
            signing_key,
            headers,
            canonicalization,
        );
        Ok(DkimSigner { config })
    }

    /// The signer `[dkim]` describes; a relative key file is read from
    /// `root` (the project folder), a variable through `env`.
    pub fn from_settings(
        settings: &DkimSettings,
        root: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<DkimSigner, DkimError> {
        let (key, source) = match &settings.key {
            DkimKey::File(file) => {
                let path = root.join(file);
                let source = format!("`{}` (dkim.private_key_file)", path.display());
                let key = std::fs::read_to_string(&path)
                    .map_err(|e| DkimError(format!("cannot read the DKIM key {source}: {e}")))?;
                (key, source)
            }
            DkimKey::Env(name) => {
                let source = format!("the environment variable `{name}` (dkim.private_key_env)");
                let key = env(name).ok_or_else(|| DkimError(format!("{source} is not set")))?;
                (key, source)
            }
        };
        DkimSigner::new(
            &settings.domain,
            &settings.selector,
            &key,
            settings.algorithm,
            &source,
        )
    }

    pub(super) fn sign(&self, message: &mut Message) {
        message.sign(&self.config);
    }
}

/// Shows nothing of the key.
impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DkimSigner(..)")
    }
}
