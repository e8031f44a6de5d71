//! Request paths and redirect targets, judged before any access rule: a path
//! in normal form (so the rules decide on exactly what is routed and
//! rendered), and a local, printable `next` to go to after sign-in.

/// Why a request path cannot be routed as it is, or `None` when it is in
/// normal form. The access decision is made on the raw path, so the path must
/// be exactly what the router and the renderer will see: no dot segments
/// (`.`, `..`, in any case or encoding), no empty segments (`//`, a trailing
/// `/`), no encoded `/` or `\`, no raw `\`, no control characters, and no
/// percent-encoded character that needs no encoding (`%61` for `a`), which a
/// decoder downstream could turn into a different route than the one checked.
pub fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("the path must start with /");
    }
    if path == "/" {
        return None;
    }
    for segment in path[1..].split('/') {
        if segment.is_empty() {
            return Some("the path has an empty segment (// or a trailing /)");
        }
        let mut decoded = Vec::with_capacity(segment.len());
        let bytes = segment.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok());
                    let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                        return Some("the path has a malformed percent-encoding");
                    };
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                        return Some("the path percent-encodes a character that needs no encoding");
                    }
                    if matches!(b, b'/' | b'\\') {
                        return Some("the path has an encoded slash or backslash");
                    }
                    if b < 0x20 || b == 0x7f {
                        return Some("the path has a control character");
                    }
                    decoded.push(b);
                    i += 3;
                }
                b'\\' => return Some("the path has a backslash"),
                b if b < 0x20 || b == 0x7f => return Some("the path has a control character"),
                b => {
                    decoded.push(b);
                    i += 1;
                }
            }
        }
        if decoded == b"." || decoded == b".." {
            return Some("the path has a dot segment (. or ..)");
        }
    }
    None
}

/// The longest `next` a sign-in redirects to; longer ones become `/`.
pub const MAX_NEXT: usize = 2048;

/// Where to send someone after sign-in: only a local path that starts with a
/// single `/` (not `//` or `/\`, which browsers treat as another host) and
/// consists of printable, non-space ASCII; anything else becomes `/`.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    let printable = next.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if local && printable && next.len() <= MAX_NEXT {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths_pass() {
        for p in [
            "/",
            "/clusters",
            "/regions/westus2",
            "/requests/CR-1042",
            "/pkg/headroom.wasm",
            "/status/badge/westus2.svg",
            "/api/v1/clusters",
            "/a%20b",
            "/caf%C3%A9",
            "/.well-known",
        ] {
            assert_eq!(path_problem(p), None, "{p}");
        }
    }

    #[test]
    fn path_tricks_are_refused() {
        for p in [
            "",
            "clusters",
            "//clusters",
            "/clusters/",
            "/pkg//clusters",
            "/pkg/../clusters",
            "/pkg/./clusters",
            "/status/..",
            "/pkg/%2e%2e/clusters",
            "/pkg/%2E%2E/clusters",
            "/pkg/.%2e/clusters",
            "/pkg/..%2E/regions/westus2",
            "/pkg/%2e./x",
            "/pkg/%2e",
            "/pkg%2f..%2fclusters",
            "/pkg/..%2Fclusters",
            "/pkg/..%5cclusters",
            "/pkg/..\\clusters",
            "/%61dmin/users",
            "/admin/%75sers",
            "/pkg/%",
            "/pkg/%2",
            "/pkg/%zz",
            "/a%00b",
            "/a%0ab",
            "/a\tb",
        ] {
            assert!(path_problem(p).is_some(), "{p:?} passed");
        }
    }

    #[test]
    fn next_is_a_local_printable_path() {
        assert_eq!(
            safe_next("/clusters?region=westus2"),
            "/clusters?region=westus2"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/a\nb",
            "/a b",
            "",
            "evil",
            "/caf\u{e9}",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        // `%09` stays encoded, so the browser sees a path, not another host.
        assert_eq!(safe_next("/%09/evil.example"), "/%09/evil.example");
        assert_eq!(safe_next(&format!("/{}", "a".repeat(MAX_NEXT))), "/");
    }
}
