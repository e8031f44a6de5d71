//! What the public status page says: each region's state from its capacity
//! health and its active notices, the overall state, and the checks a notice
//! passes before it is published. Pure and unit-tested.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::fleet::codes::Family;
use crate::fleet::ledger::{Health, Thresholds};

/// A public state, in rising severity: what customers of a region × SKU
/// family (a component) or of a region can expect. Capacity gives `available`,
/// `limited` or `unavailable` by the public thresholds (`status.limited_at`,
/// `status.unavailable_at`, separate from the internal health bands); notices
/// give `maintenance` and `incident`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Available,
    Maintenance,
    Limited,
    Incident,
    Unavailable,
}

impl ComponentState {
    pub const ALL: [ComponentState; 5] = [
        ComponentState::Available,
        ComponentState::Maintenance,
        ComponentState::Limited,
        ComponentState::Incident,
        ComponentState::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentState::Available => "available",
            ComponentState::Maintenance => "maintenance",
            ComponentState::Limited => "limited",
            ComponentState::Incident => "incident",
            ComponentState::Unavailable => "unavailable",
        }
    }

    /// The state of `used` units out of `serviceable` under the public
    /// thresholds (`Thresholds` read as limited at / unavailable at).
    pub fn of_capacity(public: &Thresholds, used: i64, serviceable: i64) -> Self {
        match public.band(used, serviceable) {
            Health::Healthy => ComponentState::Available,
            Health::Constrained => ComponentState::Limited,
            Health::Critical => ComponentState::Unavailable,
        }
    }

    /// Whether capacity was short: limited or unavailable.
    pub fn is_short(self) -> bool {
        matches!(self, ComponentState::Limited | ComponentState::Unavailable)
    }

    /// A region's state: the worst of its components and its active notices.
    pub fn of_region(
        components: impl IntoIterator<Item = ComponentState>,
        active: impl IntoIterator<Item = NoticeKind>,
    ) -> Self {
        active
            .into_iter()
            .map(NoticeKind::state)
            .chain(components)
            .fold(ComponentState::Available, Ord::max)
    }

    /// The headline for a set of regions in their worst state.
    pub fn headline(self) -> &'static str {
        match self {
            ComponentState::Available => "All regions available",
            ComponentState::Maintenance => "Maintenance under way",
            ComponentState::Limited => "Capacity limited in some regions",
            ComponentState::Incident => "Incidents in some regions",
            ComponentState::Unavailable => "Capacity unavailable in some regions",
        }
    }
}

impl fmt::Display for ComponentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The overall state: the worst region's (available when there are none).
pub fn overall(states: impl IntoIterator<Item = ComponentState>) -> ComponentState {
    states
        .into_iter()
        .max()
        .unwrap_or(ComponentState::Available)
}

/// Each family's state from its summed `(family, used, serviceable)` rows
/// (several rows of a family add up), in `Family::ALL` order.
pub fn components(
    public: &Thresholds,
    rows: impl IntoIterator<Item = (Family, i64, i64)>,
) -> Vec<(Family, ComponentState)> {
    let mut sums: Vec<(Family, i64, i64)> = Vec::new();
    for (family, used, serviceable) in rows {
        match sums.iter_mut().find(|(f, _, _)| *f == family) {
            Some((_, u, s)) => {
                *u += used;
                *s += serviceable;
            }
            None => sums.push((family, used, serviceable)),
        }
    }
    sums.sort_by_key(|(f, _, _)| Family::ALL.iter().position(|x| x == f));
    sums.into_iter()
        .map(|(f, u, s)| (f, ComponentState::of_capacity(public, u, s)))
        .collect()
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
            NoticeKind::Incident => ComponentState::Incident,
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
    fn public_thresholds_make_component_states() {
        use ComponentState::*;
        // limited at 95 %, unavailable at 99 % (not the internal 75 % / 90 %).
        let public = Thresholds::new(9_500, 9_900).unwrap();
        assert_eq!(ComponentState::of_capacity(&public, 94, 100), Available);
        assert_eq!(ComponentState::of_capacity(&public, 95, 100), Limited);
        assert_eq!(ComponentState::of_capacity(&public, 989, 1000), Limited);
        assert_eq!(ComponentState::of_capacity(&public, 99, 100), Unavailable);
        assert_eq!(ComponentState::of_capacity(&public, 0, 0), Available);
        // A family's SKUs add up before the threshold is applied: 90 + 100 of 200 is 95 %.
        assert_eq!(
            components(
                &public,
                [
                    (Family::Gpu, 90, 100),
                    (Family::General, 10, 100),
                    (Family::Gpu, 100, 100)
                ]
            ),
            vec![(Family::General, Available), (Family::Gpu, Limited)],
            "summed per family, in family order"
        );
    }

    #[test]
    fn components_and_notices_make_the_region_state() {
        use ComponentState::*;
        assert_eq!(ComponentState::of_region([], []), Available);
        assert_eq!(
            ComponentState::of_region([Available, Available], [NoticeKind::Maintenance]),
            Maintenance
        );
        assert_eq!(
            ComponentState::of_region([Available, Limited], [NoticeKind::Maintenance]),
            Limited,
            "the worst of all"
        );
        assert_eq!(
            ComponentState::of_region([Limited], [NoticeKind::Maintenance, NoticeKind::Incident]),
            Incident
        );
        assert_eq!(
            ComponentState::of_region([Unavailable, Available], [NoticeKind::Incident]),
            Unavailable
        );
        assert!(Limited.is_short() && Unavailable.is_short());
        assert!(!Incident.is_short() && !Maintenance.is_short() && !Available.is_short());
        assert_eq!(overall([]), Available);
        assert_eq!(overall([Available, Incident, Maintenance]), Incident);
        assert_eq!(overall([Available]).headline(), "All regions available");
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
        assert_eq!(day_state(Some(Limited), []), Some(Limited));
        assert_eq!(
            day_state(None, [NoticeKind::Maintenance]),
            Some(Maintenance)
        );
        assert_eq!(
            day_state(
                Some(Available),
                [NoticeKind::Maintenance, NoticeKind::Incident]
            ),
            Some(Incident)
        );
        assert_eq!(
            day_state(Some(Unavailable), [NoticeKind::Incident]),
            Some(Unavailable)
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
