//! Contacts over the API: create or update, read, erase, and a segment's
//! members.
//!
//! A contact is addressed in URLs by its opaque store id, which the create
//! answer gives; its external id (which may be a record number) travels in
//! bodies only, never in a URL or a log line.
//!
//! Creating a contact enters it into the journeys that enter on its lists
//! and segments. Updating one records a contact update, as `journey event
//! ID update` does: the runs that wait for an update or exit on a
//! condition look at the new values at once. Either may carry the
//! contact's marketing consent (`super::consent`), stored before any
//! journey is entered, so that mail queued on entry sees it.

use super::auth::Caller;
use super::body::{JsonObject, Object, PathParam, QueryPairs};
use super::consent::{self, ConsentRequest};
use super::error::{ApiError, ApiResult, FieldError};
use super::state::AppState;
use super::validate;
use crate::bytecode::{Entry, JourneyId, Program};
use crate::clock::{Clock, SystemClock};
use crate::engine::{Engine, Entered};
use crate::store::sqlite::AuditEntry;
use crate::store::{ContactId, ContactWrite, Happening, HappeningKind, StoreError};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

/// The longest external id accepted.
pub const MAX_EXTERNAL_ID: usize = 200;

/// The most members one page of a segment lists.
pub const MAX_PAGE: usize = 1_000;

/// A contact id from a URL: a positive whole number.
pub fn contact_id(text: &str) -> ApiResult<ContactId> {
    text.parse::<ContactId>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found("no contact has this id (ids are whole numbers)"))
}

/// A contact as checked from a request body.
struct ContactRequest {
    external_id: String,
    fields: Map<String, Value>,
    lists: Vec<String>,
    segments: Vec<String>,
    consent: Option<ConsentRequest>,
}

fn read_contact(program: &Program, body: &Map<String, Value>) -> ApiResult<ContactRequest> {
    let mut errors = Vec::new();
    let mut object = Object::new(
        body,
        "",
        &["external_id", "fields", "lists", "segments", "consent"],
        &mut errors,
    );
    let external_id = object.string("external_id", true, MAX_EXTERNAL_ID);
    let given = object.object("fields", false);
    let lists = object.names("lists", "list", &program.lists);
    let segments = object.names("segments", "segment", &program.segments);
    let consent = ConsentRequest::read(&mut object, "consent").filter(|c| !c.is_empty());
    let fields = match given {
        Some(given) => validate::contact_fields(program, given, "fields", &mut errors),
        None => Map::new(),
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let external_id = external_id.unwrap_or_default();
    if external_id.starts_with("erased:") {
        let message = "must not start with `erased:`, which marks erased contacts";
        return Err(ApiError::invalid(vec![FieldError::new(
            "external_id",
            message,
        )]));
    }
    Ok(ContactRequest {
        external_id: external_id.to_string(),
        fields,
        lists,
        segments,
        consent,
    })
}

/// `POST /v1/contacts`: creates the contact with this external id, or
/// updates it.
pub async fn upsert(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let program = state.program();
    let request = read_contact(&program, &body)?;
    let actor = caller.actor();
    let answer = state
        .engine
        .run(move |engine, turn| {
            let now = SystemClock.now();
            let outcome = write_contact(engine, &program, request, &actor, now);
            turn.mail = true;
            outcome
        })
        .await??;
    let status = match answer.created {
        true => StatusCode::CREATED,
        false => StatusCode::OK,
    };
    Ok((
        status,
        Json(json!({
            "id": answer.id,
            "created": answer.created,
            "changed_fields": answer.changed,
            "journeys_entered": answer.entered,
        })),
    ))
}

struct Written {
    id: ContactId,
    created: bool,
    /// Names of the fields that changed (an update).
    changed: Vec<String>,
    entered: u64,
}

fn write_contact(
    engine: &mut Engine<'_>,
    program: &Program,
    request: ContactRequest,
    actor: &str,
    now: i64,
) -> ApiResult<Written> {
    let existing = engine.store.contact_id(&request.external_id)?;
    let Some(id) = existing else {
        let mut errors = Vec::new();
        let fields = validate::complete_new(program, request.fields, "fields", &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::invalid(errors));
        }
        let write = ContactWrite {
            external_id: request.external_id,
            zone: validate::zone_of(program, &fields),
            fields,
            lists: request.lists.clone(),
            segments: request.segments.clone(),
        };
        let zone = write.zone.clone();
        let id = engine.store.create_contact(&write, actor, now)?;
        write_consent(engine, id, request.consent, zone.as_deref(), actor, now)?;
        let entered = enter_by_membership(engine, id, &request.lists, &request.segments, now)?;
        return Ok(Written {
            id,
            created: true,
            changed: Vec::new(),
            entered,
        });
    };

    let stored = engine
        .store
        .contact(id)?
        .ok_or_else(|| StoreError::Corrupt(format!("contact {id} vanished")))?;
    let changes: Map<String, Value> = request
        .fields
        .into_iter()
        .filter(|(name, value)| match value {
            Value::Null => stored.fields.get(name).is_some_and(|v| !v.is_null()),
            value => stored.fields.get(name) != Some(value),
        })
        .collect();
    let changed: Vec<String> = changes.keys().cloned().collect();
    let audit = AuditEntry {
        actor: actor.to_string(),
        action: "contact_update".into(),
        contact: Some(id),
        detail: format!("fields: {}", changed.join(", ")),
    };
    // The audit row is written first: a crash in between leaves a line
    // for a change that did not happen, never a change without its line.
    let (lists, segments) =
        engine
            .store
            .join_audited(id, &request.lists, &request.segments, &audit, now)?;
    write_consent(
        engine,
        id,
        request.consent,
        stored.zone.as_deref(),
        actor,
        now,
    )?;
    let mut entered = 0;
    if !changes.is_empty() {
        let update = Happening {
            contact: id,
            at: now,
            kind: HappeningKind::Update,
            name: None,
            link: None,
            data: Some(changes),
            automated: false,
        };
        entered += engine.happen(&update, now).map_err(engine_error)?.entered;
    }
    entered += enter_by_membership(engine, id, &lists, &segments, now)?;
    Ok(Written {
        id,
        created: false,
        changed,
        entered,
    })
}

/// Combines what the request says about consent with what is stored, and
/// stores it with its audit line; the contact's zone reads an expiry date.
fn write_consent(
    engine: &mut Engine<'_>,
    id: ContactId,
    request: Option<ConsentRequest>,
    zone: Option<&str>,
    actor: &str,
    now: i64,
) -> ApiResult<()> {
    let Some(request) = request else {
        return Ok(());
    };
    let zone = zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    let stored = engine.store.consent(id)?;
    let consent = request.apply(stored, now, zone);
    engine
        .store
        .set_consent_audited(id, consent, actor, &request.parts(), now)?;
    Ok(())
}

/// Enters a contact that just joined `lists` and `segments` into the
/// journeys that enter on them, as `journey run` does for every member:
/// not when it was ever in a run of the journey that ended.
pub fn enter_by_membership(
    engine: &mut Engine<'_>,
    contact: ContactId,
    lists: &[String],
    segments: &[String],
    now: i64,
) -> ApiResult<u64> {
    if lists.is_empty() && segments.is_empty() {
        return Ok(0);
    }
    let program = engine.program();
    let mut entered = 0;
    for (index, journey) in program.journeys.iter().enumerate() {
        let triggered = journey.entries.iter().any(|entry| match entry {
            Entry::List(list) => lists.contains(&program.lists[*list as usize]),
            Entry::Segment(segment) => segments.contains(&program.segments[*segment as usize]),
            _ => false,
        });
        if !triggered
            || engine
                .store
                .last_end(contact, &journey.code.name)?
                .is_some()
        {
            continue;
        }
        let outcome = engine
            .enter(contact, index as JourneyId, now)
            .map_err(engine_error)?;
        entered += u64::from(outcome == Entered::Entered);
    }
    Ok(entered)
}

pub fn engine_error(error: crate::engine::EngineError) -> ApiError {
    match error {
        crate::engine::EngineError::Store(e) => ApiError::from(e),
        other => {
            tracing::error!(error = %other, "engine_error");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the engine cannot do this now",
            )
        }
    }
}

/// `GET /v1/contacts/{id}`: the contact, its lists and segments. The one
/// answer of the API that holds field values.
pub async fn read(
    State(state): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Value>> {
    let id = contact_id(&id)?;
    let found = state
        .reads
        .run(move |store| {
            let Some(contact) = store.contact(id)? else {
                return Ok(None);
            };
            let lists = store.contact_lists(id)?;
            let suppressed = store.suppression(id)?.is_some();
            let consent = store.consent(id)?;
            Ok(Some((contact, lists, suppressed, consent)))
        })
        .await?;
    let Some((contact, lists, suppressed, stored_consent)) = found else {
        return Err(ApiError::not_found("no contact has this id"));
    };
    if contact.external_id.starts_with("erased:") {
        return Err(ApiError::new(
            StatusCode::GONE,
            "erased",
            "this contact was erased",
        ));
    }
    Ok(Json(json!({
        "id": contact.id,
        "external_id": contact.external_id,
        "fields": contact.fields,
        "lists": lists,
        "segments": contact.segments,
        "suppressed": suppressed,
        "consent": consent::shown(&stored_consent, SystemClock.now()),
    })))
}

/// `DELETE /v1/contacts/{id}`: erases the contact's personal data (see
/// `store::sqlite::erasure`).
pub async fn erase(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Value>> {
    let id = contact_id(&id)?;
    let actor = caller.actor();
    let erased = state
        .engine
        .run(move |engine, _| {
            let erased = engine.store.erase_contact(id, &actor, SystemClock.now())?;
            // Nothing erased: the contact was erased before (410, as a
            // read says), or there is none (404).
            let known = match erased {
                Some(_) => true,
                None => engine.store.contact(id)?.is_some(),
            };
            Ok::<_, StoreError>((erased, known))
        })
        .await??;
    let erased = match erased {
        (Some(erased), _) => erased,
        (None, true) => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "erased",
                "this contact was erased",
            ))
        }
        (None, false) => return Err(ApiError::not_found("no contact has this id")),
    };
    Ok(Json(json!({
        "id": id,
        "erased": true,
        "runs_ended": erased.runs_ended,
        "emails_suppressed": erased.emails_suppressed,
    })))
}

/// `GET /v1/segments/{segment}/members?after=ID&limit=N`: a page of a
/// segment's members, by id.
pub async fn segment_members(
    State(state): State<AppState>,
    PathParam(segment): PathParam,
    QueryPairs(query): QueryPairs,
) -> ApiResult<Json<Value>> {
    let program = state.program();
    if !program.segments.contains(&segment) {
        return Err(ApiError::not_found(
            "the deployed program has no such segment",
        ));
    }
    let mut errors = Vec::new();
    for key in query.keys() {
        if key != "after" && key != "limit" {
            let known = ["after", "limit"];
            errors.push(super::body::unknown_key(
                "query",
                key,
                &known,
                "a query parameter",
            ));
        }
    }
    let number = |key: &str, default: i64, errors: &mut Vec<FieldError>| match query.get(key) {
        None => default,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                errors.push(FieldError::new(key, "expected a whole number, 0 or more"));
                default
            }
        },
    };
    let after = number("after", 0, &mut errors);
    let limit = number("limit", 100, &mut errors);
    if limit == 0 || limit > MAX_PAGE as i64 {
        errors.push(FieldError::new("limit", format!("must be 1 to {MAX_PAGE}")));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let page = state
        .reads
        .run(move |store| store.segment_page(&segment, after, limit as usize))
        .await?;
    let next = (page.len() == limit as usize).then(|| page.last().map(|(id, _)| *id));
    let members: Vec<Value> = page
        .into_iter()
        .map(|(id, external_id)| json!({"id": id, "external_id": external_id}))
        .collect();
    Ok(Json(
        json!({"members": members, "next_after": next.flatten()}),
    ))
}
