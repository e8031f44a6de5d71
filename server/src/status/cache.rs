//! The rendered status routes, rebuilt at most once per refresh interval.
//!
//! Readers take the current rendering under a short read lock. When it is older
//! than the interval, the first reader to get the rebuild lock rebuilds while the
//! others keep serving the previous rendering; only the very first request of a
//! process waits for a build.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use app::db::Db;
use app::error::AppResult;
use app::status::server::service;
use app::status::types::StatusView;

/// Brotli's quality for the status bodies. At 9 the encoder (brotli 9.1's
/// hasher for that quality) allocates and zeroes a 32 MB hash table whatever
/// the body's size, and a rebuild compresses ~70 bodies (a badge per region).
/// At 5, with a window just large enough for the body, a table is at most
/// 1 MB and the large fleet's status page is 4.9 KB against 4.7 KB.
const BROTLI_QUALITY: u32 = 5;

/// The smallest brotli window (in bits, 10–22) that holds `len` bytes.
fn window_bits(len: usize) -> u32 {
    (usize::BITS - len.max(1).leading_zeros()).clamp(10, 22)
}

/// One body, precompressed, with its ETag.
#[derive(Debug)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: Bytes,
    pub gzip: Bytes,
    pub br: Bytes,
    /// A strong ETag (quoted) from the body's SHA-256; each encoding gets its
    /// own (`etag_for`), as strong ETags must differ when the bytes do.
    pub etag: String,
}

impl Asset {
    /// The ETag of the body in `encoding` (`None` = identity).
    pub fn etag_for(&self, encoding: Option<&str>) -> String {
        match encoding {
            None => self.etag.clone(),
            Some(e) => format!("{}-{e}\"", self.etag.trim_end_matches('"')),
        }
    }

    pub fn new(content_type: &'static str, body: Vec<u8>) -> Asset {
        let digest = Sha256::digest(&body);
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let gzip = gz
            .write_all(&body)
            .and_then(|_| gz.finish())
            .unwrap_or_default();
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(
                &mut br,
                4096,
                BROTLI_QUALITY,
                window_bits(body.len()),
            );
            let _ = w.write_all(&body);
        }
        Asset {
            content_type,
            body: Bytes::from(body),
            gzip: Bytes::from(gzip),
            br: Bytes::from(br),
            etag,
        }
    }
}

/// Every status route's body, from one view of the fleet and the notices.
#[derive(Debug)]
pub struct Rendered {
    pub built: Instant,
    /// Seconds the rendering is served (and callers may cache it).
    pub max_age: u64,
    pub page: Arc<Asset>,
    pub json: Arc<Asset>,
    pub feed: Arc<Asset>,
    /// By region code.
    pub badges: HashMap<String, Arc<Asset>>,
}

impl Rendered {
    fn fresh(&self) -> bool {
        self.built.elapsed() < Duration::from_secs(self.max_age)
    }

    /// Seconds a caller may still keep this rendering: what is left of the
    /// interval (0 once it is stale and being rebuilt).
    pub fn remaining(&self) -> u64 {
        self.max_age.saturating_sub(self.built.elapsed().as_secs())
    }

    /// Renders every route from `view`.
    pub fn from_view(
        view: &StatusView,
        max_age: u64,
        origin: Option<&str>,
        stylesheet: &str,
    ) -> Rendered {
        let badges = view
            .regions
            .iter()
            .map(|r| {
                let svg = super::badge::render(&r.code, r.state);
                (
                    r.code.clone(),
                    Arc::new(Asset::new("image/svg+xml", svg.into_bytes())),
                )
            })
            .collect();
        Rendered {
            built: Instant::now(),
            max_age,
            page: Arc::new(Asset::new(
                "text/html; charset=utf-8",
                super::page::render(view, stylesheet, max_age).into_bytes(),
            )),
            json: Arc::new(Asset::new(
                "application/json",
                super::page::json(view).into_bytes(),
            )),
            feed: Arc::new(Asset::new(
                "application/atom+xml; charset=utf-8",
                super::feed::render(view, origin).into_bytes(),
            )),
            badges,
        }
    }
}

/// The current rendering, shared by every request of this process.
#[derive(Debug, Default)]
pub struct StatusCache {
    current: RwLock<Option<Arc<Rendered>>>,
    rebuilding: tokio::sync::Mutex<()>,
    builds: std::sync::atomic::AtomicU64,
    /// The app's stylesheet, as the page links it (content-hashed when built so).
    stylesheet: String,
}

impl StatusCache {
    pub fn new(stylesheet: String) -> Self {
        StatusCache {
            stylesheet,
            ..Default::default()
        }
    }

    /// How many times this process has rendered the routes (for tests and metrics).
    pub fn builds(&self) -> u64 {
        self.builds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The rendering last made, fresh or not (its age is a metric).
    pub fn latest(&self) -> Option<Arc<Rendered>> {
        self.cached()
    }

    fn cached(&self) -> Option<Arc<Rendered>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    /// The rendering to serve: the cached one while fresh; else rebuilt by one
    /// caller while the rest serve the stale one (which is also served if the
    /// rebuild fails).
    pub async fn current(&self, db: &Db, origin: Option<&str>) -> AppResult<Arc<Rendered>> {
        if let Some(stale) = self.cached() {
            if stale.fresh() {
                return Ok(stale);
            }
            let Ok(_guard) = self.rebuilding.try_lock() else {
                return Ok(stale);
            };
            // Another caller may have rebuilt between our read and our lock.
            if let Some(r) = self.cached().filter(|r| r.fresh()) {
                return Ok(r);
            }
            return match self.rebuild(db, origin).await {
                Ok(r) => Ok(r),
                Err(e) => {
                    tracing::error!(error = %e, "rebuilding the status pages failed; serving the previous rendering");
                    Ok(stale)
                }
            };
        }
        let _guard = self.rebuilding.lock().await;
        match self.cached() {
            Some(r) if r.fresh() => Ok(r),
            _ => self.rebuild(db, origin).await,
        }
    }

    async fn rebuild(&self, db: &Db, origin: Option<&str>) -> AppResult<Arc<Rendered>> {
        let snap = app::fleet::server::service::snapshot(db).await?;
        let view = service::view(db, &snap).await?;
        let max_age = snap.settings.status_refresh_seconds.max(1) as u64;
        let origin = origin.map(str::to_owned);
        let stylesheet = self.stylesheet.clone();
        // Rendering and compressing is CPU work: keep it off the async threads.
        let rendered = tokio::task::spawn_blocking(move || {
            Rendered::from_view(&view, max_age, origin.as_deref(), &stylesheet)
        })
        .await
        .map_err(|e| app::error::AppError::Internal(e.into()))?;
        let rendered = Arc::new(rendered);
        if let Ok(mut c) = self.current.write() {
            *c = Some(rendered.clone());
        }
        self.builds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(rendered)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn the_window_is_just_large_enough_for_the_body() {
        assert_eq!(window_bits(0), 10);
        assert_eq!(window_bits(478), 10);
        assert_eq!(window_bits(18_235), 15);
        assert_eq!(window_bits(435_172), 19);
        assert_eq!(window_bits(usize::MAX), 22);
    }

    #[test]
    fn each_encoding_holds_the_body() {
        let body: Vec<u8> = (0..40_000)
            .flat_map(|i| format!("<tr><td>region-{}</td></tr>", i % 64).into_bytes())
            .collect();
        let a = Asset::new("text/html", body.clone());
        let mut unbr = Vec::new();
        brotli::Decompressor::new(&a.br[..], 4096)
            .read_to_end(&mut unbr)
            .unwrap();
        let mut ungz = Vec::new();
        flate2::read::GzDecoder::new(&a.gzip[..])
            .read_to_end(&mut ungz)
            .unwrap();
        assert_eq!((unbr == body, ungz == body), (true, true));
        assert!(
            a.br.len() * 50 < body.len(),
            "{} of {}",
            a.br.len(),
            body.len()
        );
    }
}
