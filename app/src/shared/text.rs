//! Bounding text that callers supply before it is stored, logged or echoed.

use std::borrow::Cow;

/// `s` cut to at most `max` bytes, at a character boundary, with a marker that
/// says how many bytes were cut; `s` itself when it fits.
pub fn bounded(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let kept = prefix(s, max);
    Cow::Owned(format!("{kept}… [{} more bytes cut]", s.len() - kept.len()))
}

/// The longest prefix of `s` within `max` bytes that ends on a character boundary.
pub fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A CSV field: quoted when it holds a comma, quote or line break; a value a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab) is prefixed
/// with `'` so it stays text.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    let guarded: Cow<'_, str> = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", guarded.replace('"', "\"\"")))
    } else {
        guarded
    }
}

/// The number in a record key such as `CR-1042`: `prefix` and digits without
/// a leading zero, as the feature's `key_of` writes it, so one record has one
/// name everywhere (URLs and the audit trail alike). `what` names the record in
/// the refusal ("request", "deployment"), `example` shows a key.
pub fn parse_key(key: &str, prefix: &str, what: &str, example: &str) -> Result<i64, String> {
    key.strip_prefix(prefix)
        .filter(|n| {
            (1..=18).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_digit())
                && !n.starts_with('0')
        })
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or_else(|| {
            format!(
                "'{}' is not a {what} key (such as {example})",
                bounded(key, 40)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_end_on_a_character_boundary() {
        assert_eq!(prefix("abc", 8), "abc");
        assert_eq!(prefix("abcdef", 3), "abc");
        // "é" is two bytes: a cut in its middle keeps the byte before it.
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(bounded("aé", 2), "a… [2 more bytes cut]");
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("westus2"), "westus2");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@sum"), "'@sum");
        assert_eq!(csv_field("-1+1"), "'-1+1");
    }

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
