//! The API's routes, declared once: method, path, the scope a token needs,
//! and the handler. The router, the scope checks and the OpenAPI document
//! are all made from this table, so no route can be served undocumented or
//! unguarded.

use super::state::AppState;
use super::{contacts, events, journeys, openapi};
use crate::store::sqlite::Scope;
use axum::routing::{delete, get, post, MethodRouter};

pub struct Route {
    /// Lower case, as OpenAPI writes it: `get`, `post`, `delete`.
    pub method: &'static str,
    pub path: &'static str,
    pub scope: Scope,
    /// The OpenAPI `operationId`.
    pub operation: &'static str,
    pub summary: &'static str,
    pub handler: MethodRouter<AppState>,
}

fn route(
    method: &'static str,
    path: &'static str,
    scope: Scope,
    operation: &'static str,
    summary: &'static str,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        scope,
        operation,
        summary,
        handler,
    }
}

/// Every route of the API, in the order the document lists them.
pub fn routes() -> Vec<Route> {
    use Scope::{Admin, Read, Write};
    vec![
        route(
            "post",
            "/v1/contacts",
            Write,
            "upsertContact",
            "Create a contact, or update the one with this external id",
            post(contacts::upsert),
        ),
        route(
            "get",
            "/v1/contacts/{id}",
            Read,
            "readContact",
            "Read a contact: its fields, lists and segments",
            get(contacts::read),
        ),
        route(
            "delete",
            "/v1/contacts/{id}",
            Write,
            "eraseContact",
            "Erase a contact's personal data",
            delete(contacts::erase),
        ),
        route(
            "get",
            "/v1/segments/{segment}/members",
            Read,
            "segmentMembers",
            "List a segment's members, a page at a time",
            get(contacts::segment_members),
        ),
        route(
            "post",
            "/v1/events",
            Write,
            "recordEvent",
            "Record a custom event or a contact update",
            post(events::one),
        ),
        route(
            "post",
            "/v1/events/batch",
            Write,
            "recordEvents",
            "Record many custom events and contact updates, all or none",
            post(events::batch),
        ),
        route(
            "get",
            "/v1/journeys",
            Read,
            "journeyReports",
            "Every journey's status and per-step report",
            get(journeys::all),
        ),
        route(
            "get",
            "/v1/journeys/{journey}",
            Read,
            "journeyReport",
            "One journey's status and per-step report",
            get(journeys::one),
        ),
        route(
            "post",
            "/v1/journeys/{journey}/enrolments",
            Write,
            "enrol",
            "Enter every member of a list or segment into a journey",
            post(journeys::enrol),
        ),
        route(
            "post",
            "/v1/deploy",
            Admin,
            "deploy",
            "Compile the project again and deploy it",
            post(journeys::deploy),
        ),
        route(
            "get",
            "/openapi.json",
            Read,
            "openapi",
            "This document",
            get(openapi::serve),
        ),
    ]
}
