//! Capacity requests: the state machine and parsed fields. Pure code, shared
//! by the browser and the server.

use crate::shared::enums::text_enum;

text_enum!(
    /// Whether a request adds usage or gives capacity back.
    Kind, "request kind" { Provision => "provision", Deprovision => "deprovision" }
);

text_enum!(
    /// How urgent a request is.
    Priority, "priority" { P0 => "P0", P1 => "P1", P2 => "P2", P3 => "P3" }
);

text_enum!(
    /// Where a request is in its life.
    State, "request state" {
        Draft => "draft",
        Submitted => "submitted",
        AwaitingCapacity => "awaiting_capacity",
        Approved => "approved",
        Fulfilled => "fulfilled",
        Rejected => "rejected",
        Cancelled => "cancelled",
        Expired => "expired",
    }
);

text_enum!(
    /// What can be done to a request.
    Action, "action" {
        Submit => "submit",
        Approve => "approve",
        Reject => "reject",
        Cancel => "cancel",
        Fulfill => "fulfill",
        Expire => "expire",
    }
);

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} request cannot be {verb}")]
pub struct Refused {
    pub from: State,
    pub verb: &'static str,
}

impl Action {
    /// What a reject or cancel without a reason is told.
    pub const REASON_REQUIRED: &'static str =
        "comment is required to reject or cancel: say why, the requester sees it";

    /// Whether the action needs a reason (a comment the requester sees).
    pub fn needs_reason(&self) -> bool {
        matches!(self, Action::Reject | Action::Cancel)
    }

    fn verb(&self) -> &'static str {
        match self {
            Action::Submit => "submitted",
            Action::Approve => "approved",
            Action::Reject => "rejected",
            Action::Cancel => "cancelled",
            Action::Fulfill => "fulfilled",
            Action::Expire => "expired",
        }
    }
}

impl State {
    /// Whether no action can change the request any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            State::Fulfilled | State::Rejected | State::Cancelled | State::Expired
        )
    }

    /// Whether the request holds reserved units in this state (approved provisions).
    pub fn holds_reservation(&self) -> bool {
        matches!(self, State::Approved)
    }

    /// The state after `action`. For `Approve`, `final_approval` says whether this
    /// approval completes what the policy asks; if not, the request stays submitted.
    pub fn after(self, action: Action, final_approval: bool) -> Result<State, Refused> {
        use Action::*;
        use State::*;
        let next = match (self, action) {
            (Draft, Submit) => Submitted,
            (Submitted, Approve) if final_approval => Approved,
            (Submitted, Approve) => Submitted,
            (Submitted, Reject) => Rejected,
            (Draft | Submitted | AwaitingCapacity | Approved, Cancel) => Cancelled,
            (Approved, Fulfill) => Fulfilled,
            (Approved, Expire) => Expired,
            (from, action) => {
                return Err(Refused {
                    from,
                    verb: action.verb(),
                })
            }
        };
        Ok(next)
    }
}

/// A request's key, `CR-1042`, from its number.
pub fn key_of(number: i64) -> String {
    format!("CR-{number}")
}

/// The number in a key such as `CR-1042`. Only the canonical form is a key
/// (`CR-` and digits without a leading zero, as `key_of` writes it), so one
/// request has one name everywhere, in URLs and the audit trail alike.
pub fn parse_key(key: &str) -> Result<i64, String> {
    crate::shared::text::parse_key(key, "CR-", "request", "CR-1042")
}

/// Units asked for: a whole number from 1 to 10,000,000.
pub fn parse_quantity(q: i64) -> Result<i64, String> {
    if (1..=10_000_000).contains(&q) {
        Ok(q)
    } else {
        Err("must be a whole number of units from 1 to 10,000,000".into())
    }
}

/// A date `YYYY-MM-DD` (checked as a real calendar date).
pub fn parse_date(s: &str) -> Result<String, String> {
    let bad = || format!("'{s}' is not a date (YYYY-MM-DD)");
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d): (i32, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&d) || !(2000..=2999).contains(&y) {
        return Err(bad());
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

/// A short text field: trimmed, 1..=max characters.
pub fn parse_text(s: &str, max: usize) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        Err("must not be empty".into())
    } else if t.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(t.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let s = State::Draft.after(Action::Submit, false).unwrap();
        let s = s.after(Action::Approve, false).unwrap();
        assert_eq!(s, State::Submitted, "one of two approvals");
        let s = s.after(Action::Approve, true).unwrap();
        assert_eq!(s, State::Approved);
        assert_eq!(s.after(Action::Fulfill, false), Ok(State::Fulfilled));
    }

    #[test]
    fn forbidden_transitions_are_refused() {
        assert_eq!(
            State::Draft.after(Action::Approve, true),
            Err(Refused {
                from: State::Draft,
                verb: "approved"
            })
        );
        assert!(State::Submitted.after(Action::Fulfill, false).is_err());
        assert!(State::Approved.after(Action::Reject, false).is_err());
        assert!(State::Submitted.after(Action::Expire, false).is_err());
        for s in [
            State::Fulfilled,
            State::Rejected,
            State::Cancelled,
            State::Expired,
        ] {
            for a in Action::ALL {
                assert!(s.after(*a, true).is_err(), "{s} is final");
            }
        }
        assert_eq!(
            Refused {
                from: State::Fulfilled,
                verb: "cancelled"
            }
            .to_string(),
            "a fulfilled request cannot be cancelled"
        );
    }

    #[test]
    fn keys_dates_quantities() {
        assert_eq!(key_of(1042), "CR-1042");
        assert_eq!(parse_key("CR-1042"), Ok(1042));
        for odd in [
            "CR-01042",
            "CR-+1042",
            "cr-1042",
            "CR-1042 ",
            "CR- 1042",
            "CR-１２",
            "CR-99999999999999999999",
        ] {
            assert!(parse_key(odd).is_err(), "{odd:?} is not canonical");
        }
        assert!(
            parse_key("CR-x").is_err() && parse_key("1042").is_err() && parse_key("CR-0").is_err()
        );
        assert_eq!(parse_date("2027-02-28"), Ok("2027-02-28".into()));
        assert!(parse_date("2027-02-29").is_err());
        assert!(parse_date("2028-02-29").is_ok());
        assert!(parse_date("27-1-1").is_err());
        assert!(
            parse_quantity(0).is_err() && parse_quantity(-5).is_err() && parse_quantity(64).is_ok()
        );
    }

    proptest! {
        #[test]
        fn no_action_leaves_a_final_state(actions in proptest::collection::vec((0usize..6, any::<bool>()), 0..20)) {
            let mut s = State::Draft;
            for (a, fin) in actions {
                if let Ok(next) = s.after(Action::ALL[a], fin) {
                    prop_assert!(!s.is_final());
                    s = next;
                }
            }
        }
    }
}
