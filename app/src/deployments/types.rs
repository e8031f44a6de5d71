//! Deployment types shared by the API, the pages and the service — the JSON of
//! PRODUCT.md "The contract", plus what the pages show besides.

use serde::{Deserialize, Serialize};

use super::domain::{DeploymentState, Kind, RingState, TargetState};

/// A deployment as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Deployment {
    pub key: String,
    pub kind: Kind,
    pub title: String,
    pub state: DeploymentState,
    pub version: i64,
    pub region: String,
    pub sku: String,
    /// Keys of the capacity requests this deployment serves.
    pub requests: Vec<String>,
    pub rings: Vec<Ring>,
    pub owner: String,
    /// One line the public status page may show while it is in flight.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub public_summary: Option<String>,
    /// What it waits for or why it stopped ("halted: target … failed — …").
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One deployment as the list page shows it (the page's hydration payload is
/// this, not every ring and target).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRow {
    pub key: String,
    pub kind: Kind,
    pub title: String,
    pub state: DeploymentState,
    pub region: String,
    pub sku: String,
    pub targets: usize,
    pub done: usize,
    pub units: i64,
}

/// One ring (stage) of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ring {
    pub name: String,
    pub state: RingState,
    pub bake_minutes: i64,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub bake_ends_at: Option<String>,
    pub targets: Vec<Target>,
}

/// One target of a ring: a cluster (for a buildout, the cluster it creates).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Target {
    pub id: i64,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub cluster_id: Option<i64>,
    /// The cluster's name, for people.
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub cluster: Option<String>,
    pub zone: i64,
    pub units: i64,
    pub state: TargetState,
    pub progress: i64,
    pub message: String,
}

/// A new deployment (`POST /api/v1/deployments`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeploymentInput {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub region: Option<String>,
    pub sku: Option<String>,
    #[serde(default)]
    pub requests: Vec<String>,
    #[serde(default)]
    pub rings: Vec<RingInput>,
    pub public_summary: Option<String>,
}

/// A ring of a plan as sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RingInput {
    pub name: Option<String>,
    pub bake_minutes: Option<i64>,
    #[serde(default)]
    pub targets: Vec<TargetInput>,
}

/// A target as sent: a cluster to build (`zone`, `units`) or an existing one (`cluster_id`).
/// One ring of a template applied in the plan editor: its targets as typed
/// there, separated by spaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRing {
    pub name: String,
    pub bake_minutes: i64,
    pub targets: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TargetInput {
    pub zone: Option<i64>,
    pub units: Option<i64>,
    pub cluster_id: Option<i64>,
}

/// A new plan for a planned deployment (`PATCH /api/v1/deployments/{key}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanInput {
    pub version: Option<i64>,
    #[serde(default)]
    pub rings: Vec<RingInput>,
}

/// An operator's action (`POST /api/v1/deployments/{key}/{action}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionInput {
    pub version: Option<i64>,
}

/// Automation's report of one target (`POST /api/v1/deployments/{key}/targets/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TargetReport {
    pub state: Option<String>,
    pub progress: Option<i64>,
    #[serde(default)]
    pub message: String,
    /// The deployment's version the reporter last saw.
    pub version: Option<i64>,
}

/// What the deployments list is filtered by (blank = any).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeploymentFilter {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub region: Option<String>,
}

impl DeploymentFilter {
    pub const KEYS: [&'static str; 3] = ["state", "kind", "region"];

    /// From `(key, value)` pairs, blank values meaning "any".
    pub fn from_pairs<'a>(mut get: impl FnMut(&str) -> Option<&'a str>) -> Self {
        let mut take = |k: &str| {
            get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        DeploymentFilter {
            state: take("state"),
            kind: take("kind"),
            region: take("region"),
        }
    }
}

/// One entry of a deployment's timeline (from the audit trail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// Everything the deployment page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentDetail {
    pub deployment: Deployment,
    pub unit: String,
    /// The gate status in words ("waiting: bake of 'pilot' ends in 2 h 10 m").
    pub status: String,
    /// When it should finish (RFC 3339), while it runs.
    pub eta: Option<String>,
    /// Units it adds (buildout, positive) or takes away (decommission, negative).
    pub capacity_change: i64,
    pub timeline: Vec<Event>,
    /// The actions this caller may take now.
    pub actions: Vec<String>,
    /// The server's clock, for the bake countdown.
    pub now: String,
}

/// Deployments in flight and capacity on its way, for the overview and region pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InFlight {
    /// The first `IN_FLIGHT_SHOWN`, in flight before planned.
    pub items: Vec<InFlightItem>,
    /// Whether there are more than those (the list page has them all).
    #[serde(default)]
    pub more: bool,
    /// The region asked about (none: every region).
    #[serde(default)]
    pub region: Option<String>,
    /// The capacity freezes in force there, in words.
    pub freezes: Vec<String>,
}

/// One deployment in flight or planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InFlightItem {
    pub key: String,
    pub kind: Kind,
    pub title: String,
    pub state: DeploymentState,
    pub region: String,
    pub sku: String,
    /// Units it adds (positive) or removes (negative).
    pub units: i64,
    pub unit: String,
    /// Expected completion (RFC 3339), when known.
    pub eta: Option<String>,
}
