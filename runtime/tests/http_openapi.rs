//! The OpenAPI document of `journey serve` and the route table it is made
//! from: the copy kept in the repository (`docs/openapi.json`) is the
//! document the server serves, every route of the API's table is in it
//! with the scope it needs, the tracking routes are in it without one, and
//! every documented answer refers to a schema that exists. (That the
//! documented tracking routes are served is checked against the running
//! server in tests/serve_api.rs.)
//!
//! After changing the API, write the copy again with
//! `JOURNEY_UPDATE_OPENAPI=1 cargo test -p journey-runtime --test http_openapi`.

use journey_runtime::http::api::routes;
use journey_runtime::http::openapi::{document, public_operations};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn kept_copy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

#[test]
fn the_kept_copy_is_the_served_document() {
    let served = document();
    let path = kept_copy();
    if std::env::var_os("JOURNEY_UPDATE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&served).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        kept == served,
        "docs/openapi.json differs from the served document; write it again with \
         JOURNEY_UPDATE_OPENAPI=1 cargo test -p journey-runtime --test http_openapi"
    );
}

#[test]
fn every_route_is_documented_once_with_its_scope() {
    let doc = document();
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            let scope = operation["x-scope"].as_str().unwrap();
            if scope == "none" {
                continue;
            }
            assert!(["read", "write", "admin"].contains(&scope));
            assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            assert!(operation["responses"]["200"].is_object(), "{method} {path}");
        }
    }
    let public: BTreeSet<(String, String)> = public_operations()
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    for (method, path, operation) in public_operations() {
        assert_eq!(
            operation["security"],
            serde_json::json!([]),
            "{method} {path}"
        );
        documented.remove(&(method.to_string(), path.to_string()));
    }
    assert_eq!(public.len(), 4);
    let table = routes();
    let declared: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(declared.len(), table.len(), "no route declared twice");
    assert_eq!(documented, declared);
    for route in table {
        let op = &paths[route.path][route.method];
        assert_eq!(op["x-scope"], route.scope.as_str(), "{}", route.path);
        assert_eq!(op["operationId"], route.operation);
    }
}

#[test]
fn every_reference_names_a_schema_that_exists() {
    let doc = document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut references = Vec::new();
    collect_references(&doc, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(schemas.contains_key(name), "no schema {name}");
    }
}

fn collect_references(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.push(reference.clone());
            }
            map.values().for_each(|v| collect_references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}
