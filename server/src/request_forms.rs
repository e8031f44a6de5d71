//! The request pages' form posts: plain `application/x-www-form-urlencoded`
//! handlers over the request service, answering 303 to the page with a notice
//! or an error in the URL, so the forms work with or without WASM.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use app::auth::server::caller::Caller;
use app::db::Db;
use app::error::AppError;
use app::fleet::query::encode_component;
use app::requests::domain::Action;
use app::requests::server::service;
use app::requests::types::{ActionInput, RequestInput};

#[derive(serde::Deserialize)]
pub struct NewRequestForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    zone: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    need_by: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    priority: String,
    draft: Option<String>,
}

fn blank_none(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `POST /requests/new`.
pub async fn file(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Form(f): Form<NewRequestForm>,
) -> Response {
    let echo = || {
        [
            ("kind", &f.kind),
            ("region", &f.region),
            ("zone", &f.zone),
            ("sku", &f.sku),
            ("quantity", &f.quantity),
            ("need_by", &f.need_by),
            ("service", &f.service),
            ("justification", &f.justification),
            ("priority", &f.priority),
        ]
        .iter()
        // Echoed into a Location header: bounded (a justification is at most
        // 4,000 characters, every other field far less).
        .map(|(k, v)| {
            let max = if *k == "justification" { 16_000 } else { 200 };
            format!("{k}={}", encode_component(&app::text::bounded(v, max)))
        })
        .collect::<Vec<_>>()
        .join("&")
    };
    let quantity = match f.quantity.trim().parse::<i64>() {
        Ok(q) => Some(q),
        Err(_) if f.quantity.trim().is_empty() => None,
        Err(_) => {
            return Redirect::to(&format!(
                "/requests/new?error={}&field=quantity&{}",
                encode_component("quantity must be a whole number"),
                echo()
            ))
            .into_response()
        }
    };
    let zone = match f.zone.trim() {
        "" => None,
        z => match z.parse::<i64>() {
            Ok(z) => Some(z),
            Err(_) => {
                return Redirect::to(&format!(
                    "/requests/new?error={}&field=zone&{}",
                    encode_component("zone must be 1, 2 or 3"),
                    echo()
                ))
                .into_response()
            }
        },
    };
    let input = RequestInput {
        kind: blank_none(&f.kind),
        region: blank_none(&f.region),
        zone,
        sku: blank_none(&f.sku),
        quantity,
        need_by: blank_none(&f.need_by),
        service: blank_none(&f.service),
        justification: blank_none(&f.justification),
        priority: blank_none(&f.priority),
        draft: f.draft.is_some(),
        version: None,
    };
    match service::create(&db, &caller, &input).await {
        Err(AppError::Forbidden(why)) => crate::auth::forbidden_page(&why),
        Ok(r) => Redirect::to(&format!(
            "/requests/{}?notice={}",
            r.key,
            encode_component(&format!("{} is {}", r.key, r.state))
        ))
        .into_response(),
        Err(e) => {
            let field = e.field().map(|f| format!("&field={f}")).unwrap_or_default();
            Redirect::to(&format!(
                "/requests/new?error={}{field}&{}",
                encode_component(&e.to_string()),
                echo()
            ))
            .into_response()
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ActForm {
    action: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    comment: String,
}

/// `POST /requests/{key}/act`: an action button or the comment box.
pub async fn act(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    let key = match app::requests::domain::parse_key(&key) {
        Ok(id) => app::requests::domain::key_of(id),
        Err(m) => {
            return Redirect::to(&format!("/requests?error={}", encode_component(&m)))
                .into_response()
        }
    };
    let result = if f.action == "comment" {
        service::comment(&db, &caller, &key, &f.comment).await
    } else {
        match Action::parse(&f.action) {
            Ok(action) if action != Action::Expire => {
                let input = ActionInput {
                    version: f.version.trim().parse().ok(),
                    comment: blank_none(&f.comment),
                };
                service::act(&db, &caller, &key, action, &input).await
            }
            _ => Err(AppError::invalid(
                "action",
                format!("'{}' is not an action", f.action),
            )),
        }
    };
    let key = encode_component(&key);
    match result {
        Err(AppError::Forbidden(why)) => crate::auth::forbidden_page(&why),
        Ok(r) => Redirect::to(&format!(
            "/requests/{key}?notice={}",
            encode_component(&format!("{} is {} (version {})", r.key, r.state, r.version))
        ))
        .into_response(),
        Err(e) => Redirect::to(&format!(
            "/requests/{key}?error={}",
            encode_component(&e.to_string())
        ))
        .into_response(),
    }
}

/// The most requests one bulk decision may name.
pub const MAX_BULK: usize = 200;

/// `POST /approvals/bulk`: approve or reject the selected requests, each at the
/// version the inbox showed and each checked on its own; the notice says which
/// went through and which failed, and why. More than `MAX_BULK` keys is a 400.
pub async fn bulk(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    body: String,
) -> Response {
    if let Err(e) = caller.require(app::auth::Role::Approver) {
        return e.into_response();
    }
    let mut action = None;
    let mut keys: Vec<String> = Vec::new();
    let mut versions: HashMap<String, i64> = HashMap::new();
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "action" => action = Some(v.into_owned()),
            "keys" => {
                if keys.len() == MAX_BULK {
                    return AppError::invalid(
                        "keys",
                        format!("select at most {MAX_BULK} requests at once"),
                    )
                    .into_response();
                }
                keys.push(v.into_owned());
            }
            k => {
                if let (Some(key), Ok(version)) = (k.strip_prefix("v_"), v.parse()) {
                    versions.insert(key.to_owned(), version);
                }
            }
        }
    }
    let action = match action.as_deref() {
        Some("approve") => Action::Approve,
        Some("reject") => Action::Reject,
        _ => {
            return Redirect::to(&format!(
                "/approvals?error={}",
                encode_component("choose approve or reject")
            ))
            .into_response()
        }
    };
    if keys.is_empty() {
        return Redirect::to(&format!(
            "/approvals?error={}",
            encode_component("select at least one request")
        ))
        .into_response();
    }
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for key in &keys {
        let input = ActionInput {
            version: versions.get(key).copied(),
            comment: None,
        };
        match service::act(&db, &caller, key, action, &input).await {
            Ok(r) => done.push(format!("{} {}", r.key, r.state)),
            Err(e) => {
                if let AppError::Forbidden(why) = &e {
                    // One refusal inside an answer that is not a 403 as a whole.
                    let actor = caller.user.as_ref().map(|u| u.name.as_str());
                    let what = format!("POST /approvals/bulk {action} {key}");
                    app::auth::server::audit::record_refusal(
                        &db,
                        &caller.origin,
                        actor,
                        "access.denied",
                        Some(&what),
                        Some(why),
                    )
                    .await;
                }
                failed.push(format!("{}: {e}", app::text::bounded(key, 40)))
            }
        }
    }
    let mut message = String::new();
    if !done.is_empty() {
        message.push_str(&format!("Done: {}. ", done.join(", ")));
    }
    if !failed.is_empty() {
        message.push_str(&format!("Failed: {}.", failed.join("; ")));
    }
    let kind = if failed.is_empty() { "notice" } else { "error" };
    Redirect::to(&format!(
        "/approvals?{kind}={}",
        encode_component(message.trim())
    ))
    .into_response()
}
