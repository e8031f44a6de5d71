//! Operations endpoints: `/healthz` (the process is up) and `/readyz` (the
//! database answers within 1.5 s and every migration is applied, and the
//! process is not shutting down), and the listener's graceful shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::state::AppState;
use app::db::Db;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// How long `/readyz` waits for the database: an orchestrator asks for an answer within 2 s.
const READY_WITHIN: Duration = Duration::from_millis(1500);

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Set by `serve` once its shutdown signal came, on every request it serves:
/// the listener is draining and `/readyz` says so, whatever the database answers.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

async fn readyz(
    draining: Option<Extension<Draining>>,
    State(db): State<Db>,
) -> (StatusCode, Json<serde_json::Value>) {
    if draining.is_some_and(|Extension(d)| d.is_set()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": {"code": "unavailable", "message": "shutting down"}})),
        );
    }
    match tokio::time::timeout(READY_WITHIN, db.migrations_applied()).await {
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
                json!({"error": {"code": "unavailable", "message": "the database did not answer within 1.5 s"}}),
            ),
        ),
    }
}

/// Limits on the connections one process holds.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A client must send a request's headers within this long; it also
    /// closes a keep-alive connection that sits idle this long.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
        }
    }
}

/// How a stop goes: how long to keep serving while `/readyz` answers 503
/// (`drain`), then how long in-flight requests may take to finish (`grace`).
#[derive(Debug, Clone, Copy)]
pub struct Stopping {
    /// From the signal until the listener closes. A load balancer checking
    /// `/readyz` stops routing here within its check interval; until it has,
    /// requests still arrive, and closing the listener at once would reset the
    /// connections already queued on it (answered by nobody, retried by few).
    pub drain: Duration,
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` completes, keeps serving for
/// `stopping.drain` with `/readyz` at 503, then stops accepting and lets
/// in-flight requests finish for at most `stopping.grace`. Unlike
/// `axum::serve`, it wires hyper's timer (so the header-read and idle timeouts
/// work) and caps concurrent connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send,
    stopping: Stopping,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_read_timeout))
        .keep_alive_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let draining = Draining::default();
    let flag = draining.clone();
    let shutdown = async move {
        shutdown.await;
        flag.0.store(true, Ordering::Relaxed);
        if !stopping.drain.is_zero() {
            tracing::info!(drain = ?stopping.drain, "shutting down: /readyz answers 503; still serving while the balancer notices");
            tokio::time::sleep(stopping.drain).await;
        }
    };
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let draining = draining.clone();
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req.extensions_mut().insert(draining.clone());
                app.clone().oneshot(req.map(axum::body::Body::new))
            },
        );
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    let grace = stopping.grace;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish within {grace:?}; stopping anyway");
    }
    Ok(())
}

/// Serves until SIGTERM or Ctrl-C, then stops as `stopping` says.
pub async fn serve_until_signal(
    listener: tokio::net::TcpListener,
    app: Router,
    stopping: Stopping,
) -> anyhow::Result<()> {
    serve(
        listener,
        app,
        ConnectionLimits::default(),
        shutdown_signal(),
        stopping,
    )
    .await
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
