//! A request's fields, parsed from what a caller sent: every one named when it
//! is wrong, region and SKU checked against the fleet, need-by within the
//! window the settings allow. An edit merges what was sent onto what is stored.

use crate::error::{AppError, AppResult};
use crate::fleet::codes::{parse_zone, RegionCode, SkuCode};
use crate::fleet::server::snapshot::Snapshot;
use crate::requests::domain::{self, Kind, Priority};
use crate::requests::types::RequestInput;
use crate::shared::time::format_day;

use super::store::{RequestFields, RequestRow};

/// A request's checked fields.
#[derive(Debug, Clone)]
pub struct Fields {
    pub kind: Kind,
    pub region: RegionCode,
    pub zone: Option<i64>,
    pub sku: SkuCode,
    pub quantity: i64,
    pub need_by: String,
    pub service: String,
    pub justification: String,
    pub priority: Priority,
}

impl Fields {
    pub fn row(&self) -> RequestFields<'_> {
        RequestFields {
            kind: self.kind,
            region: &self.region,
            zone: self.zone,
            sku: &self.sku,
            quantity: self.quantity,
            need_by: &self.need_by,
            service: &self.service,
            justification: &self.justification,
            priority: self.priority,
        }
    }
}

fn required<T>(v: Option<T>, field: &'static str) -> AppResult<T> {
    v.ok_or_else(|| AppError::invalid(field, format!("{field} is required")))
}

/// Parses input into fields, naming the first bad one. Region and SKU must
/// exist and go together; need-by is not before `today` (UTC) and at most
/// `requests.max_need_by_days` after it.
pub fn parse(i: &RequestInput, snap: &Snapshot, today: time::Date) -> AppResult<Fields> {
    let kind = Kind::parse(&required(i.kind.clone(), "kind")?)
        .map_err(|m| AppError::invalid("kind", m))?;
    let region = RegionCode::parse(&required(i.region.clone(), "region")?)
        .map_err(|m| AppError::invalid("region", m))?;
    let zone = match i.zone.flatten() {
        Some(z) => Some(parse_zone(&z.to_string()).map_err(|m| AppError::invalid("zone", m))?),
        None => None,
    };
    let sku = SkuCode::parse(&required(i.sku.clone(), "sku")?)
        .map_err(|m| AppError::invalid("sku", m))?;
    let quantity = domain::parse_quantity(required(i.quantity, "quantity")?)
        .map_err(|m| AppError::invalid("quantity", m))?;
    let need_by = domain::parse_date(&required(i.need_by.clone(), "need_by")?)
        .map_err(|m| AppError::invalid("need_by", m))?;
    let service = domain::parse_text(&required(i.service.clone(), "service")?, 100)
        .map_err(|m| AppError::invalid("service", format!("service {m}")))?;
    let justification =
        domain::parse_text(&required(i.justification.clone(), "justification")?, 4000)
            .map_err(|m| AppError::invalid("justification", format!("justification {m}")))?;
    let priority = Priority::parse(&required(i.priority.clone(), "priority")?)
        .map_err(|m| AppError::invalid("priority", m))?;
    let max_days = snap.settings.max_need_by_days;
    let latest = format_day(today + time::Duration::days(max_days));
    // Both are YYYY-MM-DD, so text order is date order.
    let today_text = format_day(today);
    if need_by < today_text {
        return Err(AppError::invalid(
            "need_by",
            format!("need_by {need_by} is in the past; pick {today_text} or later"),
        ));
    }
    if need_by > latest {
        return Err(AppError::invalid(
            "need_by",
            format!("need_by may be at most {max_days} days ahead (by {latest})"),
        ));
    }
    let known_region = snap
        .region(region.as_str())
        .ok_or_else(|| AppError::invalid("region", format!("no region '{region}'")))?;
    if !snap.options.skus.iter().any(|s| s.code == sku.as_str()) {
        return Err(AppError::invalid("sku", format!("no SKU '{sku}'")));
    }
    if !known_region.skus.iter().any(|s| s.sku == sku.as_str()) {
        return Err(AppError::invalid(
            "sku",
            format!("{region} offers no {sku}"),
        ));
    }
    Ok(Fields {
        kind,
        region,
        zone,
        sku,
        quantity,
        need_by,
        service,
        justification,
        priority,
    })
}

/// What an edit asks for: the stored fields, with those the caller sent in their place.
pub fn merged(row: &RequestRow, patch: &RequestInput) -> RequestInput {
    RequestInput {
        kind: patch.kind.clone().or_else(|| Some(row.kind.to_string())),
        region: patch
            .region
            .clone()
            .or_else(|| Some(row.region.to_string())),
        zone: Some(patch.zone.unwrap_or(row.zone)),
        sku: patch.sku.clone().or_else(|| Some(row.sku.to_string())),
        quantity: patch.quantity.or(Some(row.quantity)),
        need_by: patch.need_by.clone().or_else(|| Some(row.need_by.clone())),
        service: patch.service.clone().or_else(|| Some(row.service.clone())),
        justification: patch
            .justification
            .clone()
            .or_else(|| Some(row.justification.clone())),
        priority: patch
            .priority
            .clone()
            .or_else(|| Some(row.priority.to_string())),
        draft: false,
        version: patch.version,
    }
}
