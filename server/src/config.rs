//! Configuration from the environment (PRODUCT.md "The contract"), never from
//! `Cargo.toml`, so the binary runs from any directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use leptos::config::LeptosOptions;

/// Everything `serve` needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub site_addr: SocketAddr,
    pub site_root: PathBuf,
    pub public_url: Option<String>,
    /// `HEADROOM_METRICS_ADDR`: where `/metrics` is also served without sign-in.
    pub metrics_addr: Option<SocketAddr>,
    /// `HEADROOM_SHUTDOWN_DRAIN`: after SIGTERM, how long `/readyz` answers 503
    /// while requests are still accepted and served, before the listener closes
    /// (so a load balancer stops routing here first; see `ops::serve`).
    pub shutdown_drain: std::time::Duration,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let database_url =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| app::db::DEFAULT_URL.to_owned());
        let site_addr = std::env::var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
            .parse()
            .context("LEPTOS_SITE_ADDR must be an address such as 127.0.0.1:3000")?;
        let site_root = match std::env::var("LEPTOS_SITE_ROOT") {
            Ok(root) => PathBuf::from(root),
            Err(_) => default_site_root(),
        };
        let public_url = std::env::var("HEADROOM_PUBLIC_URL")
            .ok()
            .filter(|s| !s.is_empty());
        let metrics_addr = match std::env::var("HEADROOM_METRICS_ADDR") {
            Ok(a) if !a.is_empty() => Some(
                a.parse()
                    .context("HEADROOM_METRICS_ADDR must be an address such as 10.0.0.5:9100")?,
            ),
            _ => None,
        };
        let shutdown_drain = match std::env::var("HEADROOM_SHUTDOWN_DRAIN") {
            Ok(v) if !v.is_empty() => parse_drain(&v)?,
            _ => std::time::Duration::ZERO,
        };
        Ok(Config {
            shutdown_drain,
            metrics_addr,
            database_url,
            site_addr,
            site_root,
            public_url,
        })
    }

    /// The Leptos options for this configuration.
    pub fn leptos_options(&self) -> LeptosOptions {
        let options = LeptosOptions::builder()
            .output_name("headroom")
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(self.site_addr);
        // Content-hashed file names when the build made them (see `assets`).
        match crate::assets::find_hash_file(&self.site_root) {
            Some(hash_file) => options
                .hash_files(true)
                .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
                .build(),
            None => options.build(),
        }
    }
}

/// Where the built site is when `LEPTOS_SITE_ROOT` is unset: `site/` or `../site/`
/// next to the binary (where cargo-leptos puts it), else `target/site`.
fn default_site_root() -> PathBuf {
    let beside_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
        .into_iter()
        .flat_map(|dir| [dir.join("site"), dir.join("../site")]);
    beside_exe
        .into_iter()
        .find(|p| p.join("pkg").is_dir())
        .unwrap_or_else(|| PathBuf::from("target/site"))
}

/// `HEADROOM_SHUTDOWN_DRAIN`: whole or fractional seconds, 0 to 60.
fn parse_drain(v: &str) -> anyhow::Result<std::time::Duration> {
    match v.trim().parse::<f64>() {
        Ok(s) if (0.0..=60.0).contains(&s) => Ok(std::time::Duration::from_secs_f64(s)),
        _ => anyhow::bail!(
            "HEADROOM_SHUTDOWN_DRAIN must be a number of seconds from 0 to 60, such as 1.5 (got '{}')",
            app::shared::text::bounded(v, 20)
        ),
    }
}

#[cfg(test)]
mod drain_tests {
    use super::parse_drain;
    use std::time::Duration;

    #[test]
    fn the_drain_is_seconds_from_0_to_60() {
        assert_eq!(parse_drain("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_drain("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_drain("60").unwrap(), Duration::from_secs(60));
        for bad in ["61", "-1", "soon", "NaN", "inf"] {
            let e = parse_drain(bad).unwrap_err().to_string();
            assert!(e.contains("HEADROOM_SHUTDOWN_DRAIN"), "{bad}: {e}");
        }
    }
}
