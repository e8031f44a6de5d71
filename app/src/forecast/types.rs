//! The forecast's wire types and its query (`?region=&sku=&include_pending=&growth=`),
//! parsed once for the API and the pages.

use serde::{Deserialize, Serialize};

use crate::fleet::codes::{CapacityUnit, Family, RegionCode, SkuCode};
use crate::shared::fields::FieldError;

/// The fitting method, as the API names it.
pub const METHOD: &str = "theil-sen";

/// The largest growth multiplier a what-if may ask for.
pub const MAX_GROWTH: f64 = 10.0;

/// What a forecast is asked for: which pairs, and the what-if toggles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastQuery {
    pub region: Option<RegionCode>,
    pub sku: Option<SkuCode>,
    /// Count submitted requests at their need-by dates (off by default).
    pub include_pending: bool,
    /// The organic trend's growth multiplied (1 as fitted; 0 to 10).
    pub growth: f64,
}

impl Default for ForecastQuery {
    fn default() -> Self {
        ForecastQuery {
            region: None,
            sku: None,
            include_pending: false,
            growth: 1.0,
        }
    }
}

fn parse_flag(field: &'static str, value: &str) -> Result<bool, FieldError> {
    match value {
        "true" | "1" | "on" => Ok(true),
        "false" | "0" | "off" => Ok(false),
        _ => Err(FieldError::new(
            field,
            format!("'{value}' is not true or false"),
        )),
    }
}

impl ForecastQuery {
    /// Parses URL query pairs. Empty values mean "not given"; unknown keys are ignored.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let mut q = ForecastQuery::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "region" => {
                    q.region =
                        Some(RegionCode::parse(value).map_err(|m| FieldError::new("region", m))?)
                }
                "sku" => {
                    q.sku = Some(SkuCode::parse(value).map_err(|m| FieldError::new("sku", m))?)
                }
                "include_pending" => q.include_pending = parse_flag("include_pending", value)?,
                "growth" => {
                    q.growth = value
                        .parse::<f64>()
                        .ok()
                        .filter(|g| g.is_finite() && (0.0..=MAX_GROWTH).contains(g))
                        .ok_or_else(|| {
                            FieldError::new(
                                "growth",
                                format!(
                                    "'{value}' is not a growth multiplier from 0 to {MAX_GROWTH}"
                                ),
                            )
                        })?
                }
                _ => {}
            }
        }
        Ok(q)
    }
}

/// One region × SKU's forecast. Dates are `YYYY-MM-DD` (UTC): today when
/// already crossed, `null` when not within the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastItem {
    pub region: String,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    /// Units in use or promised today, and in service today.
    pub used: i64,
    pub serviceable: i64,
    pub exhaustion_date: Option<String>,
    pub constrained_date: Option<String>,
    pub critical_date: Option<String>,
    pub method: String,
    /// The organic trend: used units gained per day (`null` without enough history).
    pub growth_per_day: Option<f64>,
    /// Days of history the trend was fitted on.
    pub window_days: usize,
    /// Units of supply to come (buildouts' `+`, decommissions' `−`) and of
    /// known demand folded in (waiting for capacity, and pending when asked).
    pub supply_to_come: i64,
    pub demand_to_come: i64,
}

/// A forecast: the region × SKU pairs asked for, soonest to run out first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub items: Vec<ForecastItem>,
    /// The day it projects from (UTC).
    pub today: String,
    pub horizon_days: i64,
    pub include_pending: bool,
    pub growth: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ForecastQuery, FieldError> {
        ForecastQuery::parse(pairs.iter().copied())
    }

    #[test]
    fn the_query_parses_each_field_and_names_a_bad_one() {
        let q = parse(&[
            ("region", "westus2"),
            ("sku", "Dv5"),
            ("include_pending", "true"),
            ("growth", "1.5"),
        ])
        .unwrap();
        assert_eq!(q.region.as_ref().map(|r| r.as_str()), Some("westus2"));
        assert_eq!(q.sku.as_ref().map(|s| s.as_str()), Some("Dv5"));
        assert!(q.include_pending);
        assert_eq!(q.growth, 1.5);
        assert_eq!(
            parse(&[("region", ""), ("growth", "")]).unwrap(),
            ForecastQuery::default()
        );
        for (pairs, field) in [
            (vec![("region", "West US")], "region"),
            (vec![("sku", "../x")], "sku"),
            (vec![("include_pending", "yes")], "include_pending"),
            (vec![("growth", "-1")], "growth"),
            (vec![("growth", "11")], "growth"),
            (vec![("growth", "NaN")], "growth"),
            (vec![("growth", "inf")], "growth"),
        ] {
            assert_eq!(parse(&pairs).unwrap_err().field, field, "{pairs:?}");
        }
    }
}
