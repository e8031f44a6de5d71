//! Errors that name the field at fault, shared by the browser and the server:
//! a form shows the message next to its field.

use serde::{Deserialize, Serialize};

/// A bad input: the field it names and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// A server function's error as the browser receives it: the contract's
/// `code`, the message, and the field at fault, if one is. It crosses the
/// wire intact (also through the URL of a form posted without JavaScript), so
/// a form can put "quantity: must be > 0" next to the quantity field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ServerError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ServerError {
    /// Whether this error is about `field`.
    pub fn is_about(&self, field: &str) -> bool {
        self.field.as_deref() == Some(field)
    }
}

impl leptos::server_fn::error::FromServerFnError for ServerError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(e: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let code = match &e {
            E::Args(_) | E::MissingArg(_) | E::Deserialization(_) => "invalid",
            E::Request(_) | E::Response(_) => "unavailable",
            _ => "internal",
        };
        // Arguments that do not parse are the caller's mistake: 400, not 500.
        #[cfg(feature = "ssr")]
        if code == "invalid" {
            if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::BAD_REQUEST);
            }
        }
        ServerError {
            code: code.into(),
            message: e.to_string(),
            field: None,
        }
    }
}
