//! The capacity ledger of a cluster (or a sum of clusters) and its health band.
//!
//! Pure domain code: shared by the browser and the server, so both compute
//! `free`, `utilization` and health the same way.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a ledger was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{0} must not be negative")]
    Negative(&'static str),
    #[error("allocated + reserved + out_of_service ({used}) exceeds total ({total})")]
    Overcommitted { used: i64, total: i64 },
}

/// Units of a cluster: `total`, `allocated`, `reserved`, `out_of_service`.
///
/// Invariants (also CHECK constraints in the schema): no field is negative and
/// `allocated + reserved + out_of_service <= total`, so `free` is never below zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawLedger", into = "RawLedger")]
pub struct Ledger {
    total: i64,
    allocated: i64,
    reserved: i64,
    out_of_service: i64,
}

/// The wire shape of a ledger: the four stored fields plus the derived `free`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RawLedger {
    pub total: i64,
    pub allocated: i64,
    pub reserved: i64,
    pub out_of_service: i64,
    /// Always sent; ignored when received (it follows from the others).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(required = true))]
    pub free: i64,
}

/// A ledger's OpenAPI schema is its wire shape's (`RawLedger`).
#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Ledger {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RawLedger as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Ledger {}

impl TryFrom<RawLedger> for Ledger {
    type Error = LedgerError;
    fn try_from(raw: RawLedger) -> Result<Self, Self::Error> {
        Ledger::parse(raw.total, raw.allocated, raw.reserved, raw.out_of_service)
    }
}

impl From<Ledger> for RawLedger {
    fn from(l: Ledger) -> Self {
        RawLedger {
            total: l.total,
            allocated: l.allocated,
            reserved: l.reserved,
            out_of_service: l.out_of_service,
            free: l.free(),
        }
    }
}

impl Ledger {
    /// Builds a ledger, refusing negative units and overcommitment.
    pub fn parse(
        total: i64,
        allocated: i64,
        reserved: i64,
        out_of_service: i64,
    ) -> Result<Self, LedgerError> {
        for (name, value) in [
            ("total", total),
            ("allocated", allocated),
            ("reserved", reserved),
            ("out_of_service", out_of_service),
        ] {
            if value < 0 {
                return Err(LedgerError::Negative(name));
            }
        }
        let used = allocated + reserved + out_of_service;
        if used > total {
            return Err(LedgerError::Overcommitted { used, total });
        }
        Ok(Ledger {
            total,
            allocated,
            reserved,
            out_of_service,
        })
    }

    pub fn total(&self) -> i64 {
        self.total
    }
    pub fn allocated(&self) -> i64 {
        self.allocated
    }
    pub fn reserved(&self) -> i64 {
        self.reserved
    }
    pub fn out_of_service(&self) -> i64 {
        self.out_of_service
    }

    /// `total − allocated − reserved − out_of_service`; never below zero by construction.
    pub fn free(&self) -> i64 {
        self.total - self.allocated - self.reserved - self.out_of_service
    }

    /// Units in use or promised: `allocated + reserved`.
    pub fn used(&self) -> i64 {
        self.allocated + self.reserved
    }

    /// Free units and the band once `quantity` more are reserved (free may go
    /// below zero here: that is the shortfall a form warns about).
    pub fn after_reserving(&self, quantity: i64, t: &Thresholds) -> (i64, Health) {
        (
            self.free() - quantity,
            t.band(self.used() + quantity, self.serviceable()),
        )
    }

    /// Units that can serve at all: `total − out_of_service`.
    pub fn serviceable(&self) -> i64 {
        self.total - self.out_of_service
    }

    /// `(allocated + reserved) / (total − out_of_service)`, 0 when nothing can serve.
    pub fn utilization(&self) -> f64 {
        match self.serviceable() {
            0 => 0.0,
            s => self.used() as f64 / s as f64,
        }
    }

    /// The health band of this ledger under `thresholds`.
    pub fn health(&self, thresholds: &Thresholds) -> Health {
        thresholds.band(self.used(), self.serviceable())
    }

    /// The sum of two ledgers (for rollups); sums of valid ledgers are valid.
    pub fn plus(self, other: Ledger) -> Ledger {
        Ledger {
            total: self.total + other.total,
            allocated: self.allocated + other.allocated,
            reserved: self.reserved + other.reserved,
            out_of_service: self.out_of_service + other.out_of_service,
        }
    }
}

impl std::iter::Sum for Ledger {
    fn sum<I: Iterator<Item = Ledger>>(iter: I) -> Self {
        iter.fold(Ledger::default(), Ledger::plus)
    }
}

/// Health band of a ledger or a sum of ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Health {
    Healthy,
    Constrained,
    Critical,
}

impl Health {
    pub const ALL: [Health; 3] = [Health::Healthy, Health::Constrained, Health::Critical];

    pub fn as_str(&self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Constrained => "constrained",
            Health::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Health> {
        Health::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Utilization thresholds, in basis points (1/100 of a percent) so that the
/// server's SQL and this code compare the same integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// At or above this utilization a ledger is `constrained`.
    pub constrained_bp: i64,
    /// At or above this utilization a ledger is `critical`.
    pub critical_bp: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            constrained_bp: 7_500,
            critical_bp: 9_000,
        }
    }
}

/// Why a threshold setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("must be a number between 0 and 1, such as 0.75")]
    NotAFraction,
    #[error("the constrained threshold must be below the critical threshold")]
    Order,
}

impl Thresholds {
    /// Parses a fraction such as `"0.75"` into basis points.
    pub fn parse_fraction(s: &str) -> Result<i64, ThresholdError> {
        let v: f64 = s.trim().parse().map_err(|_| ThresholdError::NotAFraction)?;
        if !(0.0..=1.0).contains(&v) {
            return Err(ThresholdError::NotAFraction);
        }
        Ok((v * 10_000.0).round() as i64)
    }

    pub fn new(constrained_bp: i64, critical_bp: i64) -> Result<Self, ThresholdError> {
        if constrained_bp >= critical_bp {
            return Err(ThresholdError::Order);
        }
        Ok(Thresholds {
            constrained_bp,
            critical_bp,
        })
    }

    /// The band of `used` units out of `serviceable`, compared in exact integers.
    pub fn band(&self, used: i64, serviceable: i64) -> Health {
        if serviceable <= 0 {
            return if used > 0 {
                Health::Critical
            } else {
                Health::Healthy
            };
        }
        if used * 10_000 >= self.critical_bp * serviceable {
            Health::Critical
        } else if used * 10_000 >= self.constrained_bp * serviceable {
            Health::Constrained
        } else {
            Health::Healthy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_reserving_moves_free_and_the_band() {
        let t = Thresholds::new(7500, 9000).unwrap();
        let l = Ledger::parse(1000, 600, 0, 0).unwrap();
        assert_eq!(l.after_reserving(100, &t), (300, Health::Healthy));
        assert_eq!(l.after_reserving(200, &t), (200, Health::Constrained));
        assert_eq!(l.after_reserving(500, &t), (-100, Health::Critical));
    }
    use proptest::prelude::*;

    #[test]
    fn free_and_utilization() {
        let l = Ledger::parse(100, 50, 10, 20).unwrap();
        assert_eq!(l.free(), 20);
        assert_eq!(l.utilization(), 0.75);
    }

    #[test]
    fn refuses_negative_and_overcommitted() {
        assert_eq!(
            Ledger::parse(10, -1, 0, 0),
            Err(LedgerError::Negative("allocated"))
        );
        assert_eq!(
            Ledger::parse(10, 5, 5, 1),
            Err(LedgerError::Overcommitted {
                used: 11,
                total: 10
            })
        );
    }

    #[test]
    fn fully_out_of_service_is_zero_utilization() {
        let l = Ledger::parse(10, 0, 0, 10).unwrap();
        assert_eq!(l.utilization(), 0.0);
        assert_eq!(l.health(&Thresholds::default()), Health::Healthy);
    }

    #[test]
    fn bands_at_the_boundaries() {
        let t = Thresholds::default();
        assert_eq!(t.band(7_499, 10_000), Health::Healthy);
        assert_eq!(t.band(75, 100), Health::Constrained);
        assert_eq!(t.band(89, 100), Health::Constrained);
        assert_eq!(t.band(90, 100), Health::Critical);
        assert_eq!(t.band(100, 100), Health::Critical);
    }

    #[test]
    fn thresholds_parse_fractions() {
        assert_eq!(Thresholds::parse_fraction("0.75"), Ok(7_500));
        assert_eq!(
            Thresholds::parse_fraction("1.5"),
            Err(ThresholdError::NotAFraction)
        );
        assert_eq!(
            Thresholds::parse_fraction("abc"),
            Err(ThresholdError::NotAFraction)
        );
        assert_eq!(Thresholds::new(9_000, 7_500), Err(ThresholdError::Order));
    }

    #[test]
    fn json_shape_has_free_and_refuses_bad_ledgers() {
        let l = Ledger::parse(100, 50, 10, 20).unwrap();
        let v = serde_json::to_value(l).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"total":100,"allocated":50,"reserved":10,"out_of_service":20,"free":20})
        );
        let bad = serde_json::json!({"total":1,"allocated":5,"reserved":0,"out_of_service":0});
        assert!(serde_json::from_value::<Ledger>(bad).is_err());
    }

    proptest! {
        #[test]
        fn valid_ledgers_have_free_in_range(total in 0i64..1_000_000, a in 0i64..1_000_000, r in 0i64..1_000_000, o in 0i64..1_000_000) {
            match Ledger::parse(total, a, r, o) {
                Ok(l) => {
                    prop_assert!(l.free() >= 0);
                    prop_assert!(l.free() <= l.total());
                    prop_assert!((0.0..=1.0).contains(&l.utilization()));
                }
                Err(_) => prop_assert!(a < 0 || r < 0 || o < 0 || a + r + o > total),
            }
        }

        #[test]
        fn sums_of_valid_ledgers_stay_valid(parts in proptest::collection::vec((0i64..1000, 0i64..1000, 0i64..1000), 0..20)) {
            let ledgers: Vec<Ledger> = parts.iter().map(|&(a, r, o)| Ledger::parse(a + r + o + 7, a, r, o).unwrap()).collect();
            let sum: Ledger = ledgers.iter().copied().sum();
            prop_assert!(Ledger::parse(sum.total(), sum.allocated(), sum.reserved(), sum.out_of_service()).is_ok());
            prop_assert_eq!(sum.free(), ledgers.iter().map(|l| l.free()).sum::<i64>());
        }
    }
}
