//! The engine's rules, tried on models (and, by proptest, on random runs).

use super::*;
use crate::deployments::progress::*;
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
