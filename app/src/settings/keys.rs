//! The settings Headroom knows: each key with its default, its help and the
//! kind of value it takes (parsed with domain code, so `headroom settings set`
//! and the settings page refuse the same bad values), and the page's areas.

use crate::fleet::ledger::Thresholds;
use crate::requests::policy::{format_rules, parse_rules, DEFAULT_POLICY};

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
pub const AREAS: [(&str, &str); 10] = [
    ("health", "Health bands"),
    ("policy", "Approval policy"),
    ("requests", "Requests"),
    ("freeze", "Capacity freeze"),
    ("deployments", "Deployments"),
    ("status", "Public status"),
    ("session", "Sessions"),
    ("signin", "Sign-in limits"),
    ("webhooks", "Webhooks"),
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

pub const WEBHOOKS_ALLOW_PRIVATE: SettingKey = SettingKey {
    key: "webhooks.allow_private",
    default: "off",
    help: "deliver webhooks to private and loopback addresses too (off: only public ones, so a subscription cannot reach inside the network)",
    kind: SettingKind::Flag,
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
    WEBHOOKS_ALLOW_PRIVATE,
];

pub fn find(key: &str) -> Option<SettingKey> {
    ALL.iter().copied().find(|k| k.key == key)
}
