//! Request bodies: read within a size limit, parsed as JSON, and taken
//! apart field by field with errors that name the field.
//!
//! Bodies are not deserialised into structs with serde: its messages
//! quote the offending value (`invalid type: string "…"`), and a value may
//! be PHI. [`Object`] reads one JSON object, collects every problem with
//! its path, and rejects fields it does not know, so a typo is an error
//! rather than a silently ignored field.

use super::error::{ApiError, FieldError};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde_json::{Map, Value};
use std::time::Duration;

/// The largest request body accepted: 4 MiB holds a batch of 10,000
/// events of a few hundred bytes each.
pub const MAX_BODY: usize = 4 << 20;

/// How long a request's body may take to arrive, all of it: a client that
/// sends less than its `Content-Length` says, or trickles it, gets a 408
/// rather than holding its connection (see `super::listen` for headers).
/// 4 MiB in 30 s is 140 KB/s, far below a proxy's or a local client's.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A whole body of at most [`MAX_BODY`] bytes, within `timeout`.
pub async fn read_body(body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {MAX_BODY} bytes, or was cut off"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the body did not arrive within {} seconds",
                timeout.as_secs()
            ),
        )),
    }
}

/// A request body that is a JSON object.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON, with `Content-Type: application/json`",
            ));
        }
        let bytes = read_body(request.into_body(), BODY_TIMEOUT).await?;
        // serde_json's syntax errors say where, never what was there.
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
            Err(error) => Err(ApiError::bad_request(format!(
                "the body is not valid JSON: {error}"
            ))),
        }
    }
}

/// What a JSON value is, in words for an error message.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One JSON object being read, with the path its fields are reported
/// under and the problems found so far.
pub struct Object<'a, 'e> {
    map: &'a Map<String, Value>,
    path: String,
    pub errors: &'e mut Vec<FieldError>,
}

impl<'a, 'e> Object<'a, 'e> {
    /// Reads `map`, found at `path` (empty for the body itself), and
    /// reports every key it has that is not in `known`.
    pub fn new(
        map: &'a Map<String, Value>,
        path: &str,
        known: &[&str],
        errors: &'e mut Vec<FieldError>,
    ) -> Object<'a, 'e> {
        let object = Object {
            map,
            path: path.to_string(),
            errors,
        };
        for key in map.keys() {
            if !known.contains(&key.as_str()) {
                let error = unknown_key(path, key, known, "a field here");
                object.errors.push(error);
            }
        }
        object
    }

    /// The path of one of this object's known fields.
    pub fn at(&self, key: &str) -> String {
        match self.path.is_empty() {
            true => key.to_string(),
            false => format!("{}.{key}", self.path),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&mut self, key: &str, expected: &str, found: &Value) {
        let message = format!("expected {expected}, found {}", kind_of(found));
        let at = self.at(key);
        self.errors.push(FieldError::new(at, message));
    }

    fn missing(&mut self, key: &str) {
        let at = self.at(key);
        self.errors.push(FieldError::new(at, "is required"));
    }

    /// A string field of at most `max` characters, not empty.
    pub fn string(&mut self, key: &str, required: bool, max: usize) -> Option<&'a str> {
        match self.get(key) {
            None if required => {
                self.missing(key);
                None
            }
            None => None,
            Some(Value::String(text)) if text.trim().is_empty() => {
                let at = self.at(key);
                self.errors.push(FieldError::new(at, "must not be empty"));
                None
            }
            Some(Value::String(text)) if text.chars().count() > max => {
                let at = self.at(key);
                let message = format!("must be at most {max} characters long");
                self.errors.push(FieldError::new(at, message));
                None
            }
            Some(Value::String(text)) => Some(text),
            Some(other) => {
                self.wrong(key, "a string", other);
                None
            }
        }
    }

    /// A whole number field.
    pub fn integer(&mut self, key: &str, required: bool) -> Option<i64> {
        match self.get(key) {
            None if required => {
                self.missing(key);
                None
            }
            None => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(other) => {
                self.wrong(key, "a whole number", other);
                None
            }
        }
    }

    /// An object field.
    pub fn object(&mut self, key: &str, required: bool) -> Option<&'a Map<String, Value>> {
        match self.get(key) {
            None if required => {
                self.missing(key);
                None
            }
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                self.wrong(key, "an object", other);
                None
            }
        }
    }

    /// An array field of at most `max` items.
    pub fn array(&mut self, key: &str, required: bool, max: usize) -> Option<&'a [Value]> {
        match self.get(key) {
            None if required => {
                self.missing(key);
                None
            }
            None => None,
            Some(Value::Array(items)) if items.len() > max => {
                let at = self.at(key);
                let message = format!("must have at most {max} items");
                self.errors.push(FieldError::new(at, message));
                None
            }
            Some(Value::Array(items)) => Some(items),
            Some(other) => {
                self.wrong(key, "an array", other);
                None
            }
        }
    }

    /// An array of strings, each one of `names` (declared lists, say).
    pub fn names(&mut self, key: &str, what: &str, names: &[String]) -> Vec<String> {
        let Some(items) = self.array(key, false, names.len().max(1) * 4) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let at = format!("{}[{index}]", self.at(key));
            match item {
                Value::String(name) if names.contains(name) => {
                    if !found.contains(name) {
                        found.push(name.clone());
                    }
                }
                Value::String(name) => {
                    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
                    let hint = journey_compiler::suggest::closest(name, &candidates)
                        .map_or(String::new(), |best| format!("; did you mean `{best}`?"));
                    let message = format!("is not a {what} of the deployed program{hint}");
                    self.errors.push(FieldError::new(at, message));
                }
                other => {
                    let message = format!("expected a string, found {}", kind_of(other));
                    self.errors.push(FieldError::new(at, message));
                }
            }
        }
        found
    }
}

/// A problem with a key of the object at `path` that is not one of
/// `known`. The key itself is not repeated: a client's key may be
/// anything, even a value pasted in the wrong place. The closest known
/// name is suggested, or the known names are listed.
pub fn unknown_key(path: &str, key: &str, known: &[&str], what: &str) -> FieldError {
    let field = match path.is_empty() {
        true => "body".to_string(),
        false => path.to_string(),
    };
    let help = match journey_compiler::suggest::closest(key, known) {
        Some(best) => format!("did you mean `{best}`?"),
        None if known.len() <= 12 => format!("the known ones are: {}", known.join(", ")),
        None => format!("see the deployed schema ({} names)", known.len()),
    };
    FieldError::new(field, format!("has a key that is not {what}; {help}"))
}

/// One `{param}` of the path, as sent. A path that cannot be decoded is
/// a 400 in the API's own words, which never repeat it.
pub struct PathParam(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(param)| PathParam(param))
            .map_err(|_| ApiError::bad_request("the URL's path cannot be decoded"))
    }
}

/// The query string as name-value pairs. One that cannot be decoded is a
/// 400 in the API's own words.
pub struct QueryPairs(pub std::collections::HashMap<String, String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(pairs)| QueryPairs(pairs))
            .map_err(|_| ApiError::bad_request("the URL's query string cannot be decoded"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body whose bytes never come, as from a client that sent fewer
    /// than its `Content-Length`.
    struct Stalled;

    impl http_body::Body for Stalled {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
            Poll::Pending
        }
    }

    #[tokio::test]
    async fn a_body_that_does_not_arrive_in_time_is_a_408() {
        let error = read_body(Body::new(Stalled), Duration::from_millis(50))
            .await
            .unwrap_err();
        assert_eq!(error.status, StatusCode::REQUEST_TIMEOUT);

        let whole = read_body(Body::from("{}"), Duration::from_millis(50)).await;
        assert_eq!(whole.unwrap(), Bytes::from("{}"));
    }
}
