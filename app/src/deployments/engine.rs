//! The deployment engine: pure functions from a deployment's state (its rings
//! and targets), an event and the time to the changes it causes. An operator's
//! action, a target report and a scheduler tick each go through here; the
//! service applies the changes (and their capacity effects) in one transaction.
//!
//! The rules (issue 12, PRODUCT.md "Deployments"): a ring starts only when the
//! previous one succeeded and baked and its gate holds; all of a ring's targets
//! succeeding starts its bake; a failed target halts the deployment (paused,
//! with the reason) until an operator resumes (the failed targets are retried),
//! rolls back or cancels; a rollback walks the targets that did anything back
//! one at a time, in reverse order, each confirmed by automation.

use time::OffsetDateTime;

use super::domain::{DeploymentAction, DeploymentState, Kind, Report, RingState, TargetState};

/// One target as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetModel {
    pub id: i64,
    pub name: String,
    pub state: TargetState,
}

/// One ring as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RingModel {
    pub name: String,
    pub state: RingState,
    pub bake_minutes: i64,
    pub bake_ends_at: Option<OffsetDateTime>,
    pub targets: Vec<TargetModel>,
}

/// A deployment as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub kind: Kind,
    pub state: DeploymentState,
    pub rings: Vec<RingModel>,
}

/// One change to store.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Deployment(DeploymentState),
    /// What the deployment is waiting for or why it stopped, in words (`None` clears it).
    Note(Option<String>),
    Ring {
        ring: usize,
        state: RingState,
        bake_ends_at: Option<OffsetDateTime>,
    },
    Target {
        ring: usize,
        target: usize,
        from: TargetState,
        to: TargetState,
    },
}

impl Model {
    /// The model with `changes` applied (what the service will have stored).
    pub fn applied(mut self, changes: &[Change]) -> Model {
        for c in changes {
            match c {
                Change::Deployment(s) => self.state = *s,
                Change::Note(_) => {}
                Change::Ring {
                    ring,
                    state,
                    bake_ends_at,
                } => {
                    self.rings[*ring].state = *state;
                    self.rings[*ring].bake_ends_at = *bake_ends_at;
                }
                Change::Target {
                    ring, target, to, ..
                } => self.rings[*ring].targets[*target].state = *to,
            }
        }
        self
    }

    /// (ring, target) of the target with this id.
    pub fn find(&self, id: i64) -> Option<(usize, usize)> {
        self.rings
            .iter()
            .enumerate()
            .find_map(|(r, ring)| ring.targets.iter().position(|t| t.id == id).map(|t| (r, t)))
    }

    /// Targets to walk back, in order: those that did anything, latest first.
    fn to_revert(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.rings.iter().enumerate().rev().flat_map(|(r, ring)| {
            ring.targets
                .iter()
                .enumerate()
                .rev()
                .filter_map(move |(t, target)| {
                    matches!(
                        target.state,
                        TargetState::Succeeded | TargetState::InProgress | TargetState::Failed
                    )
                    .then_some((r, t))
                })
        })
    }

    /// The ring work is in (the first that has not succeeded).
    pub fn current_ring(&self) -> Option<usize> {
        self.rings
            .iter()
            .position(|r| r.state != RingState::Succeeded)
    }
}

fn target(m: &Model, (r, t): (usize, usize), to: TargetState) -> Change {
    Change::Target {
        ring: r,
        target: t,
        from: m.rings[r].targets[t].state,
        to,
    }
}

/// The changes an operator's action makes, or why it cannot be taken.
pub fn act(m: &Model, action: DeploymentAction) -> Result<Vec<Change>, String> {
    let next = m.state.after(action)?;
    let mut changes = vec![Change::Deployment(next), Change::Note(None)];
    match action {
        DeploymentAction::Start | DeploymentAction::Pause | DeploymentAction::Cancel => {}
        DeploymentAction::Resume => {
            for (r, ring) in m.rings.iter().enumerate() {
                for (t, tg) in ring.targets.iter().enumerate() {
                    if tg.state == TargetState::Failed {
                        changes.push(target(m, (r, t), TargetState::Pending));
                    }
                }
                if ring.state == RingState::Failed {
                    changes.push(Change::Ring {
                        ring: r,
                        state: RingState::InProgress,
                        bake_ends_at: None,
                    });
                }
            }
        }
        DeploymentAction::Rollback => changes.extend(walk_back(m)),
    }
    Ok(changes)
}

/// The next step of a rollback: the next target to walk back, or — when none
/// is left — every ring and the deployment rolled back.
fn walk_back(m: &Model) -> Vec<Change> {
    if m.rings
        .iter()
        .flat_map(|r| &r.targets)
        .any(|t| t.state == TargetState::RollingBack)
    {
        return Vec::new();
    }
    match m.to_revert().next() {
        Some((r, t)) => {
            let mut changes = vec![target(m, (r, t), TargetState::RollingBack)];
            if m.rings[r].state != RingState::RollingBack {
                changes.push(Change::Ring {
                    ring: r,
                    state: RingState::RollingBack,
                    bake_ends_at: None,
                });
            }
            changes
        }
        None => {
            let mut changes: Vec<Change> = m
                .rings
                .iter()
                .enumerate()
                .filter(|(_, ring)| ring.state != RingState::Pending)
                .map(|(r, _)| Change::Ring {
                    ring: r,
                    state: RingState::RolledBack,
                    bake_ends_at: None,
                })
                .collect();
            changes.push(Change::Deployment(DeploymentState::RolledBack));
            changes
        }
    }
}

/// The changes a target report makes, or why it is refused.
pub fn report(
    m: &Model,
    id: i64,
    report: Report,
    message: &str,
    now: OffsetDateTime,
) -> Result<Vec<Change>, String> {
    let (r, t) = m
        .find(id)
        .ok_or_else(|| format!("target {id} is not part of this deployment"))?;
    let tg = &m.rings[r].targets[t];
    let rolling_back = m.state == DeploymentState::RollingBack;
    match (m.state, report) {
        (DeploymentState::InProgress, Report::InProgress | Report::Succeeded | Report::Failed) => {
            if m.rings[r].state != RingState::InProgress {
                return Err(format!(
                    "ring '{}' is {}, not in progress",
                    m.rings[r].name, m.rings[r].state
                ));
            }
        }
        (DeploymentState::RollingBack, _) if tg.state == TargetState::RollingBack => {}
        (state, _) => {
            return Err(format!(
                "a {state} deployment takes no {report} report for target {id}"
            ))
        }
    }
    let to = tg.state.after(report)?;
    let mut changes = vec![target(m, (r, t), to)];
    let after = m.clone().applied(&changes);
    match (rolling_back, to) {
        (false, TargetState::Failed) => {
            changes.push(Change::Ring {
                ring: r,
                state: RingState::Failed,
                bake_ends_at: None,
            });
            changes.push(Change::Deployment(DeploymentState::Paused));
            changes.push(Change::Note(Some(format!(
                "halted: target {} failed — {}",
                tg.name,
                message.trim()
            ))));
        }
        (false, TargetState::Succeeded)
            if after.rings[r]
                .targets
                .iter()
                .all(|x| x.state == TargetState::Succeeded) =>
        {
            let ends = now + time::Duration::minutes(after.rings[r].bake_minutes);
            changes.push(Change::Ring {
                ring: r,
                state: RingState::Baking,
                bake_ends_at: Some(ends),
            });
        }
        (true, TargetState::Failed) => {
            changes.push(Change::Deployment(DeploymentState::Failed));
            changes.push(Change::Note(Some(format!(
                "rollback stopped: target {} failed — {}",
                tg.name,
                message.trim()
            ))));
        }
        (true, TargetState::RolledBack) => changes.extend(walk_back(&after)),
        _ => {}
    }
    Ok(changes)
}

/// A scheduler tick: rings whose bake has passed succeed, the next ring starts
/// if its gate holds (`gate(ring)` says why not), the last one completes the
/// deployment. Nothing happens before a bake ends.
pub fn advance(
    m: &Model,
    now: OffsetDateTime,
    gate: impl Fn(usize) -> Result<(), String>,
) -> Vec<Change> {
    if m.state != DeploymentState::InProgress {
        return Vec::new();
    }
    let mut changes = Vec::new();
    for (r, ring) in m.rings.iter().enumerate() {
        match ring.state {
            RingState::Succeeded => continue,
            RingState::Baking if ring.bake_ends_at.is_some_and(|end| end <= now) => {
                changes.push(Change::Ring {
                    ring: r,
                    state: RingState::Succeeded,
                    bake_ends_at: ring.bake_ends_at,
                });
            }
            RingState::Pending => {
                match gate(r) {
                    Ok(()) => {
                        changes.push(Change::Ring {
                            ring: r,
                            state: RingState::InProgress,
                            bake_ends_at: None,
                        });
                        changes.push(Change::Note(None));
                    }
                    Err(why) => changes.push(Change::Note(Some(format!("held: {why}")))),
                }
                return changes;
            }
            _ => return changes,
        }
    }
    changes.push(Change::Deployment(DeploymentState::Completed));
    changes.push(Change::Note(None));
    changes
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    fn model(kind: Kind, rings: &[(i64, usize)]) -> Model {
        let mut id = 0;
        Model {
            kind,
            state: DeploymentState::Planned,
            rings: rings
                .iter()
                .enumerate()
                .map(|(r, (bake, n))| RingModel {
                    name: format!("ring{r}"),
                    state: RingState::Pending,
                    bake_minutes: *bake,
                    bake_ends_at: None,
                    targets: (0..*n)
                        .map(|_| {
                            id += 1;
                            TargetModel {
                                id,
                                name: format!("cl-{id}"),
                                state: TargetState::Pending,
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn open(_: usize) -> Result<(), String> {
        Ok(())
    }

    /// Applies an action, a report or a tick, asserting it is allowed.
    fn step(m: Model, changes: Result<Vec<Change>, String>) -> Model {
        let changes = changes.unwrap();
        m.applied(&changes)
    }

    #[test]
    fn rings_run_bake_and_complete_in_order() {
        let m = model(Kind::Buildout, &[(60, 1), (30, 2)]);
        let m = step(m.clone(), act(&m, DeploymentAction::Start));
        let m = m.clone().applied(&advance(&m, T0, open));
        assert_eq!(m.rings[0].state, RingState::InProgress);
        assert_eq!(m.rings[1].state, RingState::Pending, "one ring at a time");
        assert!(
            report(&m, 2, Report::InProgress, "", T0).is_err(),
            "the next ring's targets wait"
        );
        let m = step(m.clone(), report(&m, 1, Report::Succeeded, "", T0));
        assert_eq!(m.rings[0].state, RingState::Baking);
        assert_eq!(
            m.rings[0].bake_ends_at,
            Some(T0 + time::Duration::minutes(60))
        );
        // No promotion before the bake ends.
        let early = advance(&m, T0 + time::Duration::minutes(59), open);
        assert!(early.is_empty(), "{early:?}");
        let m = m
            .clone()
            .applied(&advance(&m, T0 + time::Duration::minutes(60), open));
        assert_eq!(
            (m.rings[0].state, m.rings[1].state),
            (RingState::Succeeded, RingState::InProgress)
        );
        let m = step(m.clone(), report(&m, 2, Report::Succeeded, "", T0));
        assert_eq!(
            m.rings[1].state,
            RingState::InProgress,
            "one of two targets"
        );
        let m = step(m.clone(), report(&m, 3, Report::Succeeded, "", T0));
        let m = m
            .clone()
            .applied(&advance(&m, T0 + time::Duration::minutes(30), open));
        assert_eq!(m.state, DeploymentState::Completed);
    }

    #[test]
    fn a_failed_target_halts_until_an_operator_resumes() {
        let m = model(Kind::Decommission, &[(0, 2)]);
        let m = step(m.clone(), act(&m, DeploymentAction::Start));
        let m = m.clone().applied(&advance(&m, T0, open));
        let changes = report(&m, 1, Report::Failed, "disk firmware", T0).unwrap();
        assert!(changes.contains(&Change::Note(Some(
            "halted: target cl-1 failed — disk firmware".into()
        ))));
        let m = m.applied(&changes);
        assert_eq!(
            (m.state, m.rings[0].state),
            (DeploymentState::Paused, RingState::Failed)
        );
        assert!(
            report(&m, 2, Report::Succeeded, "", T0).is_err(),
            "nothing moves while halted"
        );
        assert!(advance(&m, T0, open).is_empty());
        let m = step(m.clone(), act(&m, DeploymentAction::Resume));
        assert_eq!(
            m.rings[0].targets[0].state,
            TargetState::Pending,
            "the failed target is retried"
        );
        assert_eq!(m.rings[0].state, RingState::InProgress);
    }

    #[test]
    fn a_rollback_walks_back_one_target_at_a_time_latest_first() {
        let m = model(Kind::Buildout, &[(0, 2), (0, 2)]);
        let m = step(m.clone(), act(&m, DeploymentAction::Start));
        let m = m.clone().applied(&advance(&m, T0, open));
        let m = step(m.clone(), report(&m, 1, Report::Succeeded, "", T0));
        let m = step(m.clone(), report(&m, 2, Report::Succeeded, "", T0));
        let m = m.clone().applied(&advance(&m, T0, open));
        let m = step(m.clone(), report(&m, 3, Report::InProgress, "", T0));
        let mut m = step(m.clone(), act(&m, DeploymentAction::Rollback));
        let mut order = Vec::new();
        while m.state == DeploymentState::RollingBack {
            let walking: Vec<i64> = m
                .rings
                .iter()
                .flat_map(|r| &r.targets)
                .filter(|t| t.state == TargetState::RollingBack)
                .map(|t| t.id)
                .collect();
            assert_eq!(walking.len(), 1, "one at a time");
            order.push(walking[0]);
            m = step(
                m.clone(),
                report(&m, walking[0], Report::RolledBack, "", T0),
            );
        }
        assert_eq!(
            order,
            vec![3, 2, 1],
            "latest first; the pending target 4 did nothing"
        );
        assert_eq!(m.state, DeploymentState::RolledBack);
        assert!(m.rings.iter().all(|r| r.state == RingState::RolledBack));
    }

    #[test]
    fn a_closed_gate_holds_the_next_ring_and_says_why() {
        let m = model(Kind::Decommission, &[(0, 1)]);
        let m = step(m.clone(), act(&m, DeploymentAction::Start));
        let held = advance(&m, T0, |_| Err("westus2 Dv5 would be critical".into()));
        assert_eq!(
            held,
            vec![Change::Note(Some(
                "held: westus2 Dv5 would be critical".into()
            ))]
        );
    }

    #[test]
    fn words_and_times() {
        assert_eq!(span(time::Duration::minutes(130)), "2 h 10 m");
        assert_eq!(span(time::Duration::seconds(45)), "45 s");
        let m = model(Kind::Buildout, &[(60, 1), (60, 1)]);
        let m = step(m.clone(), act(&m, DeploymentAction::Start));
        let m = m.clone().applied(&advance(&m, T0, open));
        let m = step(m.clone(), report(&m, 1, Report::Succeeded, "", T0));
        assert_eq!(
            status_words(&m, None, T0 + time::Duration::minutes(10)),
            "waiting: bake of 'ring0' ends in 50 m"
        );
        let eta = eta(&m, T0, time::Duration::minutes(10)).unwrap();
        assert_eq!(
            eta,
            T0 + time::Duration::minutes(60 + 10 + 60),
            "the bake left, then one target and a bake"
        );
    }

    proptest! {
        /// Whatever automation and operators do, in any order: a ring never
        /// succeeds before its bake ends, work stays in one ring at a time,
        /// and a halted deployment moves only when an operator acts.
        #[test]
        fn the_rules_hold_under_any_events(events in proptest::collection::vec((0usize..8, 1i64..7, 0i64..200), 0..60)) {
            let mut m = model(Kind::Rollout, &[(30, 2), (60, 3), (0, 1)]);
            let mut now = T0;
            for (kind, id, minutes) in events {
                now += time::Duration::minutes(minutes);
                let before = m.clone();
                let changes = match kind {
                    0 => act(&m, DeploymentAction::Start),
                    1 => act(&m, DeploymentAction::Resume),
                    2 => act(&m, DeploymentAction::Rollback),
                    3 => report(&m, id, Report::Failed, "x", now),
                    4 => report(&m, id, Report::RolledBack, "", now),
                    5 | 6 => report(&m, id, Report::Succeeded, "", now),
                    _ => Ok(advance(&m, now, open)),
                };
                let Ok(changes) = changes else { continue };
                for c in &changes {
                    if let Change::Ring { ring, state: RingState::Succeeded, .. } = c {
                        let end = before.rings[*ring].bake_ends_at.expect("a bake end");
                        prop_assert!(end <= now, "ring {ring} succeeded before its bake ended");
                    }
                }
                if before.state == DeploymentState::Paused {
                    prop_assert!(kind <= 2 || changes.is_empty(), "a halted deployment moved by itself: {changes:?}");
                }
                m = m.applied(&changes);
                let active = m.rings.iter().filter(|r| matches!(r.state, RingState::InProgress | RingState::Baking | RingState::Failed)).count();
                prop_assert!(active <= 1, "{active} rings at work");
                let walking = m.rings.iter().flat_map(|r| &r.targets).filter(|t| t.state == TargetState::RollingBack).count();
                prop_assert!(walking <= 1);
            }
        }
    }
}
