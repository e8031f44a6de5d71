//! Time: days as `YYYY-MM-DD`, instants as RFC 3339 (UTC), how people read
//! them, and (on the server) the clock every service asks for "now".

/// `YYYY-MM-DD`.
pub fn format_day(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A `YYYY-MM-DD` day (the first ten characters of an RFC 3339 instant also do).
pub fn parse_day(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.get(..10)?, &fmt).ok()
}

/// An instant as RFC 3339.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// An RFC 3339 instant as people read it: "2026-11-28T19:28:22.1Z" → "2026-11-28 19:28 UTC".
pub fn timestamp(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => rfc3339.to_owned(),
    }
}

/// Business days (Monday to Friday) from the date of `from` to the date of `to`,
/// both RFC 3339 timestamps or plain dates; 0 if either is unreadable or `to` is earlier.
pub fn business_days_between(from: &str, to: &str) -> i64 {
    let (Some(mut d), Some(end)) = (parse_day(from), parse_day(to)) else {
        return 0;
    };
    let mut n = 0;
    while d < end {
        let Some(next) = d.next_day() else { break };
        d = next;
        if !matches!(d.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            n += 1;
        }
    }
    n
}

/// Where a process's "now" comes from: the system clock, or — in tests — an
/// instant that stands still until it is moved, so nothing depends on the day
/// or the second a test runs. Clones share one clock.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Default)]
pub struct Clock(std::sync::Arc<std::sync::RwLock<Option<time::OffsetDateTime>>>);

#[cfg(feature = "ssr")]
impl Clock {
    /// Now (UTC).
    pub fn now(&self) -> time::OffsetDateTime {
        self.0
            .read()
            .ok()
            .and_then(|t| *t)
            .unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    /// Now, as RFC 3339.
    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.now())
    }

    /// Today (UTC).
    pub fn today(&self) -> time::Date {
        self.now().date()
    }

    /// Stops the clock at `at` (tests).
    pub fn freeze(&self, at: time::OffsetDateTime) {
        if let Ok(mut t) = self.0.write() {
            *t = Some(at);
        }
    }

    /// Where the clock is stopped, if it is (to `restore` after a `freeze`).
    pub fn stopped(&self) -> Option<time::OffsetDateTime> {
        self.0.read().ok().and_then(|t| *t)
    }

    /// Puts the clock back as `stopped` found it: stopped there, or running.
    pub fn restore(&self, stopped: Option<time::OffsetDateTime>) {
        if let Ok(mut t) = self.0.write() {
            *t = stopped;
        }
    }

    /// Moves a stopped clock on (tests); a running clock cannot be moved.
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.write() {
            if let Some(at) = t.as_mut() {
                *at += by;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_skip_weekends() {
        use business_days_between as days;
        // 2026-11-27 is a Friday.
        assert_eq!(days("2026-11-27T09:00:00Z", "2026-11-27T18:00:00Z"), 0);
        assert_eq!(
            days("2026-11-27T09:00:00Z", "2026-11-29T09:00:00Z"),
            0,
            "Sat and Sun"
        );
        assert_eq!(days("2026-11-27T09:00:00Z", "2026-11-30"), 1, "Monday");
        assert_eq!(days("2026-11-23", "2026-12-07"), 10, "two weeks");
        assert_eq!(days("2026-12-07", "2026-11-23"), 0, "backwards");
        assert_eq!(days("garbage", "2026-11-23"), 0);
    }

    #[test]
    fn timestamps_to_the_minute() {
        assert_eq!(
            timestamp("2026-11-29T08:11:32.484081241Z"),
            "2026-11-29 08:11 UTC"
        );
        assert_eq!(timestamp("2026-11-29"), "2026-11-29");
    }

    #[test]
    fn days_round_trip() {
        let d = parse_day("2027-02-28T10:00:00Z").unwrap();
        assert_eq!(format_day(d), "2027-02-28");
        assert!(parse_day("2027-02-30").is_none());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_frozen_clock_moves_only_when_told() {
        let clock = Clock::default();
        let at = time::macros::datetime!(2026-06-01 12:00 UTC);
        clock.clone().freeze(at);
        assert_eq!(clock.now(), at);
        clock.advance(time::Duration::days(2));
        assert_eq!(format_day(clock.today()), "2026-06-03");
    }
}
