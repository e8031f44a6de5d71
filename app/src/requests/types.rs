//! Request types shared by the API, the pages and the service.

use serde::{Deserialize, Serialize};

use super::domain::{Kind, Priority, State};

/// A request as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CapacityRequest {
    pub key: String,
    pub kind: Kind,
    pub region: String,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub zone: Option<i64>,
    pub sku: String,
    pub quantity: i64,
    pub need_by: String,
    pub service: String,
    pub justification: String,
    pub priority: Priority,
    pub requester: String,
    pub state: State,
    pub version: i64,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub hold_until: Option<String>,
    /// The policy's decision in words, once submitted.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub policy: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub approvals_needed: Option<i64>,
    pub approvals: Vec<Approval>,
    pub reservations: Vec<Reservation>,
    /// The deployment linked to it (a buildout it waits for), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl CapacityRequest {
    /// What `action` just did to this request, in words for the person who took it.
    pub fn outcome(&self, action: super::domain::Action) -> String {
        use super::domain::Action;
        let key = &self.key;
        let (n, m) = (
            self.approvals.len() as i64,
            self.approvals_needed.unwrap_or(0),
        );
        let reserved: i64 = self.reservations.iter().map(|r| r.units).sum();
        let plural = |k: i64, one: &str, many: &str| {
            if k == 1 {
                format!("one {one}")
            } else {
                format!("{k} {many}")
            }
        };
        match (action, self.state) {
            (Action::Submit, State::Approved) => {
                format!("{key} submitted and approved by policy; {reserved} units reserved")
            }
            (Action::Submit, _) => format!(
                "{key} submitted; it needs {}",
                plural(m, "approval", "approvals")
            ),
            (Action::Approve, State::Submitted) => format!(
                "{key} approved by you — {n} of {m}; waiting for {}",
                plural(m - n, "more approver", "more approvers")
            ),
            (Action::Approve, State::AwaitingCapacity) => format!(
                "{key} approved by you — {n} of {m}; waiting for buildout {}",
                self.deployment.as_deref().unwrap_or("(drafted)")
            ),
            (Action::Approve, _) => {
                format!("{key} approved by you — {n} of {m}; {reserved} units reserved")
            }
            (Action::Reject, _) => format!("{key} rejected; the requester sees your reason"),
            (Action::Cancel, _) => format!("{key} cancelled"),
            (Action::Fulfill, _) => format!("{key} fulfilled"),
            (Action::Expire, _) => format!("{key} expired"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Approval {
    pub approver: String,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub cluster_id: i64,
    pub cluster: String,
    pub units: i64,
}

/// The fields of a new request or an edit, as sent (checked by the service).
/// On an edit (`PATCH`) a field left out keeps its value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestInput {
    pub kind: Option<String>,
    pub region: Option<String>,
    /// Left out: unchanged (or any zone, for a new request); `null`: any zone.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i64>))]
    pub zone: Option<Option<i64>>,
    pub sku: Option<String>,
    pub quantity: Option<i64>,
    pub need_by: Option<String>,
    pub service: Option<String>,
    pub justification: Option<String>,
    pub priority: Option<String>,
    /// On create: keep as a draft instead of submitting.
    #[serde(default)]
    pub draft: bool,
    /// On edit: the version the caller saw.
    pub version: Option<i64>,
}

/// A decision or transition: the version the caller saw and an optional comment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionInput {
    pub version: Option<i64>,
    pub comment: Option<String>,
    /// On a final approval that the capacity is not there for: approve anyway,
    /// drafting a buildout for the shortfall (the request awaits its capacity).
    #[serde(default)]
    pub with_buildout: bool,
}

/// One entry of a request's timeline (from the audit trail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A comment on a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub author: String,
    pub at: String,
    pub body: String,
}

/// Free units and band before → after, for the approval preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadroomChange {
    pub name: String,
    pub free_before: i64,
    pub free_after: i64,
    pub health_before: crate::fleet::ledger::Health,
    pub health_after: crate::fleet::ledger::Health,
}

/// What approving would do to the fleet: each affected cluster and the region × SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub clusters: Vec<HeadroomChange>,
    pub region_sku: HeadroomChange,
    /// Set when the units are not there: "short by 340 vCPU in westus2".
    pub shortfall: Option<String>,
    /// What approving does to the region × SKU's forecast dates (`None`
    /// when the pair has no forecast).
    #[serde(default)]
    pub impact: Option<crate::forecast::impact::Impact>,
}

/// Everything the request page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub request: CapacityRequest,
    pub unit: String,
    pub timeline: Vec<TimelineEntry>,
    pub comments: Vec<Comment>,
    /// For approvers deciding a submitted provision request.
    pub preview: Option<Preview>,
    /// The actions this caller may take now.
    pub actions: Vec<super::domain::Action>,
    /// Units of a waiting provision that cannot be placed now (0 when they can).
    #[serde(default)]
    pub short_by: i64,
}

/// The approver's inbox: what waits for them, oldest first, and the SLA it is measured against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalInbox {
    pub items: Vec<InboxItem>,
    /// Overdue after this many business days (setting `requests.sla_business_days`).
    pub sla_business_days: i64,
    /// The server's clock, RFC 3339, that ages are measured to.
    pub now: String,
}

/// The operators' queue of approved requests, soonest need-by first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FulfilmentQueue {
    pub items: Vec<CapacityRequest>,
    /// Today (UTC, `YYYY-MM-DD`): a need-by before it is overdue.
    pub today: String,
}

/// What the navigation counts for the caller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavCounts {
    /// Requests waiting for the caller's approval (approvers only).
    pub waiting_for_me: Option<i64>,
    /// The caller's own requests in flight (requesters only).
    pub mine_in_flight: Option<i64>,
}

/// A request in the approver's inbox, with what approving it would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub request: CapacityRequest,
    /// The SKU's capacity unit (vCPU, GPU, TiB).
    pub unit: String,
    /// The region × SKU's band once its units are reserved (provisions).
    pub band_after: Option<crate::fleet::ledger::Health>,
    /// Units missing to place it now; 0 when it can be placed.
    pub short_by: i64,
}

/// Filters of the request list; every one optional, all as typed (the service checks them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestFilter {
    pub state: Option<String>,
    pub region: Option<String>,
    pub sku: Option<String>,
    /// The requester's user name.
    pub requester: Option<String>,
    /// Only requests filed at least this many days ago.
    pub older_than_days: Option<String>,
}

impl RequestFilter {
    /// The query-string keys, in the order the list page shows them.
    pub const KEYS: [&'static str; 5] = ["state", "region", "sku", "requester", "older_than_days"];

    /// Builds a filter from `(key, value)` pairs, blank values meaning "any".
    pub fn from_pairs<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Self {
        let mut take = |k: &str| {
            get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        RequestFilter {
            state: take("state"),
            region: take("region"),
            sku: take("sku"),
            requester: take("requester"),
            older_than_days: take("older_than_days"),
        }
    }
}

/// A field that was sent, even as `null` (`Some(None)`), apart from one left
/// out (`None`, by `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::super::domain::Action;
    use super::*;

    fn request(state: State, approvals: usize, needed: i64) -> CapacityRequest {
        CapacityRequest {
            key: "CR-1012".into(),
            kind: Kind::Provision,
            region: "westus2".into(),
            zone: None,
            sku: "Dv5".into(),
            quantity: 600,
            need_by: "2027-01-31".into(),
            service: "web".into(),
            justification: "growth".into(),
            priority: Priority::P2,
            requester: "requester".into(),
            state,
            version: 3,
            hold_until: None,
            policy: None,
            approvals_needed: Some(needed),
            approvals: (0..approvals)
                .map(|i| Approval {
                    approver: format!("approver{i}"),
                    at: "2026-11-30T10:00:00Z".into(),
                })
                .collect(),
            reservations: if state == State::Approved {
                vec![Reservation {
                    cluster_id: 1,
                    cluster: "westus2-az1-dv5-001".into(),
                    units: 600,
                }]
            } else {
                vec![]
            },
            deployment: None,
            created_at: "2026-11-30T09:00:00Z".into(),
            updated_at: "2026-11-30T10:00:00Z".into(),
        }
    }

    #[test]
    fn outcomes_say_what_happened() {
        assert_eq!(
            request(State::Submitted, 1, 2).outcome(Action::Approve),
            "CR-1012 approved by you — 1 of 2; waiting for one more approver"
        );
        assert_eq!(
            request(State::Submitted, 1, 3).outcome(Action::Approve),
            "CR-1012 approved by you — 1 of 3; waiting for 2 more approvers"
        );
        assert_eq!(
            request(State::Approved, 2, 2).outcome(Action::Approve),
            "CR-1012 approved by you — 2 of 2; 600 units reserved"
        );
        assert_eq!(
            request(State::Submitted, 0, 2).outcome(Action::Submit),
            "CR-1012 submitted; it needs 2 approvals"
        );
        assert_eq!(
            request(State::Approved, 0, 0).outcome(Action::Submit),
            "CR-1012 submitted and approved by policy; 600 units reserved"
        );
        assert_eq!(
            request(State::Cancelled, 0, 1).outcome(Action::Cancel),
            "CR-1012 cancelled"
        );
    }

    #[test]
    fn a_zone_left_out_differs_from_a_zone_sent_as_null() {
        let absent: RequestInput = serde_json::from_str(r#"{"quantity": 5}"#).unwrap();
        let null: RequestInput = serde_json::from_str(r#"{"zone": null}"#).unwrap();
        let two: RequestInput = serde_json::from_str(r#"{"zone": 2}"#).unwrap();
        assert_eq!((absent.zone, absent.quantity), (None, Some(5)));
        assert_eq!(null.zone, Some(None));
        assert_eq!(two.zone, Some(Some(2)));
    }
}
