//! Percent-encoding (RFC 3986 §2.1) for otpauth labels and query values.

/// Decodes `%XX` sequences once. Malformed sequences are kept literally; `plus_is_space`
/// applies the form-encoding rule used by many generators for query values.
pub(crate) fn decode(input: &str, plus_is_space: bool) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes everything except RFC 3986 unreserved characters (and `@`, common in names).
pub(crate) fn encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = "Big Corp: a+b@x.com/ü";
        assert_eq!(decode(&encode(s), false), s);
        assert_eq!(decode("a%3Ab+c%zz%4", true), "a:b c%zz%4");
    }
}
