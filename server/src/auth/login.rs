//! `POST /login` and `POST /logout`: plain form posts, so they work without WASM.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use crate::state::AppState;
use app::auth::paths::safe_next;
use app::auth::roles::parse_user_name;
use app::auth::server::caller::Caller;
use app::auth::server::{sessions, users};
use app::error::AppError;
use app::shared::audit;
use app::shared::url::encode_component;

#[derive(serde::Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie(headers: &HeaderMap, secure: bool) -> Option<String> {
    sessions::from_headers(headers, secure).map(str::to_owned)
}

pub async fn login(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let origin = caller.origin;
    let next = safe_next(&form.next);
    match users::sign_in(&state.db, &origin, &form.name, &form.password).await {
        Ok(user) => {
            let previous = session_cookie(&headers, state.secure_cookies);
            match sessions::start(&state.db, user.id, previous.as_deref()).await {
                Ok(id) => (
                    [(
                        header::SET_COOKIE,
                        sessions::set_cookie(&id, state.secure_cookies),
                    )],
                    Redirect::to(next),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e @ (AppError::Invalid { .. } | AppError::RateLimited(_))) => {
            // The name comes back to the form only if it is a well-formed (so
            // short) user name: nothing unbounded is echoed into a header.
            let name = parse_user_name(&form.name).unwrap_or_default();
            let target = format!(
                "/login?error={}&next={}&name={}",
                encode_component(&e.to_string()),
                encode_component(next),
                encode_component(&name)
            );
            Redirect::to(&target).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    if let Some(id) = session_cookie(req.headers(), state.secure_cookies) {
        if let Err(e) = sessions::end(&state.db, &id).await {
            return e.into_response();
        }
    }
    if let Some(caller) = req.extensions().get::<Caller>() {
        if let Some(user) = &caller.user {
            let _ = audit::record(
                state.db.pool(),
                &caller.origin,
                Some(&user.name),
                "signout",
                Some(&user.name),
                None,
                None,
            )
            .await;
        }
    }
    (
        [(
            header::SET_COOKIE,
            sessions::clear_cookie(state.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}
