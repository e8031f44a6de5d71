//! The one error policy of Headroom's server side.
//!
//! Typed: what a caller can act on — bad input naming its field (`invalid`), a
//! missing object (`not_found`), a stale or refused change (`conflict`), an
//! unreachable database (`unavailable`). `anyhow`: everything else, which is a
//! bug or an outage; it is logged with its detail and answered with a generic
//! message. No SQL text, stack or path ever reaches a client.
//!
//! The JSON shape is PRODUCT.md "The contract": `{"error": {"code", "message", "field"?}}`;
//! server functions carry the same three as `ServerError`, so a form can show
//! the message next to its field.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::shared::fields::{FieldError, ServerError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Invalid {
        field: Option<&'static str>,
        message: String,
    },
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    RateLimited(String),
    /// Not enough free units: "short by 340 vCPU in westus2 zone 2".
    #[error("{}", .0.message())]
    InsufficientCapacity(CapacityShortfall),
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] anyhow::Error),
    #[error("something went wrong on our side; it has been logged")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: Some(field),
            message: message.into(),
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::InsufficientCapacity(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    fn error_code(&self) -> ErrorCode {
        match self {
            AppError::Invalid { .. } => ErrorCode::Invalid,
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::RateLimited(_) => ErrorCode::RateLimited,
            AppError::InsufficientCapacity(_) => ErrorCode::InsufficientCapacity,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Invalid { field, .. } => *field,
            _ => None,
        }
    }

    /// Logs the detail of server-side failures; client errors are not worth a log line.
    fn log(&self) {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(e) => tracing::warn!(error = ?e, "database unavailable"),
            _ => {}
        }
    }
}

/// What a database error means to the caller: recognised by the engine's error
/// code, never by message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// Another change won a race (a unique constraint, a serialization failure
    /// or a deadlock): the caller may reload and try again.
    Race,
    /// The database is busy, locked, shutting down or unreachable.
    Unavailable,
    /// Anything else: a bug.
    Other,
}

impl DbFailure {
    pub fn of(e: &sqlx::Error) -> DbFailure {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DbFailure::Unavailable,
            sqlx::Error::Database(d) if d.is_unique_violation() => DbFailure::Race,
            sqlx::Error::Database(d) => {
                let code = d.code();
                let code = code.as_deref().unwrap_or_default();
                // SQLite: extended result codes whose primary code is SQLITE_BUSY (5) or SQLITE_LOCKED (6).
                let sqlite_busy = code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                // PostgreSQL: serialization failure, deadlock; connection exceptions
                // (class 08), shutdown and start-up (57P0x), too many connections.
                if matches!(code, "40001" | "40P01") {
                    DbFailure::Race
                } else if sqlite_busy
                    || code.starts_with("08")
                    || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
                {
                    DbFailure::Unavailable
                } else {
                    DbFailure::Other
                }
            }
            _ => DbFailure::Other,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match DbFailure::of(&e) {
            DbFailure::Race => {
                tracing::info!(error = %e, "a concurrent change won");
                AppError::Conflict(
                    "a conflicting change was made at the same moment; reload and try again".into(),
                )
            }
            DbFailure::Unavailable => {
                let cause = match e {
                    sqlx::Error::PoolTimedOut => "pool_timed_out",
                    sqlx::Error::Database(_) => "busy",
                    _ => "unreachable",
                };
                metrics::counter!("headroom_db_unavailable_total", "cause" => cause).increment(1);
                AppError::Unavailable(e.into())
            }
            DbFailure::Other => AppError::Internal(e.into()),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid {
            field: Some(e.field),
            message: format!("{}: {}", e.field, e.message),
        }
    }
}

/// The shortfall of a refused reservation (PRODUCT.md: `{"units", "region", "zone"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CapacityShortfall {
    pub units: i64,
    pub region: String,
    #[schema(required = true)]
    pub zone: Option<i64>,
    #[serde(skip)]
    pub unit: String,
}

impl CapacityShortfall {
    pub fn message(&self) -> String {
        let zone = self.zone.map(|z| format!(" zone {z}")).unwrap_or_default();
        format!(
            "short by {} {} in {}{zone}",
            self.units, self.unit, self.region
        )
    }
}

/// Every error the API answers (PRODUCT.md "The contract"): `{"error": {…}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

crate::shared::enums::text_enum!(
    /// What kind of error an answer is (its HTTP status follows from it).
    ErrorCode, "error code" {
        Invalid => "invalid",
        Unauthenticated => "unauthenticated",
        Forbidden => "forbidden",
        NotFound => "not_found",
        Conflict => "conflict",
        InsufficientCapacity => "insufficient_capacity",
        RateLimited => "rate_limited",
        Unavailable => "unavailable",
        Internal => "internal",
    }
);

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail<'a> {
    code: ErrorCode,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shortfall: Option<CapacityShortfall>,
    /// A refused import's lines (the first 100), each with its line, column
    /// and why (`server::api::imports` answers these; nothing else does).
    #[serde(skip_serializing_if = "Option::is_none")]
    lines: Option<Vec<crate::fleet::import::LineError>>,
    /// How many lines a refused import had in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    line_count: Option<u64>,
}

/// Why a request was refused (403), carried on the response for the audit
/// middleware, which records every refusal once.
#[derive(Debug, Clone)]
pub struct Refusal(pub String);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let refusal = match &self {
            AppError::Forbidden(why) => Some(Refusal(why.clone())),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.error_code(),
                message: self.to_string(),
                field: self.field(),
                shortfall: match &self {
                    AppError::InsufficientCapacity(s) => Some(s.clone()),
                    _ => None,
                },
                lines: None,
                line_count: None,
            },
        };
        let mut resp = (self.status_code(), axum::Json(body)).into_response();
        if let Some(r) = refusal {
            resp.extensions_mut().insert(r);
        }
        resp
    }
}

/// Turns an error into a server function's error (code, message, field),
/// logging it and setting the HTTP status of the page or call being served.
pub fn server_error(e: AppError) -> ServerError {
    e.log();
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(e.status_code());
    }
    ServerError {
        code: e.code().to_owned(),
        message: e.to_string(),
        field: e.field().map(str::to_owned),
    }
}

impl From<AppError> for ServerError {
    fn from(e: AppError) -> Self {
        server_error(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;
