//! The pure geometry of a trend chart: its size, the y range, month ticks,
//! positions and line paths, the spans it offers and how the crosshair moves.
//! Unit-tested; `chart` draws with it.

use crate::fleet::views::TrendLine;

pub const W: f64 = 720.0;
pub const H: f64 = 220.0;
pub const PAD_L: f64 = 40.0;
pub const PAD_B: f64 = 22.0;
pub const PAD_T: f64 = 8.0;
pub const COLORS: [&str; 6] = [
    "#0284c7", "#7c3aed", "#059669", "#d97706", "#db2777", "#475569",
];

/// The utilization range the y axis shows: the data's, widened to whole
/// tenths with a tenth of margin (so a line at 82–88 % fills the chart instead
/// of hugging its top), never beyond 0–100 %.
pub fn y_range(series: &[TrendLine]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for s in series {
        for i in 0..s.bp.len() {
            if let Some(u) = s.at(i) {
                lo = lo.min(u);
                hi = hi.max(u);
            }
        }
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    let lo = ((lo * 10.0).floor() / 10.0 - 0.1).max(0.0);
    let hi = ((hi * 10.0).ceil() / 10.0 + 0.1).min(1.0);
    (lo, hi)
}

/// Where each month starts within `days` daily slots from `first`
/// (`YYYY-MM-DD`): (slot, "Jan"). The first slot is labelled only if it is a 1st.
pub fn month_ticks(first: &str, days: usize) -> Vec<(usize, &'static str)> {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some(start) = crate::shared::time::parse_day(first) else {
        return Vec::new();
    };
    (0..days)
        .filter_map(|i| {
            let d = start.checked_add(time::Duration::days(i as i64))?;
            (d.day() == 1).then(|| (i, NAMES[u8::from(d.month()) as usize - 1]))
        })
        .collect()
}

/// A position rounded to a tenth of a pixel: finer is invisible, and an
/// attribute then reads `84` or `84.3`, not `83.99999999999999`.
pub fn px(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The `d` of one path drawing every rule at `at`: horizontal ones from `x0`
/// to `x1` (`across`), or vertical ones from `y0` to `y1`. One element for a
/// chart's gridlines instead of one per line.
pub fn rules(at: impl IntoIterator<Item = f64>, across: bool, (from, to): (f64, f64)) -> String {
    use std::fmt::Write;
    let mut d = String::new();
    for v in at {
        let _ = match across {
            true => write!(d, "M{} {}H{}", px(from), px(v), px(to)),
            false => write!(d, "M{} {}V{}", px(v), px(from), px(to)),
        };
    }
    d
}

/// The y position of utilization `u` on an axis showing `range`.
pub fn y_of(u: f64, (lo, hi): (f64, f64)) -> f64 {
    let t = ((u - lo) / (hi - lo).max(0.01)).clamp(0.0, 1.0);
    px(PAD_T + (1.0 - t) * (H - PAD_T - PAD_B))
}

/// The x position of slot `i` of `days`.
pub fn x_of(i: usize, days: usize) -> f64 {
    px(PAD_L + i as f64 / (days.max(2) - 1) as f64 * (W - PAD_L - 4.0))
}

/// The `d` of a path through `points`, to a tenth of a pixel: the first
/// absolute, each next one relative to the one before (`1.9-6.9` instead of
/// `712.3,60.3`), which makes a year's line a third shorter. The steps are
/// taken between positions already rounded, so the line does not drift.
/// `close` closes it (a band's outline).
pub fn line_path(points: impl IntoIterator<Item = (f64, f64)>, close: bool) -> String {
    let tenths = |v: f64| (v * 10.0).round() as i64;
    let mut d = String::new();
    let mut last: Option<(i64, i64)> = None;
    for (i, (x, y)) in points.into_iter().enumerate() {
        let at = (tenths(x), tenths(y));
        let (a, b) = match last {
            None => at,
            Some(prev) => (at.0 - prev.0, at.1 - prev.1),
        };
        match i {
            0 => d.push('M'),
            1 => d.push('l'),
            _ => {}
        }
        push_tenths(&mut d, a);
        push_tenths(&mut d, b);
        last = Some(at);
    }
    if close && last.is_some() {
        d.push('z');
    }
    d
}

/// Appends `t` tenths as SVG path data reads them (`19` → `1.9`, `-5` →
/// `-.5`, `20` → `2`), after a space only where the two would run together.
fn push_tenths(d: &mut String, t: i64) {
    use std::fmt::Write;
    let (whole, frac) = (t.unsigned_abs() / 10, t.unsigned_abs() % 10);
    let sign = if t < 0 { "-" } else { "" };
    if t >= 0 && d.ends_with(|c: char| c.is_ascii_digit()) {
        d.push(' ');
    }
    let _ = match (whole, frac) {
        (w, 0) => write!(d, "{sign}{w}"),
        (0, f) => write!(d, "{sign}.{f}"),
        (w, f) => write!(d, "{sign}{w}.{f}"),
    };
}

/// The `d` of the path of one series over `days` slots.
pub fn series_path(series: &TrendLine, days: usize, range: (f64, f64)) -> String {
    let at = |i: usize| (x_of(i, days), y_of(series.at(i).unwrap_or_default(), range));
    line_path((0..series.bp.len()).map(at), false)
}

/// The spans a trend chart offers, kept in the URL as `range` (a year when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendRange {
    Days30,
    Days90,
    Year,
}

impl TrendRange {
    pub const ALL: [TrendRange; 3] = [TrendRange::Days30, TrendRange::Days90, TrendRange::Year];

    /// The `range` parameter's value.
    pub fn param(self) -> &'static str {
        match self {
            TrendRange::Days30 => "30d",
            TrendRange::Days90 => "90d",
            TrendRange::Year => "1y",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TrendRange::Days30 => "30 days",
            TrendRange::Days90 => "90 days",
            TrendRange::Year => "1 year",
        }
    }

    pub fn days(self) -> usize {
        match self {
            TrendRange::Days30 => 30,
            TrendRange::Days90 => 90,
            TrendRange::Year => 365,
        }
    }

    /// The range a parameter names; anything else shows the default year.
    pub fn parse(param: Option<&str>) -> TrendRange {
        Self::ALL
            .into_iter()
            .find(|r| Some(r.param()) == param)
            .unwrap_or(TrendRange::Year)
    }
}

/// The slot under a pointer at `fraction` (0–1) of the chart's width.
pub fn slot_at(fraction: f64, days: usize) -> usize {
    let x = fraction * W;
    let t = ((x - PAD_L) / (W - PAD_L - 4.0)).clamp(0.0, 1.0);
    (t * (days.max(1) - 1) as f64).round() as usize
}

/// The slot a key moves the crosshair to from `at` (`None`: not a chart key).
pub fn slot_after_key(key: &str, at: Option<usize>, days: usize) -> Option<usize> {
    let last = days.checked_sub(1)?;
    let at = at.unwrap_or(last);
    match key {
        "ArrowLeft" => Some(at.saturating_sub(1)),
        "ArrowRight" => Some((at + 1).min(last)),
        "PageUp" => Some(at.saturating_sub(7)),
        "PageDown" => Some((at + 7).min(last)),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_one_path_at_tenths_of_a_pixel() {
        assert_eq!(px(83.99999999999999), 84.0);
        assert_eq!(px(527.454945054945), 527.5);
        assert_eq!(
            rules([198.0, 121.96], true, (40.0, 720.0)),
            "M40 198H720M40 122H720"
        );
        assert_eq!(rules([84.64], false, (8.0, 198.0)), "M84.6 8V198");
        assert_eq!(rules([], true, (0.0, 1.0)), "", "no rules, an empty path");
    }

    #[test]
    fn a_line_is_its_first_point_then_steps_in_tenths() {
        let pts = [
            (40.0, 51.34),
            (41.9, 58.2),
            (43.8, 58.2),
            (45.66, 50.0),
            (46.0, 50.05),
        ];
        assert_eq!(
            line_path(pts, false),
            "M40 51.3l1.9 6.9 1.9 0 1.9-8.2 .3 .1"
        );
        // Steps come from rounded positions: a hundred steps of 1.94 px end
        // where the last point is, not ten pixels off.
        let d = line_path((0..=100).map(|i| (i as f64 * 1.94, 0.0)), false);
        let steps: Vec<&str> = d.split('l').nth(1).unwrap().split(' ').collect();
        let x: f64 = steps
            .iter()
            .step_by(2)
            .map(|s| s.parse::<f64>().unwrap())
            .sum();
        assert!((x - 194.0).abs() < 1e-9, "ends at {x}");
        assert_eq!(
            line_path([(1.0, 2.0), (3.0, 2.0), (2.0, 0.0)], true),
            "M1 2l2 0-1-2z"
        );
        assert_eq!(line_path([(-0.5, 0.0)], true), "M-.5 0z");
        assert_eq!(line_path(std::iter::empty(), true), "");
    }

    fn line(bp: &[u16]) -> TrendLine {
        TrendLine {
            label: "x".into(),
            first: "2026-01-30".into(),
            last: "2026-03-02".into(),
            bp: bp.to_vec(),
        }
    }

    #[test]
    fn the_axis_follows_the_data() {
        let near = |(lo, hi): (f64, f64), want: (f64, f64)| {
            assert!(
                (lo - want.0).abs() < 1e-9 && (hi - want.1).abs() < 1e-9,
                "{lo} {hi}, want {want:?}"
            );
        };
        near(y_range(&[line(&[8200, 8800])]), (0.7, 1.0));
        near(y_range(&[line(&[3100]), line(&[4500])]), (0.2, 0.6));
        near(y_range(&[line(&[0, 10_000])]), (0.0, 1.0));
        near(y_range(&[]), (0.0, 1.0));
    }

    #[test]
    fn ranges_round_trip_and_default_to_a_year() {
        for r in TrendRange::ALL {
            assert_eq!(TrendRange::parse(Some(r.param())), r);
        }
        assert_eq!(TrendRange::parse(None), TrendRange::Year);
        assert_eq!(TrendRange::parse(Some("7y")), TrendRange::Year);
        assert_eq!(TrendRange::Days90.days(), 90);
    }

    #[test]
    fn the_crosshair_follows_pointer_and_keys() {
        // The plot spans x = PAD_L .. W - 4 of the chart's width.
        assert_eq!(slot_at(0.0, 365), 0, "left of the plot: the first day");
        assert_eq!(slot_at(1.0, 365), 364, "the right edge: the last day");
        assert_eq!(
            slot_at((PAD_L + (W - PAD_L - 4.0) / 2.0) / W, 91),
            45,
            "the middle"
        );
        assert_eq!(
            slot_after_key("ArrowLeft", None, 30),
            Some(28),
            "from the latest day"
        );
        assert_eq!(
            slot_after_key("ArrowRight", Some(29), 30),
            Some(29),
            "stops at the end"
        );
        assert_eq!(slot_after_key("ArrowLeft", Some(0), 30), Some(0));
        assert_eq!(slot_after_key("Home", Some(12), 30), Some(0));
        assert_eq!(slot_after_key("PageDown", Some(25), 30), Some(29));
        assert_eq!(slot_after_key("a", Some(3), 30), None);
        assert_eq!(
            slot_after_key("End", None, 0),
            None,
            "no days, no crosshair"
        );
    }

    #[test]
    fn months_are_marked_where_they_start() {
        assert_eq!(month_ticks("2026-01-30", 30), vec![(2, "Feb")]);
        assert_eq!(month_ticks("2026-01-30", 31), vec![(2, "Feb"), (30, "Mar")]);
        assert_eq!(month_ticks("2026-03-01", 31), vec![(0, "Mar")]);
        assert!(month_ticks("not a day", 10).is_empty());
    }
}
