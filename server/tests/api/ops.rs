//! Operations: health, readiness, request ids.

use crate::both_databases;
use crate::helpers::TestApp;

both_databases! {
    async fn health_and_readiness(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let (status, body) = app.get_json("/healthz").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
        // Unready when the database is gone.
        app.db.pool().close().await;
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 503);
        assert_eq!(body["error"]["code"], "unavailable");
        // Liveness never asks the database, whoever asks.
        let bearer = ("authorization", "Bearer hr_not-a-real-token");
        let resp = app.client.get(app.url("/healthz")).header(bearer.0, bearer.1).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        // A browser asking for a page gets a page saying so; the API its JSON error.
        let resp = app.client.get(app.url("/clusters")).header(bearer.0, bearer.1).send().await.unwrap();
        assert_eq!(resp.status(), 503);
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(resp.text().await.unwrap().contains("cannot reach its database"));
        let resp = app.client.get(app.url("/api/v1/regions")).header(bearer.0, bearer.1).send().await.unwrap();
        assert_eq!(resp.status(), 503);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
    }

    async fn request_ids_are_made_or_kept(backend: Backend) {
        let app = TestApp::empty(backend).await;
        let resp = app.get("/healthz").await;
        let made = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(made.len(), 36, "a UUID: {made}");
        let resp = app.client.get(format!("{}/api/v1/regions", app.address)).header("x-request-id", "trace-me-42").send().await.unwrap();
        assert_eq!(resp.headers()["x-request-id"], "trace-me-42");
    }
}

/// Starts the real serve loop over `app`'s state with tight limits.
async fn serve_with(app: &TestApp, limits: server::ops::ConnectionLimits) -> String {
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("headroom")
        .build();
    let router = server::router(server::AppState::new(app.db.clone(), leptos, None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(server::ops::serve(
        listener,
        router,
        limits,
        std::future::pending(),
        server::ops::Stopping {
            drain: std::time::Duration::ZERO,
            grace: std::time::Duration::from_secs(1),
        },
    ));
    addr
}

/// Reads until the peer closes or `within` passes; returns whether it closed.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed_and_connections_are_capped() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let app = TestApp::empty(crate::helpers::Backend::Sqlite).await;
    let limits = server::ops::ConnectionLimits {
        header_read_timeout: Duration::from_millis(400),
        max_connections: 2,
    };
    let addr = serve_with(&app, limits).await;
    // A client that never finishes its headers is cut off.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "a half-sent request is closed"
    );
    // A keep-alive connection idle after its answer is closed too.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(
        closed_within(&mut idle, Duration::from_secs(3)).await,
        "an idle keep-alive connection is closed"
    );

    // At most two connections are served at once: a third waits for a slot.
    let app2 = TestApp::empty(crate::helpers::Backend::Sqlite).await;
    let limits = server::ops::ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
    };
    let addr = serve_with(&app2, limits).await;
    // Two connections are being served once each has had an answer (kept alive).
    let mut a = TcpStream::connect(&addr).await.unwrap();
    let mut b = TcpStream::connect(&addr).await.unwrap();
    for conn in [&mut a, &mut b] {
        conn.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut status = [0u8; 12];
        conn.read_exact(&mut status).await.unwrap();
        assert_eq!(&status, b"HTTP/1.1 200");
    }
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 12];
    let waited = tokio::time::timeout(Duration::from_millis(500), c.read_exact(&mut answer)).await;
    assert!(
        waited.is_err(),
        "the third connection is not served while two are open"
    );
    drop(a);
    tokio::time::timeout(Duration::from_secs(5), c.read_exact(&mut answer))
        .await
        .expect("served once a slot frees")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
}

/// After the shutdown signal, the listener drains: `/readyz` answers 503 at
/// once while new connections are still accepted and answered (a balancer has
/// not noticed yet), and only after the drain does the listener close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_first_drains_with_readyz_at_503_then_closes_the_listener() {
    use std::time::Duration;
    let app = TestApp::empty(crate::helpers::Backend::Sqlite).await;
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("headroom")
        .build();
    let router = server::router(server::AppState::new(app.db.clone(), leptos, None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::ops::serve(
        listener,
        router,
        server::ops::ConnectionLimits::default(),
        async move {
            let _ = stopped.await;
        },
        server::ops::Stopping {
            drain: Duration::from_millis(1500),
            grace: Duration::from_secs(1),
        },
    ));
    // A fresh connection per call, as a balancer's checks and new clients make.
    let fresh = || {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap()
    };
    let ready = fresh().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ready = fresh().get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503, "draining: unready at once");
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["message"], "shutting down");
    let alive = fresh().get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(
        alive.status(),
        200,
        "a new connection is still served while draining"
    );

    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert!(
        served.is_finished(),
        "the serve loop ends after the drain and the grace"
    );
    let refused = fresh().get(format!("{base}/healthz")).send().await;
    assert!(
        refused.is_err(),
        "after the drain the listener is closed: {refused:?}"
    );
}
