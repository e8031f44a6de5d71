//! Admin-set settings: the known keys (`keys`), and `Settings`, the typed
//! values in force. Stored as key → text in
//! the `settings` table, cached per replica under a `settings_version` of
//! their own: a settings change does not touch the fleet's version.

use std::collections::HashMap;

use crate::fleet::ledger::{ThresholdError, Thresholds};
use crate::requests::policy::{parse_rules, Rule};

pub mod access;
pub mod api;
mod keys;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

pub use keys::*;

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
    /// Webhooks may go to private and loopback addresses.
    pub webhooks_allow_private: bool,
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
            webhooks_allow_private: text(&WEBHOOKS_ALLOW_PRIVATE) == "on",
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
