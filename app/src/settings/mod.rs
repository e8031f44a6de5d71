//! Admin-set settings, stored as key → text in the `settings` table.
//!
//! Each known key parses its value with domain code, so `headroom settings set`
//! and (later) the admin page refuse the same bad values.

use crate::fleet::ledger::{ThresholdError, Thresholds};

#[cfg(feature = "ssr")]
pub mod server;

/// A setting Headroom knows, with its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingKey {
    pub key: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

pub const HEALTH_CONSTRAINED: SettingKey = SettingKey {
    key: "health.constrained",
    default: "0.75",
    help: "utilization at or above which capacity is constrained (0–1)",
};
pub const HEALTH_CRITICAL: SettingKey = SettingKey {
    key: "health.critical",
    default: "0.90",
    help: "utilization at or above which capacity is critical (0–1)",
};

/// Every known setting.
pub const ALL: &[SettingKey] = &[HEALTH_CONSTRAINED, HEALTH_CRITICAL];

pub fn find(key: &str) -> Option<SettingKey> {
    ALL.iter().copied().find(|k| k.key == key)
}

/// Builds thresholds from the two stored values (falling back to defaults).
pub fn thresholds_from(
    constrained: Option<&str>,
    critical: Option<&str>,
) -> Result<Thresholds, ThresholdError> {
    let c = Thresholds::parse_fraction(constrained.unwrap_or(HEALTH_CONSTRAINED.default))?;
    let k = Thresholds::parse_fraction(critical.unwrap_or(HEALTH_CRITICAL.default))?;
    Thresholds::new(c, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_make_default_thresholds() {
        assert_eq!(thresholds_from(None, None), Ok(Thresholds::default()));
    }

    #[test]
    fn inverted_thresholds_are_refused() {
        assert_eq!(
            thresholds_from(Some("0.95"), None),
            Err(ThresholdError::Order)
        );
    }
}
