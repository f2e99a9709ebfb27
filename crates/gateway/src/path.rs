//! Request paths the gateway will match against its routes. The path is forwarded as received,
//! so it must be the same path to every server behind: one a framework would decode or resolve
//! into another (`/v1/%61dmin`, `/v1//admin`, `/v1/x/../admin`, `/v1/admin;x`) could pass a
//! broad route here and reach a narrower one there. Such paths are refused, not rewritten.

/// Characters RFC 3986 calls unreserved: a server decodes them, so they must not come encoded.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Why a path is not in its one canonical form, if it is not.
pub fn non_canonical(path: &str) -> Option<&'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Some("the path must start with /");
    };
    if path.contains(['\\', ';']) {
        return Some("the path holds a backslash or a semicolon");
    }
    let segments: Vec<&str> = rest.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if matches!(*segment, "." | "..") {
            return Some("the path holds a . or .. segment");
        }
        if segment.is_empty() && i + 1 < segments.len() {
            return Some("the path holds an empty segment (//)");
        }
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let decoded = match (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
                (Some(h), Some(l)) => (h << 4) | l,
                _ => return Some("the path holds a malformed percent-encoding"),
            };
            if unreserved(decoded) || matches!(decoded, b'/' | b'\\' | b'%' | b';') {
                return Some("the path percent-encodes a character that must appear as itself");
            }
            // A server may trim, split at or stop at these (`/v1/admin%00.json`, `/v1/admin%20`).
            if decoded <= b' ' || decoded == 0x7f {
                return Some("the path percent-encodes a control character or a space");
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::non_canonical;

    #[test]
    fn only_canonical_paths_pass() {
        for ok in ["/", "/v1", "/v1/docs/", "/v1/docs/a%2Bb", "/v1/%E2%82%AC", "/v1/a.b/c~d"] {
            assert_eq!(non_canonical(ok), None, "{ok}");
        }
        for bad in [
            "/v1/%61dmin",
            "/v1/%2e%2e/admin",
            "/v1//admin",
            "/v1/x/../admin",
            "/v1/./admin",
            "/v1/..",
            "/v1/admin;x",
            "/v1\\admin",
            "/v1/a%2Fb",
            "/v1/a%252F",
            "/v1/a%zz",
            "/v1/a%2",
            "v1",
            "/v1/ad%00min",
            "/v1/admin%09",
            "/v1/docs/a%20b",
            "/v1/admin%7F",
            "/v1/admin%7f",
            "/v1/admin%0a",
        ] {
            assert!(non_canonical(bad).is_some(), "{bad}");
        }
    }
}
