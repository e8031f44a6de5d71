//! Bounding text that callers supply before it is stored, logged or echoed.

use std::borrow::Cow;

/// `s` cut to at most `max` bytes, at a character boundary, with a marker that
/// says how many bytes were cut; `s` itself when it fits.
pub fn bounded(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… [{} more bytes cut]", &s[..end], s.len() - end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_with_a_marker() {
        assert_eq!(bounded("westus2", 16), "westus2");
        let long = "x".repeat(200_000);
        let cut = bounded(&long, 64);
        assert!(cut.starts_with(&"x".repeat(64)));
        assert!(cut.ends_with("… [199936 more bytes cut]"), "{cut}");
        assert!(cut.len() < 100);
    }

    #[test]
    fn cuts_at_a_character_boundary() {
        let s = "é".repeat(10); // 2 bytes each
        let cut = bounded(&s, 5);
        assert!(cut.starts_with("éé…"), "{cut}");
    }
}
