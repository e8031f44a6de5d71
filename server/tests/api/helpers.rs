//! `TestApp`: a Headroom server on a random port over a fresh database (SQLite
//! file or PostgreSQL database), seeded with the small demo fleet, dropped after.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::collections::HashMap;

use app::auth::server::users;
use app::auth::{Role, Roles};
use app::db::Db;
use app::shared::audit::Origin;
use server::seed::{seed_demo, Scale};
use server::{router, AppState};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests create their databases on (`HEADROOM_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("HEADROOM_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{db}")
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// Sends a viewer's bearer token with every request (the fleet is readable by any signed-in user).
    pub client: reqwest::Client,
    /// Sends no credentials.
    pub anonymous: reqwest::Client,
    /// A token per role, for `as_role`.
    pub tokens: HashMap<Role, String>,
    /// The server's rendered status routes (to count rebuilds).
    pub status: std::sync::Arc<server::status::StatusCache>,
    /// API answers that broke the OpenAPI document (`contract::check`); the
    /// test fails on them when the app drops.
    violations: Violations,
    cleanup: Option<Cleanup>,
}

type Violations = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// Runs every `/api/v1` answer through `contract::check`, recording what breaks it.
async fn check_api_answer(
    axum::extract::State(violations): axum::extract::State<Violations>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = req.method().to_string();
    let Some(path) = req.uri().path().strip_prefix("/api/v1").map(str::to_owned) else {
        return next.run(req).await;
    };
    let resp = next.run(req).await;
    if resp
        .headers()
        .contains_key(axum::http::header::CONTENT_ENCODING)
    {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if let Err(e) = crate::contract::check(&method, &path, parts.status.as_u16(), &bytes) {
        violations.lock().unwrap().push(e);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The password of every test user.
pub const PASSWORD: &str = "test-password-123";

enum Cleanup {
    SqliteDir(std::path::PathBuf),
    PgDatabase(String),
}

async fn admin_execute(sql: String) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&pg_admin_url())
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL tests need a server at {} (set HEADROOM_TEST_PG_URL): {e}",
                pg_admin_url()
            )
        });
    sqlx::query(&sql).execute(&mut conn).await.expect(&sql);
}

impl TestApp {
    /// A server over an empty, migrated database.
    pub async fn empty(backend: Backend) -> TestApp {
        TestApp::empty_at(backend, None).await
    }

    /// A server over an empty database that believes it is served at `public_url`
    /// (an `https://` one makes cookies `Secure`).
    pub async fn empty_at(backend: Backend, public_url: Option<&str>) -> TestApp {
        // Warnings and errors (a 503's cause, say) show beside a failing test.
        static LOGS: std::sync::Once = std::sync::Once::new();
        LOGS.call_once(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("warn")
                .with_test_writer()
                .try_init();
        });
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let dir =
                    std::env::temp_dir().join(format!("headroom-test-{}-{n}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    format!("sqlite://{}", dir.join("headroom.db").display()),
                    Cleanup::SqliteDir(dir),
                )
            }
            Backend::Postgres => {
                let name = format!("headroom_test_{}_{n}", std::process::id());
                admin_execute(format!("DROP DATABASE IF EXISTS {name}")).await;
                admin_execute(format!("CREATE DATABASE {name}")).await;
                (pg_url_for(&name), Cleanup::PgDatabase(name))
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        // Tests sign in from one address again and again.
        let origin = Origin::default();
        for key in [
            "signin.max_failures_per_address",
            "signin.max_failures_per_account",
        ] {
            app::settings::server::set(&db, &origin, "(test)", key, "1000")
                .await
                .unwrap();
        }
        let mut tokens = HashMap::new();
        for role in Role::ALL {
            let name = format!("{role}-user");
            users::add(
                &db,
                &origin,
                "(test)",
                &name,
                Some(PASSWORD.into()),
                &Roles::new([role]),
                false,
            )
            .await
            .unwrap();
            let (_, token) =
                app::auth::server::tokens::create_token(&db, &name, "test", None, None, 0)
                    .await
                    .unwrap();
            tokens.insert(role, token);
        }
        let leptos = leptos::config::LeptosOptions::builder()
            .output_name("headroom")
            .build();
        let state = AppState::new(db.clone(), leptos, public_url);
        let status = state.status.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let violations = Violations::default();
        let app = router(state).layer(axum::middleware::from_fn_with_state(
            violations.clone(),
            check_api_answer,
        ));
        tokio::spawn(async move {
            server::ops::serve(
                listener,
                app,
                server::ops::ConnectionLimits::default(),
                std::future::pending(),
                server::ops::Stopping {
                    drain: std::time::Duration::ZERO,
                    grace: std::time::Duration::from_secs(1),
                },
            )
            .await
            .unwrap()
        });
        let client = client_with(Some(&tokens[&Role::Viewer]));
        let anonymous = client_with(None);
        TestApp {
            address,
            db,
            client,
            anonymous,
            tokens,
            status,
            violations,
            cleanup: Some(cleanup),
        }
    }

    /// A server over the small demo fleet.
    pub async fn seeded(backend: Backend) -> TestApp {
        let app = TestApp::empty(backend).await;
        seed_demo(&app.db, Scale::Small).await.expect("seed");
        app
    }

    /// Starts the `headroom` binary itself (`headroom serve`) as another OS
    /// process over the same database, as a second replica would run; it is
    /// killed when the returned handle drops.
    pub async fn replica_process(&self) -> Replica {
        self.replica_process_with(&[]).await
    }

    /// `replica_process` with these environment variables set too.
    pub async fn replica_process_with(&self, env: &[(&str, &str)]) -> Replica {
        serve_process(&self.db_url(), env).await
    }

    /// The `DATABASE_URL` of this test's database.
    pub fn db_url(&self) -> String {
        match &self.cleanup {
            Some(Cleanup::SqliteDir(dir)) => {
                format!("sqlite://{}", dir.join("headroom.db").display())
            }
            Some(Cleanup::PgDatabase(name)) => pg_url_for(name),
            None => unreachable!(),
        }
    }

    /// A client acting with `role`'s token.
    pub fn as_role(&self, role: Role) -> reqwest::Client {
        client_with(Some(&self.tokens[&role]))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// GETs `path` as `role` and returns (status, JSON body).
    pub async fn get_json_as(&self, role: Role, path: &str) -> (u16, serde_json::Value) {
        let resp = self
            .as_role(role)
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// GETs `path` and returns (status, JSON body).
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.get(path).await;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }
}

/// Starts `headroom serve` (the binary itself) over the database at `url`
/// on a free port, with these environment variables set too; it is killed
/// when the returned handle drops.
pub async fn serve_process(url: &str, env: &[(&str, &str)]) -> Replica {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_headroom"))
        .arg("serve")
        .envs(env.iter().copied())
        .env("DATABASE_URL", url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("start the headroom binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let address = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(addr) = line.strip_prefix("Headroom is listening on ") {
                return addr.trim().to_owned();
            }
        }
        panic!("headroom serve exited before listening")
    })
    .await
    .expect("headroom serve listens within 60 s");
    Replica {
        address,
        _child: child,
    }
}

/// A `headroom serve` process of this test's database.
pub struct Replica {
    pub address: String,
    _child: tokio::process::Child,
}

/// A client that follows no redirects, optionally sending a bearer token.
pub fn client_with(token: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(t) = token {
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {t}").parse().unwrap(),
        );
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let pool = self.db.pool().clone();
        let cleanup = self.cleanup.take();
        // Dropping a database needs async work; do it on a runtime of its own.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                pool.close().await;
                match cleanup {
                    Some(Cleanup::PgDatabase(name)) => {
                        admin_execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await
                    }
                    Some(Cleanup::SqliteDir(dir)) => {
                        let _ = std::fs::remove_dir_all(dir);
                    }
                    None => {}
                }
            });
        })
        .join()
        .ok();
        let broken = std::mem::take(&mut *self.violations.lock().unwrap());
        if !broken.is_empty() && !std::thread::panicking() {
            panic!(
                "{} API answer(s) broke the OpenAPI document:\n{}",
                broken.len(),
                broken.join("\n")
            );
        }
    }
}

/// Declares one async test per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_databases {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {
        $(
            mod $name {
                #[allow(unused_imports, reason = "a test body may not use the module's imports; expect would fail where it does")]
                use super::*;
                async fn run($backend: $crate::helpers::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() { run($crate::helpers::Backend::Sqlite).await }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() { run($crate::helpers::Backend::Postgres).await }
            }
        )+
    };
}

/// Asserts a contract error: status, `error.code` and (if given) `error.field`.
pub fn assert_error(
    status: u16,
    body: &serde_json::Value,
    want_status: u16,
    code: &str,
    field: Option<&str>,
) {
    assert_eq!(status, want_status, "status; body {body}");
    assert_eq!(body["error"]["code"], code, "code; body {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "message; body {body}"
    );
    match field {
        Some(f) => assert_eq!(body["error"]["field"], f, "field; body {body}"),
        None => assert!(
            body["error"].get("field").is_none(),
            "no field expected; body {body}"
        ),
    }
}

/// A response read off the wire by `raw_request`.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl TestApp {
    /// Sends one HTTP/1.0 request with `target` exactly as given (no client-side
    /// normalisation of `..`, `%2e` or `\`, which every HTTP client library
    /// does), with a bearer token when given, and reads the whole answer.
    pub async fn raw_request(
        &self,
        method: &str,
        target: &str,
        token: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> RawResponse {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = self.address.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        let mut head = format!("{method} {target} HTTP/1.0\r\nHost: {host}\r\n");
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        for (k, v) in extra_headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("Content-Length: 0\r\n\r\n");
        stream.write_all(head.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            stream.read_to_end(&mut raw),
        )
        .await
        .expect("an answer within 30 s")
        .expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        RawResponse {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

/// A need-by date `days` from today (UTC), `YYYY-MM-DD`: tests stay valid
/// whatever day they run.
pub fn need_by(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Adds a user with these roles and returns a client with their token.
pub async fn user_with_token(app: &TestApp, name: &str, roles: &[Role]) -> reqwest::Client {
    let o = Origin::default();
    users::add(
        &app.db,
        &o,
        "t",
        name,
        Some(PASSWORD.into()),
        &Roles::new(roles.iter().copied()),
        false,
    )
    .await
    .unwrap();
    let (_, token) = app::auth::server::tokens::create_token(&app.db, name, "t", None, None, 0)
        .await
        .unwrap();
    client_with(Some(&token))
}

/// The registered path of a server function (`/api/<name><hash>`).
pub fn server_fn_path(name: &str) -> String {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .find(|p| {
            p.strip_prefix("/api/")
                .and_then(|rest| rest.strip_prefix(name))
                .is_some_and(|hash| hash.bytes().all(|b| b.is_ascii_digit()))
        })
        .unwrap_or_else(|| panic!("no server function {name}"))
}

/// Polls `check` every 50 ms until it gives `Some`, for at most `within`;
/// panics naming `what` if it never does. Tests wait for a condition this way,
/// never for a fixed time.
pub async fn eventually<T, F, Fut>(within: std::time::Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {within:?}: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
