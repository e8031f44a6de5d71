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

/// Parses input into fields. Every bad field is named in one refusal (the
/// first is its `field`; the message lists them all), so a form can be put
/// right in one go. Region and SKU must exist and go together; need-by is not
/// before `today` (UTC) and at most `requests.max_need_by_days` after it.
pub fn parse(i: &RequestInput, snap: &Snapshot, today: time::Date) -> AppResult<Fields> {
    let kind = required(i.kind.clone(), "kind")
        .and_then(|k| Kind::parse(&k).map_err(|m| AppError::invalid("kind", m)));
    let region = required(i.region.clone(), "region").and_then(|r| {
        let r = RegionCode::parse(&r).map_err(|m| AppError::invalid("region", m))?;
        match snap.region(r.as_str()) {
            Some(_) => Ok(r),
            None => Err(AppError::invalid("region", format!("no region '{r}'"))),
        }
    });
    let zone = match i.zone.flatten() {
        Some(z) => parse_zone(&z.to_string())
            .map(Some)
            .map_err(|m| AppError::invalid("zone", m)),
        None => Ok(None),
    };
    let sku = required(i.sku.clone(), "sku").and_then(|k| {
        let k = SkuCode::parse(&k).map_err(|m| AppError::invalid("sku", m))?;
        if snap.sku(&k).is_none() {
            return Err(AppError::invalid("sku", format!("no SKU '{k}'")));
        }
        if let Ok(r) = &region {
            if snap.pair(r, &k).is_none() {
                return Err(AppError::invalid("sku", format!("{r} offers no {k}")));
            }
        }
        Ok(k)
    });
    let quantity = required(i.quantity, "quantity")
        .and_then(|q| domain::parse_quantity(q).map_err(|m| AppError::invalid("quantity", m)));
    let need_by = required(i.need_by.clone(), "need_by").and_then(|d| {
        let d = domain::parse_date(&d).map_err(|m| AppError::invalid("need_by", m))?;
        let today_text = format_day(today);
        let max_days = snap.settings.max_need_by_days;
        let latest = format_day(today + time::Duration::days(max_days));
        // Both are YYYY-MM-DD, so text order is date order.
        if d < today_text {
            Err(AppError::invalid(
                "need_by",
                format!("need_by {d} is in the past; pick {today_text} or later"),
            ))
        } else if d > latest {
            Err(AppError::invalid(
                "need_by",
                format!("need_by may be at most {max_days} days ahead (by {latest})"),
            ))
        } else {
            Ok(d)
        }
    });
    let service = required(i.service.clone(), "service").and_then(|v| {
        domain::parse_text(&v, 100)
            .map_err(|m| AppError::invalid("service", format!("service {m}")))
    });
    let justification = required(i.justification.clone(), "justification").and_then(|v| {
        domain::parse_text(&v, 4000)
            .map_err(|m| AppError::invalid("justification", format!("justification {m}")))
    });
    let priority = required(i.priority.clone(), "priority")
        .and_then(|p| Priority::parse(&p).map_err(|m| AppError::invalid("priority", m)));
    let refusals: Vec<&AppError> = [
        kind.as_ref().err(),
        region.as_ref().err(),
        zone.as_ref().err(),
        sku.as_ref().err(),
        quantity.as_ref().err(),
        need_by.as_ref().err(),
        service.as_ref().err(),
        justification.as_ref().err(),
        priority.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if refusals.len() > 1 {
        return Err(all_of(&refusals));
    }
    Ok(Fields {
        kind: kind?,
        region: region?,
        zone: zone?,
        sku: sku?,
        quantity: quantity?,
        need_by: need_by?,
        service: service?,
        justification: justification?,
        priority: priority?,
    })
}

/// One refusal naming every field at fault: the first is its `field`, and the
/// message says each ("quantity: must be > 0; need_by: …").
fn all_of(refusals: &[&AppError]) -> AppError {
    let field = refusals.first().and_then(|e| e.field());
    let message = refusals
        .iter()
        .map(|e| {
            let m = e.to_string();
            match e.field() {
                Some(f) if !m.starts_with(f) => format!("{f}: {m}"),
                _ => m,
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    AppError::Invalid { field, message }
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
