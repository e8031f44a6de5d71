//! The request pages' form posts: plain `application/x-www-form-urlencoded`
//! handlers over the request service, answering 303 to the page with a notice
//! or an error in the URL, so the forms work with or without WASM.

use axum::extract::{Path, State};
use axum::response::Redirect;
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
) -> Redirect {
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
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
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
        Ok(r) => Redirect::to(&format!(
            "/requests/{}?notice={}",
            r.key,
            encode_component(&format!("{} is {}", r.key, r.state))
        )),
        Err(e) => {
            let field = e.field().map(|f| format!("&field={f}")).unwrap_or_default();
            Redirect::to(&format!(
                "/requests/new?error={}{field}&{}",
                encode_component(&e.to_string()),
                echo()
            ))
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
) -> Redirect {
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
        Ok(r) => Redirect::to(&format!(
            "/requests/{key}?notice={}",
            encode_component(&format!("{} is {} (version {})", r.key, r.state, r.version))
        )),
        Err(e) => Redirect::to(&format!(
            "/requests/{key}?error={}",
            encode_component(&e.to_string())
        )),
    }
}

/// `POST /approvals/bulk`: approve or reject the selected requests, each at the
/// version the inbox showed and each checked on its own; the notice says which
/// went through and which failed, and why.
pub async fn bulk(
    State(db): State<Db>,
    Extension(caller): Extension<Caller>,
    body: String,
) -> Redirect {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let action = match pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.as_str())
    {
        Some("approve") => Action::Approve,
        Some("reject") => Action::Reject,
        _ => {
            return Redirect::to(&format!(
                "/approvals?error={}",
                encode_component("choose approve or reject")
            ))
        }
    };
    let keys: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "keys")
        .map(|(_, v)| v.as_str())
        .collect();
    if keys.is_empty() {
        return Redirect::to(&format!(
            "/approvals?error={}",
            encode_component("select at least one request")
        ));
    }
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for key in keys {
        let version = pairs
            .iter()
            .find(|(k, _)| *k == format!("v_{key}"))
            .and_then(|(_, v)| v.parse().ok());
        match service::act(
            &db,
            &caller,
            key,
            action,
            &ActionInput {
                version,
                comment: None,
            },
        )
        .await
        {
            Ok(r) => done.push(format!("{} {}", r.key, r.state)),
            Err(e) => failed.push(format!("{key}: {e}")),
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
}
