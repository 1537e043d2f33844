//! Just enough DER (ITU-T X.690 §8.1, §10.1) to find where an element ends: the attestation
//! certificate and the signature of a U2F response are concatenated without a length prefix.

/// Why bytes are not one DER element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DerError {
    /// Fewer bytes than the header or the declared length needs.
    Truncated,
    /// Not a SEQUENCE (tag 0x30).
    NotSequence,
    /// Indefinite length (0x80), not minimal, or more than three length bytes.
    BadLength,
}

/// Splits `bytes` after the DER SEQUENCE it starts with: `(element, rest)`.
pub(crate) fn split_sequence(bytes: &[u8]) -> Result<(&[u8], &[u8]), DerError> {
    let (&tag, after_tag) = bytes.split_first().ok_or(DerError::Truncated)?;
    if tag != 0x30 {
        return Err(DerError::NotSequence);
    }
    let (&first, after_first) = after_tag.split_first().ok_or(DerError::Truncated)?;
    let (content_len, header_len) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        // 0x80 is the BER indefinite form; certificates above 16 MiB are not plausible.
        if count == 0 || count > 3 {
            return Err(DerError::BadLength);
        }
        let len_bytes = after_first.get(..count).ok_or(DerError::Truncated)?;
        // DER: no leading zero byte, and the long form only for lengths of 128 or more.
        if len_bytes.first() == Some(&0) {
            return Err(DerError::BadLength);
        }
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return Err(DerError::BadLength);
        }
        (len, 2 + count)
    };
    let total = header_len + content_len;
    if bytes.len() < total {
        return Err(DerError::Truncated);
    }
    Ok(bytes.split_at(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_forms() {
        assert_eq!(
            split_sequence(&[0x30, 0x01, 0xaa, 0xbb]),
            Ok((&[0x30, 0x01, 0xaa][..], &[0xbb][..]))
        );
        let mut long = vec![0x30, 0x81, 0x80];
        long.extend(std::iter::repeat_n(0u8, 0x80));
        long.push(0x99);
        let (element, rest) = split_sequence(&long).unwrap();
        assert_eq!(element.len(), 0x83);
        assert_eq!(rest, [0x99]);
    }

    #[test]
    fn errors() {
        assert_eq!(split_sequence(&[]), Err(DerError::Truncated));
        assert_eq!(split_sequence(&[0x31, 0x00]), Err(DerError::NotSequence));
        assert_eq!(split_sequence(&[0x30]), Err(DerError::Truncated));
        assert_eq!(
            split_sequence(&[0x30, 0x80, 0x00, 0x00]),
            Err(DerError::BadLength)
        );
        assert_eq!(
            split_sequence(&[0x30, 0x84, 1, 0, 0, 0]),
            Err(DerError::BadLength)
        );
        assert_eq!(
            split_sequence(&[0x30, 0x81, 0x05, 0, 0, 0, 0, 0]),
            Err(DerError::BadLength)
        );
        assert_eq!(
            split_sequence(&[0x30, 0x82, 0x00, 0x90]),
            Err(DerError::BadLength)
        );
        assert_eq!(
            split_sequence(&[0x30, 0x03, 0x01]),
            Err(DerError::Truncated)
        );
        assert_eq!(
            split_sequence(&[0x30, 0x82, 0x01]),
            Err(DerError::Truncated)
        );
    }
}
