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

#[cfg(test)]
mod tests;
