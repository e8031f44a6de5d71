//! Where a deployment stands, in words and times, for its page: the gate
//! status ("waiting: bake of 'pilot' ends in 2 h 10 m"), durations as people
//! read them, and when it should finish.

use time::OffsetDateTime;

use super::domain::{DeploymentState, RingState, TargetState};
use super::engine::Model;

/// The gate status in words, for the deployment page.
pub fn status_words(m: &Model, note: Option<&str>, now: OffsetDateTime) -> String {
    if let Some(n) = note {
        return n.to_owned();
    }
    match (m.state, m.current_ring()) {
        (DeploymentState::InProgress, Some(r)) => {
            let ring = &m.rings[r];
            match (ring.state, ring.bake_ends_at) {
                (RingState::Baking, Some(end)) => format!(
                    "waiting: bake of '{}' ends in {}",
                    ring.name,
                    span(end - now)
                ),
                (RingState::InProgress, _) => {
                    let done = ring
                        .targets
                        .iter()
                        .filter(|t| t.state == TargetState::Succeeded)
                        .count();
                    format!(
                        "running: ring '{}', {done} of {} targets done",
                        ring.name,
                        ring.targets.len()
                    )
                }
                _ => format!("next: ring '{}'", ring.name),
            }
        }
        (state, _) => state.to_string().replace('_', " "),
    }
}

/// A duration as people read it: "2 h 10 m", "45 s".
pub fn span(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    match (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} m"),
        (0, h, m) => format!("{h} h {m} m"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// When the deployment should finish: what is left of the current ring (its
/// bake, or the targets still running at the observed pace) plus every ring
/// after it (one target's time and its bake each). `None` once it is over.
pub fn eta(m: &Model, now: OffsetDateTime, per_target: time::Duration) -> Option<OffsetDateTime> {
    if m.state.is_final() || m.state == DeploymentState::RollingBack {
        return None;
    }
    let mut at = now;
    let first = m.current_ring()?;
    for (r, ring) in m.rings.iter().enumerate().skip(first) {
        let bake = time::Duration::minutes(ring.bake_minutes);
        at = match (r == first, ring.state, ring.bake_ends_at) {
            (true, RingState::Baking, Some(end)) => end.max(now),
            _ => at + per_target + bake,
        };
    }
    Some(at)
}
