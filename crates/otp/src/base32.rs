//! RFC 4648 §6 base32 with the lenient input rules real OTP secrets need.
//!
//! Input is normalised before decoding: surrounding whitespace, inner spaces, tabs and `-` are
//! dropped, letters are uppercased and `=` padding is stripped. Trailing bits that do not fill a
//! byte are discarded (80-bit secrets encode to 16 characters exactly; others leave bits over).

use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Why a base32 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base32Error {
    #[error("the secret is empty")]
    Empty,
    #[error("character {character:?} at position {position} is not base32 (A-Z, 2-7)")]
    InvalidCharacter { character: char, position: usize },
    #[error("a base32 string of {0} characters has an impossible length (1, 3 or 6 characters left over)")]
    ImpossibleLength(usize),
}

/// Normalises a user-supplied secret: trim, drop spaces/tabs/`-`, uppercase, strip `=`.
pub fn normalize(input: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    for c in input.chars() {
        if c.is_whitespace() || c == '-' || c == '=' {
            continue;
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Decodes after [`normalize`]; the result is zeroized on drop.
pub fn decode(input: &str) -> Result<Zeroizing<Vec<u8>>, Base32Error> {
    let normalized = normalize(input);
    if normalized.is_empty() {
        return Err(Base32Error::Empty);
    }
    // A final group of 1, 3 or 6 characters cannot come from whole bytes.
    if matches!(normalized.len() % 8, 1 | 3 | 6) {
        return Err(Base32Error::ImpossibleLength(normalized.len()));
    }
    let mut out = Zeroizing::new(Vec::with_capacity(normalized.len() * 5 / 8));
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for (position, c) in normalized.chars().enumerate() {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return Err(Base32Error::InvalidCharacter { character: c, position }),
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Encodes without padding (the form otpauth URIs use).
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10 test vectors (padding stripped on encode, accepted on decode).
    #[test]
    fn rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(encode(plain.as_bytes()), encoded.trim_end_matches('='));
            if !plain.is_empty() {
                assert_eq!(decode(encoded).unwrap().as_slice(), plain.as_bytes());
            }
        }
    }

    #[test]
    fn lenient_input() {
        let expected = decode("JBSWY3DPEHPK3PXP").unwrap();
        for variant in ["jbsw y3dp ehpk 3pxp", " JBSW-Y3DP-EHPK-3PXP ", "jbswy3dpehpk3pxp===="] {
            assert_eq!(decode(variant).unwrap(), expected);
        }
        assert_eq!(expected.len(), 10, "80-bit secret");
    }

    #[test]
    fn errors() {
        assert_eq!(decode("  "), Err(Base32Error::Empty));
        assert_eq!(
            decode("ABC1"),
            Err(Base32Error::InvalidCharacter { character: '1', position: 3 })
        );
        assert_eq!(decode("A"), Err(Base32Error::ImpossibleLength(1)));
    }
}
