//! Access control: every API request carries `Authorization: Bearer
//! TOKEN`, a token made by `journey token create`.
//!
//! No token, a malformed header, a token the store does not know (forged,
//! mistyped) and a revoked token all get the same 401, which says nothing
//! about which it was. A live token whose scope is too small gets a 403
//! that names the scope needed. The caller, once known, rides along in the
//! request's extensions, for the audit log.

use super::error::ApiError;
use super::state::AppState;
use crate::store::sqlite::{ApiToken, Scope, SqliteStore, TOKEN_PREFIX};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

/// Who is calling: the token, never its secret.
#[derive(Clone, Debug)]
pub struct Caller {
    pub token: ApiToken,
}

impl Caller {
    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        format!("token {} ({})", self.token.id, self.token.name)
    }
}

const REFUSED: &str = "a valid API token is required: `Authorization: Bearer TOKEN`";

/// Finds the caller of a request, or refuses it with 401.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let secret = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .filter(|s| s.starts_with(TOKEN_PREFIX) && s.len() <= 128)
        .ok_or_else(|| ApiError::unauthorized(REFUSED))?;

    // One row by its primary key: quick enough to read on this thread,
    // with the engine's connection when it is free.
    let lookup = |store: &SqliteStore| store.token_by_secret(secret);
    let found = match state.engine.read_if_free(lookup) {
        Some(found) => found?,
        None => state.reads.now(lookup)?,
    };
    let token = found.ok_or_else(|| ApiError::unauthorized(REFUSED))?;
    request.extensions_mut().insert(Caller { token });
    Ok(next.run(request).await)
}

/// The token of an `Authorization` value: the scheme is `Bearer` in any
/// case (RFC 9110, 11.1), then one or more spaces.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Refuses a known caller whose token's scope is below `needed`.
pub async fn require(needed: Scope, request: Request, next: Next) -> Result<Response, ApiError> {
    let caller = request
        .extensions()
        .get::<Caller>()
        .ok_or_else(|| ApiError::unauthorized(REFUSED))?;
    if !caller.token.scope.allows(needed) {
        return Err(ApiError::forbidden(format!(
            "this needs a token with scope `{}` (or above); this one has `{}`",
            needed.as_str(),
            caller.token.scope.as_str()
        )));
    }
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn the_scheme_is_read_in_any_case() {
        for value in ["Bearer jt_1", "bearer jt_1", "BEARER  jt_1"] {
            assert_eq!(bearer(value), Some("jt_1"), "{value}");
        }
        for value in ["Basic jt_1", "Bearerjt_1", "jt_1"] {
            assert_eq!(bearer(value), None, "{value}");
        }
    }
}
