//! Admin-set settings: the known keys (each parses its value with domain code,
//! so `headroom settings set` and the settings page refuse the same bad
//! values), and `Settings`, the typed values in force. Stored as key → text in
//! the `settings` table, cached per replica under a `settings_version` of
//! their own: a settings change does not touch the fleet's version.

use std::collections::HashMap;

use crate::fleet::ledger::{ThresholdError, Thresholds};
use crate::requests::policy::{format_rules, parse_rules, Rule, DEFAULT_POLICY};

pub mod access;
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A number from 0 to 1.
    Fraction,
    /// A whole number from 1 to 1,000,000.
    Count,
    /// An HTTP header name, or empty for none.
    HeaderName,
    /// The approval policy: rules, one per line (`crate::requests::policy`).
    Policy,
    /// `on` or `off`.
    Flag,
    /// Network addresses: CIDRs or single addresses, separated by commas or
    /// spaces; empty for none.
    CidrList,
    /// A percentage from 1 to 100, or empty for off.
    OptionalPercent,
}

impl SettingKind {
    /// Its name on the settings page (which control edits it).
    pub fn as_str(self) -> &'static str {
        match self {
            SettingKind::Fraction => "fraction",
            SettingKind::Count => "count",
            SettingKind::HeaderName => "header",
            SettingKind::Policy => "policy",
            SettingKind::Flag => "flag",
            SettingKind::CidrList => "networks",
            SettingKind::OptionalPercent => "percent",
        }
    }
}

/// The areas of the settings page, in order: (id, title), each saved on its own.
pub const AREAS: [(&str, &str); 9] = [
    ("health", "Health bands"),
    ("policy", "Approval policy"),
    ("requests", "Requests"),
    ("freeze", "Capacity freeze"),
    ("deployments", "Deployments"),
    ("status", "Public status"),
    ("session", "Sessions"),
    ("signin", "Sign-in limits"),
    ("auth", "Proxy sign-in"),
];

/// The area a key belongs to: the approval policy has its own; every other
/// key goes with its prefix (`health.critical` → `health`).
pub fn area_of(key: &str) -> &'static str {
    if key == REQUESTS_POLICY.key {
        return "policy";
    }
    let prefix = key.split('.').next().unwrap_or_default();
    AREAS
        .iter()
        .map(|(id, _)| *id)
        .find(|id| *id == prefix)
        .unwrap_or("auth")
}

/// A setting Headroom knows, with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingKey {
    pub key: &'static str,
    pub default: &'static str,
    pub help: &'static str,
    pub kind: SettingKind,
}

impl SettingKey {
    /// Checks a value for this key, returning it normalised.
    pub fn parse(&self, value: &str) -> Result<String, String> {
        let v = value.trim();
        match self.kind {
            SettingKind::Fraction => Thresholds::parse_fraction(v)
                .map(|_| v.to_owned())
                .map_err(|e| e.to_string()),
            SettingKind::Count => match v.parse::<i64>() {
                Ok(n @ 1..=1_000_000) => Ok(n.to_string()),
                _ => Err("must be a whole number from 1 to 1,000,000".into()),
            },
            SettingKind::HeaderName => {
                let ok = v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if ok {
                    Ok(v.to_ascii_lowercase())
                } else {
                    Err("must be an HTTP header name such as X-Forwarded-Email, or empty".into())
                }
            }
            SettingKind::Policy => parse_rules(v).map(|rules| format_rules(&rules)),
            SettingKind::Flag => match v.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" => Ok("on".into()),
                "off" | "false" | "no" => Ok("off".into()),
                _ => Err("must be on or off".into()),
            },
            SettingKind::OptionalPercent => match v.trim_end_matches('%').trim() {
                "" => Ok(String::new()),
                n => match n.parse::<i64>() {
                    Ok(p @ 1..=100) => Ok(p.to_string()),
                    _ => Err("must be a percentage from 1 to 100, or empty for off".into()),
                },
            },
            SettingKind::CidrList => parse_cidrs(v).map(|nets| {
                nets.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        }
    }
}

/// At most this many entries in a list of networks.
pub const MAX_CIDRS: usize = 64;

/// Parses `"10.0.0.0/8, 192.168.1.7 ::1"` (a bare address is a /32 or /128).
pub fn parse_cidrs(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    let nets = v
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| {
                    format!(
                        "'{}' is not an address or CIDR such as 10.0.0.0/8",
                        crate::shared::text::bounded(p, 64)
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if nets.len() > MAX_CIDRS {
        return Err(format!("at most {MAX_CIDRS} networks"));
    }
    Ok(nets)
}

pub const HEALTH_CONSTRAINED: SettingKey = SettingKey {
    key: "health.constrained",
    default: "0.75",
    help: "utilization at or above which capacity is constrained (0–1)",
    kind: SettingKind::Fraction,
};
pub const HEALTH_CRITICAL: SettingKey = SettingKey {
    key: "health.critical",
    default: "0.90",
    help: "utilization at or above which capacity is critical (0–1)",
    kind: SettingKind::Fraction,
};
pub const SESSION_IDLE_MINUTES: SettingKey = SettingKey {
    key: "session.idle_minutes",
    default: "60",
    help: "a session unused this many minutes ends",
    kind: SettingKind::Count,
};
pub const SESSION_ABSOLUTE_MINUTES: SettingKey = SettingKey {
    key: "session.absolute_minutes",
    default: "720",
    help: "a session ends this many minutes after sign-in, however busy",
    kind: SettingKind::Count,
};
pub const SIGNIN_MAX_FAILURES_PER_ACCOUNT: SettingKey = SettingKey {
    key: "signin.max_failures_per_account",
    default: "5",
    help: "failed sign-ins to one account within the window before it is paused",
    kind: SettingKind::Count,
};
pub const SIGNIN_MAX_FAILURES_PER_ADDRESS: SettingKey = SettingKey {
    key: "signin.max_failures_per_address",
    default: "20",
    help: "failed sign-ins from one address within the window before it is paused",
    kind: SettingKind::Count,
};
pub const SIGNIN_WINDOW_MINUTES: SettingKey = SettingKey {
    key: "signin.window_minutes",
    default: "15",
    help: "the window, in minutes, over which failed sign-ins are counted",
    kind: SettingKind::Count,
};
pub const PROXY_AUTH_HEADER: SettingKey = SettingKey {
    key: "auth.proxy_header",
    default: "",
    help:
        "trust this header (set by an authenticating reverse proxy) as the user name; empty = off",
    kind: SettingKind::HeaderName,
};

pub const TRUSTED_PROXIES: SettingKey = SettingKey {
    key: "auth.trusted_proxies",
    default: "",
    help: "reverse proxies (CIDRs) whose identity header and X-Forwarded-For are believed; empty trusts none",
    kind: SettingKind::CidrList,
};

pub const REQUESTS_MAX_NEED_BY_DAYS: SettingKey = SettingKey {
    key: "requests.max_need_by_days",
    default: "365",
    help: "a request's need-by date may be at most this many days ahead",
    kind: SettingKind::Count,
};
pub const REQUESTS_AUTO_APPROVALS_PER_DAY: SettingKey = SettingKey {
    key: "requests.auto_approvals_per_day",
    default: "20",
    help: "requests the policy may approve by itself per requester per day (UTC); beyond, they wait for a person",
    kind: SettingKind::Count,
};

pub const REQUESTS_POLICY: SettingKey = SettingKey {
    key: "requests.policy",
    default: DEFAULT_POLICY,
    help: "approval rules, first match wins, one per line: name | conditions (family=gpu quantity<=64 health=healthy, or any) | approvals (0 = approved by policy)",
    kind: SettingKind::Policy,
};
pub const REQUESTS_SLA_BUSINESS_DAYS: SettingKey = SettingKey {
    key: "requests.sla_business_days",
    default: "2",
    help: "a submitted request waiting longer than this many business days is overdue in the inbox",
    kind: SettingKind::Count,
};
pub const REQUESTS_HOLD_GRACE_DAYS: SettingKey = SettingKey {
    key: "requests.hold_grace_days",
    default: "14",
    help: "an approved request not fulfilled this many days after its need-by date expires",
    kind: SettingKind::Count,
};

/// A capacity freeze per SKU family: below this percentage of free units in a
/// region × family, decommission rings do not start and the policy approves no
/// provision request by itself there.
pub const FREEZE_PERCENT: [SettingKey; 5] = [
    freeze_key("freeze.percent.general"),
    freeze_key("freeze.percent.compute"),
    freeze_key("freeze.percent.memory"),
    freeze_key("freeze.percent.storage"),
    freeze_key("freeze.percent.gpu"),
];

const fn freeze_key(key: &'static str) -> SettingKey {
    SettingKey {
        key,
        default: "",
        help: "capacity freeze: below this % free in a region × family, decommissions and automatic approvals stop there (empty = off)",
        kind: SettingKind::OptionalPercent,
    }
}

pub const DEPLOYMENTS_TICK_SECONDS: SettingKey = SettingKey {
    key: "deployments.tick_seconds",
    default: "10",
    help: "how often the deployment scheduler promotes rings whose bake has passed",
    kind: SettingKind::Count,
};

pub const STATUS_SHOW_UNITS: SettingKey = SettingKey {
    key: "status.show_units",
    default: "off",
    help:
        "show free units per region on the public status pages (on/off); off keeps numbers internal",
    kind: SettingKind::Flag,
};
pub const STATUS_REFRESH_SECONDS: SettingKey = SettingKey {
    key: "status.refresh_seconds",
    default: "30",
    help: "the public status pages are rebuilt at most once per this many seconds",
    kind: SettingKind::Count,
};

pub const STATUS_LIMITED_AT: SettingKey = SettingKey {
    key: "status.limited_at",
    default: "0.95",
    help: "public status: a region × family this utilized or more shows as limited (0–1)",
    kind: SettingKind::Fraction,
};
pub const STATUS_UNAVAILABLE_AT: SettingKey = SettingKey {
    key: "status.unavailable_at",
    default: "0.99",
    help: "public status: a region × family this utilized or more shows as unavailable (0–1)",
    kind: SettingKind::Fraction,
};

/// Pairs of thresholds whose first must stay below the second.
pub const THRESHOLD_PAIRS: [(SettingKey, SettingKey); 2] = [
    (HEALTH_CONSTRAINED, HEALTH_CRITICAL),
    (STATUS_LIMITED_AT, STATUS_UNAVAILABLE_AT),
];

/// Every known setting.
pub const ALL: &[SettingKey] = &[
    HEALTH_CONSTRAINED,
    HEALTH_CRITICAL,
    SESSION_IDLE_MINUTES,
    SESSION_ABSOLUTE_MINUTES,
    SIGNIN_MAX_FAILURES_PER_ACCOUNT,
    SIGNIN_MAX_FAILURES_PER_ADDRESS,
    SIGNIN_WINDOW_MINUTES,
    PROXY_AUTH_HEADER,
    TRUSTED_PROXIES,
    REQUESTS_POLICY,
    REQUESTS_SLA_BUSINESS_DAYS,
    REQUESTS_HOLD_GRACE_DAYS,
    REQUESTS_MAX_NEED_BY_DAYS,
    REQUESTS_AUTO_APPROVALS_PER_DAY,
    FREEZE_PERCENT[0],
    FREEZE_PERCENT[1],
    FREEZE_PERCENT[2],
    FREEZE_PERCENT[3],
    FREEZE_PERCENT[4],
    DEPLOYMENTS_TICK_SECONDS,
    STATUS_SHOW_UNITS,
    STATUS_REFRESH_SECONDS,
    STATUS_LIMITED_AT,
    STATUS_UNAVAILABLE_AT,
];

pub fn find(key: &str) -> Option<SettingKey> {
    ALL.iter().copied().find(|k| k.key == key)
}

/// The settings in force, typed. A stored value that no longer parses (only a
/// hand-edited database has one: `set` refuses them) falls back to its default.
#[derive(Debug, Clone)]
pub struct Settings {
    pub thresholds: Thresholds,
    pub session_idle_minutes: i64,
    pub session_absolute_minutes: i64,
    pub signin_max_failures_per_account: i64,
    pub signin_max_failures_per_address: i64,
    pub signin_window_minutes: i64,
    /// The identity header of an authenticating proxy, lower case; `None` = off.
    pub proxy_header: Option<String>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub policy: Vec<Rule>,
    pub sla_business_days: i64,
    pub hold_grace_days: i64,
    pub max_need_by_days: i64,
    pub auto_approvals_per_day: i64,
    pub status_show_units: bool,
    pub status_refresh_seconds: i64,
    /// The public thresholds: `constrained_bp` is "limited at", `critical_bp`
    /// "unavailable at" (`status::domain::ComponentState::of_capacity`).
    pub status_thresholds: Thresholds,
    /// `freeze.percent.<family>` in `Family::ALL` order (`None` = off).
    pub freeze: [Option<i64>; 5],
    pub deployments_tick_seconds: i64,
    /// Every known key with its value in force, as text (the settings page).
    pub text: Vec<(SettingKey, String)>,
}

impl Settings {
    /// The settings from stored key → text pairs (missing keys take their defaults).
    pub fn from_stored(stored: &HashMap<String, String>) -> Settings {
        let text = |k: &SettingKey| {
            stored
                .get(k.key)
                .and_then(|v| k.parse(v).ok())
                .unwrap_or_else(|| k.default.to_owned())
        };
        let count = |k: &SettingKey| text(k).parse().unwrap_or(1);
        let header = text(&PROXY_AUTH_HEADER);
        Settings {
            thresholds: thresholds_from(
                Some(&text(&HEALTH_CONSTRAINED)),
                Some(&text(&HEALTH_CRITICAL)),
            )
            .unwrap_or_default(),
            session_idle_minutes: count(&SESSION_IDLE_MINUTES),
            session_absolute_minutes: count(&SESSION_ABSOLUTE_MINUTES),
            signin_max_failures_per_account: count(&SIGNIN_MAX_FAILURES_PER_ACCOUNT),
            signin_max_failures_per_address: count(&SIGNIN_MAX_FAILURES_PER_ADDRESS),
            signin_window_minutes: count(&SIGNIN_WINDOW_MINUTES),
            proxy_header: (!header.is_empty()).then_some(header),
            trusted_proxies: parse_cidrs(&text(&TRUSTED_PROXIES)).unwrap_or_default(),
            policy: parse_rules(&text(&REQUESTS_POLICY))
                .unwrap_or_else(|_| crate::requests::policy::default_rules()),
            sla_business_days: count(&REQUESTS_SLA_BUSINESS_DAYS),
            hold_grace_days: count(&REQUESTS_HOLD_GRACE_DAYS),
            max_need_by_days: count(&REQUESTS_MAX_NEED_BY_DAYS),
            auto_approvals_per_day: count(&REQUESTS_AUTO_APPROVALS_PER_DAY),
            status_show_units: text(&STATUS_SHOW_UNITS) == "on",
            status_refresh_seconds: count(&STATUS_REFRESH_SECONDS),
            status_thresholds: threshold_pair(
                (&STATUS_LIMITED_AT, &STATUS_UNAVAILABLE_AT),
                Some(&text(&STATUS_LIMITED_AT)),
                Some(&text(&STATUS_UNAVAILABLE_AT)),
            )
            .or_else(|_| threshold_pair((&STATUS_LIMITED_AT, &STATUS_UNAVAILABLE_AT), None, None))
            .unwrap_or_default(),
            freeze: FREEZE_PERCENT.map(|k| text(&k).parse().ok()),
            deployments_tick_seconds: count(&DEPLOYMENTS_TICK_SECONDS),
            text: ALL.iter().map(|k| (*k, text(k))).collect(),
        }
    }
}

impl Settings {
    /// The freeze percentage of a SKU family, if one is set.
    pub fn freeze_percent(&self, family: crate::fleet::codes::Family) -> Option<i64> {
        let i = crate::fleet::codes::Family::ALL
            .iter()
            .position(|f| *f == family)?;
        self.freeze[i]
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_stored(&HashMap::new())
    }
}

/// Builds the health thresholds from the two stored values (falling back to defaults).
pub fn thresholds_from(
    constrained: Option<&str>,
    critical: Option<&str>,
) -> Result<Thresholds, ThresholdError> {
    threshold_pair(
        (&HEALTH_CONSTRAINED, &HEALTH_CRITICAL),
        constrained,
        critical,
    )
}

/// Builds a pair of thresholds (lower, upper) from stored values, falling back
/// to the keys' defaults; the lower must stay below the upper.
pub fn threshold_pair(
    (low_key, high_key): (&SettingKey, &SettingKey),
    low: Option<&str>,
    high: Option<&str>,
) -> Result<Thresholds, ThresholdError> {
    let l = Thresholds::parse_fraction(low.unwrap_or(low_key.default))?;
    let h = Thresholds::parse_fraction(high.unwrap_or(high_key.default))?;
    Thresholds::new(l, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_settings_take_stored_values_and_fall_back_to_defaults() {
        let d = Settings::default();
        assert_eq!(d.thresholds, Thresholds::default());
        assert_eq!(
            (
                d.session_idle_minutes,
                d.max_need_by_days,
                d.proxy_header.clone()
            ),
            (60, 365, None)
        );
        let stored: HashMap<String, String> = [
            ("health.critical", "0.95"),
            ("auth.proxy_header", "x-forwarded-email"),
            ("auth.trusted_proxies", "10.0.0.0/8"),
            ("requests.sla_business_days", "not a number"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let s = Settings::from_stored(&stored);
        assert_eq!(s.thresholds.critical_bp, 9_500);
        assert_eq!(s.proxy_header.as_deref(), Some("x-forwarded-email"));
        assert_eq!(s.trusted_proxies.len(), 1);
        assert_eq!(
            s.sla_business_days, 2,
            "an unusable stored value falls back to the default"
        );
    }

    #[test]
    fn defaults_make_default_thresholds() {
        assert_eq!(thresholds_from(None, None), Ok(Thresholds::default()));
    }

    #[test]
    fn every_default_passes_its_own_check() {
        for k in ALL {
            assert_eq!(k.parse(k.default).as_deref(), Ok(k.default), "{}", k.key);
        }
    }

    #[test]
    fn a_policy_is_normalised_and_checked() {
        assert_eq!(
            REQUESTS_POLICY.parse("  big |quantity<=9   family=gpu| 2 \n\n rest | any | 1"),
            Ok("big | family=gpu quantity<=9 | 2\nrest | any | 1".to_owned())
        );
        assert!(REQUESTS_POLICY.parse("rest | anything | 1").is_err());
    }

    #[test]
    fn flags_are_on_or_off() {
        assert_eq!(STATUS_SHOW_UNITS.parse(" ON "), Ok("on".to_owned()));
        assert_eq!(STATUS_SHOW_UNITS.parse("no"), Ok("off".to_owned()));
        assert!(STATUS_SHOW_UNITS.parse("maybe").is_err());
    }

    #[test]
    fn trusted_proxies_are_networks() {
        assert_eq!(TRUSTED_PROXIES.parse(""), Ok(String::new()));
        assert_eq!(
            TRUSTED_PROXIES.parse(" 10.1.2.3/8,192.168.0.7  ::1 "),
            Ok("10.0.0.0/8, 192.168.0.7/32, ::1/128".to_owned())
        );
        assert!(TRUSTED_PROXIES.parse("10.0.0.0/33").is_err());
        assert!(TRUSTED_PROXIES.parse("proxy.internal").is_err());
    }

    #[test]
    fn freezes_are_percentages_or_off() {
        assert_eq!(FREEZE_PERCENT[4].parse(" 5% "), Ok("5".to_owned()));
        assert_eq!(FREEZE_PERCENT[4].parse(""), Ok(String::new()));
        assert!(FREEZE_PERCENT[4].parse("0").is_err() && FREEZE_PERCENT[4].parse("101").is_err());
        let stored = [("freeze.percent.gpu".to_owned(), "5".to_owned())]
            .into_iter()
            .collect();
        let s = Settings::from_stored(&stored);
        assert_eq!(s.freeze_percent(crate::fleet::codes::Family::Gpu), Some(5));
        assert_eq!(s.freeze_percent(crate::fleet::codes::Family::General), None);
    }

    #[test]
    fn public_thresholds_are_their_own() {
        let d = Settings::default();
        assert_eq!(
            (
                d.status_thresholds.constrained_bp,
                d.status_thresholds.critical_bp
            ),
            (9_500, 9_900)
        );
        let stored = [
            ("status.limited_at".to_owned(), "0.8".to_owned()),
            ("health.critical".to_owned(), "0.85".to_owned()),
        ]
        .into_iter()
        .collect();
        let s = Settings::from_stored(&stored);
        assert_eq!(s.status_thresholds.constrained_bp, 8_000);
        assert_eq!(
            s.thresholds.critical_bp, 8_500,
            "the health bands are separate"
        );
        // A pair stored out of order (only a hand-edited database has one) falls back.
        let inverted = [("status.limited_at".to_owned(), "0.995".to_owned())]
            .into_iter()
            .collect();
        assert_eq!(
            Settings::from_stored(&inverted).status_thresholds,
            d.status_thresholds
        );
    }

    #[test]
    fn every_key_has_an_area_of_its_own_prefix() {
        for k in ALL {
            let area = area_of(k.key);
            assert!(AREAS.iter().any(|(id, _)| *id == area), "{}", k.key);
            if k.key != REQUESTS_POLICY.key {
                assert!(
                    k.key.starts_with(&format!("{area}.")),
                    "{} in {area}",
                    k.key
                );
            }
        }
        assert_eq!(area_of("requests.policy"), "policy");
        assert_eq!(area_of("status.limited_at"), "status");
    }

    #[test]
    fn inverted_thresholds_are_refused() {
        assert_eq!(
            thresholds_from(Some("0.95"), None),
            Err(ThresholdError::Order)
        );
    }
}
