//! Every API response a test provokes, checked against the OpenAPI document:
//! `TestApp` runs each `/api/v1` answer through `check` (in the test process,
//! outside the server's own layers) and fails the test on a violation.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

/// The document, and its response validators built as they are needed.
struct Contract {
    doc: Value,
    /// (path template split on `/`, method, operation).
    operations: Vec<(Vec<String>, String, Value)>,
    validators: Mutex<HashMap<(String, String, String), Arc<jsonschema::Validator>>>,
}

static CONTRACT: LazyLock<Contract> = LazyLock::new(|| {
    let doc = serde_json::to_value(server::api::openapi::document()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths").iter() {
        for (method, op) in item.as_object().unwrap() {
            let segments = path.split('/').map(str::to_owned).collect();
            operations.push((segments, method.to_uppercase(), op.clone()));
        }
    }
    Contract {
        doc,
        operations,
        validators: Mutex::default(),
    }
});

/// The document's path template that `path` (under `/api/v1`) matches for
/// `method`: the most literal one where several match (`/requests/{key}/comments`
/// before `/requests/{key}/{action}`).
pub fn operation_for(method: &str, path: &str) -> Option<(String, &'static Value)> {
    let segments: Vec<&str> = path.split('/').collect();
    CONTRACT
        .operations
        .iter()
        .filter(|(t, m, _)| {
            m == method
                && t.len() == segments.len()
                && t.iter()
                    .zip(&segments)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        })
        .max_by_key(|(t, _, _)| t.iter().filter(|s| !s.starts_with('{')).count())
        .map(|(t, _, op)| (t.join("/"), op))
}

/// Checks one answer of the API: its status is documented for the operation,
/// and its JSON body matches that response's schema. `path` is under
/// `/api/v1`, without the query. Paths and methods the document does not
/// list (a 404 for `/api/v1/nothing`, a 405) are not the document's business.
pub fn check(method: &str, path: &str, status: u16, body: &[u8]) -> Result<(), String> {
    let Some((template, op)) = operation_for(method, path) else {
        return Ok(());
    };
    let what = format!("{method} {path} ({template}) → {status}");
    let code = status.to_string();
    let Some(response) = op["responses"]
        .get(&code)
        .or_else(|| op["responses"].get("default"))
    else {
        return Err(format!("{what}: status {status} is not in the document"));
    };
    let Some(schema) = response["content"]["application/json"].get("schema") else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: a body where the document says none"))
        };
    };
    let instance: Value =
        serde_json::from_slice(body).map_err(|e| format!("{what}: the body is not JSON ({e})"))?;
    let key = (method.to_owned(), template, code);
    let validator = {
        let mut cache = CONTRACT.validators.lock().unwrap();
        cache
            .entry(key)
            .or_insert_with(|| {
                // The response's schema, resolving `#/components/…` in the document's components.
                let mut root = schema.clone();
                root["components"] = CONTRACT.doc["components"].clone();
                Arc::new(
                    jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .build(&root)
                        .unwrap_or_else(|e| {
                            panic!("{what}: the document's schema does not compile: {e}")
                        }),
                )
            })
            .clone()
    };
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .take(5)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        let text = instance.to_string();
        let shown = app::shared::text::bounded(&text, 600);
        Err(format!("{what}: {}\n  body: {shown}", errors.join("; ")))
    }
}
