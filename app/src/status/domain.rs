//! What the public status page says: each region's state from its capacity
//! health and its active notices, the overall state, and the checks a notice
//! passes before it is published. Pure and unit-tested.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fleet::ledger::Health;

/// A region's state on the status page, in rising severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Operational,
    Maintenance,
    Constrained,
    Degraded,
    Critical,
}

impl ComponentState {
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Operational,
        ComponentState::Maintenance,
        ComponentState::Constrained,
        ComponentState::Degraded,
        ComponentState::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Operational => "operational",
            ComponentState::Maintenance => "maintenance",
            ComponentState::Constrained => "constrained",
            ComponentState::Degraded => "degraded",
            ComponentState::Critical => "critical",
        }
    }

    /// The state capacity health alone gives.
    pub fn from_health(h: Health) -> Self {
        match h {
            Health::Healthy => ComponentState::Operational,
            Health::Constrained => ComponentState::Constrained,
            Health::Critical => ComponentState::Critical,
        }
    }

    /// A region's state: the worst of its capacity health and its active notices.
    pub fn of_region(health: Health, active: impl IntoIterator<Item = NoticeKind>) -> Self {
        active
            .into_iter()
            .map(NoticeKind::state)
            .fold(Self::from_health(health), Ord::max)
    }

    /// The headline for a set of regions in their worst state.
    pub fn headline(self) -> &'static str {
        match self {
            ComponentState::Operational => "All regions operational",
            ComponentState::Maintenance => "Maintenance under way",
            ComponentState::Constrained => "Capacity constrained in some regions",
            ComponentState::Degraded => "Some regions degraded",
            ComponentState::Critical => "Capacity critical in some regions",
        }
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The overall state: the worst region's (operational when there are none).
pub fn overall(states: impl IntoIterator<Item = ComponentState>) -> ComponentState {
    states
        .into_iter()
        .max()
        .unwrap_or(ComponentState::Operational)
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Incident,
    Maintenance,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 2] = [NoticeKind::Incident, NoticeKind::Maintenance];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Incident => "incident",
            NoticeKind::Maintenance => "maintenance",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a notice kind (incident or maintenance)"))
    }

    /// The state an active notice of this kind gives its regions.
    pub fn state(self) -> ComponentState {
        match self {
            NoticeKind::Incident => ComponentState::Degraded,
            NoticeKind::Maintenance => ComponentState::Maintenance,
        }
    }
}

/// Longest notice title and update, in characters.
pub const MAX_TITLE: usize = 120;
pub const MAX_BODY: usize = 2000;

/// Checks public notice text: trimmed, not blank, not too long, and free of
/// request keys (`CR-1042`), which must never reach the public pages.
pub fn public_text(s: &str, max: usize) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("must not be blank".into());
    }
    if t.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if contains_request_key(t) {
        return Err("is public: leave out request keys such as CR-1042".into());
    }
    Ok(t.to_owned())
}

/// Whether `s` mentions a request key (a word `CR-` followed by digits, any case).
pub fn contains_request_key(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    upper.match_indices("CR-").any(|(i, _)| {
        let starts_word = upper[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        starts_word
            && upper[i + 3..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
    })
}

/// Whether a notice started at `started_at` and resolved at `resolved_at`
/// (RFC 3339; `None` while active) was active on `day` (YYYY-MM-DD).
pub fn active_on(day: &str, started_at: &str, resolved_at: Option<&str>) -> bool {
    let date = |t: &str| t.get(..10).unwrap_or(t).to_owned();
    date(started_at).as_str() <= day && resolved_at.is_none_or(|r| day <= date(r).as_str())
}

/// A day's state on the history bars: the worst of its capacity band (`None`
/// when unsampled) and the notices active that day.
pub fn day_state(
    capacity: Option<ComponentState>,
    notices: impl IntoIterator<Item = NoticeKind>,
) -> Option<ComponentState> {
    notices
        .into_iter()
        .map(NoticeKind::state)
        .fold(capacity, |worst, s| Some(worst.map_or(s, |w| w.max(s))))
}

/// Region codes of a notice, from a space- or comma-separated list: at least
/// one, each among `known`, without repeats, in the order given.
pub fn parse_regions(input: &str, known: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for code in input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        if !known.iter().any(|k| k == code) {
            return Err(format!("'{code}' is not a region"));
        }
        if !out.iter().any(|c| c == code) {
            out.push(code.to_owned());
        }
    }
    if out.is_empty() {
        return Err("name at least one affected region".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_and_notices_make_the_region_state() {
        use ComponentState::*;
        assert_eq!(ComponentState::of_region(Health::Healthy, []), Operational);
        assert_eq!(
            ComponentState::of_region(Health::Healthy, [NoticeKind::Maintenance]),
            Maintenance
        );
        assert_eq!(
            ComponentState::of_region(Health::Constrained, [NoticeKind::Maintenance]),
            Constrained,
            "the worse of the two"
        );
        assert_eq!(
            ComponentState::of_region(
                Health::Constrained,
                [NoticeKind::Maintenance, NoticeKind::Incident]
            ),
            Degraded
        );
        assert_eq!(
            ComponentState::of_region(Health::Critical, [NoticeKind::Incident]),
            Critical
        );
        assert_eq!(overall([]), Operational);
        assert_eq!(overall([Operational, Degraded, Maintenance]), Degraded);
        assert_eq!(overall([Operational]).headline(), "All regions operational");
    }

    #[test]
    fn notice_text_is_checked_for_the_public() {
        assert_eq!(public_text("  API slow  ", 20), Ok("API slow".into()));
        assert!(public_text("   ", 20).is_err());
        assert!(public_text(&"x".repeat(21), 20).is_err());
        assert!(public_text("caused by CR-1042", 200)
            .unwrap_err()
            .contains("request keys"));
        assert!(public_text("see cr-7", 200).is_err());
        assert!(public_text("CR-pipeline, ACR-east and ACR-2 are fine", 200).is_ok());
        assert!(public_text("(CR-12)", 200).is_err());
    }

    #[test]
    fn notice_regions_are_known_and_unique() {
        let known = vec!["westus2".to_owned(), "eastus".to_owned()];
        assert_eq!(
            parse_regions("westus2, eastus westus2", &known),
            Ok(vec!["westus2".into(), "eastus".into()])
        );
        assert_eq!(
            parse_regions("atlantis", &known),
            Err("'atlantis' is not a region".into())
        );
        assert!(parse_regions(" , ", &known).is_err());
    }

    #[test]
    fn notices_mark_the_days_they_were_active() {
        let started = "2026-11-20T22:15:00Z";
        assert!(!active_on("2026-11-19", started, None));
        assert!(active_on("2026-11-20", started, None));
        assert!(
            active_on("2026-11-29", started, None),
            "active until resolved"
        );
        let resolved = Some("2026-11-22T01:00:00Z");
        assert!(active_on("2026-11-22", started, resolved));
        assert!(!active_on("2026-11-23", started, resolved));

        use ComponentState::*;
        assert_eq!(day_state(None, []), None, "no sample, no notice");
        assert_eq!(day_state(Some(Constrained), []), Some(Constrained));
        assert_eq!(
            day_state(None, [NoticeKind::Maintenance]),
            Some(Maintenance)
        );
        assert_eq!(
            day_state(
                Some(Operational),
                [NoticeKind::Maintenance, NoticeKind::Incident]
            ),
            Some(Degraded)
        );
        assert_eq!(
            day_state(Some(Critical), [NoticeKind::Incident]),
            Some(Critical)
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Ok(k));
        }
        assert!(NoticeKind::parse("outage").is_err());
    }
}
