//! Events over the API: custom events and contact updates, one or a batch
//! at a time.
//!
//! Each event names its contact by opaque id (`contact`) or by external id
//! (`external_id`), says its `type` (`event` or `update`) and carries
//! `fields`: the event's declared fields, or the contact fields that
//! changed. It happens at the moment the engine receives it, and the
//! engine reacts at once: runs of the contact waiting for it advance, and
//! journeys it triggers are entered, before the answer is sent.
//!
//! A batch is checked whole before anything is recorded: one bad event
//! (or an unknown contact) refuses the batch, with every problem listed
//! under `events[i]`. Its audit rows are written in one transaction
//! before its events are applied.

use super::auth::Caller;
use super::body::{JsonObject, Object};
use super::contacts::{engine_error, MAX_EXTERNAL_ID};
use super::error::{ApiError, ApiResult, FieldError};
use super::state::{AppState, Turn};
use super::validate;
use crate::bytecode::Program;
use crate::clock::{Clock, SystemClock};
use crate::engine::{Engine, Found};
use crate::store::sqlite::{AuditEntry, SqliteStore};
use crate::store::StoreError;
use crate::store::{ContactId, Happening, HappeningKind};
use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

/// The most events one batch may hold.
pub const MAX_BATCH: usize = 10_000;

/// Whom an event is about, as the request names them.
#[derive(Clone, Debug)]
enum Who {
    Id(ContactId),
    External(String),
}

/// One checked event, not yet tied to a stored contact.
#[derive(Clone, Debug)]
struct Incoming {
    /// Where it sits in the request, for errors: `` or `events[3]`.
    path: String,
    who: Who,
    kind: HappeningKind,
    name: Option<String>,
    data: Map<String, Value>,
}

/// One event as read from its JSON object.
enum Read {
    /// Nothing of it is wrong.
    Event(Incoming),
    /// It is refused (its problems are in `errors`); whom it names, when
    /// that could be read, for the refusal to say whether they exist.
    Refused(Option<Who>),
}

fn read_event(
    program: &Program,
    body: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Read {
    let before = errors.len();
    let mut object = Object::new(
        body,
        path,
        &["contact", "external_id", "type", "name", "fields"],
        errors,
    );
    let id = object.integer("contact", false);
    let external = object.string("external_id", false, MAX_EXTERNAL_ID);
    let kind = object.string("type", true, 16);
    let name = object.string("name", false, 200);
    let given = object.object("fields", false);
    let (type_at, name_at, contact_at) =
        (object.at("type"), object.at("name"), object.at("contact"));

    let who = match (id, external) {
        (Some(id), None) if id > 0 => Some(Who::Id(id)),
        (Some(_), None) => {
            errors.push(FieldError::new(
                contact_at,
                "must be a contact id, 1 or more",
            ));
            None
        }
        (None, Some(external)) => Some(Who::External(external.to_string())),
        (Some(_), Some(_)) => {
            let message = "give `contact` or `external_id`, not both";
            errors.push(FieldError::new(contact_at, message));
            None
        }
        (None, None) if errors.len() == before => {
            let message = "is required (or `external_id`): whom the event is about";
            errors.push(FieldError::new(contact_at, message));
            None
        }
        (None, None) => None,
    };
    let fields_path = match path.is_empty() {
        true => "fields".to_string(),
        false => format!("{path}.fields"),
    };
    let empty = Map::new();
    let given = given.unwrap_or(&empty);
    let (kind, data) = match kind {
        Some("event") => {
            let events = program.events.iter().map(|e| e.name.as_str());
            let names: Vec<&str> = events.collect();
            match name.and_then(|n| names.iter().position(|e| *e == n)) {
                Some(event) => {
                    let data = validate::event_fields(program, event, given, &fields_path, errors);
                    (HappeningKind::Event, data)
                }
                None if name.is_none() => {
                    errors.push(FieldError::new(name_at, "is required: the event's name"));
                    return Read::Refused(who);
                }
                None => {
                    let hint = name
                        .and_then(|n| journey_compiler::suggest::closest(n, &names))
                        .map_or(String::new(), |best| format!("; did you mean `{best}`?"));
                    let message = format!("is not an event of the deployed program{hint}");
                    errors.push(FieldError::new(name_at, message));
                    return Read::Refused(who);
                }
            }
        }
        Some("update") => {
            if name.is_some() {
                let message = "is for events only; an update names no event";
                errors.push(FieldError::new(name_at, message));
            }
            if given.is_empty() {
                let message = "is required: the contact fields that changed";
                errors.push(FieldError::new(fields_path.clone(), message));
            }
            let data = validate::contact_fields(program, given, &fields_path, errors);
            (HappeningKind::Update, data)
        }
        Some(_) => {
            errors.push(FieldError::new(type_at, "must be `event` or `update`"));
            return Read::Refused(who);
        }
        None => return Read::Refused(who),
    };
    let name = match kind {
        HappeningKind::Event => name.map(str::to_string),
        _ => None,
    };
    match who {
        Some(who) if errors.len() == before => Read::Event(Incoming {
            path: path.to_string(),
            who,
            kind,
            name,
            data,
        }),
        who => Read::Refused(who),
    }
}

/// What applying events did, added up.
#[derive(Clone, Copy, Debug, Default)]
struct Applied {
    accepted: u64,
    runs_woken: u64,
    journeys_entered: u64,
}

fn applied_json(applied: Applied) -> Json<Value> {
    Json(json!({
        "accepted": applied.accepted,
        "runs_woken": applied.runs_woken,
        "journeys_entered": applied.journeys_entered,
    }))
}

/// `POST /v1/events`: one event.
pub async fn one(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let program = state.program();
    let mut errors = Vec::new();
    match read_event(&program, &body, "", &mut errors) {
        Read::Event(incoming) => apply(&state, caller, vec![incoming]).await,
        Read::Refused(who) => {
            let named = who.map(|who| (0, who)).into_iter().collect();
            let unknown = unknown_contacts(&state, named, "").await?;
            let unknown = unknown.into_iter().map(|(_, error)| error);
            Err(ApiError::invalid(unknown.chain(errors).collect()))
        }
    }
}

/// `POST /v1/events/batch`: many events, all or none.
pub async fn batch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let program = state.program();
    let mut errors = Vec::new();
    let mut object = Object::new(&body, "", &["events"], &mut errors);
    let items = object.array("events", true, MAX_BATCH).unwrap_or_default();
    let mut batch = Vec::with_capacity(items.len());
    // Each event's problems, and whom the refused ones name.
    let mut problems: Vec<Vec<FieldError>> = Vec::with_capacity(items.len());
    let mut named = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("events[{index}]");
        let mut found = Vec::new();
        match item {
            Value::Object(map) => match read_event(&program, map, &path, &mut found) {
                Read::Event(incoming) => batch.push(incoming),
                Read::Refused(who) => named.extend(who.map(|who| (index, who))),
            },
            other => {
                let kind = super::body::kind_of(other);
                let message = format!("expected an object, found {kind}");
                found.push(FieldError::new(path, message));
            }
        }
        problems.push(found);
    }
    let refused = !errors.is_empty() || batch.len() < items.len();
    if !refused && batch.is_empty() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "events",
            "must hold at least one event",
        )]));
    }
    if !refused {
        return apply(&state, caller, batch).await;
    }

    // Refused: every problem is listed, unknown contacts included, also
    // those of the events that are right otherwise.
    named.extend(
        batch
            .into_iter()
            .map(|event| (event_index(&event.path), event.who)),
    );
    let mut unknown = unknown_contacts(&state, named, "events").await?;
    unknown.sort_by_key(|(index, _)| *index);
    let mut unknown = unknown.into_iter().peekable();
    for (index, found) in problems.into_iter().enumerate() {
        while let Some((_, error)) = unknown.next_if(|(at, _)| *at == index) {
            errors.push(error);
        }
        errors.extend(found);
    }
    Err(ApiError::invalid(errors))
}

/// The index of a batch's event from its path, `events[3]`.
fn event_index(path: &str) -> usize {
    path.trim_start_matches("events[")
        .trim_end_matches(']')
        .parse()
        .unwrap_or(0)
}

/// The events of a refused request whose contact does not exist or was
/// erased, each with its problem: by index in the batch, under `events[i]`
/// (`prefix` `events`), or alone (`prefix` empty). Read on a connection
/// of its own: nothing is written.
async fn unknown_contacts(
    state: &AppState,
    named: Vec<(usize, Who)>,
    prefix: &'static str,
) -> ApiResult<Vec<(usize, FieldError)>> {
    // Nobody named (a malformed `contact`, say): nothing to look up, and
    // no blocking thread to wake for it.
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let unknown = state
        .reads
        .run(move |store| {
            let ids: Vec<ContactId> = named
                .iter()
                .filter_map(|(_, who)| match who {
                    Who::Id(id) => Some(*id),
                    Who::External(_) => None,
                })
                .collect();
            let live = store.live_contacts(&ids)?;
            let mut unknown = Vec::new();
            for (index, who) in named {
                let known = match &who {
                    Who::Id(id) => live.contains(id),
                    Who::External(external) => store.contact_by_external(external)?.is_some(),
                };
                if !known {
                    let path = match prefix {
                        "" => String::new(),
                        _ => format!("{prefix}[{index}]"),
                    };
                    unknown.push((index, no_such_contact(&path, &who)));
                }
            }
            Ok(unknown)
        })
        .await?;
    Ok(unknown)
}

/// The problem of an event whose contact does not exist, or was erased.
fn no_such_contact(path: &str, who: &Who) -> FieldError {
    let at = match (who, path.is_empty()) {
        (Who::Id(_), true) => "contact".to_string(),
        (Who::External(_), true) => "external_id".to_string(),
        (Who::Id(_), false) => format!("{path}.contact"),
        (Who::External(_), false) => format!("{path}.external_id"),
    };
    FieldError::new(at, "no contact has this id")
}

async fn apply(state: &AppState, caller: Caller, batch: Vec<Incoming>) -> ApiResult<Json<Value>> {
    let actor = caller.actor();
    let one = batch.len() == 1;
    let work = move |engine: &mut Engine<'_>, turn: &mut Turn| -> ApiResult<Applied> {
        let (applied, queued_mail) = apply_on_engine(engine, batch, &actor, SystemClock.now())?;
        // Delivery is woken only when there is mail: each wake-up costs it
        // a look at the outbox.
        turn.mail = queued_mail;
        Ok(applied)
    };
    // One event is short work, done on this thread; a batch's would hold
    // it up (milliseconds per thousand events): the engine thread does it.
    let applied = match one {
        true => state.engine.run_here(work).await,
        false => state.engine.run(work).await,
    };
    Ok(applied_json(applied??))
}

/// Records the batch with its audit rows and lets it happen (see
/// `Engine::happen_found`), every event's contact found inside the
/// batch's transaction; also says whether mail was queued.
fn apply_on_engine(
    engine: &mut Engine<'_>,
    batch: Vec<Incoming>,
    actor: &str,
    now: i64,
) -> ApiResult<(Applied, bool)> {
    let accepted = batch.len() as u64;
    let found = engine
        .happen_found(now, |store| Ok(happenings(store, batch, actor, now)?))
        .map_err(engine_error)?;
    let ingested = found?;
    let applied = Applied {
        accepted,
        runs_woken: ingested.tally.advanced,
        journeys_entered: ingested.tally.entered,
    };
    Ok((applied, ingested.queued_mail))
}

/// The batch's happenings and their audit rows, every event's contact
/// found in `store`; a 422 naming each event whose contact is not there.
fn happenings(
    store: &SqliteStore,
    batch: Vec<Incoming>,
    actor: &str,
    now: i64,
) -> Result<Found<ApiError>, StoreError> {
    let mut contacts = Vec::with_capacity(batch.len());
    let mut errors = Vec::new();
    // A batch's ids are looked up by one statement; one event's by its key.
    let ids: Vec<ContactId> = batch
        .iter()
        .filter_map(|event| match event.who {
            Who::Id(id) => Some(id),
            Who::External(_) => None,
        })
        .collect();
    let live = match ids.len() > 1 {
        true => Some(store.live_contacts(&ids)?),
        false => None,
    };
    for event in &batch {
        let found = match (&event.who, &live) {
            (Who::Id(id), Some(live)) => live.contains(id).then_some(*id),
            (Who::Id(id), None) => store.live_contact(*id)?,
            (Who::External(external), _) => store.contact_by_external(external)?,
        };
        match found {
            Some(id) => contacts.push(id),
            None => errors.push(no_such_contact(&event.path, &event.who)),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(ApiError::invalid(errors)));
    }

    let audit: Vec<AuditEntry> = batch
        .iter()
        .zip(&contacts)
        .map(|(event, contact)| AuditEntry {
            actor: actor.to_string(),
            action: format!("{}_recorded", event.kind.as_str()),
            contact: Some(*contact),
            detail: describe(event),
        })
        .collect();
    let happenings: Vec<Happening> = batch
        .into_iter()
        .zip(contacts)
        .map(|(event, contact)| Happening {
            contact,
            at: now,
            kind: event.kind,
            name: event.name,
            link: None,
            data: Some(event.data),
            automated: false,
        })
        .collect();
    Ok(Ok((happenings, audit)))
}

/// The audit detail of an event: its name and field names, no values.
fn describe(event: &Incoming) -> String {
    let fields: Vec<&str> = event.data.keys().map(String::as_str).collect();
    match &event.name {
        Some(name) => format!("event {name}; fields: {}", fields.join(", ")),
        None => format!("fields: {}", fields.join(", ")),
    }
}
