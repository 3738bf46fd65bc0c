//! The OpenAPI 3.1 document of the API, made from the route table
//! ([`super::api::routes`]) and the request and answer shapes below, with
//! the routes that recipients reach from emails without a token
//! ([`public_operations`], served by `http::tracking`).
//!
//! The repository keeps a copy as `docs/openapi.json`; a test checks that
//! the served document equals it and that every route is in it, so the
//! copy cannot drift from what the server does.
//!
//! Contact fields and event fields depend on the deployed project, so the
//! document describes them as an object of JSON values; the server checks
//! them against the deployed schema and names each bad field.

use super::api::{routes, Route};
use super::error::ApiResult;
use axum::Json;
use serde_json::{json, Map, Value};

/// `GET /openapi.json`.
pub async fn serve() -> ApiResult<Json<Value>> {
    Ok(Json(document()))
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in routes() {
        let item = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(route.method.to_string(), operation(&route));
        }
    }
    for (method, path, operation) in public_operations() {
        let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        if let Some(item) = item.as_object_mut() {
            item.insert(method.to_string(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "journey serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `journey token create`.",
                },
            },
            "schemas": schemas(),
        },
    })
}

const DESCRIPTION: &str = "The HTTP API of the journey engine. Every request needs an API \
token (`Authorization: Bearer jt_...`) made with `journey token create`; each operation says \
the scope it needs (`x-scope`): read, write (also read) or admin (also write). Contacts are \
addressed by their opaque id; their field values appear in no URL, log line or error message. \
Errors are JSON objects with `error`, `message` and, for bad fields, `errors` naming each \
field by its path.";

fn operation(route: &Route) -> Value {
    let mut op = json!({
        "operationId": route.operation,
        "summary": route.summary,
        "x-scope": route.scope.as_str(),
        "parameters": parameters(route.path),
        "responses": responses(route.operation),
    });
    if let (Some(object), Some(body)) = (op.as_object_mut(), request_body(route.operation)) {
        object.insert("requestBody".into(), body);
    }
    op
}

/// The routes recipients reach from an email, without a token (see
/// `http::tracking`): method, path and operation. A test checks that
/// each is served.
pub fn public_operations() -> Vec<(&'static str, &'static str, Value)> {
    let token = json!([{
        "name": "token", "in": "path", "required": true,
        "description": "The opaque signed token of the email's URL.",
        "schema": {"type": "string"},
    }]);
    let page = |description: &str| {
        json!({
            "description": description,
            "content": {"text/html": {"schema": {"type": "string"}}},
        })
    };
    let operation = |id: &str, summary: &str, responses: Value| {
        json!({
            "operationId": id,
            "summary": summary,
            "security": [],
            "x-scope": "none",
            "parameters": token.clone(),
            "responses": responses,
        })
    };
    vec![
        (
            "get",
            "/t/o/{token}",
            operation(
                "trackOpen",
                "The open pixel: a 1x1 GIF, whatever the token",
                json!({"200": {
                    "description": "The pixel.",
                    "content": {"image/gif": {"schema": {"type": "string", "format": "binary"}}},
                }}),
            ),
        ),
        (
            "get",
            "/t/c/{token}",
            operation(
                "trackClick",
                "A tracked link: records the click and redirects to the declared URL",
                json!({
                    "302": {"description": "To the link's declared URL."},
                    "404": page("The token is not valid (which check failed is not said)."),
                }),
            ),
        ),
        (
            "get",
            "/u/{token}",
            operation(
                "unsubscribePage",
                "The unsubscribe page: one button; nothing changes on GET",
                json!({
                    "200": page("The page with the button."),
                    "404": page("The token is not valid."),
                }),
            ),
        ),
        (
            "post",
            "/u/{token}",
            operation(
                "unsubscribe",
                "Unsubscribe at once (RFC 8058 one-click, and the page's button)",
                json!({
                    "200": page("Unsubscribed."),
                    "404": page("The token is not valid."),
                    "503": page("Not recorded now; try again."),
                }),
            ),
        ),
    ]
}

fn parameters(path: &str) -> Value {
    let mut list = Vec::new();
    if path.contains("{id}") {
        list.push(json!({
            "name": "id", "in": "path", "required": true,
            "description": "The contact's opaque id, as the create answer gave it.",
            "schema": {"type": "integer", "minimum": 1},
        }));
    }
    if path.contains("{segment}") {
        list.push(json!({
            "name": "segment", "in": "path", "required": true,
            "schema": {"type": "string"},
        }));
    }
    if path.contains("{journey}") {
        list.push(json!({
            "name": "journey", "in": "path", "required": true,
            "schema": {"type": "string"},
        }));
    }
    if path.ends_with("/members") {
        list.push(json!({
            "name": "after", "in": "query", "required": false,
            "description": "Start after this contact id (the last page's `next_after`).",
            "schema": {"type": "integer", "minimum": 0},
        }));
        list.push(json!({
            "name": "limit", "in": "query", "required": false,
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
        }));
    }
    Value::Array(list)
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn request_body(operation: &str) -> Option<Value> {
    let schema = match operation {
        "upsertContact" => "ContactWrite",
        "recordEvent" => "Event",
        "recordEvents" => "EventBatch",
        "enrol" => "Enrolment",
        _ => return None,
    };
    Some(json!({
        "required": true,
        "content": {"application/json": {"schema": reference(schema)}},
    }))
}

fn answer(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": reference(schema)}},
    })
}

fn responses(operation: &str) -> Value {
    let error = |why: &str| answer(why, "Error");
    let mut all = json!({
        "401": error("No valid token: missing, malformed, unknown or revoked."),
        "403": error("The token's scope is too small."),
        "503": error("The engine or the store could not do the work now; try again."),
    });
    let mut add = |status: &str, value: Value| {
        if let Some(object) = all.as_object_mut() {
            object.insert(status.to_string(), value);
        }
    };
    let with_body = request_body(operation).is_some();
    if with_body {
        add("400", error("The body is not a JSON object."));
        add("408", error("The body did not arrive within 30 seconds."));
        add("413", error("The body is too large."));
        add("415", error("The body is not sent as application/json."));
        add(
            "422",
            error("Fields are missing or wrong; `errors` names every problem."),
        );
    }
    match operation {
        "upsertContact" => {
            add("200", answer("The contact was updated.", "ContactWritten"));
            add("201", answer("The contact was created.", "ContactWritten"));
        }
        "readContact" => {
            add("200", answer("The contact.", "Contact"));
            add("404", error("No contact has this id."));
            add("410", error("The contact was erased."));
        }
        "eraseContact" => {
            add(
                "200",
                answer("The contact's personal data is gone.", "Erased"),
            );
            add("404", error("No contact has this id."));
            add("410", error("The contact was erased before."));
        }
        "segmentMembers" => {
            add("200", answer("A page of members.", "MembersPage"));
            add("404", error("No such segment."));
            add("422", error("A query parameter is wrong."));
        }
        "recordEvent" | "recordEvents" => {
            add(
                "200",
                answer("Recorded, and the engine reacted.", "Applied"),
            );
        }
        "journeyReports" | "journeyReport" => {
            add("200", answer("The report.", "Report"));
            add("404", error("No such journey."));
        }
        "enrol" => {
            add("200", answer("The members were entered.", "Enrolled"));
            add("404", error("No such journey."));
        }
        "deploy" => {
            add("200", answer("Deployed (or already deployed).", "Deployed"));
            add(
                "422",
                error("The project has errors; nothing was deployed."),
            );
        }
        _ => add("200", json!({"description": "The OpenAPI document."})),
    }
    all
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string", "description": "A stable word: invalid, ..."},
                "message": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string", "examples": ["fields.email"]},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
        "Fields": {
            "type": "object",
            "description": "Fields by name (a contact's, or a custom event's), typed by the \
                deployed schema: text, email and timezone as strings, number and bool as \
                themselves, date as `2027-03-14` (year 0001 to 9999, a real day), datetime as \
                RFC 3339. `null` clears an optional field, puts a field with a default back \
                to it, and is refused for any other. An event gives every field it declares \
                without `?`.",
            "additionalProperties": true,
        },
        "ContactWrite": {
            "type": "object",
            "required": ["external_id"],
            "additionalProperties": false,
            "properties": {
                "external_id": {"type": "string", "minLength": 1, "maxLength": 200},
                "fields": reference("Fields"),
                "lists": {"type": "array", "items": {"type": "string"}},
                "segments": {"type": "array", "items": {"type": "string"}},
                "consent": super::consent::schema(),
            },
        },
        "ContactWritten": {
            "type": "object",
            "required": ["id", "created", "changed_fields", "journeys_entered"],
            "properties": {
                "id": {"type": "integer"},
                "created": {"type": "boolean"},
                "changed_fields": {"type": "array", "items": {"type": "string"}},
                "journeys_entered": {"type": "integer"},
            },
        },
        "Contact": {
            "type": "object",
            "required": [
                "id", "external_id", "fields", "lists", "segments", "suppressed", "consent",
            ],
            "properties": {
                "id": {"type": "integer"},
                "external_id": {"type": "string"},
                "fields": reference("Fields"),
                "lists": {"type": "array", "items": {"type": "string"}},
                "segments": {"type": "array", "items": {"type": "string"}},
                "suppressed": {"type": "boolean"},
                "consent": {
                    "type": "object",
                    "required": ["granted_at", "expires_at", "revoked_at", "in_force"],
                    "properties": {
                        "granted_at": {"type": ["string", "null"], "format": "date-time"},
                        "expires_at": {"type": ["string", "null"], "format": "date-time"},
                        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                        "in_force": {"type": "boolean"},
                    },
                },
            },
        },
        "Erased": {
            "type": "object",
            "required": ["id", "erased", "runs_ended", "emails_suppressed"],
            "properties": {
                "id": {"type": "integer"},
                "erased": {"type": "boolean"},
                "runs_ended": {"type": "integer"},
                "emails_suppressed": {"type": "integer"},
            },
        },
        "MembersPage": {
            "type": "object",
            "required": ["members", "next_after"],
            "properties": {
                "members": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "external_id"],
                        "properties": {
                            "id": {"type": "integer"},
                            "external_id": {"type": "string"},
                        },
                    },
                },
                "next_after": {"type": ["integer", "null"]},
            },
        },
        "Event": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": false,
            "description": "Name the contact by `contact` (opaque id) or `external_id`.",
            "properties": {
                "contact": {"type": "integer", "minimum": 1},
                "external_id": {"type": "string", "minLength": 1, "maxLength": 200},
                "type": {"type": "string", "enum": ["event", "update"]},
                "name": {"type": "string", "description": "The custom event (type event)."},
                "fields": reference("Fields"),
            },
        },
        "EventBatch": {
            "type": "object",
            "required": ["events"],
            "additionalProperties": false,
            "properties": {
                "events": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": super::events::MAX_BATCH,
                    "items": reference("Event"),
                },
            },
        },
        "Applied": {
            "type": "object",
            "required": ["accepted", "runs_woken", "journeys_entered"],
            "properties": {
                "accepted": {"type": "integer"},
                "runs_woken": {"type": "integer"},
                "journeys_entered": {"type": "integer"},
            },
        },
        "Enrolment": {
            "type": "object",
            "additionalProperties": false,
            "description": "Exactly one of `list` and `segment`.",
            "properties": {
                "list": {"type": "string"},
                "segment": {"type": "string"},
            },
        },
        "Enrolled": {
            "type": "object",
            "required": ["entered", "already_in", "refused_by_reentry", "entered_elsewhere"],
            "properties": {
                "entered": {"type": "integer"},
                "already_in": {"type": "integer"},
                "refused_by_reentry": {"type": "integer"},
                "entered_elsewhere": {"type": "integer"},
            },
        },
        "Deployed": {
            "type": "object",
            "required": ["deployment", "new", "journeys"],
            "properties": {
                "deployment": {"type": "integer"},
                "new": {"type": "boolean"},
                "journeys": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Report": {
            "type": "object",
            "description": "As `journey report --format json` prints it: per journey, per \
                step, runs active there, arrived, ended, and for send steps the emails \
                queued, sent, suppressed, failed, opened and clicked per link.",
            "additionalProperties": true,
        },
    })
}
