//! URL encoding, the same on the server and in the browser.

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&k=v` of the non-blank pairs, encoded.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The pairs of an `application/x-www-form-urlencoded` query (`+` is a
/// space; a broken escape is kept as written), the same on both sides.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_but_unreserved() {
        assert_eq!(encode_component("a b/c?d=é~"), "a%20b%2Fc%3Fd%3D%C3%A9~");
        assert_eq!(
            query_string([("region", "westus2"), ("sku", ""), ("q", "a b")]),
            "region=westus2&q=a%20b"
        );
    }

    #[test]
    fn parses_what_it_and_a_browser_encode() {
        let pairs = |q: &str| parse_query(q);
        assert_eq!(
            pairs("?region=westus2&region=eastus&q=a+b%2Fc&empty=&flag"),
            [
                ("region", "westus2"),
                ("region", "eastus"),
                ("q", "a b/c"),
                ("empty", ""),
                ("flag", ""),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(
            pairs("q=100%&r=%zz%4"),
            [("q".into(), "100%".into()), ("r".into(), "%zz%4".into())]
        );
        assert!(pairs("").is_empty());
        let s = "a b/c?d=é~";
        assert_eq!(pairs(&query_string([("k", s)])), [("k".into(), s.into())]);
    }
}
