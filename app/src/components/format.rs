//! Number formatting for people.

/// `1234567` → `1,234,567`.
pub fn units(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.8234` → `82.3%`.
pub fn percent(f: f64) -> String {
    percent_tenths(tenths_of_percent(f))
}

/// A share in tenths of a percent, as `percent` rounds it: `0.8234` → `823`.
pub fn tenths_of_percent(f: f64) -> i64 {
    (f * 1000.0).round() as i64
}

/// `823` tenths of a percent → `82.3%`.
pub fn percent_tenths(t: i64) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let t = t.unsigned_abs();
    format!("{sign}{}.{}%", t / 10, t % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_show_a_tenth() {
        assert_eq!(percent(0.8234), "82.3%");
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.00049), "0.0%");
        assert_eq!(tenths_of_percent(0.8235001), 824);
        assert_eq!(percent_tenths(5), "0.5%");
        assert_eq!(percent_tenths(-12), "-1.2%");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(units(0), "0");
        assert_eq!(units(999), "999");
        assert_eq!(units(1000), "1,000");
        assert_eq!(units(-1234567), "-1,234,567");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.8234), "82.3%");
        assert_eq!(percent(1.0), "100.0%");
    }
}
