//! Deployments: the kinds and states of a deployment, its rings and their
//! targets, keys, and the bounds on a plan. Pure code, shared by the browser
//! and the server; the engine that moves a deployment along is `engine.rs`.

use crate::shared::enums::text_enum;

text_enum!(
    /// What a deployment does to the fleet.
    Kind, "deployment kind" {
        Buildout => "buildout",
        Decommission => "decommission",
        Rollout => "rollout",
    }
);

text_enum!(
    /// Where a deployment is in its life (PRODUCT.md "Deployments").
    DeploymentState, "deployment state" {
        Planned => "planned",
        InProgress => "in_progress",
        Paused => "paused",
        Completed => "completed",
        Failed => "failed",
        RollingBack => "rolling_back",
        RolledBack => "rolled_back",
        Cancelled => "cancelled",
    }
);

text_enum!(
    /// Where a ring (stage) is.
    RingState, "ring state" {
        Pending => "pending",
        InProgress => "in_progress",
        Baking => "baking",
        Succeeded => "succeeded",
        Failed => "failed",
        RollingBack => "rolling_back",
        RolledBack => "rolled_back",
    }
);

text_enum!(
    /// Where one target (a cluster) is.
    TargetState, "target state" {
        Pending => "pending",
        InProgress => "in_progress",
        Succeeded => "succeeded",
        Failed => "failed",
        RollingBack => "rolling_back",
        RolledBack => "rolled_back",
    }
);

text_enum!(
    /// What an operator can do to a deployment.
    DeploymentAction, "deployment action" {
        Start => "start",
        Pause => "pause",
        Resume => "resume",
        Rollback => "rollback",
        Cancel => "cancel",
    }
);

text_enum!(
    /// What automation may report of a target.
    Report, "target report" {
        InProgress => "in_progress",
        Succeeded => "succeeded",
        Failed => "failed",
        RolledBack => "rolled_back",
    }
);

impl DeploymentState {
    /// Whether nothing can change the deployment any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            DeploymentState::Completed | DeploymentState::RolledBack | DeploymentState::Cancelled
        )
    }

    /// Whether it is moving (or may move again): what "in flight" means on the pages.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            DeploymentState::InProgress | DeploymentState::Paused | DeploymentState::RollingBack
        )
    }

    /// Where the list puts it: in flight first, then planned, then the rest
    /// (the list's SQL orders by the same numbers).
    pub fn list_rank(&self) -> i64 {
        match self {
            s if s.in_flight() => 0,
            DeploymentState::Planned => 1,
            _ => 2,
        }
    }

    /// The state after an operator's action, or why not.
    pub fn after(self, action: DeploymentAction) -> Result<DeploymentState, String> {
        use DeploymentAction as A;
        use DeploymentState as S;
        match (self, action) {
            (S::Planned, A::Start) => Ok(S::InProgress),
            (S::InProgress, A::Pause) => Ok(S::Paused),
            (S::Paused, A::Resume) => Ok(S::InProgress),
            (S::InProgress | S::Paused | S::Failed, A::Rollback) => Ok(S::RollingBack),
            (S::Planned | S::InProgress | S::Paused | S::Failed, A::Cancel) => Ok(S::Cancelled),
            (from, action) => Err(format!("a {from} deployment cannot {action}")),
        }
    }
}

impl TargetState {
    /// The state a report moves a target to, or why it cannot.
    pub fn after(self, report: Report) -> Result<TargetState, String> {
        use Report as R;
        use TargetState as T;
        match (self, report) {
            (T::Pending | T::InProgress, R::InProgress) => Ok(T::InProgress),
            (T::Pending | T::InProgress, R::Succeeded) => Ok(T::Succeeded),
            (T::Pending | T::InProgress, R::Failed) => Ok(T::Failed),
            (T::RollingBack, R::RolledBack) => Ok(T::RolledBack),
            (T::RollingBack, R::InProgress) => Ok(T::RollingBack),
            (T::RollingBack, R::Failed) => Ok(T::Failed),
            (from, report) => Err(format!("a {from} target cannot be reported {report}")),
        }
    }
}

/// Whether a target's cluster is in the fleet (so its page exists): a
/// buildout's leaves when its target is walked back, or unbuilt when the
/// deployment is cancelled or rolled back; a decommission's when its target
/// succeeds; a rollout's never.
pub fn cluster_in_fleet(kind: Kind, deployment: DeploymentState, target: TargetState) -> bool {
    match kind {
        Kind::Buildout => match deployment {
            DeploymentState::Cancelled | DeploymentState::RolledBack => {
                target == TargetState::Succeeded
            }
            _ => target != TargetState::RolledBack,
        },
        Kind::Decommission => target != TargetState::Succeeded,
        Kind::Rollout => true,
    }
}

/// A deployment's key, `DEP-17`, from its number.
pub fn key_of(number: i64) -> String {
    format!("DEP-{number}")
}

/// The number in the canonical key `DEP-<digits without a leading zero>`.
pub fn parse_key(key: &str) -> Result<i64, String> {
    crate::shared::text::parse_key(key, "DEP-", "deployment", "DEP-17")
}

/// Bounds on a plan.
pub const MAX_RINGS: usize = 20;
pub const MAX_TARGETS_PER_RING: usize = 500;
pub const MAX_BAKE_MINUTES: i64 = 7 * 24 * 60;
pub const MAX_UNITS: i64 = 1_000_000;

/// A bake time in minutes: 0 to a week.
pub fn parse_bake(m: i64) -> Result<i64, String> {
    if (0..=MAX_BAKE_MINUTES).contains(&m) {
        Ok(m)
    } else {
        Err(format!(
            "bake_minutes must be from 0 to {MAX_BAKE_MINUTES} (a week)"
        ))
    }
}

/// Units a buildout target adds: 1 to 1,000,000.
pub fn parse_units(u: i64) -> Result<i64, String> {
    if (1..=MAX_UNITS).contains(&u) {
        Ok(u)
    } else {
        Err(format!("units must be from 1 to {MAX_UNITS}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn which_targets_still_have_a_cluster() {
        use DeploymentState as S;
        use TargetState as T;
        // A buildout's cluster exists from planning until walked back or left unbuilt.
        assert!(cluster_in_fleet(Kind::Buildout, S::InProgress, T::Pending));
        assert!(cluster_in_fleet(
            Kind::Buildout,
            S::RollingBack,
            T::RollingBack
        ));
        assert!(!cluster_in_fleet(
            Kind::Buildout,
            S::RollingBack,
            T::RolledBack
        ));
        assert!(!cluster_in_fleet(Kind::Buildout, S::Cancelled, T::Pending));
        assert!(cluster_in_fleet(Kind::Buildout, S::Cancelled, T::Succeeded));
        assert!(!cluster_in_fleet(Kind::Buildout, S::RolledBack, T::Pending));
        // A decommission's is gone once its target succeeded, back once walked back.
        assert!(!cluster_in_fleet(
            Kind::Decommission,
            S::InProgress,
            T::Succeeded
        ));
        assert!(!cluster_in_fleet(
            Kind::Decommission,
            S::Completed,
            T::Succeeded
        ));
        assert!(cluster_in_fleet(
            Kind::Decommission,
            S::RolledBack,
            T::RolledBack
        ));
        assert!(cluster_in_fleet(Kind::Decommission, S::Paused, T::Failed));
        assert!(cluster_in_fleet(Kind::Rollout, S::Completed, T::Succeeded));
    }

    #[test]
    fn the_lifecycle_of_a_deployment() {
        use DeploymentAction as A;
        use DeploymentState as S;
        assert_eq!(S::Planned.after(A::Start), Ok(S::InProgress));
        assert_eq!(S::InProgress.after(A::Pause), Ok(S::Paused));
        assert_eq!(S::Paused.after(A::Resume), Ok(S::InProgress));
        assert_eq!(S::Paused.after(A::Rollback), Ok(S::RollingBack));
        assert_eq!(S::Failed.after(A::Cancel), Ok(S::Cancelled));
        assert!(S::Planned.after(A::Pause).is_err());
        assert!(S::InProgress.after(A::Resume).is_err());
        assert_eq!(
            S::Completed.after(A::Cancel).unwrap_err(),
            "a completed deployment cannot cancel"
        );
    }

    #[test]
    fn target_reports() {
        use Report as R;
        use TargetState as T;
        assert_eq!(T::Pending.after(R::InProgress), Ok(T::InProgress));
        assert_eq!(T::InProgress.after(R::Succeeded), Ok(T::Succeeded));
        assert_eq!(T::RollingBack.after(R::RolledBack), Ok(T::RolledBack));
        assert!(T::Succeeded.after(R::Failed).is_err(), "a success stands");
        assert!(T::Pending.after(R::RolledBack).is_err());
    }

    #[test]
    fn keys_are_canonical() {
        assert_eq!(parse_key(&key_of(17)), Ok(17));
        for odd in ["DEP-017", "DEP-+1", "dep-1", "DEP-", "CR-1", "DEP-1 "] {
            assert!(parse_key(odd).is_err(), "{odd}");
        }
    }

    proptest! {
        #[test]
        fn no_action_leaves_a_final_state(actions in proptest::collection::vec(0usize..5, 0..30)) {
            let mut s = DeploymentState::Planned;
            for a in actions {
                if let Ok(next) = s.after(DeploymentAction::ALL[a]) {
                    prop_assert!(!s.is_final());
                    s = next;
                }
            }
        }

        #[test]
        fn no_report_revives_a_success_or_a_rollback(reports in proptest::collection::vec(0usize..4, 0..20)) {
            let mut t = TargetState::Pending;
            for r in reports {
                let before = t;
                if let Ok(next) = t.after(Report::ALL[r]) {
                    prop_assert!(before != TargetState::Succeeded && before != TargetState::RolledBack);
                    t = next;
                }
            }
        }
    }
}
