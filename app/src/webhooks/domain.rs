//! Webhooks: the events a subscription may ask for, the states of a delivery,
//! and the rules of delivery — which answers count as delivered, when to try
//! again (minutes to a day, or when the receiver's `Retry-After` says), and
//! which destination addresses are private. Pure code, shared with the browser.

use std::net::IpAddr;

use crate::shared::enums::text_enum;

text_enum!(
    /// What happened, as a subscriber names it (`type` in the payload).
    EventType, "webhook event" {
        RequestSubmitted => "request.submitted",
        RequestApproved => "request.approved",
        RequestRejected => "request.rejected",
        RequestFulfilled => "request.fulfilled",
        RequestExpired => "request.expired",
        NoticePublished => "notice.published",
        NoticeUpdated => "notice.updated",
        NoticeResolved => "notice.resolved",
        DeploymentStarted => "deployment.started",
        DeploymentPaused => "deployment.paused",
        DeploymentResumed => "deployment.resumed",
        DeploymentCompleted => "deployment.completed",
        DeploymentFailed => "deployment.failed",
        DeploymentRolledBack => "deployment.rolled_back",
        DeploymentCancelled => "deployment.cancelled",
        Test => "webhook.test",
    }
);

text_enum!(
    /// Where one delivery (one event to one subscription) is.
    DeliveryState, "delivery state" {
        Pending => "pending",
        Delivering => "delivering",
        Succeeded => "succeeded",
        Failed => "failed",
    }
);

impl EventType {
    /// The events a subscription may name (a test is sent on demand only).
    pub fn subscribable() -> impl Iterator<Item = EventType> {
        EventType::ALL
            .iter()
            .copied()
            .filter(|e| *e != EventType::Test)
    }
}

/// The longest destination URL and description a subscription keeps.
pub const MAX_URL: usize = 2000;
pub const MAX_DESCRIPTION: usize = 200;

/// How many attempts a delivery gets before it fails for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// The wait after each failed attempt, in seconds: a minute, five, half an
/// hour, two hours, six, twelve, a day (about 45 hours in all).
pub const BACKOFF_SECONDS: [i64; 7] = [60, 300, 1800, 7200, 21_600, 43_200, 86_400];

/// The longest wait a receiver's `Retry-After` may ask for: a day.
pub const MAX_RETRY_AFTER: i64 = 86_400;

/// The events a subscription asks for, from what an admin wrote: at least one,
/// each known, duplicates dropped, in the order of `EventType::ALL`. A prefix
/// with `.*` (`request.*`) names every event under it.
pub fn parse_events<S: AsRef<str>>(names: &[S]) -> Result<Vec<EventType>, String> {
    let mut picked = Vec::new();
    for name in names {
        let name = name.as_ref().trim();
        if name.is_empty() {
            continue;
        }
        if let Some(prefix) = name.strip_suffix(".*") {
            let under: Vec<EventType> = EventType::subscribable()
                .filter(|e| e.as_str().split('.').next() == Some(prefix))
                .collect();
            if under.is_empty() {
                return Err(format!(
                    "'{}' names no events",
                    crate::shared::text::bounded(name, 40)
                ));
            }
            picked.extend(under);
            continue;
        }
        match EventType::parse(name)? {
            EventType::Test => {
                return Err("webhook.test is sent on demand, not subscribed to".into())
            }
            e => picked.push(e),
        }
    }
    if picked.is_empty() {
        return Err("name at least one event".into());
    }
    picked.sort();
    picked.dedup();
    Ok(picked)
}

/// The events as stored and shown: separated by single spaces.
pub fn format_events(events: &[EventType]) -> String {
    events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an attempt's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver wants no more; the subscription is disabled.
    Gone,
    /// Anything else (another status, a timeout, a refused connection): try again.
    Retry,
}

/// The outcome of an HTTP status (redirects are not followed: a 3xx is a failure).
pub fn outcome_of(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        410 => Outcome::Gone,
        _ => Outcome::Retry,
    }
}

/// Seconds until the next attempt after `attempts` failed ones, or `None`
/// when the delivery has had all its attempts. A receiver's `Retry-After`
/// (seconds, already parsed) takes the place of the schedule, within a second
/// and a day.
pub fn next_delay(attempts: i64, retry_after: Option<i64>) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    if let Some(s) = retry_after {
        return Some(s.clamp(1, MAX_RETRY_AFTER));
    }
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(0);
    Some(BACKOFF_SECONDS[i.min(BACKOFF_SECONDS.len() - 1)])
}

/// A `Retry-After` header in seconds from `now` (unix seconds): a number of
/// seconds or an HTTP date; `None` when it is neither.
pub fn parse_retry_after(value: &str, now: i64) -> Option<i64> {
    let v = value.trim();
    if let Ok(s) = v.parse::<i64>() {
        return (s >= 0).then_some(s);
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(v, &format)
        .ok()?
        .assume_utc();
    Some((at.unix_timestamp() - now).max(0))
}

/// Whether an address is one Headroom may deliver to while
/// `webhooks.allow_private` is off: not loopback, private, link-local (cloud
/// metadata lives there), shared (CGNAT), unspecified, multicast, broadcast or
/// documentation space, in IPv4 or IPv6 (IPv4-mapped addresses judged as IPv4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_with_prefixes_and_refuse_the_unknown() {
        assert_eq!(
            parse_events(&["request.approved", " request.approved ", "notice.resolved"]),
            Ok(vec![EventType::RequestApproved, EventType::NoticeResolved])
        );
        let notices = parse_events(&["notice.*"]).unwrap();
        assert_eq!(notices.len(), 3);
        assert!(parse_events(&["request.approve"])
            .unwrap_err()
            .contains("request.approve"));
        assert!(parse_events::<&str>(&[]).is_err());
        assert!(parse_events(&["   "]).is_err());
        assert!(parse_events(&["webhook.test"]).is_err());
        assert!(parse_events(&["nothing.*"]).is_err());
        assert_eq!(
            format_events(&parse_events(&["request.fulfilled", "request.submitted"]).unwrap()),
            "request.submitted request.fulfilled"
        );
    }

    #[test]
    fn answers_mean_what_the_spec_says() {
        assert_eq!(outcome_of(200), Outcome::Delivered);
        assert_eq!(outcome_of(204), Outcome::Delivered);
        assert_eq!(outcome_of(301), Outcome::Retry);
        assert_eq!(outcome_of(410), Outcome::Gone);
        assert_eq!(outcome_of(429), Outcome::Retry);
        assert_eq!(outcome_of(500), Outcome::Retry);
    }

    #[test]
    fn retries_back_off_from_a_minute_to_a_day_then_stop() {
        let waits: Vec<Option<i64>> = (1..=8).map(|n| next_delay(n, None)).collect();
        assert_eq!(
            waits,
            vec![
                Some(60),
                Some(300),
                Some(1800),
                Some(7200),
                Some(21_600),
                Some(43_200),
                Some(86_400),
                None
            ]
        );
        assert_eq!(next_delay(1, Some(5)), Some(5), "Retry-After wins");
        assert_eq!(next_delay(1, Some(0)), Some(1), "at least a second");
        assert_eq!(
            next_delay(2, Some(10_000_000)),
            Some(86_400),
            "at most a day"
        );
        assert_eq!(next_delay(8, Some(5)), None, "no attempt past the last");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120", 0), Some(120));
        assert_eq!(parse_retry_after("-3", 0), None);
        // Sun, 06 Dec 2026 12:00:00 GMT is 1796558400.
        assert_eq!(
            parse_retry_after("Sun, 06 Dec 2026 12:01:00 GMT", 1_796_558_400),
            Some(60)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }

    #[test]
    fn private_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "20.42.0.1", "2606:4700::1111", "::ffff:8.8.4.4"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
