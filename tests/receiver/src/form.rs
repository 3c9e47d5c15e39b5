//! `application/x-www-form-urlencoded` decoding (WHATWG URL §5.1), written out here rather than
//! pulled in as a crate: it is twenty lines, and being strict about bad escapes is the point —
//! a client that sends `%zz` has a bug the tests should see.

/// Splits `a=1&b=2` into decoded (name, value) pairs, in order. Empty pieces (`a=1&&b=2`) are
/// skipped, as browsers do; a piece without `=` has an empty value.
pub fn parse(input: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for piece in input.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match piece.iter().position(|&b| b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        out.push((decode_component(name)?, decode_component(value)?));
    }
    Ok(out)
}

/// Percent-decodes one component; `+` means space (that is what makes a raw `+` in Base64 a
/// client bug, which `decode` then works around and reports).
pub fn decode_component(s: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .ok_or_else(|| format!("truncated percent-escape at byte {i}"))?;
                let hi = hex_val(hex[0]);
                let lo = hex_val(hex[1]);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => {
                        return Err(format!(
                            "bad percent-escape %{}{} at byte {i}",
                            hex[0] as char, hex[1] as char
                        ))
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "form value is not UTF-8 after decoding".to_string())
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a component the way `urllib.parse.quote_plus` does (used by the tests and
/// handy for anyone building bodies by hand).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let p = parse(b"data=a%2Bb%2F%3D&gzip=1&&flag").unwrap();
        assert_eq!(
            p,
            vec![
                ("data".into(), "a+b/=".into()),
                ("gzip".into(), "1".into()),
                ("flag".into(), "".into())
            ]
        );
    }

    #[test]
    fn plus_is_space() {
        assert_eq!(decode_component(b"a+b").unwrap(), "a b");
    }

    #[test]
    fn bad_escapes_fail() {
        assert!(decode_component(b"%zz").is_err());
        assert!(decode_component(b"abc%4").is_err());
    }

    #[test]
    fn roundtrip() {
        let s = "ab+/= cd&é";
        assert_eq!(decode_component(encode_component(s).as_bytes()).unwrap(), s);
    }
}
