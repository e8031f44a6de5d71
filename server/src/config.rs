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
        Ok(Config {
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
