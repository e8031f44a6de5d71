//! The request workflow as a decision: given a request's state, the caller's
//! roles and the approvals so far, may the caller take an action, and what does
//! it do? Pure, so the service applies exactly what is decided here and the
//! request page offers exactly the actions this allows — one copy of the rules.
//!
//! PRODUCT.md "Access" and "Capacity requests": requesters submit and cancel
//! their own; approvers approve and reject, never their own request and never
//! the same one twice; operators fulfil.

use super::domain::{Action, Kind, State};
use crate::auth::roles::{CurrentUser, Role};

/// What the workflow knows when someone acts.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub state: State,
    pub kind: Kind,
    pub requester_id: i64,
    /// Who has approved so far.
    pub approvers: &'a [i64],
    /// How many approvals the policy asks for (once submitted).
    pub approvals_needed: Option<i64>,
}

/// What an allowed action does, for the service to apply in one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Draft → submitted; the policy then decides how many approvals it needs
    /// (and may approve it by itself).
    Submit,
    /// One more approval; `completes` when it is the last the policy asks for,
    /// and then a provision reserves its units.
    Approve { completes: bool },
    /// Submitted → rejected.
    Reject,
    /// → cancelled; `release` when it held a reservation.
    Cancel { release: bool },
    /// Approved → fulfilled: a provision's reserved units become allocated, a
    /// deprovision's allocated units are given back.
    Fulfill { kind: Kind },
}

impl Plan {
    /// The state a request in `from` moves to.
    pub fn next(&self, from: State) -> State {
        match self {
            Plan::Submit => State::Submitted,
            Plan::Approve { completes: true } => State::Approved,
            Plan::Approve { completes: false } => from,
            Plan::Reject => State::Rejected,
            Plan::Cancel { .. } => State::Cancelled,
            Plan::Fulfill { .. } => State::Fulfilled,
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's roles or relation to the request do not allow it (403).
    Forbidden(String),
    /// The request's state does not allow it (409).
    Conflict(String),
}

/// May `me` take `action` on the request `f` describes, and what does it do?
pub fn decide(action: Action, me: &CurrentUser, f: &Facts) -> Result<Plan, Refusal> {
    let own = f.requester_id == me.id;
    let forbidden = |why: &str| Err(Refusal::Forbidden(why.to_owned()));
    match action {
        Action::Submit | Action::Cancel if !own => {
            return forbidden(&format!("only the requester may {action} a request"))
        }
        Action::Submit | Action::Cancel if !me.has(Role::Requester) => {
            return forbidden("this needs the requester role")
        }
        Action::Approve | Action::Reject if !me.has(Role::Approver) => {
            return forbidden("only approvers decide requests")
        }
        Action::Approve | Action::Reject if own => {
            return forbidden("nobody decides their own request")
        }
        Action::Fulfill if !me.has(Role::Operator) => {
            return forbidden("only operators fulfil requests")
        }
        Action::Expire => return forbidden("requests expire by themselves"),
        _ => {}
    }
    if action == Action::Approve && f.approvers.contains(&me.id) {
        return Err(Refusal::Conflict(
            "you have already approved this request".into(),
        ));
    }
    let completes = f.approvers.len() as i64 + 1 >= f.approvals_needed.unwrap_or(2).max(1);
    f.state
        .after(action, completes)
        .map_err(|e| Refusal::Conflict(e.to_string()))?;
    Ok(match action {
        Action::Submit => Plan::Submit,
        Action::Approve => Plan::Approve { completes },
        Action::Reject => Plan::Reject,
        Action::Cancel => Plan::Cancel {
            release: f.state.holds_reservation(),
        },
        Action::Fulfill => Plan::Fulfill { kind: f.kind },
        Action::Expire => unreachable!("refused above"),
    })
}

/// The actions `me` may take now: exactly those `decide` allows.
pub fn allowed(me: &CurrentUser, f: &Facts) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| decide(*a, me, f).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Roles;
    use proptest::prelude::*;

    fn user(id: i64, roles: &[Role]) -> CurrentUser {
        CurrentUser {
            id,
            name: format!("u{id}"),
            roles: Roles::new(roles.iter().copied()),
        }
    }

    fn facts(state: State, approvers: &[i64]) -> Facts<'_> {
        Facts {
            state,
            kind: Kind::Provision,
            requester_id: 1,
            approvers,
            approvals_needed: Some(2),
        }
    }

    #[test]
    fn the_requester_submits_and_cancels_their_own() {
        let me = user(1, &[Role::Requester]);
        let f = facts(State::Draft, &[]);
        assert_eq!(decide(Action::Submit, &me, &f), Ok(Plan::Submit));
        assert_eq!(allowed(&me, &f), vec![Action::Submit, Action::Cancel]);
        let other = user(2, &[Role::Requester]);
        assert!(matches!(
            decide(Action::Cancel, &other, &f),
            Err(Refusal::Forbidden(_))
        ));
        assert!(allowed(&other, &f).is_empty());
    }

    #[test]
    fn approvals_count_up_to_the_policy_and_never_twice() {
        let a = user(2, &[Role::Approver]);
        let b = user(3, &[Role::Approver]);
        let f = facts(State::Submitted, &[]);
        assert_eq!(
            decide(Action::Approve, &a, &f),
            Ok(Plan::Approve { completes: false })
        );
        let f = facts(State::Submitted, &[2]);
        assert!(matches!(
            decide(Action::Approve, &a, &f),
            Err(Refusal::Conflict(_))
        ));
        assert_eq!(
            decide(Action::Approve, &b, &f),
            Ok(Plan::Approve { completes: true })
        );
        assert_eq!(
            Plan::Approve { completes: true }.next(State::Submitted),
            State::Approved
        );
    }

    #[test]
    fn nobody_decides_their_own_request() {
        let both = user(1, &[Role::Requester, Role::Approver]);
        let f = facts(State::Submitted, &[]);
        assert!(matches!(
            decide(Action::Approve, &both, &f),
            Err(Refusal::Forbidden(_))
        ));
        assert!(matches!(
            decide(Action::Reject, &both, &f),
            Err(Refusal::Forbidden(_))
        ));
        assert_eq!(allowed(&both, &f), vec![Action::Cancel]);
    }

    #[test]
    fn operators_fulfill_and_a_cancel_releases_what_is_held() {
        let op = user(4, &[Role::Operator]);
        let f = facts(State::Approved, &[2, 3]);
        assert_eq!(
            decide(Action::Fulfill, &op, &f),
            Ok(Plan::Fulfill {
                kind: Kind::Provision
            })
        );
        let me = user(1, &[Role::Requester]);
        assert_eq!(
            decide(Action::Cancel, &me, &f),
            Ok(Plan::Cancel { release: true })
        );
        assert!(matches!(
            decide(Action::Expire, &op, &f),
            Err(Refusal::Forbidden(_))
        ));
    }

    #[test]
    fn admins_hold_no_request_powers() {
        let admin = user(9, &[Role::Admin]);
        for state in State::ALL {
            assert!(allowed(&admin, &facts(*state, &[])).is_empty(), "{state}");
        }
    }

    proptest! {
        #[test]
        fn allowed_actions_are_exactly_the_decided_ones(
            state in 0usize..7, roles in proptest::collection::vec(0usize..5, 0..4),
            me_id in 1i64..4, approvers in proptest::collection::vec(1i64..4, 0..3), needed in 0i64..3,
        ) {
            let roles: Vec<Role> = roles.into_iter().map(|r| Role::ALL[r]).collect();
            let me = user(me_id, &roles);
            let f = Facts { state: State::ALL[state], kind: Kind::Provision, requester_id: 1, approvers: &approvers, approvals_needed: Some(needed) };
            for a in Action::ALL {
                let ok = decide(*a, &me, &f).is_ok();
                prop_assert_eq!(allowed(&me, &f).contains(a), ok);
                // Whatever is allowed is a real transition of the state machine.
                if let Ok(plan) = decide(*a, &me, &f) {
                    let completes = plan == Plan::Approve { completes: true };
                    prop_assert!(f.state.after(*a, completes).is_ok());
                    prop_assert!(*a != Action::Approve || f.requester_id != me.id);
                }
            }
        }
    }
}
