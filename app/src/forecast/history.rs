//! How a history of used units is carried to a page and laid out on a
//! chart: daily where the trend is fitted, thinned before it. Pure; the
//! server thins a region × family's year (`server::service::inputs`), the
//! chart places each value on its day (`chart::ForecastChart`).

use super::model::WINDOW_DAYS;

/// A history's days before its last `WINDOW_DAYS` are kept every this many
/// (about one point per 2 px on a chart of a year), as pages carry them.
pub const OLDER_STRIDE: usize = 3;

/// A daily history as charts draw it and pages carry it: daily over the last
/// `WINDOW_DAYS` (where the trend is fitted), before them every
/// `OLDER_STRIDE`th day counting back from the window; the oldest days left
/// over (fewer than a stride) are dropped. A year of 365 days keeps 181.
pub fn thin_history(daily: &[i64]) -> Vec<i64> {
    let older = daily.len().saturating_sub(WINDOW_DAYS);
    let first = older % OLDER_STRIDE;
    daily[first..older]
        .iter()
        .step_by(OLDER_STRIDE)
        .chain(&daily[older..])
        .copied()
        .collect()
}

/// The days a history of `len` values spans (`thin_history`'s layout), and
/// each value's day, the first day 0.
pub fn history_days(len: usize) -> (usize, impl Iterator<Item = usize>) {
    let older = len.saturating_sub(WINDOW_DAYS);
    let days = older * OLDER_STRIDE + (len - older);
    let day = move |i: usize| match i < older {
        true => i * OLDER_STRIDE,
        false => older * OLDER_STRIDE + (i - older),
    };
    (days, (0..len).map(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thinned_year_keeps_the_window_daily_and_every_third_day_before_it() {
        let year: Vec<i64> = (0..365).collect();
        let thin = thin_history(&year);
        // 275 days before the window: the 91 at 2, 5, …, 272; then 90 daily.
        assert_eq!(thin.len(), 91 + 90);
        assert_eq!(&thin[..3], &[2, 5, 8]);
        assert_eq!(thin[90], 272);
        assert_eq!(&thin[91..93], &[275, 276]);
        assert_eq!(thin.last(), Some(&364));
        // Each value's day counts from the first kept: a value's day is its
        // distance from it, and the span ends on the last.
        let (days, each) = history_days(thin.len());
        assert_eq!(days, 363);
        let each: Vec<usize> = each.collect();
        assert!(thin.iter().zip(&each).all(|(v, d)| *v as usize == *d + 2));
        // The window alone, or less, is left as it is.
        let window: Vec<i64> = (0..90).collect();
        assert_eq!(thin_history(&window), window);
        assert_eq!(history_days(40).0, 40);
        assert_eq!(thin_history(&[]), Vec::<i64>::new());
    }
}
