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
    format!("{:.1}%", f * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
