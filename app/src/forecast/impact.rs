//! A request's before → after: what approving (or fulfilling) it does to its
//! region × SKU's dates — "approving this moves westus2 · Dv5 exhaustion from
//! 14 Mar to 2 Feb (critical from …)". Worked out on the server for the
//! request page (so it is there without scripts) and in the browser for the
//! new-request form (as the quantity is typed); the sentence is one function.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::Date;

use super::chart::human_or_never;
use super::scenario::PairInputs;
use super::types::ForecastQuery;
use crate::fleet::ledger::Thresholds;

/// A region × SKU's crossing dates before and after a request's units land
/// today (`None`: not within a year).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    pub region: String,
    pub sku: String,
    pub exhaustion_before: Option<Date>,
    pub exhaustion_after: Option<Date>,
    pub critical_before: Option<Date>,
    pub critical_after: Option<Date>,
}

impl Impact {
    /// What `units` more in use from `today` (fewer, when negative: a
    /// deprovision gives them back) does to `pair`'s default forecast.
    pub fn of(pair: &PairInputs, today: Date, thresholds: &Thresholds, units: i64) -> Impact {
        let (before, after) = pair.impact(today, thresholds, &ForecastQuery::default(), units);
        Impact {
            region: pair.region.clone(),
            sku: pair.sku.clone(),
            exhaustion_before: before.exhaustion,
            exhaustion_after: after.exhaustion,
            critical_before: before.critical,
            critical_after: after.critical,
        }
    }

    /// The sentence, `verb` being what the reader would do ("Approving").
    pub fn sentence(&self, verb: &str) -> String {
        let (region, sku) = (&self.region, &self.sku);
        if self.exhaustion_before == self.exhaustion_after
            && self.critical_before == self.critical_after
        {
            format!(
                "{verb} this leaves {region} · {sku} as forecast: runs out {} (critical from {}).",
                human_or_never(self.exhaustion_before),
                human_or_never(self.critical_before)
            )
        } else {
            format!(
                "{verb} this moves {region} · {sku} exhaustion from {} to {} (critical from {} to {}).",
                human_or_never(self.exhaustion_before),
                human_or_never(self.exhaustion_after),
                human_or_never(self.critical_before),
                human_or_never(self.critical_after)
            )
        }
    }
}

/// The before → after as a line, with a link to the pair's forecast.
#[component]
pub fn ImpactLine(impact: Impact, verb: &'static str) -> impl IntoView {
    let href = format!(
        "/forecast?region={}&sku={}",
        crate::shared::url::encode_component(&impact.region),
        crate::shared::url::encode_component(&impact.sku)
    );
    view! {
        <p class="mt-2 text-sm text-slate-700 dark:text-slate-300" data-testid="forecast-impact">
            {impact.sentence(verb)}" "<a class="lnk" href=href>"Forecast →"</a>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::codes::{CapacityUnit, Family};
    use crate::forecast::model::Trend;
    use time::macros::date;
    use time::Duration;

    const TODAY: Date = date!(2026 - 12 - 01);
    const THRESHOLDS: Thresholds = Thresholds {
        constrained_bp: 7_500,
        critical_bp: 9_000,
    };

    /// 500 of 1,000 units used, growing 5 a day, nothing else to come.
    fn pair() -> PairInputs {
        let history: Vec<i64> = (0..91).map(|d| 500 - 5 * (90 - d)).collect();
        PairInputs {
            region: "westus2".into(),
            sku: "Dv5".into(),
            family: Family::General,
            unit: CapacityUnit::Vcpu,
            used: 500,
            serviceable: 1_000,
            trend: Trend::fit(&history),
            history,
            supply: Vec::new(),
            waiting: Vec::new(),
            pending: Vec::new(),
            members: 1,
        }
    }

    #[test]
    fn approving_brings_the_dates_forward_by_the_units_over_the_growth() {
        let i = Impact::of(&pair(), TODAY, &THRESHOLDS, 200);
        // 500 free at 5 a day: 100 days; 200 more used: 60 days.
        assert_eq!(i.exhaustion_before, Some(TODAY + Duration::days(100)));
        assert_eq!(i.exhaustion_after, Some(TODAY + Duration::days(60)));
        // Critical at 900 used: 80 days, then 40.
        assert_eq!(i.critical_before, Some(TODAY + Duration::days(80)));
        assert_eq!(i.critical_after, Some(TODAY + Duration::days(40)));
        assert_eq!(
            i.sentence("Approving"),
            "Approving this moves westus2 · Dv5 exhaustion from 11 Mar 2027 to 30 Jan 2027 \
             (critical from 19 Feb 2027 to 10 Jan 2027)."
        );
    }

    #[test]
    fn nothing_moved_says_so_and_a_deprovision_pushes_them_back() {
        let none = Impact::of(&pair(), TODAY, &THRESHOLDS, 0);
        assert_eq!(
            none.sentence("Approving"),
            "Approving this leaves westus2 · Dv5 as forecast: runs out 11 Mar 2027 (critical from 19 Feb 2027)."
        );
        let back = Impact::of(&pair(), TODAY, &THRESHOLDS, -100);
        assert_eq!(back.exhaustion_after, Some(TODAY + Duration::days(120)));
    }
}
