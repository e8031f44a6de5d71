//! The forecast's wire types and its query (`?region=&sku=&include_pending=&growth=`),
//! parsed once for the API and the pages.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::fleet::codes::{CapacityUnit, Family, RegionCode, SkuCode};
use crate::shared::fields::FieldError;

/// The fitting method, as the API names it.
pub const METHOD: &str = "theil-sen";

/// The largest growth multiplier a what-if may ask for.
pub const MAX_GROWTH: f64 = 10.0;

/// The most regions one forecast may name.
pub const MAX_REGIONS: usize = 50;

/// The most units a hypothetical demand or buildout may add.
pub const MAX_EXTRA_UNITS: i64 = 100_000_000;

/// A hypothetical change on a day (what-if): demand or a buildout of `units`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    pub units: i64,
    /// The day it lands; `None` is today.
    pub on: Option<Date>,
}

/// What a forecast is asked for: which pairs, and the what-if toggles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastQuery {
    /// The regions (`region=` repeated); none is every region.
    pub regions: Vec<RegionCode>,
    pub sku: Option<SkuCode>,
    /// Count submitted requests at their need-by dates (off by default).
    pub include_pending: bool,
    /// Count planned and running buildouts and decommissions (on by default).
    pub buildouts: bool,
    /// The organic trend's growth multiplied (1 as fitted; 0 to 10).
    pub growth: f64,
    /// What-if: extra demand (`demand_units=`, `demand_on=`).
    pub extra_demand: Option<Extra>,
    /// What-if: an extra buildout (`buildout_units=`, `buildout_on=`).
    pub extra_buildout: Option<Extra>,
}

impl Default for ForecastQuery {
    fn default() -> Self {
        ForecastQuery {
            regions: Vec::new(),
            sku: None,
            include_pending: false,
            buildouts: true,
            growth: 1.0,
            extra_demand: None,
            extra_buildout: None,
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

fn parse_units(field: &'static str, value: &str) -> Result<i64, FieldError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|u| (1..=MAX_EXTRA_UNITS).contains(u))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("'{value}' is not a whole number of units from 1 to {MAX_EXTRA_UNITS}"),
            )
        })
}

fn parse_on(field: &'static str, value: &str) -> Result<Date, FieldError> {
    crate::shared::time::parse_day(value)
        .filter(|_| value.len() == 10)
        .ok_or_else(|| FieldError::new(field, format!("'{value}' is not a date (YYYY-MM-DD)")))
}

impl ForecastQuery {
    /// Parses URL query pairs. Empty values mean "not given"; unknown keys are
    /// ignored. A date without units is ignored too (the form always sends both).
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let mut q = ForecastQuery::default();
        let (mut demand_on, mut buildout_on) = (None, None);
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "region" => {
                    let code =
                        RegionCode::parse(value).map_err(|m| FieldError::new("region", m))?;
                    if !q.regions.contains(&code) {
                        q.regions.push(code);
                    }
                    if q.regions.len() > MAX_REGIONS {
                        return Err(FieldError::new(
                            "region",
                            format!("at most {MAX_REGIONS} regions at once"),
                        ));
                    }
                }
                "sku" => {
                    q.sku = Some(SkuCode::parse(value).map_err(|m| FieldError::new("sku", m))?)
                }
                "include_pending" => q.include_pending = parse_flag("include_pending", value)?,
                "buildouts" => q.buildouts = parse_flag("buildouts", value)?,
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
                "demand_units" => {
                    q.extra_demand = Some(Extra {
                        units: parse_units("demand_units", value)?,
                        on: None,
                    })
                }
                "demand_on" => demand_on = Some(parse_on("demand_on", value)?),
                "buildout_units" => {
                    q.extra_buildout = Some(Extra {
                        units: parse_units("buildout_units", value)?,
                        on: None,
                    })
                }
                "buildout_on" => buildout_on = Some(parse_on("buildout_on", value)?),
                _ => {}
            }
        }
        if let Some(e) = q.extra_demand.as_mut() {
            e.on = demand_on;
        }
        if let Some(e) = q.extra_buildout.as_mut() {
            e.on = buildout_on;
        }
        Ok(q)
    }

    /// The query string that asks for this forecast (the defaults left out),
    /// so that a link reproduces the scenario.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .regions
            .iter()
            .map(|r| ("region", r.as_str().to_owned()))
            .collect();
        if let Some(s) = &self.sku {
            pairs.push(("sku", s.as_str().to_owned()));
        }
        if self.include_pending {
            pairs.push(("include_pending", "true".to_owned()));
        }
        if !self.buildouts {
            pairs.push(("buildouts", "false".to_owned()));
        }
        if self.growth != 1.0 {
            pairs.push(("growth", self.growth.to_string()));
        }
        for (extra, units, on) in [
            (&self.extra_demand, "demand_units", "demand_on"),
            (&self.extra_buildout, "buildout_units", "buildout_on"),
        ] {
            if let Some(e) = extra {
                pairs.push((units, e.units.to_string()));
                if let Some(d) = e.on {
                    pairs.push((on, crate::shared::time::format_day(d)));
                }
            }
        }
        crate::shared::url::query_string(pairs.iter().map(|(k, v)| (*k, v.as_str())))
    }

    /// Whether `region` × `sku` is among the pairs asked for.
    pub fn selects(&self, region: &str, sku: &str) -> bool {
        self.selects_region(region) && self.sku.as_ref().is_none_or(|s| s.as_str() == sku)
    }

    /// Whether `region` is among the regions asked for.
    pub fn selects_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r.as_str() == region)
    }
}

/// One region × SKU's forecast. Dates are `YYYY-MM-DD` (UTC): today when
/// already crossed, `null` when not within the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ForecastItem {
    pub region: String,
    pub sku: String,
    pub family: Family,
    pub unit: CapacityUnit,
    /// Units in use or promised today, and in service today.
    pub used: i64,
    pub serviceable: i64,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub exhaustion_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub constrained_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub critical_date: Option<String>,
    pub method: String,
    /// The organic trend: used units gained per day (`null` without enough history).
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub growth_per_day: Option<f64>,
    /// Days of history the trend was fitted on.
    pub window_days: usize,
    /// Units of supply to come (buildouts' `+`, decommissions' `−`) and of
    /// known demand folded in (waiting for capacity, and pending when asked).
    pub supply_to_come: i64,
    pub demand_to_come: i64,
}

/// A region × family roll-up: its SKUs' ledgers and projections summed, in
/// the family's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FamilyRollup {
    pub region: String,
    pub family: Family,
    pub unit: CapacityUnit,
    /// The SKUs summed.
    pub skus: i64,
    pub used: i64,
    pub serviceable: i64,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub exhaustion_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub constrained_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub critical_date: Option<String>,
    /// The SKUs' growth summed (each clamped at zero, as projected).
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub growth_per_day: Option<f64>,
    pub supply_to_come: i64,
    pub demand_to_come: i64,
}

impl FamilyRollup {
    /// The roll-up from its summed inputs' item, of `skus` SKUs.
    pub fn from_item(i: ForecastItem, skus: i64) -> Self {
        FamilyRollup {
            region: i.region,
            family: i.family,
            unit: i.unit,
            skus,
            used: i.used,
            serviceable: i.serviceable,
            exhaustion_date: i.exhaustion_date,
            constrained_date: i.constrained_date,
            critical_date: i.critical_date,
            growth_per_day: i.growth_per_day,
            supply_to_come: i.supply_to_come,
            demand_to_come: i.demand_to_come,
        }
    }
}

/// A region's roll-up: its family soonest to run out (families count in
/// different units, so they are not summed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RegionRollup {
    pub region: String,
    pub family: Family,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub exhaustion_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub constrained_date: Option<String>,
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub critical_date: Option<String>,
}

/// A forecast: the region × SKU pairs asked for, soonest to run out first,
/// and their roll-ups per region × family and per region, soonest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Forecast {
    pub items: Vec<ForecastItem>,
    pub by_family: Vec<FamilyRollup>,
    pub by_region: Vec<RegionRollup>,
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
        assert_eq!(q.regions, [RegionCode::parse("westus2").unwrap()]);
        assert_eq!(q.sku.as_ref().map(|s| s.as_str()), Some("Dv5"));
        assert!(q.include_pending);
        assert_eq!(q.growth, 1.5);
        assert_eq!(
            parse(&[("region", ""), ("growth", ""), ("demand_units", "")]).unwrap(),
            ForecastQuery::default()
        );
        // A date without units asks for nothing; units without a date land today.
        assert_eq!(
            parse(&[("demand_on", "2027-01-01"), ("buildout_units", "40")]).unwrap(),
            ForecastQuery {
                extra_buildout: Some(Extra {
                    units: 40,
                    on: None
                }),
                ..ForecastQuery::default()
            }
        );
        let many: Vec<String> = (0..=MAX_REGIONS).map(|i| format!("r{i}")).collect();
        let err = parse(
            &many
                .iter()
                .map(|r| ("region", r.as_str()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(err.unwrap_err().field, "region");
        for (pairs, field) in [
            (vec![("region", "West US")], "region"),
            (vec![("sku", "../x")], "sku"),
            (vec![("include_pending", "yes")], "include_pending"),
            (vec![("growth", "-1")], "growth"),
            (vec![("growth", "11")], "growth"),
            (vec![("growth", "NaN")], "growth"),
            (vec![("growth", "inf")], "growth"),
            (vec![("buildouts", "maybe")], "buildouts"),
            (vec![("demand_units", "0")], "demand_units"),
            (vec![("demand_units", "1.5")], "demand_units"),
            (vec![("buildout_units", "100000001")], "buildout_units"),
            (
                vec![("demand_units", "5"), ("demand_on", "2027-13-01")],
                "demand_on",
            ),
            (vec![("buildout_on", "2027-01-01T00:00")], "buildout_on"),
        ] {
            assert_eq!(parse(&pairs).unwrap_err().field, field, "{pairs:?}");
        }
    }
}
