//! Status types shared by the admin page, the server and the public routes.

use serde::{Deserialize, Serialize};

use super::domain::{ComponentState, NoticeKind};
use crate::fleet::codes::{CapacityUnit, Family};

/// One entry of a notice's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NoticeUpdate {
    pub at: String,
    pub body: String,
}

/// An incident or maintenance notice. Who wrote it stays in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub regions: Vec<String>,
    pub started_at: String,
    pub updated_at: String,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub resolved_at: Option<String>,
    pub version: i64,
    /// Oldest first.
    pub updates: Vec<NoticeUpdate>,
}

impl Notice {
    pub fn is_active(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// A region × SKU family as the status page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentStatus {
    pub family: Family,
    pub state: ComponentState,
}

/// One day of a region's history on the status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayState {
    /// YYYY-MM-DD.
    pub day: String,
    /// `None` where there is no sample for the day.
    pub state: Option<ComponentState>,
    /// The components that were limited or unavailable that day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short: Vec<ComponentStatus>,
    /// Titles of the notices active that day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// Free units of one capacity unit (shown only when an admin allows numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFree {
    pub unit: CapacityUnit,
    pub free: i64,
}

/// A region as the status page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionStatus {
    pub code: String,
    pub name: String,
    pub geography: String,
    /// The worst of its components and its active notices.
    pub state: ComponentState,
    /// Each SKU family offered here, in family order.
    pub components: Vec<ComponentStatus>,
    /// Days of the history on which some component was limited or unavailable.
    pub days_limited: usize,
    /// `Some` only when the setting `status.show_units` is on.
    pub free: Option<Vec<UnitFree>>,
    /// The last 90 days, oldest first; `None` days have no sample.
    pub history: Vec<DayState>,
    /// Work in flight here: the public summaries of its deployments (nothing internal).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work: Vec<String>,
}

/// Everything the public status routes show, built once per refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    pub overall: ComponentState,
    pub regions: Vec<RegionStatus>,
    /// Active notices, newest first.
    pub active: Vec<Notice>,
    /// Notices resolved in the last 14 days, newest first.
    pub recent: Vec<Notice>,
    /// RFC 3339.
    pub generated_at: String,
}
