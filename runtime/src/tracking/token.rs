//! Tracking tokens: what goes into a tracked URL instead of anything about
//! the contact.
//!
//! A token is 36 bytes in URL-safe base64 without padding (48 characters):
//!
//! | bytes | holds |
//! | --- | --- |
//! | 1 | format version, `1` |
//! | 1 | purpose: open, click or unsubscribe |
//! | 8 | the message: its outbox row id, a number that means nothing outside the store |
//! | 2 | the link's index in the email's declaration (0 for opens and unsubscribes) |
//! | 8 | expiry, seconds since the epoch |
//! | 16 | HMAC-SHA256 tag, truncated to 128 bits |
//!
//! No contact id, address or field value is in it. The tag is computed with
//! the server's secret over a domain label, the first 20 bytes, and a
//! *binding*: the message's idempotency key (`contact:run:step:visit`),
//! which the server looks up from the message number and which never
//! appears in the URL. So a token is valid for one message of one contact
//! only: changing any byte, cutting it short, pointing it at another
//! message, or presenting it to a store where that message number belongs
//! to someone else all fail the same check.
//!
//! Checking compares tags in constant time (the `hmac` crate's
//! `verify_truncated_left`), and every failure is the same `None`: callers
//! answer every bad token alike and never say which check failed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// What a token lets its bearer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Open,
    Click,
    Unsubscribe,
}

/// What a token says, once its tag is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims {
    pub purpose: Purpose,
    /// The outbox row of the message.
    pub message: i64,
    /// The link's index among the email's links (clicks only).
    pub link: u16,
    /// Seconds since the epoch after which the token is refused.
    pub expires: i64,
}

/// The server's signing secret. Never printed.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

const VERSION: u8 = 1;
const CLAIMS_LEN: usize = 20;
const TAG_LEN: usize = 16;
const TOKEN_LEN: usize = CLAIMS_LEN + TAG_LEN;
const DOMAIN: &[u8] = b"journey tracking token v1\0";

impl Secret {
    /// A secret of at least [`MIN_SECRET_BYTES`] bytes; `None` if shorter.
    pub fn new(bytes: &[u8]) -> Option<Secret> {
        (bytes.len() >= MIN_SECRET_BYTES).then(|| Secret(bytes.to_vec()))
    }

    fn tag(&self, claims: &[u8], binding: &str) -> Hmac<Sha256> {
        // PANIC SAFETY: HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(DOMAIN);
        mac.update(claims);
        mac.update(binding.as_bytes());
        mac
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Purpose {
    fn code(self) -> u8 {
        match self {
            Purpose::Open => 1,
            Purpose::Click => 2,
            Purpose::Unsubscribe => 3,
        }
    }

    fn from_code(code: u8) -> Option<Purpose> {
        match code {
            1 => Some(Purpose::Open),
            2 => Some(Purpose::Click),
            3 => Some(Purpose::Unsubscribe),
            _ => None,
        }
    }
}

impl Claims {
    fn encode(&self) -> [u8; CLAIMS_LEN] {
        let mut out = [0u8; CLAIMS_LEN];
        out[0] = VERSION;
        out[1] = self.purpose.code();
        out[2..10].copy_from_slice(&self.message.to_be_bytes());
        out[10..12].copy_from_slice(&self.link.to_be_bytes());
        out[12..20].copy_from_slice(&self.expires.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8; CLAIMS_LEN]) -> Option<Claims> {
        if bytes[0] != VERSION {
            return None;
        }
        let number = |range: std::ops::Range<usize>| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(&bytes[range]);
            i64::from_be_bytes(eight)
        };
        Some(Claims {
            purpose: Purpose::from_code(bytes[1])?,
            message: number(2..10),
            link: u16::from_be_bytes([bytes[10], bytes[11]]),
            expires: number(12..20),
        })
    }
}

/// The token for `claims`, bound to the message's idempotency key.
pub fn issue(secret: &Secret, claims: &Claims, binding: &str) -> String {
    let encoded = claims.encode();
    let tag = secret.tag(&encoded, binding).finalize().into_bytes();
    let mut token = Vec::with_capacity(TOKEN_LEN);
    token.extend_from_slice(&encoded);
    token.extend_from_slice(&tag[..TAG_LEN]);
    URL_SAFE_NO_PAD.encode(token)
}

/// What a well-formed token claims, before any check of its tag: the
/// caller needs the message number to find the binding. Nothing read here
/// may be acted on until [`verify`] agrees.
pub fn unverified(token: &str) -> Option<Claims> {
    decode(token).and_then(|(claims, _)| Claims::decode(&claims))
}

/// The token's claims if its tag matches `binding` under `secret`, its
/// purpose is `purpose` and it has not expired at `now`; else `None`,
/// whatever the reason.
pub fn verify(
    secret: &Secret,
    token: &str,
    binding: &str,
    purpose: Purpose,
    now: i64,
) -> Option<Claims> {
    let (claims_bytes, tag) = decode(token)?;
    let tag_ok = secret
        .tag(&claims_bytes, binding)
        .verify_truncated_left(&tag)
        .is_ok();
    let claims = Claims::decode(&claims_bytes)?;
    (tag_ok && claims.purpose == purpose && now <= claims.expires).then_some(claims)
}

fn decode(token: &str) -> Option<([u8; CLAIMS_LEN], [u8; TAG_LEN])> {
    // A token has exactly 48 characters; longer input is not decoded at all.
    if token.len() != 48 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != TOKEN_LEN {
        return None;
    }
    let mut claims = [0u8; CLAIMS_LEN];
    let mut tag = [0u8; TAG_LEN];
    claims.copy_from_slice(&bytes[..CLAIMS_LEN]);
    tag.copy_from_slice(&bytes[CLAIMS_LEN..]);
    Some((claims, tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const KEY: &str = "7:3:invite:1";

    fn secret() -> Secret {
        Secret::new(b"a test secret that is long enough for HMAC").unwrap()
    }

    fn click() -> Claims {
        Claims {
            purpose: Purpose::Click,
            message: 42,
            link: 1,
            expires: NOW + 86_400,
        }
    }

    #[test]
    fn a_token_round_trips_and_is_48_url_safe_characters() {
        let token = issue(&secret(), &click(), KEY);
        assert_eq!(token.len(), 48);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(
            verify(&secret(), &token, KEY, Purpose::Click, NOW),
            Some(click())
        );
        assert_eq!(unverified(&token), Some(click()));
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let token = issue(&secret(), &click(), KEY);
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut altered = bytes.clone();
                altered[index] ^= 1 << bit;
                let altered = URL_SAFE_NO_PAD.encode(altered);
                assert_eq!(
                    verify(&secret(), &altered, KEY, Purpose::Click, NOW),
                    None,
                    "byte {index} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn truncated_extended_and_garbage_tokens_are_refused() {
        let token = issue(&secret(), &click(), KEY);
        for cut in 0..token.len() {
            assert_eq!(
                verify(&secret(), &token[..cut], KEY, Purpose::Click, NOW),
                None
            );
        }
        let longer = format!("{token}A");
        assert_eq!(verify(&secret(), &longer, KEY, Purpose::Click, NOW), None);
        let garbage = "!".repeat(48);
        assert_eq!(verify(&secret(), &garbage, KEY, Purpose::Click, NOW), None);
        assert_eq!(unverified(&garbage), None);
    }

    #[test]
    fn another_binding_secret_purpose_or_an_expired_token_is_refused() {
        let token = issue(&secret(), &click(), KEY);
        let other_contact = "8:3:invite:1";
        assert_eq!(
            verify(&secret(), &token, other_contact, Purpose::Click, NOW),
            None
        );
        let other = Secret::new(b"another secret, just as long as the first").unwrap();
        assert_eq!(verify(&other, &token, KEY, Purpose::Click, NOW), None);
        assert_eq!(verify(&secret(), &token, KEY, Purpose::Open, NOW), None);
        let expires = click().expires;
        assert!(verify(&secret(), &token, KEY, Purpose::Click, expires).is_some());
        assert_eq!(
            verify(&secret(), &token, KEY, Purpose::Click, expires + 1),
            None
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_never_printed() {
        assert!(Secret::new(&[7; MIN_SECRET_BYTES - 1]).is_none());
        assert_eq!(format!("{:?}", secret()), "Secret(..)");
    }
}
