//! Sessions: sign-in and sign-out, rotation, timeouts, cookie flags, throttling,
//! disabling a user, and the audit trail they leave.

use crate::both_databases;
use crate::helpers::{TestApp, PASSWORD};
use app::shared::audit::Origin;

async fn sign_in(
    app: &TestApp,
    name: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = app.anonymous.post(app.url("/login")).form(&[
        ("name", name),
        ("password", password),
        ("next", "/clusters"),
    ]);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("headroom_session={c}"));
    }
    req.send().await.unwrap()
}

fn session_of(resp: &reqwest::Response) -> Option<String> {
    let set = resp.headers().get("set-cookie")?.to_str().ok()?;
    let value = set.strip_prefix("headroom_session=")?.split(';').next()?;
    (!value.is_empty()).then(|| value.to_owned())
}

async fn status_with(app: &TestApp, cookie: &str, path: &str) -> u16 {
    app.anonymous
        .get(app.url(path))
        .header("cookie", format!("headroom_session={cookie}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

both_databases! {
    async fn sign_in_rotates_and_sets_safe_cookies(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let first = sign_in(&app, "viewer-user", PASSWORD, None).await;
        assert_eq!(first.status(), 303);
        assert_eq!(first.headers()["location"], "/clusters");
        let set = first.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "{set}");
        let a = session_of(&first).unwrap();
        assert_eq!(status_with(&app, &a, "/clusters").await, 200);
        // Signing in again with a session replaces it: the old id stops working.
        let second = sign_in(&app, "viewer-user", PASSWORD, Some(&a)).await;
        let b = session_of(&second).unwrap();
        assert_ne!(a, b);
        assert_eq!(status_with(&app, &a, "/clusters").await, 303);
        assert_eq!(status_with(&app, &b, "/clusters").await, 200);
        // A planted id is never adopted.
        let planted = sign_in(&app, "viewer-user", PASSWORD, Some("planted-by-attacker")).await;
        assert_ne!(session_of(&planted).unwrap(), "planted-by-attacker");
        // Sign-out ends it.
        let out = app.anonymous.post(app.url("/logout")).header("cookie", format!("headroom_session={b}")).send().await.unwrap();
        assert_eq!(out.status(), 303);
        assert_eq!(status_with(&app, &b, "/clusters").await, 303);
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action IN ('signin', 'signout') AND actor = 'viewer-user'")
            .fetch_one(app.db.pool()).await.unwrap();
        assert!(n >= 4);
    }

    async fn sessions_time_out(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let idle = session_of(&sign_in(&app, "viewer-user", PASSWORD, None).await).unwrap();
        let absolute = session_of(&sign_in(&app, "admin-user", PASSWORD, None).await).unwrap();
        let digest = |s: &str| app::auth::server::tokens::digest(s);
        // Idle past the limit (60 minutes by default).
        sqlx::query("UPDATE sessions SET last_seen = last_seen - 3700 WHERE id_hash = $1").bind(digest(&idle)).execute(app.db.pool()).await.unwrap();
        assert_eq!(status_with(&app, &idle, "/").await, 303);
        // Busy, but older than the absolute limit (12 hours by default).
        sqlx::query("UPDATE sessions SET created_at = created_at - 44000 WHERE id_hash = $1").bind(digest(&absolute)).execute(app.db.pool()).await.unwrap();
        assert_eq!(status_with(&app, &absolute, "/").await, 303);
    }

    async fn disabling_a_user_ends_access_at_once(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let session = session_of(&sign_in(&app, "operator-user", PASSWORD, None).await).unwrap();
        let token = app.as_role(app::auth::Role::Operator);
        assert_eq!(status_with(&app, &session, "/").await, 200);
        assert_eq!(token.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 200);
        app::auth::server::users::disable(&app.db, &Origin::default(), "t", "operator-user").await.unwrap();
        assert_eq!(status_with(&app, &session, "/").await, 303);
        assert_eq!(token.get(app.url("/api/v1/regions")).send().await.unwrap().status(), 401);
        let again = sign_in(&app, "operator-user", PASSWORD, None).await;
        assert!(session_of(&again).is_none(), "a disabled user cannot sign in");
    }

    async fn failed_sign_ins_are_recorded_and_slowed(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        let wrong = sign_in(&app, "viewer-user", "not the password", None).await;
        assert_eq!(wrong.status(), 303);
        assert!(wrong.headers()["location"].to_str().unwrap().starts_with("/login?error="));
        assert!(session_of(&wrong).is_none());
        app::settings::server::set(&app.db, &Origin::default(), "t", "signin.max_failures_per_account", "2").await.unwrap();
        sign_in(&app, "viewer-user", "not the password", None).await;
        // Past the limit even the right password waits for the window.
        let limited = sign_in(&app, "viewer-user", PASSWORD, None).await;
        assert!(session_of(&limited).is_none());
        assert!(limited.headers()["location"].to_str().unwrap().contains("too%20many"));
        let (failed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.failed'").fetch_one(app.db.pool()).await.unwrap();
        let (throttled,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'signin.throttled'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!((failed, throttled), (2, 1));
        // Another account from elsewhere is unaffected.
        assert!(session_of(&sign_in(&app, "admin-user", PASSWORD, None).await).is_some());
    }

    async fn sign_ins_are_audited_with_source_and_request_id(backend: Backend) {
        let app = TestApp::seeded(backend).await;
        sign_in(&app, "viewer-user", PASSWORD, None).await;
        // The database's refusal of rewrites: hardening.rs, on both engines.
        let rows = app::shared::audit::list(app.db.pool(), &app::shared::audit_query::AuditQuery { action: Some("signin".into()), ..Default::default() }, 10).await.unwrap();
        assert_eq!(rows[0].actor.as_deref(), Some("viewer-user"));
        assert_eq!(rows[0].source.as_deref(), Some("127.0.0.1"));
        assert!(rows[0].request_id.as_deref().is_some_and(|r| r.len() == 36));
    }
}
