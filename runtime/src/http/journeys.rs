//! Journeys over the API: their status and per-step report, enrolment of
//! a list or segment, and deploying the project again.

use super::auth::Caller;
use super::body::{JsonObject, Object, PathParam};
use super::contacts::engine_error;
use super::error::{ApiError, ApiResult, FieldError};
use super::state::AppState;
use super::worker::Mailing;
use crate::bytecode::JourneyId;
use crate::clock::{Clock, SystemClock};
use crate::engine::{EnterTally, BATCH};
use crate::store::sqlite::AuditEntry;
use crate::store::StoreError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /v1/journeys`: every journey's report.
pub async fn all(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    report(&state, None).await
}

/// `GET /v1/journeys/{journey}`: one journey's status and per-step report.
pub async fn one(
    State(state): State<AppState>,
    PathParam(journey): PathParam,
) -> ApiResult<Json<Value>> {
    let program = state.program();
    if !program.journeys.iter().any(|j| j.code.name == journey) {
        return Err(ApiError::not_found(
            "the deployed program has no such journey",
        ));
    }
    report(&state, Some(journey)).await
}

async fn report(state: &AppState, journey: Option<String>) -> ApiResult<Json<Value>> {
    let shared = Arc::clone(state);
    let report = state
        .reads
        .run(move |store| {
            (shared.hooks.report)(store, journey.as_deref()).map_err(StoreError::Corrupt)
        })
        .await?;
    report
        .map(Json)
        .ok_or_else(|| ApiError::not_found("the deployed program has no such journey"))
}

/// `POST /v1/journeys/{journey}/enrolments`: enters every member of a
/// list or a segment into the journey, as `journey enroll` does.
pub async fn enrol(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    PathParam(journey): PathParam,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let program = state.program();
    let Some(index) = program.journeys.iter().position(|j| j.code.name == journey) else {
        return Err(ApiError::not_found(
            "the deployed program has no such journey",
        ));
    };
    let mut errors = Vec::new();
    let mut object = Object::new(&body, "", &["list", "segment"], &mut errors);
    let list = object.string("list", false, 200).map(str::to_string);
    let segment = object.string("segment", false, 200).map(str::to_string);
    let members = match (list, segment) {
        (Some(list), None) if program.lists.contains(&list) => Members::List(list),
        (None, Some(segment)) if program.segments.contains(&segment) => Members::Segment(segment),
        (Some(_), None) => {
            errors.push(FieldError::new(
                "list",
                "is not a list of the deployed program",
            ));
            Members::List(String::new())
        }
        (None, Some(_)) => {
            let message = "is not a segment of the deployed program";
            errors.push(FieldError::new("segment", message));
            Members::List(String::new())
        }
        _ => {
            let message = "give exactly one of `list` and `segment`";
            errors.push(FieldError::new("list", message));
            Members::List(String::new())
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }

    let actor = caller.actor();
    let tally = state
        .engine
        .run(move |engine, turn| -> ApiResult<EnterTally> {
            let now = SystemClock.now();
            let ids = match &members {
                Members::List(list) => engine.store.list_members(list)?,
                Members::Segment(segment) => engine.store.segment_members(segment)?,
            };
            let audit = AuditEntry {
                actor,
                action: "enrol".into(),
                contact: None,
                detail: format!("journey {journey} from {}", members.describe()),
            };
            engine.store.audit_all(&[audit], now)?;
            let mut tally = EnterTally::default();
            for chunk in ids.chunks(BATCH) {
                let part = engine
                    .enter_many(chunk, index as JourneyId, now)
                    .map_err(engine_error)?;
                tally.entered += part.entered;
                tally.already_in += part.already_in;
                tally.refused += part.refused;
                tally.raced += part.raced;
            }
            turn.mail = tally.entered > 0;
            Ok(tally)
        })
        .await??;
    Ok(Json(json!({
        "entered": tally.entered,
        "already_in": tally.already_in,
        "refused_by_reentry": tally.refused,
        "entered_elsewhere": tally.raced,
    })))
}

enum Members {
    List(String),
    Segment(String),
}

impl Members {
    fn describe(&self) -> String {
        match self {
            Members::List(list) => format!("list {list}"),
            Members::Segment(segment) => format!("segment {segment}"),
        }
    }
}

/// `POST /v1/deploy`: compiles the project folder the server was started
/// on and deploys it. Runs under way keep their version; new runs start
/// on this one. A project with errors deploys nothing (422).
pub async fn deploy(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<Value>> {
    let shared = Arc::clone(&state);
    let compiled = tokio::task::spawn_blocking(move || (shared.hooks.deploy)())
        .await
        .map_err(|_| ApiError::unavailable(super::state::Unavailable::Stopped))?;
    let deployable = compiled
        .map_err(|why| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "project_errors", why))?;

    let actor = caller.actor();
    let artifact = deployable.artifact;
    let (deployment, fresh) = state
        .engine
        .run(move |engine, turn| -> ApiResult<(i64, bool)> {
            let now = SystemClock.now();
            let (deployment, fresh) = engine.store.deploy(&artifact, now)?;
            let audit = AuditEntry {
                actor,
                action: "deploy".into(),
                contact: None,
                detail: format!("deployment {deployment} (new: {fresh})"),
            };
            engine.store.audit_all(&[audit], now)?;
            // Also when it is not new: an earlier deployment deployed
            // again (a rollback) is the current one now.
            turn.reload = true;
            Ok((deployment, fresh))
        })
        .await??;

    let program = Arc::new(deployable.program);
    let journeys: Vec<&str> = program
        .journeys
        .iter()
        .map(|j| j.code.name.as_str())
        .collect();
    let answer = json!({"deployment": deployment, "new": fresh, "journeys": journeys});
    state.set_program(Arc::clone(&program));
    let mailing = Arc::new(Mailing {
        program,
        templates: deployable.templates,
    });
    match state.mailing.write() {
        Ok(mut slot) => *slot = mailing,
        Err(poisoned) => *poisoned.into_inner() = mailing,
    }
    Ok(Json(answer))
}
