//! Operations endpoints: `/healthz` (the process is up) and `/readyz` (the
//! database answers within 2 s and every migration is applied).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::routes::AppState;
use app::db::Db;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(db): State<Db>) -> (StatusCode, Json<serde_json::Value>) {
    match tokio::time::timeout(Duration::from_secs(2), db.migrations_applied()).await {
        Ok(Ok(true)) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Ok(Ok(false)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"error": {"code": "unavailable", "message": "database migrations are not all applied"}}),
            ),
        ),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({"error": {"code": "unavailable", "message": "the database is unreachable"}}),
                ),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"error": {"code": "unavailable", "message": "the database did not answer within 2 s"}}),
            ),
        ),
    }
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting and lets in-flight
/// requests finish for at most `grace`.
pub async fn serve_until_signal(
    listener: tokio::net::TcpListener,
    app: Router,
    grace: Duration,
) -> anyhow::Result<()> {
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = tx.send(true);
    });
    let deadline = async move {
        let _ = rx.wait_for(|stop| *stop).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result?,
        _ = deadline => tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
