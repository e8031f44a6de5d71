//! Where a webhook may go: an `http(s)` URL with a host, no credentials and no
//! fragment; and, while `webhooks.allow_private` is off, only to public
//! addresses. The check is made when a subscription is saved and again on
//! every connection (the client's resolver drops private addresses), so a
//! name that later resolves to a private address is still refused.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::webhooks::domain::{is_public, MAX_URL};

/// Why private destinations are refused, for messages.
pub const PRIVATE_REFUSED: &str =
    "is a private or loopback address (the setting webhooks.allow_private is off)";

/// A destination URL as an admin wrote it, checked.
pub fn parse_url(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("url is required".into());
    }
    if raw.chars().count() > MAX_URL {
        return Err(format!("url is longer than {MAX_URL} characters"));
    }
    let url = Url::parse(raw).map_err(|e| {
        format!(
            "'{}' is not a URL ({e})",
            crate::shared::text::bounded(raw, 80)
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("url must start with https:// or http://".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("url has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not carry a user name or password".into());
    }
    if url.fragment().is_some() {
        return Err("url must not have a #fragment".into());
    }
    Ok(url)
}

/// The literal address in a URL's host, if it is one.
fn literal_ip(url: &Url) -> Option<std::net::IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Whether `url` may be delivered to now: its host resolves, and (unless
/// private destinations are allowed) only to public addresses.
pub async fn check_destination(url: &Url, allow_private: bool) -> Result<(), String> {
    if let Some(ip) = literal_ip(url) {
        return if allow_private || is_public(ip) {
            Ok(())
        } else {
            Err(format!("{ip} {PRIVATE_REFUSED}"))
        };
    }
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} does not resolve ({e})"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} does not resolve"));
    }
    if !allow_private {
        if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(format!(
                "{host} resolves to {}, which {PRIVATE_REFUSED}",
                a.ip()
            ));
        }
    }
    Ok(())
}

/// The delivery client's resolver: the system's, less the private addresses
/// while they are not allowed (the flag is read on every lookup).
#[derive(Debug, Clone, Default)]
pub struct GuardedResolver {
    pub allow_private: Arc<AtomicBool>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private.load(Ordering::Relaxed);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    format!("{host} resolves to no public address: it {PRIVATE_REFUSED}").into(),
                );
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_field_by_field() {
        assert!(parse_url("https://hooks.example.com/headroom?x=1").is_ok());
        assert!(
            parse_url("http://10.0.0.5:8080/in").is_ok(),
            "the address is judged later"
        );
        for (bad, why) in [
            ("", "required"),
            ("ftp://example.com/", "https://"),
            ("https://user:pw@example.com/", "user name"),
            ("https://example.com/#top", "fragment"),
            ("not a url", "not a URL"),
            ("file:///etc/passwd", "https://"),
        ] {
            let e = parse_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
        assert!(parse_url(&long).unwrap_err().contains("longer"));
    }

    #[tokio::test]
    async fn private_destinations_need_the_setting() {
        let loopback = parse_url("http://127.0.0.1:9/").unwrap();
        let e = check_destination(&loopback, false).await.unwrap_err();
        assert!(e.contains("webhooks.allow_private"), "{e}");
        assert!(check_destination(&loopback, true).await.is_ok());
        let metadata = parse_url("http://169.254.169.254/latest").unwrap();
        assert!(check_destination(&metadata, false).await.is_err());
        let named = parse_url("http://localhost:9/").unwrap();
        assert!(check_destination(&named, false).await.is_err());
        assert!(check_destination(&named, true).await.is_ok());
    }
}
