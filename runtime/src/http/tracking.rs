//! The routes that recipients' mail readers and browsers reach, without an
//! API token: the open pixel, tracked links and unsubscribe.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /t/o/{token}` | a 1×1 transparent GIF, always, whatever the token |
//! | `GET /t/c/{token}` | `302` to the link's declared URL; a bad token: the "not valid" page |
//! | `GET /u/{token}` | a page with one button that unsubscribes (a POST); nothing changes on GET |
//! | `POST /u/{token}` | unsubscribes at once (RFC 8058 one-click, and the page's button) |
//!
//! A token that is malformed, altered, forged, expired, for another route,
//! or bound to another message records nothing, and every such token gets
//! the same answer: the pixel, or the same `404` page. Nothing in an answer
//! or a log line says which check failed, and no answer names the contact.
//!
//! The token is taken from the path as it was sent, never decoded: a
//! token is URL-safe base64, so anything percent-encoded (even bytes that
//! are not UTF-8) is simply not a token, and gets the same answer as any
//! other bad token. A method a route does not take gets `405` with a page
//! that says so and an `Allow` header.
//!
//! `GET` on an unsubscribe URL only shows the page: link scanners follow
//! every URL of a message, and a `GET` that unsubscribed would unsubscribe
//! people who never asked. Mail readers that offer one-click unsubscribe
//! send the `POST` themselves. `HEAD` is answered like `GET` without a
//! body, and a `HEAD` hit is recorded as automated (see
//! `tracking::agents`).
//!
//! Hits are recorded through the engine thread, like every write, and
//! settled by it once their automated window has passed
//! (`tracking::engagement::settle_due`).

use super::state::AppState;
use crate::artifact;
use crate::clock::{Clock, SystemClock};
use crate::store::sqlite::TrackedMessage;
use crate::store::HappeningKind;
use crate::tracking::agents::{self, Sign};
use crate::tracking::engagement;
use crate::tracking::token::Purpose;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// A transparent 1×1 GIF (GIF89a, one colour, one transparent pixel).
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The tracking routes, to be merged into the server's router outside the
/// API token check.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/t/o/{token}",
            get(open).fallback(|| async { wrong_method("GET, HEAD") }),
        )
        .route(
            "/t/c/{token}",
            get(click).fallback(|| async { wrong_method("GET, HEAD") }),
        )
        .route(
            "/u/{token}",
            get(unsubscribe_page)
                .post(unsubscribe)
                .fallback(|| async { wrong_method("GET, HEAD, POST") }),
        )
}

/// The token of a tracking URL: its last path segment, as sent.
fn token_of(uri: &Uri) -> String {
    uri.path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn open(
    State(state): State<AppState>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let token = token_of(&uri);
    let sign = agents::request_sign(method == Method::HEAD, user_agent(&headers));
    if let Some((message, _)) = resolve(&state, token, Purpose::Open).await {
        record(&state, message, HappeningKind::Open, None, sign).await;
    }
    pixel()
}

async fn click(
    State(state): State<AppState>,
    uri: Uri,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let token = token_of(&uri);
    let sign = agents::request_sign(method == Method::HEAD, user_agent(&headers));
    let Some((message, Some((name, url)))) = resolve(&state, token, Purpose::Click).await else {
        return not_valid();
    };
    record(&state, message, HappeningKind::Click, Some(name), sign).await;
    match HeaderValue::from_str(&url) {
        Ok(location) => {
            let mut response = (StatusCode::FOUND, no_store()).into_response();
            response.headers_mut().insert(header::LOCATION, location);
            response
        }
        Err(_) => not_valid(),
    }
}

async fn unsubscribe_page(State(state): State<AppState>, uri: Uri) -> Response {
    let token = token_of(&uri);
    let shown = token.clone();
    match resolve(&state, token, Purpose::Unsubscribe).await {
        Some(_) => page(StatusCode::OK, &confirm_page(&shown)),
        None => not_valid(),
    }
}

async fn unsubscribe(State(state): State<AppState>, uri: Uri) -> Response {
    let token = token_of(&uri);
    let Some((message, _)) = resolve(&state, token, Purpose::Unsubscribe).await else {
        return not_valid();
    };
    let now = SystemClock.now();
    let done = state
        .engine
        .run(move |engine, _| engagement::unsubscribe(engine.store, &message, now))
        .await;
    match done {
        Ok(Ok(_)) => page(StatusCode::OK, DONE_PAGE),
        Ok(Err(error)) => {
            tracing::error!(%error, "unsubscribe_failed");
            page(StatusCode::SERVICE_UNAVAILABLE, TRY_AGAIN_PAGE)
        }
        Err(_) => page(StatusCode::SERVICE_UNAVAILABLE, TRY_AGAIN_PAGE),
    }
}

/// The message a token names, and for a click the link's name and URL,
/// if the token is good; `None` for every kind of bad token, and when
/// tracking is off.
async fn resolve(
    state: &AppState,
    token: String,
    purpose: Purpose,
) -> Option<(TrackedMessage, Option<(String, String)>)> {
    let secret = state.settings.mail.tracker.secret()?.clone();
    let now = SystemClock.now();
    let found = state.reads.run(move |store| {
        let Some((message, claims)) = engagement::resolve(store, &secret, &token, purpose, now)?
        else {
            return Ok(None);
        };
        if purpose != Purpose::Click {
            return Ok(Some((message, None)));
        }
        // The link as the deployment that sent the message declared it.
        let bytes = store.deployment(message.deployment)?;
        let Ok((_, program)) = artifact::decode(&bytes) else {
            return Ok(None);
        };
        let target = engagement::link_target(&program, &message.email, claims.link)
            .map(|(name, url)| (name.to_string(), url.to_string()));
        Ok(target.map(|target| (message, Some(target))))
    });
    match found.await {
        Ok(found) => found,
        Err(_) => {
            tracing::error!("tracking_lookup_failed");
            None
        }
    }
}

async fn record(
    state: &AppState,
    message: TrackedMessage,
    kind: HappeningKind,
    link: Option<String>,
    sign: Option<Sign>,
) {
    let window = state.settings.mail.tracker.automated_window();
    let now = SystemClock.now();
    let contact = message.contact;
    let recorded = state
        .engine
        .run(move |engine, _| {
            engagement::record(
                engine.store,
                &message,
                kind,
                link.as_deref(),
                now,
                sign,
                window,
            )
        })
        .await;
    if !matches!(recorded, Ok(Ok(_))) {
        tracing::error!(contact, kind = kind.as_str(), "hit_not_recorded");
    }
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
}

fn no_store() -> [(header::HeaderName, &'static str); 3] {
    [
        (header::CACHE_CONTROL, "no-store, private"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::HeaderName::from_static("x-robots-tag"), "noindex"),
    ]
}

fn pixel() -> Response {
    (
        StatusCode::OK,
        no_store(),
        [(header::CONTENT_TYPE, "image/gif")],
        PIXEL,
    )
        .into_response()
}

fn page(status: StatusCode, html: &str) -> Response {
    (
        status,
        no_store(),
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html.to_string(),
    )
        .into_response()
}

/// The one answer to every unusable token.
fn not_valid() -> Response {
    page(StatusCode::NOT_FOUND, NOT_VALID_PAGE)
}

/// The answer to a method a tracking route does not take.
fn wrong_method(allow: &'static str) -> Response {
    let mut response = page(StatusCode::METHOD_NOT_ALLOWED, WRONG_METHOD_PAGE);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// The unsubscribe page: one button that posts to the same URL. The token
/// is URL-safe base64, so it goes into the form's action as it is.
fn confirm_page(token: &str) -> String {
    let safe: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!(
        "{HEAD}<h1>Unsubscribe</h1>\n<p>Stop these emails? You will not get them any more.</p>\n\
         <form method=\"post\" action=\"{safe}\">\n\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n\
         <button type=\"submit\">Unsubscribe</button>\n</form>\n{TAIL}"
    )
}

const HEAD: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
    <meta name=\"robots\" content=\"noindex\"><title>Email preferences</title></head><body>\n";
const TAIL: &str = "</body></html>\n";

const DONE_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"robots\" content=\"noindex\"><title>Unsubscribed</title></head><body>\n\
    <h1>You are unsubscribed</h1>\n<p>You will not get these emails any more.</p>\n\
    </body></html>\n";

const NOT_VALID_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"robots\" content=\"noindex\"><title>Link not valid</title></head><body>\n\
    <h1>This link is not valid</h1>\n<p>It may be incomplete or too old. To stop our emails, \
    reply to one of them and ask.</p>\n</body></html>\n";

const WRONG_METHOD_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head>\
    <meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">\
    <title>Not allowed</title></head><body>\n<h1>This link cannot be used this way</h1>\n\
    <p>Open it in a browser.</p>\n</body></html>\n";

const TRY_AGAIN_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
    <meta name=\"robots\" content=\"noindex\"><title>Try again</title></head><body>\n\
    <h1>Please try again</h1>\n<p>We could not record your request just now.</p>\n\
    </body></html>\n";
